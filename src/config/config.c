/*
 * Configuration loader: defaults of the offline tool (SPEC 2.2) and of the
 * live recorder (SPEC 3.1), and one INI reader for both dialects.
 *
 * Line rules, offline dialect (SPEC 2.2, reproduced exactly): the line is
 * cut at the first '#' or ';' anywhere, trimmed, names are case-sensitive,
 * a UTF-8 BOM is not stripped, and every error is "config line N: <msg>".
 * Live dialect (SPEC 3.1): ';'/'#' start a comment only at the line start
 * or after whitespace, names are case-insensitive, a BOM is skipped, empty
 * values are allowed (e.g. "interface ="), errors are "<path>:<N>: <msg>"
 * and the cross-key checks run after the file, reported as line 0.
 * The keys themselves live in one table (config_keys.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <constrictor/constrictor.h>
#include "config_int.h"

void cst_config_defaults(struct cst_config *c)
{
        memset(c, 0, sizeof(*c));
        c->min_saved_bytes_per_packet = 16;
        c->max_flows = 262144; /* 2^18: peak RSS <= 64 MiB whatever the input (flowtable.h) */
        c->flow_idle_timeout_sec = 300;
        c->tls_enabled = true;
        c->tls_ports.any = true;
        c->app_data_keep_record_bytes = 8;
        c->app_data_continuation_keep_bytes = 8;
        c->tls_policy = CST_TLS_FINAL_ONLY;
        c->quic_enabled = true;
        c->quic_ports.any = true;
        c->short_header_keep_packet_bytes = 32;
        c->require_dcid_match = true;
        c->fill_byte = 0xAB;
        c->backend = CST_BACKEND_TPACKET_V3;
        c->default_snaplen = 262144;
        c->max_capture_len = 262144;
        c->ring_block_size = 1048576;
        c->ring_block_count = 64;
        c->ring_frame_size = 2048;
        c->block_timeout_ms = 64;
        c->stats_enabled = true;
}

static void port_set_of(struct cst_port_set *s, const uint16_t *ports, size_t n)
{
        memset(s, 0, sizeof(*s));
        for (size_t i = 0; i < n; i++)
                s->bits[ports[i] >> 3] |= (uint8_t)(1u << (ports[i] & 7));
}

void cst_config_live_defaults(struct cst_config *c)
{
        static const uint16_t tls_ports[] = {443, 8443};
        static const uint16_t quic_ports[] = {443};

        cst_config_defaults(c);
        c->app_data_keep_record_bytes = 256;
        c->app_data_continuation_keep_bytes = 64;
        c->short_header_keep_packet_bytes = 128;
        c->require_dcid_match = false;
        c->allow_short_header_without_known_dcid = true;
        port_set_of(&c->tls_ports, tls_ports, 2);
        port_set_of(&c->quic_ports, quic_ports, 1);
        c->backend = CST_BACKEND_RECVMSG;
        strcpy(c->output, "output.pcap");
        c->default_snaplen = 65535;
        c->max_capture_len = 65535;
}

static const char *const policy_names[] = {"final_only", "stream", "bulk", "track"};

const char *cst_tls_policy_name(enum cst_tls_policy p)
{
        if ((unsigned)p < sizeof(policy_names) / sizeof(policy_names[0]))
                return policy_names[p];
        return "unknown";
}

int cst_tls_policy_parse(const char *s, enum cst_tls_policy *out)
{
        for (unsigned i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
                if (strcmp(s, policy_names[i]) == 0) {
                        *out = (enum cst_tls_policy)i;
                        return 0;
                }
        }
        return -1;
}

void cst_config_set_policy(struct cst_config *cfg, enum cst_tls_policy p)
{
        cfg->tls_policy = p;
        if (!cfg->keep_encrypted_handshake_set)
                cfg->keep_encrypted_handshake = p == CST_TLS_TRACK;
        if (!cfg->quic_require_initial_proof_set)
                cfg->quic_require_initial_proof = p == CST_TLS_TRACK;
}

int cst_config_validate(const struct cst_config *c, char *err)
{
        if (c->ring_frame_size == 0 || c->ring_block_size % c->ring_frame_size != 0) {
                snprintf(err, CST_ERRBUF,
                         "capture.ring_block_size (%u) must be a multiple of "
                         "capture.ring_frame_size (%u)",
                         c->ring_block_size, c->ring_frame_size);
                return CST_EFATAL;
        }
        if (c->default_snaplen == 0 || c->max_capture_len == 0) {
                snprintf(err, CST_ERRBUF,
                         "capture.default_snaplen and capture.max_capture_len must be >= 1");
                return CST_EFATAL;
        }
        return 0;
}

/* ---- the reader ---------------------------------------------------- */

struct cfg_reader {
        struct cst_config *cfg;
        enum cst_config_dialect dialect;
        const char *path;
        unsigned long line;
        const char *section; /* canonical name, NULL before the first header */
        char *err;
};

static int fail(struct cfg_reader *r, unsigned long line, const char *fmt, const char *arg1,
                const char *arg2)
{
        char msg[CST_ERRBUF / 2 + 64];

        snprintf(msg, sizeof(msg), fmt, arg1 ? arg1 : "", arg2 ? arg2 : "");
        /* Precisions keep long paths and values from hiding the message. */
        if (r->dialect == CST_DIALECT_OFFLINE)
                snprintf(r->err, CST_ERRBUF, "config line %lu: %.400s", line, msg);
        else
                snprintf(r->err, CST_ERRBUF, "%.160s:%lu: %.300s", r->path, line, msg);
        return CST_EFATAL;
}

static bool name_eq(const struct cfg_reader *r, const char *a, const char *b)
{
        return r->dialect == CST_DIALECT_OFFLINE ? strcmp(a, b) == 0 : strcasecmp(a, b) == 0;
}

static void cut_comment(char *s, enum cst_config_dialect dialect)
{
        for (char *p = s; *p; p++) {
                if (*p != '#' && *p != ';')
                        continue;
                if (dialect == CST_DIALECT_OFFLINE || p == s || isspace((unsigned char)p[-1])) {
                        *p = '\0';
                        return;
                }
        }
}

/* Trim ASCII whitespace in place; returns the new start. */
static char *trim(char *s)
{
        char *e = s + strlen(s);

        while (isspace((unsigned char)*s))
                s++;
        while (e > s && isspace((unsigned char)e[-1]))
                e--;
        *e = '\0';
        return s;
}

static int on_section(struct cfg_reader *r, char *s)
{
        size_t n = strlen(s);
        char *name;

        if (s[n - 1] != ']')
                return fail(r, r->line, "invalid section header", NULL, NULL);
        s[n - 1] = '\0';
        name = trim(s + 1);
        for (const char *const *sec = cfg_sections; *sec; sec++) {
                if (name_eq(r, name, *sec)) {
                        r->section = *sec;
                        return 0;
                }
        }
        return fail(r, r->line, "unknown config section: %s", name, NULL);
}

static int on_assignment(struct cfg_reader *r, char *s)
{
        char *eq = strchr(s, '=');
        char *key, *val;

        if (!eq)
                return fail(r, r->line, "expected key = value", NULL, NULL);
        *eq = '\0';
        key = trim(s);
        val = trim(eq + 1);
        if (key[0] == '\0' || (val[0] == '\0' && r->dialect == CST_DIALECT_OFFLINE))
                return fail(r, r->line, "expected non-empty key and value", NULL, NULL);
        if (!r->section)
                return fail(r, r->line, "key appears before any section", NULL, NULL);
        for (size_t i = 0; i < cfg_key_count; i++) {
                const struct cfg_key *k = &cfg_keys[i];
                if (strcmp(k->section, r->section) != 0 || !name_eq(r, key, k->key))
                        continue;
                if (k->parse(k, val, r->dialect, r->cfg) == 0)
                        return 0;
                if (r->dialect == CST_DIALECT_LIVE && k->live_msg)
                        return fail(r, r->line, "%s", k->live_msg, NULL);
                return fail(r, r->line, "%s", k->msg, NULL);
        }
        return fail(r, r->line, "unknown config key: %s.%s", r->section, key);
}

static int on_line(struct cfg_reader *r, char *s)
{
        /* A UTF-8 BOM is an error in the offline dialect (SPEC 2.2 rule 7). */
        if (r->line == 1 && r->dialect == CST_DIALECT_LIVE && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
                s += 3;
        cut_comment(s, r->dialect);
        s = trim(s);
        if (s[0] == '\0')
                return 0;
        if (s[0] == '[')
                return on_section(r, s);
        return on_assignment(r, s);
}

static int read_lines(struct cfg_reader *r, FILE *f)
{
        char *buf = NULL;
        size_t cap = 0;
        int rc = 0;

        while (getline(&buf, &cap, f) >= 0) {
                r->line++;
                rc = on_line(r, buf);
                if (rc != 0)
                        break;
        }
        if (rc == 0 && (ferror(f) || !feof(f))) { /* getline() failed before EOF */
                if (r->dialect == CST_DIALECT_OFFLINE)
                        snprintf(r->err, CST_ERRBUF, "failed while reading config file");
                else
                        snprintf(r->err, CST_ERRBUF, "%.400s:%lu: failed while reading config file",
                                 r->path, r->line);
                rc = CST_EFATAL;
        }
        free(buf);
        return rc;
}

static int finish_live(struct cfg_reader *r)
{
        char msg[CST_ERRBUF];

        if (cst_config_validate(r->cfg, msg) != 0)
                return fail(r, 0, "%.300s", msg, NULL);
        return 0;
}

int cst_config_load(struct cst_config *cfg, const char *path, enum cst_config_dialect dialect,
                    char *err)
{
        struct cfg_reader r = {NULL, dialect, path, 0, NULL, err};
        FILE *f;
        int rc;

        r.cfg = malloc(sizeof(*r.cfg));
        if (!r.cfg) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        *r.cfg = *cfg;
        f = fopen(path, "r");
        if (!f) {
                if (dialect == CST_DIALECT_OFFLINE)
                        snprintf(err, CST_ERRBUF, "failed to open config file");
                else
                        snprintf(err, CST_ERRBUF, "%.300s:0: failed to open config file: %.100s",
                                 path, strerror(errno));
                free(r.cfg);
                return CST_EFATAL;
        }
        rc = read_lines(&r, f);
        fclose(f);
        if (rc == 0 && dialect == CST_DIALECT_LIVE)
                rc = finish_live(&r);
        if (rc == 0) {
                cst_config_set_policy(r.cfg, r.cfg->tls_policy);
                *cfg = *r.cfg;
        }
        free(r.cfg);
        return rc;
}
