/*
 * The engine: decode + policy for one stream of packets.  It owns the flow
 * state (bounded), the counters and the optional decision log.  For every
 * packet it returns how many leading bytes to keep; it never changes bytes.
 */
#ifndef CONSTRICTOR_ENGINE_H
#define CONSTRICTOR_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/packet.h>
#include <constrictor/config.h>
#include <constrictor/stats.h>

/* Why a packet was kept or cut.  Names: cst_reason_name(). */
enum cst_reason {
        CST_R_KEEP_NOT_ANALYSED = 0, /* not TCP/UDP payload the policy looks at */
        CST_R_KEEP_ALREADY_TRUNCATED,
        CST_R_KEEP_UNSUPPORTED_LINK_TYPE,
        CST_R_KEEP_DECODE_MALFORMED,
        CST_R_KEEP_NO_CANDIDATE,
        CST_R_KEEP_TCP_SEQ_MISMATCH,
        CST_R_KEEP_UNSYNCHRONIZED_NON_HANDSHAKE,
        CST_R_KEEP_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES,
        CST_R_KEEP_MALFORMED_TLS_RECORD,
        CST_R_KEEP_MIDDLE_CONTINUATION,
        CST_R_KEEP_MIN_SAVINGS,
        CST_R_KEEP_NO_PAYLOAD,
        CST_R_KEEP_NOT_TCP,
        CST_R_KEEP_CAPLEN_EXCEEDS_ORIGLEN,
        CST_R_KEEP_QUIC_LONG_HEADER,
        CST_R_KEEP_QUIC_UNCERTAIN,
        CST_R_KEEP_QUIC_DCID_MISMATCH,
        CST_R_KEEP_QUIC_UNKNOWN_FLOW,
        CST_R_KEEP_NOT_PROVEN_TLS,
        CST_R_KEEP_ENCRYPTED_HANDSHAKE,
        CST_R_TRUNCATE_TLS_APP_DATA_START,
        CST_R_TRUNCATE_TLS_FINAL_CONTINUATION,
        CST_R_TRUNCATE_TLS_STREAM_CONTINUATION,
        CST_R_TRUNCATE_TLS_BULK_CONTINUATION,
        CST_R_TRUNCATE_TLS_TRACK,
        CST_R_TRUNCATE_QUIC_SHORT_HEADER,
        CST_R_TRUNCATE_SNAPLEN,
        /* track / learning QUIC (issue 12) */
        CST_R_KEEP_TLS_TRACK_NEEDED,             /* every payload byte is needed */
        CST_R_TRUNCATE_TLS_TRACK_UNSYNCHRONIZED, /* cut after the last candidate header */
        CST_R_KEEP_QUIC_VERSION_NEGOTIATION,
        /* a QUIC flow whose client Initial was not proven (issue 17 item 5):
         * [quic] require_initial_proof, the default under `track` */
        CST_R_KEEP_QUIC_NOT_PROVEN,
        CST_R_COUNT
};

const char *cst_reason_name(unsigned reason);

struct cst_verdict {
        uint32_t keep_len; /* bytes to keep, <= caplen */
        uint16_t reason;   /* enum cst_reason */
};

typedef struct cst_engine cst_engine;

/* Returns NULL and fills err on failure. cfg is copied. */
cst_engine *cst_engine_new(const struct cst_config *cfg, char *err);
void cst_engine_free(cst_engine *eng);

/*
 * Decide one packet (kind CST_REC_PACKET).  Packets flagged
 * CST_PKT_UNKNOWN_IF are counted and kept whole without decoding.
 */
void cst_engine_process(cst_engine *eng, const struct cst_packet *pkt, struct cst_verdict *v);

/*
 * Decide n records in order: exactly the verdicts, counters and decision-log
 * rows of calling cst_engine_process() on each packet in turn, but faster on
 * large batches (the packet headers and flow-table entries of the next
 * packets are fetched while the current one is decided).  Records of another
 * kind than CST_REC_PACKET (raw pcapng blocks) are skipped: verdict
 * {caplen, CST_R_KEEP_NOT_ANALYSED}, nothing counted.  v has n entries.
 */
void cst_engine_process_batch(cst_engine *eng, const struct cst_packet *pkts, unsigned n,
                              struct cst_verdict *v);

/* Decision log (CSV, SPEC 2.11).  Creates missing parent directories. */
int cst_engine_open_decision_log(cst_engine *eng, const char *path, char *err);
/* Flushes and closes the log; CST_EFATAL with a message on a write failure. */
int cst_engine_close_decision_log(cst_engine *eng, char *err);
/* Sticky write error of the decision log, if any (0 when fine). */
int cst_engine_decision_log_error(cst_engine *eng, char *err);

struct cst_stats *cst_engine_stats(cst_engine *eng);

/*
 * Live capture (SPEC 3.2): every packet is first bounded by
 * base = min(caplen, origlen, cap), then by the policy's cut; a cut that
 * saves less than min_saved_bytes_per_packet against base is undone, and a
 * packet ending at base below its caplen is counted (snaplen_capped_packets)
 * with reason CST_R_TRUNCATE_SNAPLEN when the policy kept more.  `capture`
 * sets cap = min(default_snaplen, max_capture_len); 0 (the default, and
 * what `constrict` uses) means no cap.
 */
void cst_engine_set_snaplen_cap(cst_engine *eng, uint32_t cap);

/*
 * Compatibility mode (default off): true reproduces the offline tool's
 * defects that constrictor fixes (docs/compatibility.md): TSO frames
 * malformed, TLS record headers not sanity-checked, a malformed record leaves
 * the direction synchronized, DNS-like datagrams counted as QUIC.  Used by
 * tests that show old and new behaviour side by side.
 */
void cst_engine_set_compat(cst_engine *eng, bool compat);

#endif
