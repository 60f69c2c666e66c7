/*
 * engine — the per-packet constrict pipeline of SPEC 2.5: length checks,
 * decode (SPEC 2.6, with the TSO/jumbo fix: non-COMPAT mode, SPEC 6 item 6),
 * then the analyser of the packet's transport (analyser.h: TLS for TCP,
 * QUIC for UDP, compatible or tracking, chosen once at creation), the
 * verdict settled in one place (verdict.h), counters (SPEC 2.10) and the
 * optional decision log (SPEC 2.11), whose rows are built here only.
 *
 * Hot path: one decode, one hash of the 5-tuple and one index probe per
 * TCP/UDP packet; no allocation and no syscall (the decision log is buffered).
 * The cost is dominated by cache misses on packet bytes and flow entries, so
 * cst_engine_process_batch() splits each packet into a stateless part
 * (engine_prepare: decode, payload reader, key, hash) run ahead with
 * prefetches, and the stateful part (engine_finish) run strictly in packet
 * order.
 */
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "decode/decode.h"
#include "decode/quic_initial.h"
#include "policy/analyser.h"
#include "policy/annotate.h"
#include "policy/decision_log.h"
#include "policy/engine_peek.h"
#include "policy/flowtable.h"
#include "policy/quic.h"
#include "policy/tls.h"
#include "policy/track.h"
#include "policy/verdict.h"

/* Batch pipeline distances, in packets ahead of the one being decided. */
#define BATCH_RING  16 /* power of two, more than PRE_AHEAD + 1 */
#define DATA_AHEAD  12 /* first two cache lines of the packet prefetched */
#define PRE_AHEAD   8  /* decoded and hashed, index slot prefetched */
#define ENTRY_AHEAD 4  /* flow entry (and analyser state) prefetched */
#define LRU_AHEAD   2  /* LRU neighbours of the entry prefetched */

enum { AN_TCP = 0, AN_UDP = 1 };

struct cst_engine {
        struct vr_stats vs; /* vs.st: the counters (cst_engine_stats) */
        struct flowtable ft;
        struct an_env env;     /* {&ft, &st} for the analysers */
        struct analyser an[2]; /* AN_TCP, AN_UDP */
        struct vr_limits lim;  /* min savings, snaplen cap */
        unsigned decode_mode;
        uint64_t pkt_index; /* 1-based index of the packet being processed */
        struct dlog *log;
        bool log_all;            /* a row for every packet: `track`, or general.decision_log_all */
        struct tls_params tls;   /* compatible TLS analyser's self */
        struct quic_params quic; /* compatible QUIC analyser's self */
        struct track *trk;       /* `track` or learn_all_long_headers (issue 12), else NULL */
        struct cst_config cfg;
        struct pkt_seen *seen; /* annotated output: one per batch slot (engine_set_seen) */
        struct pkt_ctx ring[BATCH_RING]; /* batch pipeline */
};

/* The analysers this configuration asks for (no per-packet choice). */
static void choose_analysers(cst_engine *e)
{
        bool track_tls = e->cfg.tls_policy == CST_TLS_TRACK;
        e->an[AN_TCP] = track_tls ? (struct analyser){&tls_track_ops, e->trk}
                                  : (struct analyser){&tls_compat_ops, &e->tls};
        e->an[AN_UDP] = e->trk ? (struct analyser){&quic_learn_ops, e->trk}
                               : (struct analyser){&quic_compat_ops, &e->quic};
}

cst_engine *cst_engine_new(const struct cst_config *cfg, char *err)
{
        cst_engine *e = calloc(1, sizeof(*e));
        if (!e) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return NULL;
        }
        e->cfg = *cfg;
        bool tracking = cfg->tls_policy == CST_TLS_TRACK || cfg->learn_all_long_headers;
        size_t state = tracking ? TRK_STATE_BYTES : sizeof(((struct flow *)0)->u);
        if (ft_init_state(&e->ft, cfg->max_flows, cfg->flow_idle_timeout_sec, state, err) != 0) {
                free(e);
                return NULL;
        }
        e->tls = (struct tls_params){
            .keep_record = cfg->app_data_keep_record_bytes,
            .keep_cont = cfg->app_data_continuation_keep_bytes,
            .policy = cfg->tls_policy,
            .strict = true,
        };
        e->quic = (struct quic_params){
            .short_keep = cfg->short_header_keep_packet_bytes,
            .require_dcid_match = cfg->require_dcid_match,
            .allow_unknown_dcid = cfg->allow_short_header_without_known_dcid,
            .strict = true,
            .require_initial_proof = cfg->quic_require_initial_proof && !tracking,
        };
        if (e->quic.require_initial_proof && !(e->quic.qi = quic_initial_new(err))) {
                ft_free(&e->ft);
                free(e);
                return NULL;
        }
        if (tracking) {
                e->trk = track_new(cfg, err);
                if (!e->trk) {
                        quic_initial_free(e->quic.qi);
                        ft_free(&e->ft);
                        free(e);
                        return NULL;
                }
                track_attach(e->trk, &e->ft);
        }
        e->env = (struct an_env){&e->ft, &e->vs.st, NULL};
        e->lim = (struct vr_limits){.min_saved = cfg->min_saved_bytes_per_packet};
        choose_analysers(e);
        e->decode_mode = 0; /* fixes on: TSO/jumbo frames are decoded (SPEC 6 item 6) */
        e->vs.st.tls_policy = (int)cfg->tls_policy;
        e->log_all = cfg->decision_log_all || cfg->tls_policy == CST_TLS_TRACK;
        return e;
}

/* The analyser state of a packet's flow (proto 6 or 17), without touching it; NULL if none. */
static const void *peek_flow_state(const cst_engine *e, const struct cst_packet *pkt, uint8_t proto,
                                   unsigned *dir)
{
        struct decoded d;
        decode_packet(pkt->linktype, pkt->data, pkt->caplen, e->decode_mode, &d);
        if (d.status != DEC_OK || d.transport != proto)
                return NULL;
        struct flow_key k;
        uint64_t h = ft_make_key(&k, d.src, d.dst, d.addr_len, d.sport, d.dport, proto, dir);
        const struct flow *f = ft_find(&e->ft, &k, h);
        return f ? (const char *)f + offsetof(struct flow, u) : NULL;
}

bool engine_quic_dcid(const cst_engine *e, const struct cst_packet *pkt, uint8_t *dlen, bool *any)
{
        if (!e->trk || e->an[AN_UDP].ops != &quic_learn_ops || pkt->caplen != pkt->origlen)
                return false;
        unsigned dir;
        const void *state = peek_flow_state(e, pkt, 17, &dir);
        return state && ql_short_dcid(e->trk, state, dir, dlen, any);
}

bool engine_tls_boundary(const cst_engine *e, const struct cst_packet *pkt, uint32_t *next,
                         uint8_t *have, uint8_t hdr[4])
{
        if (!e->trk || e->an[AN_TCP].ops != &tls_track_ops)
                return false;
        unsigned dir;
        const union trk_slot *s = peek_flow_state(e, pkt, 6, &dir);
        if (!s || s->kind != TRK_KIND_TCP || !(s->tcp.d[dir].flags & TD_SYNCED))
                return false;
        const struct trk_dir *D = &s->tcp.d[dir];
        bool part = (D->flags & TD_PARTIAL) && D->part_seq == D->next_hdr && D->hdr_have < 5;
        *next = D->next_hdr;
        *have = part ? D->hdr_have : 0;
        memcpy(hdr, D->hdr, 4);
        return true;
}

void cst_engine_free(cst_engine *e)
{
        if (!e)
                return;
        if (e->log) {
                char err[CST_ERRBUF];
                dlog_close(e->log, err);
        }
        ft_free(&e->ft);
        track_free(e->trk);
        quic_initial_free(e->quic.qi);
        free(e);
}

void cst_engine_set_compat(cst_engine *e, bool compat)
{
        e->tls.strict = !compat;
        e->quic.strict = !compat;
        e->decode_mode = compat ? DECODE_COMPAT : 0;
}

void cst_engine_set_snaplen_cap(cst_engine *e, uint32_t cap)
{
        e->lim.snaplen_cap = cap;
}

static void sync_flow_stats(cst_engine *e)
{
        e->vs.st.flows_active = ft_active(&e->ft);
        e->vs.st.flows_evicted = e->ft.evicted;
        e->vs.st.flows_timed_out = e->ft.timed_out;
        e->vs.st.flows_closed = e->ft.closed;
}

struct cst_stats *cst_engine_stats(cst_engine *e)
{
        sync_flow_stats(e);
        return &e->vs.st;
}

static inline bool port_selected(const struct cst_port_set *s, const struct decoded *d)
{
        return cst_port_in(s, d->sport) || cst_port_in(s, d->dport);
}

/* Whether the TLS tracker / QUIC analyser looks at this decoded TCP/UDP packet. */
static inline bool wants_flow(const cst_engine *e, const struct decoded *d)
{
        if (d->transport == 6)
                return e->cfg.tls_enabled && port_selected(&e->cfg.tls_ports, d);
        return e->cfg.quic_enabled && d->payload_len != 0 && port_selected(&e->cfg.quic_ports, d);
}

/* The stateless part: decode, payload reader and flow key of an analysed packet. */
static inline __attribute__((always_inline)) void
engine_prepare(const cst_engine *e, const struct cst_packet *pkt, struct pkt_ctx *c)
{
        c->pkt = pkt;
        c->kind = PKT_NONE;
        c->entry = FT_NIL;
        c->caplen = pkt->caplen;
        if (__builtin_expect(pkt->flags & CST_PKT_KERNEL_CUT, 0) && pkt->caplen < pkt->origlen)
                c->caplen = pkt->origlen;
        if ((pkt->flags & CST_PKT_UNKNOWN_IF) || c->caplen != pkt->origlen)
                return;
        struct decoded *d = &c->d;
        decode_packet(pkt->linktype, pkt->data, pkt->caplen, e->decode_mode, d);
        c->kind = PKT_DECODED;
        if (d->status != DEC_OK)
                return;
        uint32_t have = d->payload_len; /* captured payload bytes */
        if (c->caplen != pkt->caplen) { /* kernel cut: the payload ran to the frame's end */
                if (d->payload_off + have != pkt->caplen)
                        return;
                d->payload_len += pkt->origlen - pkt->caplen;
        }
        c->now = (uint32_t)(pkt->ts_ns / 1000000000u); /* the flow table's clock */
        if (!wants_flow(e, d))
                return;
        struct rd frame = rd_init(pkt->data, pkt->caplen);
        c->pl = rd_window(&frame, d->payload_off, have);
        if (c->pl.err)
                return; /* decode guarantees otherwise; be safe */
        unsigned dir;
        uint8_t proto = d->transport == 6 ? 6 : 17;
        c->hash = ft_make_key(&c->k, d->src, d->dst, d->addr_len, d->sport, d->dport, proto, &dir);
        c->dir = (uint8_t)dir;
        c->kind = PKT_KEYED;
}

/* What the decision-log row of a packet shows (SPEC 2.11). */
enum row_kind {
        ROW_NONE = 0,
        ROW_BARE,    /* nothing decoded: lengths and reason */
        ROW_DECODED, /* addresses, ports, TCP fields ... */
        ROW_TRACED,  /* ... and the analyser's state (tls_* columns) */
};

/* The one place a decision-log row is built. */
static void log_row(cst_engine *e, const struct pkt_ctx *c, enum row_kind kind,
                    const struct cst_verdict *v, const struct an_trace *tr)
{
        const struct cst_packet *pkt = c->pkt;
        struct dlog_row row = {.index = e->pkt_index,
                               .d = kind == ROW_BARE ? NULL : &c->d,
                               .caplen_before = pkt->caplen,
                               .caplen_after = v->keep_len,
                               .origlen = pkt->origlen,
                               .reason = v->reason,
                               .tls_seen = kind == ROW_TRACED};
        if (kind == ROW_TRACED) {
                row.state_before = tr->before;
                row.state_after = tr->after;
                row.remaining_before = tr->rem_before;
                row.remaining_after = tr->rem_after;
                row.event = tr->event;
        }
        dlog_write(e->log, &row);
}

/* A decoded TCP/UDP packet: its analyser, when the packet is keyed. */
static enum row_kind analyse(cst_engine *e, const struct pkt_ctx *c, struct proposal *p,
                             struct an_trace *tr)
{
        const struct decoded *d = &c->d;
        unsigned t = d->transport == 6 ? AN_TCP : AN_UDP;
        if (t == AN_TCP)
                e->vs.st.decoded_tcp_packets++;
        else
                e->vs.st.decoded_udp_packets++;
        enum row_kind row = t == AN_TCP && d->payload_len ? ROW_DECODED : ROW_NONE;
        if (c->kind != PKT_KEYED)
                return row;
        const struct analyser *an = &e->an[t];
        if (tr) {
                *tr = (struct an_trace){.before = "", .after = "", .event = ""};
                tr->buf_before[0] = tr->buf_after[0] = '\0';
        }
        an->ops->packet(an->self, &e->env, c, p, tr);
        if (tr && (an->ops->row_per_packet || row || e->log_all)) /* only with a decision log */
                row = tr->no_row ? ROW_NONE : ROW_TRACED;
        return row;
}

/* A complete packet (caplen == origlen): decode status, then the analyser. */
static enum row_kind decide_decoded(cst_engine *e, const struct pkt_ctx *c, struct proposal *p,
                                    struct an_trace *tr)
{
        switch (c->d.status) {
        case DEC_UNSUPPORTED_LINK:
                p->why = CST_R_KEEP_UNSUPPORTED_LINK_TYPE;
                return ROW_BARE;
        case DEC_MALFORMED:
                p->why = CST_R_KEEP_DECODE_MALFORMED;
                return ROW_DECODED;
        case DEC_OK:
                break;
        default:
                return ROW_NONE;
        }
        ft_expire(&e->ft, c->now);
        enum row_kind row = analyse(e, c, p, tr);
        sync_flow_stats(e);
        return row;
}

/*
 * A packet the kernel cut (live eBPF backend): the verdict was settled as
 * for the whole packet; only the bytes the kernel kept can be written.
 */
static void kernel_cut_settled(cst_engine *e, const struct cst_packet *pkt, struct cst_verdict *v)
{
        e->vs.st.kernel_cut_packets++;
        if (v->keep_len > pkt->caplen) {
                e->vs.st.kernel_cut_short++;
                v->keep_len = pkt->caplen;
        }
}

/* The stateful part, in packet order: analyser, verdict, counters, log row. */
static void engine_finish(cst_engine *e, const struct pkt_ctx *c, struct cst_verdict *v)
{
        const struct cst_packet *pkt = c->pkt;
        struct proposal p = {c->caplen, CST_R_KEEP_NOT_ANALYSED};
        struct an_trace tr; /* ~230 bytes: filled only when the decision log is on */
        enum row_kind row = ROW_NONE;
        e->pkt_index++;
        if (pkt->flags & CST_PKT_UNKNOWN_IF) {
                p.why = VR_PCAPNG_UNKNOWN_IF;
        } else if (pkt->caplen > pkt->origlen) { /* contracts: kept whole, no analysis */
                p.why = CST_R_KEEP_CAPLEN_EXCEEDS_ORIGLEN;
                row = ROW_BARE;
        } else if (c->caplen < pkt->origlen) { /* SPEC 2.5: never fed to TLS/QUIC state */
                p.why = CST_R_KEEP_ALREADY_TRUNCATED;
                row = ROW_BARE;
        } else {
                row = decide_decoded(e, c, &p, e->log ? &tr : NULL);
        }
        vr_settle(&e->lim, c, &p, &e->vs, v);
        if (__builtin_expect(c->caplen != pkt->caplen, 0))
                kernel_cut_settled(e, pkt, v);
        if (__builtin_expect(e->log != NULL, 0)) {
                /* the compatible log (SPEC 2.11) leaves packets out; `all` does not */
                if (row == ROW_NONE && e->log_all)
                        row = c->kind == PKT_NONE ? ROW_BARE : ROW_DECODED;
                if (row != ROW_NONE)
                        log_row(e, c, row, v, &tr);
        }
}

void engine_set_seen(cst_engine *e, struct pkt_seen *seen)
{
        e->seen = seen;
        e->env.seen = NULL;
}

/* Annotated output: packet i of the batch starts with an empty record list. */
static void seen_begin(cst_engine *e, const struct pkt_ctx *c, unsigned i)
{
        struct pkt_seen *s = &e->seen[i];
        s->n = s->more = 0;
        s->analysed = c->kind == PKT_KEYED;
        s->flow = c->kind == PKT_KEYED ? c->hash : 0;
        s->payload_off = c->kind == PKT_KEYED ? c->d.payload_off : 0;
        e->env.seen = s;
}

void cst_engine_process(cst_engine *e, const struct cst_packet *pkt, struct cst_verdict *v)
{
        struct pkt_ctx c;
        engine_prepare(e, pkt, &c);
        if (__builtin_expect(e->seen != NULL, 0))
                seen_begin(e, &c, 0);
        engine_finish(e, &c, v);
}

/* Pipeline stage: the index slot named, prefetch the flow entry and the analyser's state. */
static inline void hint_entry(const cst_engine *e, struct pkt_ctx *c)
{
        if (c->kind != PKT_KEYED)
                return;
        uint32_t ent = ft_peek_entry(&e->ft, c->hash);
        c->entry = ent;
        if (ent == FT_NIL)
                return;
        ft_prefetch_entry(&e->ft, ent);
        const struct analyser *an = &e->an[c->d.transport == 6 ? AN_TCP : AN_UDP];
        if (an->ops->prefetch)
                an->ops->prefetch(an->self, ent, c);
}

/* Pipeline stage: the entry has arrived; LRU neighbours and the analyser's payload bytes. */
static inline void hint_payload(const cst_engine *e, const struct pkt_ctx *c)
{
        ft_prefetch_lru(&e->ft, c->entry);
        if (c->kind != PKT_KEYED || c->entry == FT_NIL)
                return;
        const struct analyser *an = &e->an[c->d.transport == 6 ? AN_TCP : AN_UDP];
        if (an->ops->prefetch_payload)
                an->ops->prefetch_payload(&e->ft, c);
}

static inline void prefetch_packet(const struct cst_packet *p)
{
        uintptr_t a = (uintptr_t)p->data; /* integer: data may be NULL for an empty record */
        __builtin_prefetch((const void *)a);
        __builtin_prefetch((const void *)(a + 64));
}

/* Pipeline stage: decode and hash a packet ahead, fetch its index slot. */
static inline void prepare_ahead(cst_engine *e, const struct cst_packet *p, struct pkt_ctx *c)
{
        if (p->kind != CST_REC_PACKET) {
                c->kind = PKT_NONE;
                c->entry = FT_NIL;
                return;
        }
        engine_prepare(e, p, c);
        if (c->kind == PKT_KEYED)
                ft_prefetch_slot(&e->ft, c->hash);
}

/*
 * Software pipeline over the batch: while packet i is decided (in order, the
 * only stage that changes state), packet i + DATA_AHEAD's bytes are fetched,
 * i + PRE_AHEAD is decoded and hashed and its index slot fetched, and the
 * flow entry and LRU neighbours of i + ENTRY_AHEAD / i + LRU_AHEAD are
 * fetched.  The look-ahead stages only read, so the verdicts are those of
 * cst_engine_process() in order.
 */
void cst_engine_process_batch(cst_engine *e, const struct cst_packet *pkts, unsigned n,
                              struct cst_verdict *v)
{
        for (unsigned k = 0; k < n && k < DATA_AHEAD; k++)
                prefetch_packet(&pkts[k]);
        for (unsigned k = 0; k < n && k < PRE_AHEAD; k++)
                prepare_ahead(e, &pkts[k], &e->ring[k]);
        for (unsigned i = 0; i < n; i++) {
                if (i + DATA_AHEAD < n)
                        prefetch_packet(&pkts[i + DATA_AHEAD]);
                if (i + PRE_AHEAD < n)
                        prepare_ahead(e, &pkts[i + PRE_AHEAD],
                                      &e->ring[(i + PRE_AHEAD) & (BATCH_RING - 1)]);
                if (i + ENTRY_AHEAD < n)
                        hint_entry(e, &e->ring[(i + ENTRY_AHEAD) & (BATCH_RING - 1)]);
                if (i + LRU_AHEAD < n)
                        hint_payload(e, &e->ring[(i + LRU_AHEAD) & (BATCH_RING - 1)]);
                const struct cst_packet *p = &pkts[i];
                if (p->kind != CST_REC_PACKET) {
                        v[i].keep_len = p->caplen;
                        v[i].reason = CST_R_KEEP_NOT_ANALYSED;
                        continue;
                }
                struct pkt_ctx *c = &e->ring[i & (BATCH_RING - 1)];
                if (__builtin_expect(e->seen != NULL, 0))
                        seen_begin(e, c, i);
                engine_finish(e, c, &v[i]);
        }
}

int cst_engine_open_decision_log(cst_engine *e, const char *path, char *err)
{
        if (e->log) {
                int rc = dlog_close(e->log, err);
                e->log = NULL;
                if (rc)
                        return rc;
        }
        return dlog_open(&e->log, path, err);
}

int cst_engine_close_decision_log(cst_engine *e, char *err)
{
        int rc = dlog_close(e->log, err);
        e->log = NULL;
        return rc;
}

int cst_engine_decision_log_error(cst_engine *e, char *err)
{
        return dlog_error(e->log, err);
}
