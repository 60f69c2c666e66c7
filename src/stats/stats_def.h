/*
 * Private: the layout of struct cst_stats.  Public headers keep the type
 * opaque (programs read counters by name or through cst_stats_next), so a
 * new counter changes nothing outside the library; the library, its tests
 * and the benchmarks use the fields directly through this header.  Field
 * order follows the stats text of SPEC 2.10; all counters are 64-bit.  A
 * new counter is a field here and a row in stats_fields.c.
 */
#ifndef CST_STATS_DEF_H
#define CST_STATS_DEF_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/stats.h>

/* Room for every enum cst_reason (CST_R_COUNT <= this, checked by the engine). */
#define CST_STATS_REASON_SLOTS 32

struct cst_stats {
        /* input description */
        bool input_pcapng;
        bool input_nsec;
        bool input_big_endian;
        uint32_t input_linktype;
        uint32_t input_snaplen;
        int tls_policy; /* enum cst_tls_policy, printed as a label */

        uint64_t total_packets;
        uint64_t total_captured_bytes_read;
        uint64_t total_original_bytes_read;
        uint64_t total_captured_bytes_written;
        uint64_t total_original_bytes_written;
        uint64_t input_incomplete_tail;
        uint64_t input_incomplete_packet_records;
        uint64_t input_trailing_unprocessed_bytes;
        uint64_t input_missing_packet_payload_bytes;
        uint64_t already_truncated_input_packets;
        uint64_t packets_reinflated;
        uint64_t filler_bytes_written;
        uint64_t decoded_tcp_packets;
        uint64_t decoded_udp_packets;
        uint64_t malformed_packets;
        uint64_t unsupported_link_type_packets;
        uint64_t tls_truncated;
        uint64_t tls_bytes_saved;
        uint64_t tls_kept_uncertain;
        uint64_t tls_truncated_app_data_start;
        uint64_t tls_truncated_final_continuation;
        uint64_t tls_kept_unsynchronized_non_handshake;
        uint64_t tls_kept_tcp_seq_mismatch;
        uint64_t tls_kept_malformed_record;
        uint64_t tls_kept_middle_continuation;
        uint64_t tls_kept_app_data_continuation_with_extra_bytes;
        uint64_t tls_kept_no_candidate;
        uint64_t tls_kept_min_savings;
        uint64_t tls_resynchronized;
        uint64_t tls_resynchronized_app_data_start;
        uint64_t tls_state_reset_on_seq_mismatch;
        uint64_t tls_state_reset_on_syn_or_rst;
        uint64_t tls_truncated_stream_continuation;
        uint64_t tls_stream_continuation_boundary_parsed;
        uint64_t tls_truncated_bulk_continuation;
        uint64_t quic_truncated;
        uint64_t quic_bytes_saved;
        uint64_t quic_kept_uncertain;
        uint64_t quic_kept_dcid_mismatch;
        uint64_t checksums_recomputed_ipv4;
        uint64_t checksums_recomputed_tcp;
        uint64_t checksums_recomputed_udp;
        uint64_t checksum_skipped;
        uint64_t checksum_skipped_unsupported_link_type;
        uint64_t checksum_skipped_decode_failed;
        uint64_t checksum_skipped_malformed;
        uint64_t checksum_skipped_fragment;
        uint64_t checksum_skipped_not_tcp_udp;
        uint64_t checksum_skipped_incomplete;
        uint64_t checksum_skipped_length_mismatch;
        uint64_t checksum_skipped_ipv4_total_length_zero;
        uint64_t pcapng_enhanced_packets;
        uint64_t pcapng_unknown_blocks_copied;
        uint64_t pcapng_unsupported_packets;

        /* constrictor additions (printed after the compatible block) */
        uint64_t caplen_exceeds_origlen_packets; /* kept whole, warned (SPEC 6.9) */
        uint64_t flows_active;
        uint64_t flows_evicted;
        uint64_t flows_timed_out;
        uint64_t flows_closed;

        /* live capture */
        bool have_kernel_stats;
        uint64_t kernel_packets;
        uint64_t kernel_drops;
        uint64_t receive_errors;

        /* `track` policy and learning QUIC (issue 12; printed when non-zero) */
        uint64_t tls_track_proven_hello;             /* connections proven by a hello */
        uint64_t tls_track_proven_chain;             /* ... by 3 chained AppData headers */
        uint64_t tls_track_resyncs;                  /* sync regained after a loss */
        uint64_t tls_track_sync_lost;                /* a gap or bad header lost sync */
        uint64_t tls_track_gaps;                     /* segments after missing bytes */
        uint64_t tls_track_unsynced_bytes_kept;      /* payload kept while unsynchronised */
        uint64_t tls_encrypted_handshake_bytes_kept; /* TLS 1.3 flight kept beyond KR */
        uint64_t quic_version_negotiation;
        uint64_t quic_migrations_adopted;
        /* track: client Initials whose protection removed with the keys of
         * their DCID (RFC 9001 §5.2), Initial-typed datagrams of >= 1200
         * bytes that failed the proof, and packets kept whole because their
         * flow's Initial was not proven */
        uint64_t quic_initials_proven;
        uint64_t quic_initials_not_proven;
        uint64_t quic_kept_not_proven;

        /*
         * The settled verdicts (engine): packets per final reason (index:
         * enum cst_reason of <constrictor/engine.h>), and the SPEC 3.2
         * snaplen cap that `capture` sets (cst_engine_set_snaplen_cap).
         * Not part of the stats text; read by name (stats_api.c).
         */
        uint64_t reason_packets[CST_STATS_REASON_SLOTS];
        uint64_t snaplen_capped_packets;  /* kept length = the cap, below caplen */
        uint64_t quic_short_kept_snaplen; /* QUIC short-header cut undone against the cap */
        /* live eBPF backend (issue 19 item 4): packets the kernel cut
         * (CST_PKT_KERNEL_CUT), and of them those the policy would have kept
         * longer (must stay 0: the kernel never cuts what the policy keeps) */
        uint64_t kernel_cut_packets;
        uint64_t kernel_cut_short;
};

#endif
