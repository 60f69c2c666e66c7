/*
 * Private: the layout of struct cst_config.  Public headers keep the type
 * opaque (programs use the by-name API of config.h), so a new key changes
 * nothing outside the library; the library, its tests and the benchmarks
 * read the fields directly through this header.
 */
#ifndef CST_CONFIG_DEF_H
#define CST_CONFIG_DEF_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/config.h>

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
        /* issue 20: a decision-log row for every packet (QUIC included) under any
         * policy; `track` always writes one */
        bool decision_log_all;
        /* issue 20: an SSLKEYLOGFILE written into PCAPNG output as DSBs ("" = none) */
        char tls_keylog[4096];
        bool annotate; /* issue 20: PCAPNG comments on cut packets (the commands read it) */

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

        /* [output] compress, compress_level (issue 18: every command writing a capture file) */
        int compress; /* enum cst_compress */
        int compress_level;

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
        uint32_t workers; /* fanout workers (1 = one thread, the plain pipeline) */

        /* [stats] */
        bool stats_enabled;
        /* [stats] live statistics (issue 18 item 6): 0 / "" = off */
        uint32_t stats_interval_sec;
        char stats_file[4096];
        char stats_metrics_listen[256];

        /* [output] (issue 18 items 1-2: rotation, complete files, -z; constrict and capture) */
        uint32_t rotate_size_mb;        /* -C */
        uint32_t rotate_seconds;        /* -G */
        uint32_t max_files;             /* -W */
        char part_suffix[64];           /* --part-suffix (default ".part") */
        char part_prefix[64];           /* --part-prefix (default "") */
        char post_rotate_command[4096]; /* -z */
        uint32_t post_rotate_jobs;      /* --post-rotate-jobs (default 1) */
        bool direct_io;                 /* live files with O_DIRECT (default true) */
};

#endif
