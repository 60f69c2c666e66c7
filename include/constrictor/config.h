/*
 * Configuration: every tunable of the policy, reinflate, live capture and
 * stats, with the defaults of the offline tool (SPEC 2.2) or of the live
 * recorder (SPEC 3.1).  One loader reads both INI dialects from one key table.
 */
#ifndef CONSTRICTOR_CONFIG_H
#define CONSTRICTOR_CONFIG_H

#include <stdint.h>
#include <stdbool.h>

enum cst_tls_policy {
        CST_TLS_FINAL_ONLY = 0,
        CST_TLS_STREAM = 1,
        CST_TLS_BULK = 2,
        CST_TLS_TRACK = 3,
};

enum cst_backend {
        CST_BACKEND_TPACKET_V3 = 0,
        CST_BACKEND_RECVMSG = 1,
};

enum cst_config_dialect {
        CST_DIALECT_OFFLINE = 0, /* SPEC 2.2: case-sensitive, ';'/'#' cut anywhere, hex ints */
        CST_DIALECT_LIVE = 1,    /* SPEC 3.1: case-insensitive names, decimal, 1/0 booleans */
};

#define CST_PORT_BITMAP_BYTES 8192 /* one bit per TCP/UDP port */

struct cst_port_set {
        bool any; /* no list configured: every port is analysed */
        uint8_t bits[CST_PORT_BITMAP_BYTES];
};

static inline bool cst_port_in(const struct cst_port_set *s, uint16_t port)
{
        return s->any || (s->bits[port >> 3] >> (port & 7)) & 1u;
}

struct cst_config {
        /* [general] */
        uint32_t min_saved_bytes_per_packet;
        uint32_t max_flows;             /* flow table cap */
        uint32_t flow_idle_timeout_sec; /* by packet time; 0 = never */

        /* [tls] */
        bool tls_enabled;
        struct cst_port_set tls_ports;
        uint32_t app_data_keep_record_bytes;       /* KR, >= 5 */
        uint32_t app_data_continuation_keep_bytes; /* KC */
        enum cst_tls_policy tls_policy;
        bool keep_encrypted_handshake;
        bool keep_encrypted_handshake_set; /* named in a config file: `track` keeps the choice */

        /* [quic] */
        bool quic_enabled;
        struct cst_port_set quic_ports;
        uint32_t short_header_keep_packet_bytes;
        bool require_dcid_match;
        bool allow_short_header_without_known_dcid;
        bool learn_all_long_headers;
        /* a QUIC flow is cut only once its client Initial is proven (RFC 9001
         * §5.2 keys of its DCID, issue 17 item 5); default: true under
         * `track`, false for the compatible policies unless named in a file */
        bool quic_require_initial_proof;
        bool quic_require_initial_proof_set;

        /* [reinflate] */
        bool fill_random;
        uint8_t fill_byte;
        bool seed_set;
        uint64_t seed;
        bool checksum_recompute;

        /* [capture] (live) */
        enum cst_backend backend;
        char interface[64];
        char output[4096];
        bool promiscuous;
        uint32_t default_snaplen;
        uint32_t max_capture_len;
        uint64_t max_packets;
        uint64_t duration_sec;
        uint32_t ring_block_size;
        uint32_t ring_block_count;
        uint32_t ring_frame_size;
        uint32_t block_timeout_ms;

        /* [stats] */
        bool stats_enabled;
};

/* Defaults of the offline tool (SPEC 2.2). */
void cst_config_defaults(struct cst_config *cfg);
/* Defaults of the live recorder (SPEC 3.1). */
void cst_config_live_defaults(struct cst_config *cfg);
/*
 * Load an INI file over the values already in cfg (only the keys the file
 * names change).  On error returns CST_EFATAL and writes e.g.
 * "config line 3: unknown config key: tls.foo" into err.
 */
int cst_config_load(struct cst_config *cfg, const char *path, enum cst_config_dialect dialect,
                    char *err);
/* "final_only", "stream", "bulk", "track" (and "unknown" for other values). */
const char *cst_tls_policy_name(enum cst_tls_policy p);
/* Exact, case-sensitive names above; 0 on success, -1 otherwise. */
int cst_tls_policy_parse(const char *s, enum cst_tls_policy *out);
/*
 * Select the TLS continuation policy (e.g. from --policy) with the defaults it
 * implies: under `track` keep_encrypted_handshake is on unless a config file
 * set it explicitly.
 */
void cst_config_set_policy(struct cst_config *cfg, enum cst_tls_policy p);
/*
 * Cross-key checks of the [capture] values (ring_block_size a multiple of
 * ring_frame_size, ...).  Run by the live-dialect loader (reported as line 0);
 * callers building a config by hand may run it too.  Writes the bare message.
 */
int cst_config_validate(const struct cst_config *cfg, char *err);

#endif
