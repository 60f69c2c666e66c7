/*
 * Configuration loader: defaults of the offline tool (SPEC 2.2) and of the
 * live recorder (SPEC 3.1), and one INI reader for every command.
 *
 * The grammar accepts every file either existing tool accepted, with the
 * same meaning (docs/compatibility.md, "Configuration files"):
 *  - section and key names are case-insensitive (SPEC 3.1);
 *  - a UTF-8 BOM at the start of the file is skipped (SPEC 3.1);
 *  - comments: a line is first read with ';'/'#' starting a comment only at
 *    the line start or after whitespace (SPEC 3.1: "output = a#b.pcap"
 *    keeps its '#'); if that reading is invalid and cutting at the first
 *    ';'/'#' anywhere (SPEC 2.2: "16;note", "track#x") gives another text,
 *    that text is read instead.  No integer, boolean, port list or policy
 *    name contains ';' or '#', so the two readings never disagree on a
 *    valid value; only a string key (interface, output) keeps them;
 *  - an empty value is allowed for string keys ("interface ="), else it is
 *    "expected non-empty key and value" (SPEC 2.2);
 *  - values: config_values.c.
 * Errors keep the SPEC 2.2 messages.  The dialect only picks the prefix:
 * "config line N: <msg>" (offline) or "<path>:<N>: <msg>" (live, where the
 * cross-key checks run after the file, reported as line 0).  The keys live
 * in one table (config_keys.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config/config_int.h"

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
        c->ring_block_size = 4194304; /* one wake-up per 4 MiB at full rate (issue 19) */
        c->ring_block_count = 16;
        c->ring_frame_size = 2048;
        c->block_timeout_ms = 64;
        c->workers = 1;
        c->stats_enabled = true;
        strcpy(c->part_suffix, ".part");
        c->post_rotate_jobs = 1;
        c->direct_io = true;
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
        c->ring_block_size = 1048576; /* SPEC 3.1's ring, for the AFPacket form */
        c->ring_block_count = 64;
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

/*
 * Cut the comment: with `anywhere`, at the first ';'/'#' (SPEC 2.2);
 * otherwise only at one that starts the line or follows whitespace (SPEC 3.1).
 */
static void cut_comment(char *s, bool anywhere)
{
        for (char *p = s; *p; p++) {
                if (*p != '#' && *p != ';')
                        continue;
                if (anywhere || p == s || isspace((unsigned char)p[-1])) {
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
                if (strcasecmp(name, *sec) == 0) {
                        r->section = *sec;
                        return 0;
                }
        }
        return fail(r, r->line, "unknown config section: %s", name, NULL);
}

static int on_assignment(struct cfg_reader *r, char *s)
{
        char *eq = strchr(s, '=');
        const struct cfg_key *k;
        char *key, *val;

        if (!eq)
                return fail(r, r->line, "expected key = value", NULL, NULL);
        *eq = '\0';
        key = trim(s);
        val = trim(eq + 1);
        k = r->section ? cfg_find(r->section, key) : NULL;
        if (key[0] == '\0' || (val[0] == '\0' && !(k && k->type == CST_CONFIG_STRING)))
                return fail(r, r->line, "expected non-empty key and value", NULL, NULL);
        if (!r->section)
                return fail(r, r->line, "key appears before any section", NULL, NULL);
        if (!k)
                return fail(r, r->line, "unknown config key: %s.%s", r->section, key);
        if (k->parse(k, val, r->cfg) == 0)
                return 0;
        if (r->dialect == CST_DIALECT_LIVE && k->live_msg)
                return fail(r, r->line, "%s", k->live_msg, NULL);
        return fail(r, r->line, "%s", k->msg, NULL);
}

/* One line already cut and trimmed. */
static int on_text(struct cfg_reader *r, char *s)
{
        if (s[0] == '\0')
                return 0;
        if (s[0] == '[')
                return on_section(r, s);
        return on_assignment(r, s);
}

static int on_line(struct cfg_reader *r, char *raw)
{
        char *copy, *s, *alt;
        size_t n;
        int rc;

        if (r->line == 1 && strncmp(raw, "\xEF\xBB\xBF", 3) == 0)
                raw += 3;
        n = strlen(raw) + 1;
        copy = malloc(n);
        if (!copy) {
                snprintf(r->err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        memcpy(copy, raw, n);
        cut_comment(raw, false); /* first reading: comments after whitespace (SPEC 3.1) */
        s = trim(raw);
        cut_comment(copy, true); /* second reading: cut at the first ';'/'#' (SPEC 2.2) */
        alt = trim(copy);
        if (strcmp(alt, s) == 0) {
                rc = on_text(r, s);
        } else {
                /*
                 * on_text() writes into its line, so the readings stay apart.
                 * When both fail, the second reading's message is reported.
                 */
                char *err = r->err, scratch[CST_ERRBUF];
                r->err = scratch;
                rc = on_text(r, s);
                r->err = err;
                if (rc == CST_EFATAL)
                        rc = on_text(r, alt);
        }
        free(copy);
        return rc;
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
                        snprintf(err, CST_ERRBUF, "failed to open config file: %.300s: %.100s",
                                 path, strerror(errno)); /* SPEC 2.2 wording first */
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
