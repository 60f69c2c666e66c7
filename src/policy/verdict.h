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

#include <stddef.h>
#include <stdint.h>

#include <constrictor/engine.h>
#include <constrictor/stats.h>

#include "policy/analyser.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

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
 * The counters the table bumps: the engine's stats and, after them, one
 * scratch counter where "no counter" goes, so that settling a verdict bumps
 * without branching.  Counter fields of struct vr_row hold the counter's
 * offset minus VR_NONE: 0 (the default of an initializer) is the scratch.
 */
struct vr_stats {
        struct cst_stats st;
        uint64_t none;
};

#define VR_NONE offsetof(struct vr_stats, none)

/* One verdict code. */
struct vr_row {
        const char *name; /* decision-log text (public reasons only) */
        int32_t count[2]; /* bumped by one when this is the final code */
        int32_t saved;    /* a cut that holds: += bytes saved */
        int32_t undo;     /* a cut undone by min_saved against caplen */
        int32_t undo_cap; /* a cut undone by min_saved against the snaplen cap */
        int32_t payload;  /* += payload bytes kept */
        uint16_t reason;  /* the public reason (aliases: another one) */
        uint8_t cut;      /* the code proposes a cut (keep_len < caplen) */
};

extern const struct vr_row vr_table[VR_COUNT];

/* The engine's limits on a cut. */
struct vr_limits {
        uint32_t min_saved;   /* min_saved_bytes_per_packet */
        uint32_t snaplen_cap; /* SPEC 3.2 base cap (capture); 0 = none (constrict) */
};

static inline void vr_bump(struct vr_stats *vs, int32_t off, uint64_t n)
{
        *(uint64_t *)(void *)((char *)vs + VR_NONE + off) += n;
}

static inline uint32_t vr_min(uint32_t a, uint32_t b)
{
        return a < b ? a : b;
}

/*
 * SPEC 3.2 (capture only): base = min(caplen, origlen, cap); a cut below
 * base that saves less than min_saved against it is undone, and a packet
 * ending at base below caplen is counted as cut by the snaplen.
 */
static inline void vr_cap(const struct vr_limits *lim, const struct cst_packet *pkt,
                          uint32_t caplen, const struct vr_row *row, struct vr_stats *vs,
                          struct cst_verdict *v)
{
        uint32_t base = vr_min(vr_min(caplen, pkt->origlen), lim->snaplen_cap);
        uint32_t out = vr_min(v->keep_len, base);
        if (out < base && base - out < lim->min_saved) {
                out = base;
                if (v->reason == row->reason && row->cut) /* the cut held against caplen */
                        vr_bump(vs, row->undo_cap, 1);
                v->reason = CST_R_KEEP_MIN_SAVINGS;
        }
        if (out == base && base < caplen) {
                vs->st.snaplen_capped_packets++;
                if (v->keep_len >= base)
                        v->reason = CST_R_TRUNCATE_SNAPLEN;
        }
        v->keep_len = out;
}

/*
 * Settle proposal p for the packet of c: a cut that saves less than
 * min_saved (or nothing) is undone, the live snaplen cap applies, and every
 * counter of the final verdict is bumped.  Fills v with the public reason.
 * Codes with a payload counter come from analysers only (c is keyed).
 */
static inline void vr_settle(const struct vr_limits *lim, const struct pkt_ctx *c,
                             const struct proposal *p, struct vr_stats *vs, struct cst_verdict *v)
{
        const struct cst_packet *pkt = c->pkt;
        const struct vr_row *row = &vr_table[p->why], *fin = row;
        uint32_t caplen = c->caplen, keep = row->cut ? p->keep_len : caplen;
        v->reason = row->reason;
        if (keep < caplen && caplen - keep >= lim->min_saved) {
                vr_bump(vs, row->saved, caplen - keep);
        } else if (row->cut) { /* saves too little, or nothing */
                keep = caplen;
                vr_bump(vs, row->undo, 1);
                v->reason = CST_R_KEEP_MIN_SAVINGS;
                fin = &vr_table[CST_R_KEEP_MIN_SAVINGS];
        }
        vr_bump(vs, fin->count[0], 1);
        vr_bump(vs, fin->count[1], 1);
        if (row->payload)
                vr_bump(vs, row->payload, vr_min(keep - c->d.payload_off, c->d.payload_len));
        v->keep_len = keep;
        if (lim->snaplen_cap)
                vr_cap(lim, pkt, caplen, row, vs, v);
        vs->st.reason_packets[v->reason]++;
}

#endif
