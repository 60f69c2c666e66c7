/*
 * analyser — what the engine hands every analyser and what it gets back.
 *
 * The engine builds one struct pkt_ctx per packet (decode, payload reader,
 * flow key and hash, direction, time) and calls the analyser of the
 * packet's transport through an ops table chosen when the engine is created:
 *   TCP: compatible TLS (tls.c, SPEC 2.7) or tracking TLS (tls_track*.c);
 *   UDP: compatible QUIC (quic.c, SPEC 2.8) or learning QUIC (quic_learn.c).
 * An analyser proposes a keep length and a verdict code (struct proposal);
 * the engine alone settles it (verdict.c: min_saved_bytes_per_packet, the
 * snaplen cap, the counters of the reason) and writes the decision-log row.
 */
#ifndef CST_POLICY_ANALYSER_H
#define CST_POLICY_ANALYSER_H

#include <stdbool.h>
#include <stdint.h>

#include <constrictor/packet.h>
#include <constrictor/stats.h>

#include "decode/decode.h"
#include "decode/seen.h"
#include "policy/flowtable.h"
#include "util/rd.h"

/* pkt_ctx.kind: how far the stateless part got. */
enum { PKT_NONE = 0, PKT_DECODED, PKT_KEYED };

/* One packet, prepared once (engine_prepare) and read by everything after. */
struct pkt_ctx {
        const struct cst_packet *pkt;
        struct decoded d;
        /* PKT_KEYED: the transport payload, d.payload_len bytes (fewer when
         * the kernel cut the packet: the bytes it kept) */
        struct rd pl;
        struct flow_key k; /* PKT_KEYED: canonical key ... */
        uint64_t hash;     /* ... its hash ... */
        uint32_t now;      /* decoded TCP/UDP: packet time in seconds (table clock) */
        uint32_t entry;    /* batch: index entry peeked for the key, FT_NIL if none */
        /* what the verdict is settled against: pkt->caplen, or origlen for a
         * packet the kernel cut (CST_PKT_KERNEL_CUT), as if it were whole */
        uint32_t caplen;
        uint8_t dir;  /* ... and the packet's direction in the flow */
        uint8_t kind; /* PKT_* */
};

/* What an analyser may change besides its own state. */
struct an_env {
        struct flowtable *ft;
        struct cst_stats *st;
        /* Records seen in this packet (annotated output only; NULL otherwise). */
        struct pkt_seen *seen;
};

/* An analyser's answer: keep_len <= caplen and a verdict code (verdict.h). */
struct proposal {
        uint32_t keep_len;
        uint16_t why; /* enum cst_reason or an alias of verdict.h */
};

/* Decision-log view of one analysed packet; filled only when the log is on. */
struct an_trace {
        const char *before, *after, *event; /* never NULL */
        uint32_t rem_before, rem_after;
        bool no_row; /* the analyser could not look at the packet (table full): no row */
        char buf_before[96], buf_after[96]; /* room for analysers that format a state */
};

struct analyser_ops {
        const char *name;
        /* Decide one keyed packet; tr is NULL when no decision log is open. */
        void (*packet)(void *self, const struct an_env *env, const struct pkt_ctx *c,
                       struct proposal *p, struct an_trace *tr);
        /* Batch pipeline: fetch the analyser's state of index entry `entry` (may be NULL). */
        void (*prefetch)(const void *self, uint32_t entry, const struct pkt_ctx *c);
        /*
         * Batch pipeline, two packets ahead: the entry fetched earlier has
         * arrived; fetch the payload bytes the decision will read first (may
         * be NULL).  Reads only: a stale entry only wastes a prefetch.
         */
        void (*prefetch_payload)(const struct flowtable *ft, const struct pkt_ctx *c);
        /* A decision-log row for every packet it decides (else only for TCP payload). */
        bool row_per_packet;
};

struct analyser {
        const struct analyser_ops *ops;
        void *self;
};

extern const struct analyser_ops tls_compat_ops;  /* tls.c + tls_flow.c */
extern const struct analyser_ops quic_compat_ops; /* quic.c */
extern const struct analyser_ops tls_track_ops;   /* tls_track_pkt.c */
extern const struct analyser_ops quic_learn_ops;  /* quic_learn.c */

#endif
