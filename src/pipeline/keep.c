/*
 * keep — the live recorder's keep rule (SPEC 3.2), for CST_KEEP_SNAPLEN:
 * base = min(caplen, origlen, default_snaplen, max_capture_len); the
 * engine's keep length P gives out = min(base, P), and a cut that saves less
 * than min_saved_bytes_per_packet against base is undone.  The reason is
 * relabelled (KEEP_MIN_SAVINGS, TRUNCATE_SNAPLEN) and counted.
 */
#include "pipeline/pipeline_int.h"

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
        return a < b ? a : b;
}

uint32_t pipe_keep_snaplen(struct cst_pipeline *p, const struct cst_packet *pkt,
                           struct cst_verdict *v)
{
        uint32_t base = min_u32(min_u32(pkt->caplen, pkt->origlen), p->snap_cap);
        uint32_t out = min_u32(v->keep_len, base);
        unsigned reason = v->reason;
        if (out < base && base - out < p->min_saved) {
                out = base;
                if (reason == CST_R_TRUNCATE_QUIC_SHORT_HEADER)
                        p->st.quic_short_kept++;
                reason = CST_R_KEEP_MIN_SAVINGS;
        }
        if (out == base && base < pkt->caplen) {
                p->st.cut_by_snaplen++;
                if (v->keep_len >= base)
                        reason = CST_R_TRUNCATE_SNAPLEN;
        }
        if (reason < CST_R_COUNT)
                p->st.reasons[reason]++;
        v->keep_len = out;
        v->reason = (uint16_t)reason;
        return out;
}
