/*
 * verdict — the one place a packet's verdict is settled (SPEC 2.7/2.8 min
 * savings, SPEC 3.2 snaplen cap) and the one table from a verdict code to
 * its public reason, its counters and its decision-log text.
 *
 * A verdict code is an enum cst_reason, or one of the aliases below: the
 * same public reason reached on a path that counts differently (the offline
 * tool's counters are not a function of the reason alone, SPEC 2.10).
 */
#ifndef CST_POLICY_VERDICT_H
#define CST_POLICY_VERDICT_H

#include <stdint.h>

#include <constrictor/engine.h>
#include <constrictor/stats.h>

#include "policy/analyser.h"

enum vr_alias {
        /* KEEP_NO_CANDIDATE without tls_kept_no_candidate (early keep, unsynchronised) */
        VR_NO_CANDIDATE_QUIET = CST_R_COUNT,
        /* KEEP_TCP_SEQ_MISMATCH of a confirmed direction: also tls_kept_uncertain */
        VR_TCP_SEQ_MISMATCH_UNCERTAIN,
        /* KEEP_QUIC_UNCERTAIN without quic_kept_uncertain (learning QUIC, unknown flow) */
        VR_QUIC_UNCERTAIN_QUIET,
        /* KEEP_NOT_ANALYSED of a pcapng packet on an unknown interface */
        VR_PCAPNG_UNKNOWN_IF,
        /* track, unsynchronised: the payload kept counts in tls_track_unsynced_bytes_kept */
        VR_TLS_TRACK_NEEDED_UNSYNCED,
        VR_ENCRYPTED_HANDSHAKE_UNSYNCED,
        VR_COUNT
};

/*
 * One verdict code.  Counters are byte offsets into struct cst_stats, 0 for
 * none (offset 0 is a flag, never a counter).
 */
struct vr_row {
        const char *name;  /* decision-log text (public reasons only) */
        uint16_t reason;   /* aliases: the public reason */
        uint8_t cut;       /* the code proposes a cut (keep_len < caplen) */
        uint16_t count[2]; /* bumped by one when this is the final code */
        uint16_t saved;    /* a cut that holds: += bytes saved */
        uint16_t undo;     /* a cut undone by min_saved against caplen */
        uint16_t undo_cap; /* a cut undone by min_saved against the snaplen cap */
        uint16_t payload;  /* += payload bytes kept */
};

extern const struct vr_row vr_table[VR_COUNT];

/* The engine's limits on a cut. */
struct vr_limits {
        uint32_t min_saved;   /* min_saved_bytes_per_packet */
        uint32_t snaplen_cap; /* SPEC 3.2 base cap (capture); 0 = none (constrict) */
};

/*
 * Settle proposal p for packet pkt (payload at payload_off, payload_len
 * bytes; 0/0 when not decoded): a cut that saves less than min_saved (or
 * nothing) is undone, the live snaplen cap applies, and every counter of the
 * final verdict is bumped.  Fills v with the public reason.
 */
static inline void vr_bump(struct cst_stats *st, uint16_t off, uint64_t n)
{
        if (off)
                *(uint64_t *)(void *)((char *)st + off) += n;
}

static inline uint32_t vr_min(uint32_t a, uint32_t b)
{
        return a < b ? a : b;
}

static inline uint16_t vr_public(unsigned why)
{
        return why < CST_R_COUNT ? (uint16_t)why : vr_table[why].reason;
}

/*
 * SPEC 3.2 (capture only): base = min(caplen, origlen, cap); a cut below
 * base that saves less than min_saved against it is undone, and a packet
 * ending at base below caplen is counted as cut by the snaplen.
 */
static inline void vr_cap(const struct vr_limits *lim, const struct cst_packet *pkt,
                          const struct vr_row *row, struct cst_stats *st, struct cst_verdict *v)
{
        uint32_t base = vr_min(vr_min(pkt->caplen, pkt->origlen), lim->snaplen_cap);
        uint32_t out = vr_min(v->keep_len, base);
        if (out < base && base - out < lim->min_saved) {
                out = base;
                if (v->reason == CST_R_TRUNCATE_QUIC_SHORT_HEADER)
                        vr_bump(st, row->undo_cap, 1);
                v->reason = CST_R_KEEP_MIN_SAVINGS;
        }
        if (out == base && base < pkt->caplen) {
                st->snaplen_capped_packets++;
                if (v->keep_len >= base)
                        v->reason = CST_R_TRUNCATE_SNAPLEN;
        }
        v->keep_len = out;
}

static inline void vr_settle(const struct vr_limits *lim, const struct cst_packet *pkt,
                             uint32_t payload_off, uint32_t payload_len, const struct proposal *p,
                             struct cst_stats *st, struct cst_verdict *v)
{
        const struct vr_row *row = &vr_table[p->why];
        uint32_t caplen = pkt->caplen, keep = caplen;
        v->reason = vr_public(p->why);
        if (row->cut) {
                keep = p->keep_len;
                if (keep >= caplen || caplen - keep < lim->min_saved) {
                        keep = caplen;
                        vr_bump(st, row->undo, 1);
                        v->reason = CST_R_KEEP_MIN_SAVINGS;
                } else {
                        vr_bump(st, row->count[0], 1);
                        vr_bump(st, row->count[1], 1);
                        vr_bump(st, row->saved, caplen - keep);
                }
        } else {
                vr_bump(st, row->count[0], 1);
                vr_bump(st, row->count[1], 1);
        }
        if (row->payload)
                vr_bump(st, row->payload, vr_min(keep - payload_off, payload_len));
        v->keep_len = keep;
        if (lim->snaplen_cap)
                vr_cap(lim, pkt, row, st, v);
        st->reason_packets[v->reason]++;
}

#endif
