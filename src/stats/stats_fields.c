/*
 * The stats counters, in the exact order and with the exact labels of the
 * offline tool's stats block (SPEC 2.10), then constrictor's additions.
 */
#include "stats_int.h"

#define F(label, name)                                                                             \
        {                                                                                          \
                label, #name, offsetof(struct cst_stats, name), false                              \
        }
#define L(label, name)                                                                             \
        {                                                                                          \
                label, #name, offsetof(struct cst_stats, name), true                               \
        }

const struct stats_field stats_compat_fields[] = {
    F("total packets", total_packets),
    F("total captured bytes read", total_captured_bytes_read),
    F("total original bytes read", total_original_bytes_read),
    F("total captured bytes written", total_captured_bytes_written),
    F("total original bytes written", total_original_bytes_written),
    F("input incomplete tail", input_incomplete_tail),
    F("input incomplete packet records", input_incomplete_packet_records),
    F("input trailing unprocessed bytes", input_trailing_unprocessed_bytes),
    F("input missing packet payload bytes", input_missing_packet_payload_bytes),
    F("already truncated input packets", already_truncated_input_packets),
    F("packets reinflated", packets_reinflated),
    F("filler bytes written", filler_bytes_written),
    F("decoded TCP packets", decoded_tcp_packets),
    F("decoded UDP packets", decoded_udp_packets),
    F("malformed packets", malformed_packets),
    F("unsupported link type packets", unsupported_link_type_packets),
    F("TLS packets truncated", tls_truncated),
    F("TLS bytes saved", tls_bytes_saved),
    F("TLS packets kept uncertain", tls_kept_uncertain),
    F("TLS packets truncated AppData start", tls_truncated_app_data_start),
    F("TLS packets truncated final continuation", tls_truncated_final_continuation),
    F("TLS packets kept unsynchronized non-handshake", tls_kept_unsynchronized_non_handshake),
    F("TLS packets kept TCP seq mismatch", tls_kept_tcp_seq_mismatch),
    F("TLS packets kept malformed record", tls_kept_malformed_record),
    F("TLS packets kept middle continuation", tls_kept_middle_continuation),
    F("TLS packets kept AppData continuation with extra bytes",
      tls_kept_app_data_continuation_with_extra_bytes),
    F("TLS packets kept no candidate", tls_kept_no_candidate),
    F("TLS packets kept min savings", tls_kept_min_savings),
    F("TLS packets resynchronized", tls_resynchronized),
    F("TLS packets resynchronized AppData start", tls_resynchronized_app_data_start),
    F("TLS packets state reset on seq mismatch", tls_state_reset_on_seq_mismatch),
    F("TLS packets state reset on SYN/RST", tls_state_reset_on_syn_or_rst),
    F("TLS packets truncated stream continuation", tls_truncated_stream_continuation),
    F("TLS packets stream continuation boundary parsed", tls_stream_continuation_boundary_parsed),
    F("TLS packets truncated bulk continuation", tls_truncated_bulk_continuation),
    /* "TLS AppData continuation policy: <name>" is printed here */
    F("QUIC packets truncated", quic_truncated),
    F("QUIC bytes saved", quic_bytes_saved),
    F("QUIC packets kept uncertain", quic_kept_uncertain),
    F("QUIC packets kept DCID mismatch", quic_kept_dcid_mismatch),
    F("checksums recomputed IPv4", checksums_recomputed_ipv4),
    F("checksums recomputed TCP", checksums_recomputed_tcp),
    F("checksums recomputed UDP", checksums_recomputed_udp),
    F("checksum recompute skipped", checksum_skipped),
    F("checksum recompute skipped unsupported link type", checksum_skipped_unsupported_link_type),
    F("checksum recompute skipped decode failed", checksum_skipped_decode_failed),
    F("checksum recompute skipped malformed", checksum_skipped_malformed),
    F("checksum recompute skipped fragment", checksum_skipped_fragment),
    F("checksum recompute skipped not TCP/UDP", checksum_skipped_not_tcp_udp),
    F("checksum recompute skipped incomplete", checksum_skipped_incomplete),
    F("checksum recompute skipped length mismatch", checksum_skipped_length_mismatch),
    F("checksum recompute skipped IPv4 total length zero", checksum_skipped_ipv4_total_length_zero),
    F("pcapng enhanced packets", pcapng_enhanced_packets),
    F("pcapng unknown blocks copied", pcapng_unknown_blocks_copied),
    F("pcapng unsupported packets", pcapng_unsupported_packets),
};
const size_t stats_compat_count = sizeof(stats_compat_fields) / sizeof(stats_compat_fields[0]);

/* Printed in text only when non-zero; kernel counters only with have_kernel_stats. */
const struct stats_field stats_extra_fields[] = {
    F("packets kept whole with captured length above original length",
      caplen_exceeds_origlen_packets),
    F(NULL, flows_active),
    F("flows evicted", flows_evicted),
    F("flows timed out", flows_timed_out),
    F(NULL, flows_closed),
    F("TLS track connections proven by hello", tls_track_proven_hello),
    F("TLS track connections proven by record chain", tls_track_proven_chain),
    F("TLS track resynchronizations", tls_track_resyncs),
    F("TLS track synchronization lost", tls_track_sync_lost),
    F("TLS track sequence gaps", tls_track_gaps),
    F("TLS track bytes kept unsynchronized", tls_track_unsynced_bytes_kept),
    F("TLS encrypted handshake bytes kept", tls_encrypted_handshake_bytes_kept),
    F("QUIC version negotiation packets", quic_version_negotiation),
    F("QUIC migrations adopted", quic_migrations_adopted),
    F("QUIC client Initials proven", quic_initials_proven),
    F("QUIC Initials not proven", quic_initials_not_proven),
    F("QUIC packets kept not proven", quic_kept_not_proven),
    L("kernel packets", kernel_packets),
    L("kernel drops", kernel_drops),
    L("receive errors", receive_errors),
};
const size_t stats_extra_count = sizeof(stats_extra_fields) / sizeof(stats_extra_fields[0]);
