/*
 * verdict — the table of verdict codes: public reason, decision-log text
 * (SPEC 2.11 reason column) and the counters of SPEC 2.10 each one bumps.
 * The settling itself is vr_settle() in verdict.h (inline: once per packet).
 */
#include "policy/verdict.h"

#include <stddef.h>

_Static_assert(CST_R_COUNT <= CST_STATS_REASON_SLOTS, "reason_packets too small");
/* A counter as the table holds it: its offset from the scratch counter. */
#define C(name) ((int32_t)offsetof(struct vr_stats, st.name) - (int32_t)VR_NONE)

/* TLS cuts of the compatible tracker: undone by min savings into tls_kept_min_savings. */
#define TLS_CUT(code, nm, kind)                                                                    \
        {                                                                                          \
                .reason = code, .name = nm, .cut = 1, .count = {C(tls_truncated), C(kind)},        \
                .saved = C(tls_bytes_saved), .undo = C(tls_kept_min_savings)                       \
        }

const struct vr_row vr_table[VR_COUNT] = {
    [CST_R_KEEP_NOT_ANALYSED] = {.reason = CST_R_KEEP_NOT_ANALYSED, .name = "keep.not_analysed"},
    [CST_R_KEEP_ALREADY_TRUNCATED] = {.reason = CST_R_KEEP_ALREADY_TRUNCATED,
                                      .name = "keep.already_truncated",
                                      .count = {C(already_truncated_input_packets)}},
    [CST_R_KEEP_UNSUPPORTED_LINK_TYPE] = {.reason = CST_R_KEEP_UNSUPPORTED_LINK_TYPE,
                                          .name = "keep.unsupported_link_type",
                                          .count = {C(unsupported_link_type_packets)}},
    [CST_R_KEEP_DECODE_MALFORMED] = {.reason = CST_R_KEEP_DECODE_MALFORMED,
                                     .name = "keep.decode_malformed",
                                     .count = {C(malformed_packets)}},
    [CST_R_KEEP_NO_CANDIDATE] = {.reason = CST_R_KEEP_NO_CANDIDATE,
                                 .name = "keep.no_candidate",
                                 .count = {C(tls_kept_no_candidate)}},
    [CST_R_KEEP_TCP_SEQ_MISMATCH] = {.reason = CST_R_KEEP_TCP_SEQ_MISMATCH,
                                     .name = "keep.tcp_seq_mismatch"},
    [CST_R_KEEP_UNSYNCHRONIZED_NON_HANDSHAKE] =
        {.reason = CST_R_KEEP_UNSYNCHRONIZED_NON_HANDSHAKE,
         .name = "keep.unsynchronized_non_handshake",
         .count = {C(tls_kept_uncertain), C(tls_kept_unsynchronized_non_handshake)}},
    [CST_R_KEEP_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES] =
        {.reason = CST_R_KEEP_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES,
         .name = "keep.app_data_continuation_with_extra_bytes",
         .count = {C(tls_kept_app_data_continuation_with_extra_bytes)}},
    [CST_R_KEEP_MALFORMED_TLS_RECORD] = {.reason = CST_R_KEEP_MALFORMED_TLS_RECORD,
                                         .name = "keep.malformed_tls_record",
                                         .count = {C(tls_kept_uncertain),
                                                   C(tls_kept_malformed_record)}},
    [CST_R_KEEP_MIDDLE_CONTINUATION] = {.reason = CST_R_KEEP_MIDDLE_CONTINUATION,
                                        .name = "keep.middle_continuation",
                                        .count = {C(tls_kept_middle_continuation)}},
    [CST_R_KEEP_MIN_SAVINGS] = {.reason = CST_R_KEEP_MIN_SAVINGS, .name = "keep.min_savings"},
    [CST_R_KEEP_NO_PAYLOAD] = {.reason = CST_R_KEEP_NO_PAYLOAD, .name = "keep.no_payload"},
    [CST_R_KEEP_NOT_TCP] = {.reason = CST_R_KEEP_NOT_TCP, .name = "keep.not_tcp"},
    [CST_R_KEEP_CAPLEN_EXCEEDS_ORIGLEN] = {.reason = CST_R_KEEP_CAPLEN_EXCEEDS_ORIGLEN,
                                           .name = "keep.caplen_exceeds_origlen",
                                           .count = {C(caplen_exceeds_origlen_packets)}},
    [CST_R_KEEP_QUIC_LONG_HEADER] = {.reason = CST_R_KEEP_QUIC_LONG_HEADER,
                                     .name = "keep.quic_long_header"},
    [CST_R_KEEP_QUIC_UNCERTAIN] = {.reason = CST_R_KEEP_QUIC_UNCERTAIN,
                                   .name = "keep.quic_uncertain",
                                   .count = {C(quic_kept_uncertain)}},
    [CST_R_KEEP_QUIC_DCID_MISMATCH] = {.reason = CST_R_KEEP_QUIC_DCID_MISMATCH,
                                       .name = "keep.quic_dcid_mismatch",
                                       .count = {C(quic_kept_dcid_mismatch)}},
    [CST_R_KEEP_QUIC_UNKNOWN_FLOW] = {.reason = CST_R_KEEP_QUIC_UNKNOWN_FLOW,
                                      .name = "keep.quic_unknown_flow"},
    [CST_R_KEEP_NOT_PROVEN_TLS] = {.reason = CST_R_KEEP_NOT_PROVEN_TLS,
                                   .name = "keep.not_proven_tls"},
    [CST_R_KEEP_ENCRYPTED_HANDSHAKE] = {.reason = CST_R_KEEP_ENCRYPTED_HANDSHAKE,
                                        .name = "keep.encrypted_handshake"},
    [CST_R_TRUNCATE_TLS_APP_DATA_START] =
        TLS_CUT(CST_R_TRUNCATE_TLS_APP_DATA_START, "truncate.tls_app_data_start",
                tls_truncated_app_data_start),
    [CST_R_TRUNCATE_TLS_FINAL_CONTINUATION] =
        TLS_CUT(CST_R_TRUNCATE_TLS_FINAL_CONTINUATION, "truncate.tls_final_continuation",
                tls_truncated_final_continuation),
    [CST_R_TRUNCATE_TLS_STREAM_CONTINUATION] =
        TLS_CUT(CST_R_TRUNCATE_TLS_STREAM_CONTINUATION, "truncate.tls_stream_continuation",
                tls_truncated_stream_continuation),
    [CST_R_TRUNCATE_TLS_BULK_CONTINUATION] =
        TLS_CUT(CST_R_TRUNCATE_TLS_BULK_CONTINUATION, "truncate.tls_bulk_continuation",
                tls_truncated_bulk_continuation),
    [CST_R_TRUNCATE_TLS_TRACK] = {.reason = CST_R_TRUNCATE_TLS_TRACK,
                                  .name = "truncate.tls_track",
                                  .cut = 1,
                                  .count = {C(tls_truncated)},
                                  .saved = C(tls_bytes_saved),
                                  .undo = C(tls_kept_min_savings)},
    /* QUIC has no min-savings counter offline (SPEC 2.10); against the cap it has one. */
    [CST_R_TRUNCATE_QUIC_SHORT_HEADER] = {.reason = CST_R_TRUNCATE_QUIC_SHORT_HEADER,
                                          .name = "truncate.quic_short_header",
                                          .cut = 1,
                                          .count = {C(quic_truncated)},
                                          .saved = C(quic_bytes_saved),
                                          .undo_cap = C(quic_short_kept_snaplen)},
    [CST_R_TRUNCATE_SNAPLEN] = {.reason = CST_R_TRUNCATE_SNAPLEN, .name = "truncate.snaplen"},
    [CST_R_KEEP_TLS_TRACK_NEEDED] = {.reason = CST_R_KEEP_TLS_TRACK_NEEDED,
                                     .name = "keep.tls_track_needed"},
    [CST_R_TRUNCATE_TLS_TRACK_UNSYNCHRONIZED] = {.reason = CST_R_TRUNCATE_TLS_TRACK_UNSYNCHRONIZED,
                                                 .name = "truncate.tls_track_unsynchronized",
                                                 .cut = 1,
                                                 .count = {C(tls_truncated)},
                                                 .saved = C(tls_bytes_saved),
                                                 .undo = C(tls_kept_min_savings),
                                                 .payload = C(tls_track_unsynced_bytes_kept)},
    [CST_R_KEEP_QUIC_VERSION_NEGOTIATION] = {.reason = CST_R_KEEP_QUIC_VERSION_NEGOTIATION,
                                             .name = "keep.quic_version_negotiation",
                                             .count = {C(quic_version_negotiation)}},
    [CST_R_KEEP_QUIC_NOT_PROVEN] = {.reason = CST_R_KEEP_QUIC_NOT_PROVEN,
                                    .name = "keep.quic_not_proven",
                                    .count = {C(quic_kept_not_proven)}},
    /* aliases: .reason names the public reason */
    [VR_NO_CANDIDATE_QUIET] = {.reason = CST_R_KEEP_NO_CANDIDATE},
    [VR_TCP_SEQ_MISMATCH_UNCERTAIN] = {.reason = CST_R_KEEP_TCP_SEQ_MISMATCH,
                                       .count = {C(tls_kept_uncertain)}},
    [VR_QUIC_UNCERTAIN_QUIET] = {.reason = CST_R_KEEP_QUIC_UNCERTAIN},
    [VR_PCAPNG_UNKNOWN_IF] = {.reason = CST_R_KEEP_NOT_ANALYSED,
                              .count = {C(pcapng_unsupported_packets)}},
    [VR_TLS_TRACK_NEEDED_UNSYNCED] = {.reason = CST_R_KEEP_TLS_TRACK_NEEDED,
                                      .payload = C(tls_track_unsynced_bytes_kept)},
    [VR_ENCRYPTED_HANDSHAKE_UNSYNCED] = {.reason = CST_R_KEEP_ENCRYPTED_HANDSHAKE,
                                         .payload = C(tls_track_unsynced_bytes_kept)},
};

const char *cst_reason_name(unsigned reason)
{
        return reason < CST_R_COUNT && vr_table[reason].name ? vr_table[reason].name
                                                             : "truncate.unknown";
}
