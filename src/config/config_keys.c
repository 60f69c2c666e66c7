/*
 * The configuration key table: every INI key constrictor understands, with
 * its section, type, value parser and formatter, target field, accepted
 * range and the exact error message.  The keys and messages of [general],
 * [tls], [quic] and [reinflate] are those of the offline tool (SPEC 2.2);
 * [capture] and [stats] are the live recorder's (SPEC 3.1);
 * ports/enabled/max_flows/flow_idle_timeout_sec/keep_encrypted_handshake/
 * learn_all_long_headers/require_initial_proof/seed/annotate are constrictor's own.  Every command
 * reads every key.  A new key is one row here (and a field in config_def.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config/config_int.h"
#include "util/zio.h"

#define FIELD_PTR(c, k, type)  ((type *)(void *)((char *)(c) + (k)->offset))
#define CFIELD_PTR(c, k, type) ((const type *)(const void *)((const char *)(c) + (k)->offset))
#define U32_MAX                4294967295u
#define U64_MAX                18446744073709551615u

const char *const cfg_sections[] = {"general", "tls",   "quic",   "reinflate",
                                    "capture", "stats", "output", NULL};

uint64_t cfg_uint_value(const struct cfg_key *k, const struct cst_config *c)
{
        return k->width == 8 ? *CFIELD_PTR(c, k, uint64_t) : *CFIELD_PTR(c, k, uint32_t);
}

int cfg_set_uint(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        uint64_t n;
        if (cfg_parse_uint(v, k->width == 8 ? U64_MAX : U32_MAX, &n) != 0 || n < k->min ||
            n > k->max)
                return -1;
        if (k->width == 8)
                *FIELD_PTR(c, k, uint64_t) = n;
        else
                *FIELD_PTR(c, k, uint32_t) = (uint32_t)n;
        return 0;
}

size_t cfg_fmt_uint(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size)
{
        return (size_t)snprintf(buf, size, "%llu", (unsigned long long)cfg_uint_value(k, c));
}

int cfg_set_bool(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        return cfg_parse_bool(v, FIELD_PTR(c, k, bool));
}

size_t cfg_fmt_bool(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size)
{
        return (size_t)snprintf(buf, size, "%s", *CFIELD_PTR(c, k, bool) ? "true" : "false");
}

int cfg_set_ports(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        return cfg_parse_port_list(v, FIELD_PTR(c, k, struct cst_port_set));
}

/* "any", or the ports in ascending order, comma-separated. */
size_t cfg_fmt_ports(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size)
{
        const struct cst_port_set *s = CFIELD_PTR(c, k, struct cst_port_set);
        size_t len = 0;

        if (s->any)
                return (size_t)snprintf(buf, size, "any");
        if (size)
                buf[0] = '\0';
        for (unsigned p = 0; p < 65536; p++) {
                if (!((s->bits[p >> 3] >> (p & 7)) & 1u))
                        continue;
                len += (size_t)snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
                                        "%s%u", len ? "," : "", p);
        }
        return len;
}

/* Strings: k->max is the size of the destination buffer. */
int cfg_set_string(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        if (strlen(v) >= k->max)
                return -1;
        strcpy(FIELD_PTR(c, k, char), v);
        return 0;
}

size_t cfg_fmt_string(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size)
{
        return (size_t)snprintf(buf, size, "%s", CFIELD_PTR(c, k, char));
}

static int set_policy(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        enum cst_tls_policy p;
        (void)k;
        if (cst_tls_policy_parse(v, &p) != 0)
                return -1;
        cst_config_set_policy(c, p);
        return 0;
}

/* Remember that it was chosen, so the policy does not override the choice. */
static int set_require_initial_proof(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        if (cfg_set_bool(k, v, c) != 0)
                return -1;
        c->quic_require_initial_proof_set = true;
        return 0;
}

static size_t fmt_policy(const struct cfg_key *k, const struct cst_config *c, char *buf,
                         size_t size)
{
        (void)k;
        return (size_t)snprintf(buf, size, "%s", cst_tls_policy_name(c->tls_policy));
}

/* Remember that it was chosen, so `track` does not override the choice. */
static int set_keep_encrypted_handshake(const struct cfg_key *k, const char *v,
                                        struct cst_config *c)
{
        if (cfg_set_bool(k, v, c) != 0)
                return -1;
        c->keep_encrypted_handshake_set = true;
        return 0;
}

static int set_fill_byte(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        uint64_t n;
        (void)k;
        if (strcmp(v, "random") == 0) {
                c->fill_random = true;
                return 0;
        }
        if (cfg_parse_uint(v, U32_MAX, &n) != 0 || n > 255)
                return -1;
        c->fill_random = false;
        c->fill_byte = (uint8_t)n;
        return 0;
}

static size_t fmt_fill_byte(const struct cfg_key *k, const struct cst_config *c, char *buf,
                            size_t size)
{
        (void)k;
        if (c->fill_random)
                return (size_t)snprintf(buf, size, "random");
        return (size_t)snprintf(buf, size, "0x%02X", c->fill_byte);
}

static int set_seed(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        if (cfg_set_uint(k, v, c) != 0)
                return -1;
        c->seed_set = true;
        return 0;
}

static int set_checksum_policy(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        (void)k;
        if (strcmp(v, "preserve") == 0 || strcmp(v, "recompute") == 0) {
                c->checksum_recompute = v[0] == 'r';
                return 0;
        }
        return -1;
}

static size_t fmt_checksum_policy(const struct cfg_key *k, const struct cst_config *c, char *buf,
                                  size_t size)
{
        (void)k;
        return (size_t)snprintf(buf, size, "%s", c->checksum_recompute ? "recompute" : "preserve");
}

static int set_backend(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        (void)k;
        if (strcmp(v, "recvmsg") == 0)
                c->backend = CST_BACKEND_RECVMSG;
        else if (strcmp(v, "tpacket_v3") == 0)
                c->backend = CST_BACKEND_TPACKET_V3;
        else if (strcmp(v, "pcap") == 0) /* issue 19 item 3 */
                c->backend = CST_BACKEND_PCAP;
        else if (strcmp(v, "ebpf") == 0) /* issue 19 item 4 */
                c->backend = CST_BACKEND_EBPF;
        else
                return -1;
        return 0;
}

static size_t fmt_backend(const struct cfg_key *k, const struct cst_config *c, char *buf,
                          size_t size)
{
        (void)k;
        if (c->backend == CST_BACKEND_PCAP) /* issue 19 item 3 */
                return (size_t)snprintf(buf, size, "pcap");
        if (c->backend == CST_BACKEND_EBPF) /* issue 19 item 4 */
                return (size_t)snprintf(buf, size, "ebpf");
        return (size_t)snprintf(buf, size, "%s",
                                c->backend == CST_BACKEND_RECVMSG ? "recvmsg" : "tpacket_v3");
}

/* output.compress: none, gzip or zstd (enum cst_compress). */
static int set_compress(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        (void)k;
        int m = zio_method_parse(v);
        if (m < 0)
                return -1;
        c->compress = m;
        return 0;
}

static size_t fmt_compress(const struct cfg_key *k, const struct cst_config *c, char *buf,
                           size_t size)
{
        static const char *const names[] = {"none", "gzip", "zstd"};
        (void)k;
        return (size_t)snprintf(buf, size, "%s", names[c->compress]);
}

/* output.compress_level: an integer, negative ones too (zstd's fast levels); checked at use. */
static int set_compress_level(const struct cfg_key *k, const char *v, struct cst_config *c)
{
        (void)k;
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (end == v || *end || errno || n < -1000000 || n > 1000000)
                return -1;
        c->compress_level = (int)n;
        return 0;
}

static size_t fmt_compress_level(const struct cfg_key *k, const struct cst_config *c, char *buf,
                                 size_t size)
{
        (void)k;
        return (size_t)snprintf(buf, size, "%d", c->compress_level);
}

#define FIELD(name) offsetof(struct cst_config, name)
#define WIDTH(name) ((uint8_t)sizeof(((struct cst_config *)0)->name))
#define ROW(s, k, type, parse, fmt, field, width, min, max, msg, live_msg)                         \
        {                                                                                          \
                s, k, s "." k, type, parse, fmt, FIELD(field), width, min, max, msg, live_msg      \
        }
#define UINT(s, k, field, min, max, msg)                                                           \
        ROW(s, k, CST_CONFIG_UINT, cfg_set_uint, cfg_fmt_uint, field, WIDTH(field), min, max, msg, \
            NULL)
#define BOOL(s, k, field)                                                                          \
        ROW(s, k, CST_CONFIG_BOOL, cfg_set_bool, cfg_fmt_bool, field, 0, 0, 0,                     \
            "invalid value for " s "." k "; expected true or false", NULL)
#define PORTS(s, field)                                                                            \
        ROW(s, "ports", CST_CONFIG_PORTS, cfg_set_ports, cfg_fmt_ports, field, 0, 0, 0,            \
            "invalid value for " s ".ports; expected comma-separated ports 0..65535", NULL)
#define STRING(s, k, field, msg)                                                                   \
        ROW(s, k, CST_CONFIG_STRING, cfg_set_string, cfg_fmt_string, field, 0, 0,                  \
            sizeof(((struct cst_config *)0)->field), msg, NULL)
#define MIN_MSG(s, k, m) "invalid value for " s "." k "; expected integer >= " m

const struct cfg_key cfg_keys[] = {
    UINT("general", "min_saved_bytes_per_packet", min_saved_bytes_per_packet, 0, U32_MAX,
         "invalid value for general.min_saved_bytes_per_packet"),
    UINT("general", "max_flows", max_flows, 1, U32_MAX, MIN_MSG("general", "max_flows", "1")),
    UINT("general", "flow_idle_timeout_sec", flow_idle_timeout_sec, 0, U32_MAX,
         MIN_MSG("general", "flow_idle_timeout_sec", "0")),
    /* issue 20 (analyst): decision log of every packet, TLS key log into PCAPNG output */
    BOOL("general", "decision_log_all", decision_log_all),
    STRING("general", "tls_keylog", tls_keylog,
           "invalid value for general.tls_keylog; expected a path shorter than 4096 bytes"),
    /* issue 20 (analyst-annotate) */
    BOOL("general", "annotate", annotate),

    BOOL("tls", "enabled", tls_enabled),
    PORTS("tls", tls_ports),
    UINT("tls", "app_data_keep_record_bytes", app_data_keep_record_bytes, 5, U32_MAX,
         MIN_MSG("tls", "app_data_keep_record_bytes", "5")),
    UINT("tls", "app_data_continuation_keep_bytes", app_data_continuation_keep_bytes, 0, U32_MAX,
         MIN_MSG("tls", "app_data_continuation_keep_bytes", "0")),
    ROW("tls", "app_data_continuation_policy", CST_CONFIG_ENUM, set_policy, fmt_policy, tls_policy,
        0, 0, 0,
        "invalid value for tls.app_data_continuation_policy; expected final_only, stream, or bulk",
        NULL),
    ROW("tls", "keep_encrypted_handshake", CST_CONFIG_BOOL, set_keep_encrypted_handshake,
        cfg_fmt_bool, keep_encrypted_handshake, 0, 0, 0,
        "invalid value for tls.keep_encrypted_handshake; expected true or false", NULL),

    BOOL("quic", "enabled", quic_enabled),
    PORTS("quic", quic_ports),
    UINT("quic", "short_header_keep_packet_bytes", short_header_keep_packet_bytes, 1, U32_MAX,
         MIN_MSG("quic", "short_header_keep_packet_bytes", "1")),
    BOOL("quic", "require_dcid_match", require_dcid_match),
    BOOL("quic", "allow_short_header_without_known_dcid", allow_short_header_without_known_dcid),
    BOOL("quic", "learn_all_long_headers", learn_all_long_headers),
    ROW("quic", "require_initial_proof", CST_CONFIG_BOOL, set_require_initial_proof, cfg_fmt_bool,
        quic_require_initial_proof, 0, 0, 0,
        "invalid value for quic.require_initial_proof; expected true or false", NULL),

    ROW("reinflate", "fill_byte", CST_CONFIG_BYTE, set_fill_byte, fmt_fill_byte, fill_byte, 0, 0,
        255, "invalid value for reinflate.fill_byte; expected byte value 0..255 or random", NULL),
    ROW("reinflate", "checksum_policy", CST_CONFIG_ENUM, set_checksum_policy, fmt_checksum_policy,
        checksum_recompute, 0, 0, 0,
        "invalid value for reinflate.checksum_policy; expected preserve or recompute", NULL),
    ROW("reinflate", "seed", CST_CONFIG_UINT, set_seed, cfg_fmt_uint, seed, WIDTH(seed), 0, U64_MAX,
        "invalid value for reinflate.seed; expected integer 0..18446744073709551615", NULL),

    ROW("output", "compress", CST_CONFIG_ENUM, set_compress, fmt_compress, compress, 0, 0, 0,
        "invalid value for output.compress; expected none, gzip or zstd", NULL),
    ROW("output", "compress_level", CST_CONFIG_STRING, set_compress_level, fmt_compress_level,
        compress_level, 0, 0, 0,
        "invalid value for output.compress_level; expected an integer (0 = default)", NULL),

    ROW("capture", "backend", CST_CONFIG_ENUM, set_backend, fmt_backend, backend, 0, 0, 0,
        "invalid value for capture.backend; expected recvmsg, tpacket_v3, pcap or ebpf",
        "unknown capture.backend value"),
    ROW("capture", "interface", CST_CONFIG_STRING, cfg_set_string, cfg_fmt_string, interface, 0, 0,
        16,
        "invalid value for capture.interface; expected an interface name of at most 15 "
        "characters",
        NULL),
    STRING("capture", "output", output,
           "invalid value for capture.output; expected a path of at most 4095 characters"),
    BOOL("capture", "promiscuous", promiscuous),
    UINT("capture", "default_snaplen", default_snaplen, 1, U32_MAX,
         MIN_MSG("capture", "default_snaplen", "1")),
    UINT("capture", "max_capture_len", max_capture_len, 1, U32_MAX,
         MIN_MSG("capture", "max_capture_len", "1")),
    UINT("capture", "max_packets", max_packets, 0, U64_MAX, MIN_MSG("capture", "max_packets", "0")),
    UINT("capture", "duration_sec", duration_sec, 0, U64_MAX,
         MIN_MSG("capture", "duration_sec", "0")),
    UINT("capture", "ring_block_size", ring_block_size, 1, U32_MAX,
         MIN_MSG("capture", "ring_block_size", "1")),
    UINT("capture", "ring_block_count", ring_block_count, 1, U32_MAX,
         MIN_MSG("capture", "ring_block_count", "1")),
    UINT("capture", "ring_frame_size", ring_frame_size, 1, U32_MAX,
         MIN_MSG("capture", "ring_frame_size", "1")),
    UINT("capture", "block_timeout_ms", block_timeout_ms, 0, U32_MAX,
         MIN_MSG("capture", "block_timeout_ms", "0")),
    /* issue 19: fanout workers (include/constrictor/workers.h) */
    UINT("capture", "workers", workers, 1, 256,
         "invalid value for capture.workers; expected an integer 1..256"),

    BOOL("stats", "enabled", stats_enabled),
    /* live statistics (issue 18 item 6; --stats-interval, --stats-file, --metrics-listen) */
    UINT("stats", "interval_sec", stats_interval_sec, 0, 86400,
         "invalid value for stats.interval_sec; expected seconds 0..86400"),
    STRING("stats", "file", stats_file,
           "invalid value for stats.file; expected a path of at most 4095 characters"),
    STRING("stats", "metrics_listen", stats_metrics_listen,
           "invalid value for stats.metrics_listen; expected ADDR:PORT of at most 255 characters"),

    /* [output]: rotation, complete files, post-rotate command (issue 18) */
    UINT("output", "rotate_size_mb", rotate_size_mb, 0, 1048576,
         "invalid value for output.rotate_size_mb; expected integer 0..1048576"),
    UINT("output", "rotate_seconds", rotate_seconds, 0, U32_MAX,
         MIN_MSG("output", "rotate_seconds", "0")),
    UINT("output", "max_files", max_files, 0, U32_MAX, MIN_MSG("output", "max_files", "0")),
    STRING("output", "part_suffix", part_suffix,
           "invalid value for output.part_suffix; expected at most 63 characters"),
    STRING("output", "part_prefix", part_prefix,
           "invalid value for output.part_prefix; expected at most 63 characters"),
    STRING("output", "post_rotate_command", post_rotate_command,
           "invalid value for output.post_rotate_command; expected at most 4095 characters"),
    UINT("output", "post_rotate_jobs", post_rotate_jobs, 1, 64,
         "invalid value for output.post_rotate_jobs; expected integer 1..64"),
    /* issue 19 item 2: capture files bypass the page cache */
    BOOL("output", "direct_io", direct_io),
};

const size_t cfg_key_count = sizeof(cfg_keys) / sizeof(cfg_keys[0]);

const struct cfg_key *cfg_find(const char *section, const char *key)
{
        for (size_t i = 0; i < cfg_key_count; i++)
                if (strcasecmp(cfg_keys[i].section, section) == 0 &&
                    strcasecmp(cfg_keys[i].key, key) == 0)
                        return &cfg_keys[i];
        return NULL;
}
