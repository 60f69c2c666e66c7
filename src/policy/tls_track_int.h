/*
 * tls_track_int — private to the `track` TLS files: the per-segment work
 * state shared by the record walk (tls_track.c) and the per-packet driver
 * (tls_track_pkt.c), and RFC 9293 §3.4 sequence-number comparison.
 */
#ifndef CST_POLICY_TLS_TRACK_INT_H
#define CST_POLICY_TLS_TRACK_INT_H

#include "decode/seen.h"
#include "policy/track.h"

static inline bool seq_lt(uint32_t a, uint32_t b)
{
        return (int32_t)(a - b) < 0;
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
        return seq_lt(a, b) ? b : a;
}

/* One segment being classified. */
struct seg {
        struct track *t;
        struct trk_conn *c;
        struct trk_dir *D;
        struct cst_stats *st;
        const struct rd *pl; /* the payload: bytes [s, e) */
        uint32_t s, e;       /* payload sequence numbers [s, e) */
        uint32_t need_end;   /* payload offset one past the last needed byte */
        unsigned dir;
        struct pkt_seen *seen; /* annotated output: the records found, else NULL */
        bool unsynced, resynced, lost, old, gap, enc, proved;
};

/* Classify one segment's payload [s, e): fills g->need_end, updates the state. */
void trk_tls_segment(struct seg *g);

#endif
