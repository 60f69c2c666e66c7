/*
 * tls — the per-direction TCP/TLS record tracker of SPEC 2.7 (RFC 8446 §5.1,
 * RFC 5246 §6.2 record layer): it follows record boundaries across TCP
 * segments and decides how many bytes of a segment to keep.
 *
 * The tracker works on the two direction states of one flow (this packet's
 * direction K and the reverse R), copied in and out by the engine, so it
 * never touches the flow table itself.
 */
#ifndef CST_POLICY_TLS_H
#define CST_POLICY_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include <constrictor/config.h>
#include <constrictor/stats.h>

#include "decode/decode.h"
#include "decode/seen.h"
#include "policy/flowtable.h"
#include "util/rd.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

/* tls_record_event values of the decision log (SPEC 2.11). */
enum tls_event {
        TLS_EV_NONE = 0,
        TLS_EV_SYN_OR_RST_STATE_RESET,
        TLS_EV_TCP_SEQ_MISMATCH,
        TLS_EV_MIDDLE_CONTINUATION,
        TLS_EV_STREAM_CONTINUATION,
        TLS_EV_FINAL_CONTINUATION,
        TLS_EV_APP_DATA_CONTINUATION_BOUNDARY,
        TLS_EV_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES,
        TLS_EV_APP_DATA_CONTINUATION_BOUNDARY_PARSE_FAILED,
        TLS_EV_BULK_CONTINUATION,
        TLS_EV_UNSYNCHRONIZED_NON_HANDSHAKE,
        TLS_EV_APP_DATA_START,
        TLS_EV_APP_DATA_CONTINUATION_THEN_APP_DATA_START,
        TLS_EV_VISIBLE_HANDSHAKE,
        TLS_EV_APP_DATA_CONTINUATION_THEN_VISIBLE_RECORD,
        TLS_EV_MALFORMED_TLS_RECORD,
        TLS_EV_COUNT
};

const char *tls_event_name(unsigned ev);

/* TCP flag bits (RFC 9293 §3.1). */
#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u

struct tls_params {
        uint32_t keep_record; /* KR: app_data_keep_record_bytes */
        uint32_t keep_cont;   /* KC: app_data_continuation_keep_bytes */
        enum cst_tls_policy policy;
        /*
         * Fixes of SPEC 6 items 1 and 4 (docs/compatibility.md): record
         * headers need a plausible version and length, a malformed record
         * drops the direction to unsynchronized, and an unknown direction is
         * only confirmed by a plaintext handshake message type.  false =
         * the offline tool's behaviour exactly.
         */
        bool strict;
};

/* The tracker's proposal (settled by the engine: min savings, counters). */
struct tls_out {
        uint32_t keep_len;     /* proposed bytes of the frame to keep (set only with a cut) */
        uint16_t why;          /* verdict code (policy/verdict.h) */
        uint8_t event;         /* enum tls_event */
        struct pkt_seen *seen; /* in: record boundaries are added here when non-NULL */
};

/*
 * Process one decoded TCP packet whose payload reader is `payload`
 * (d->payload_len bytes).  k is the packet's direction, r the reverse one;
 * either may be absent (flags without TLS_D_PRESENT) and is created/erased
 * as SPEC 2.7 says.  State counters (resets, resynchronisation) go to st;
 * out->keep_len is written only when out->why proposes a cut.
 */
void tls_process(const struct tls_params *p, struct tls_dir *k, struct tls_dir *r,
                 const struct decoded *d, const struct rd *payload, struct cst_stats *st,
                 struct tls_out *out);

/* "none" or e.g. "confirmed/synchronized/seen_app_data/active_app_data". */
size_t tls_state_string(const struct tls_dir *s, char *buf, size_t cap);

#endif
