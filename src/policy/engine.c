/*
 * engine — the per-packet constrict pipeline of SPEC 2.5: length checks,
 * decode (SPEC 2.6, with the TSO/jumbo fix: non-COMPAT mode, SPEC 6 item 6),
 * then the TLS tracker (SPEC 2.7) for TCP and the QUIC analyser (SPEC 2.8) for
 * UDP, with their state in one bounded flow table, counters (SPEC 2.10) and
 * the optional decision log (SPEC 2.11).
 *
 * Hot path: one decode, one hash of the 5-tuple and one index probe per
 * TCP/UDP packet; no allocation and no syscall (the decision log is buffered).
 * The cost is dominated by cache misses on packet bytes and flow entries, so
 * cst_engine_process_batch() splits each packet into a stateless part
 * (decode, key, hash: engine_prepare) run ahead with prefetches, and the
 * stateful part (engine_finish) run strictly in packet order.
 */
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "decode/decode.h"
#include "policy/decision_log.h"
#include "policy/flowtable.h"
#include "policy/quic.h"
#include "policy/tls.h"
#include "policy/track.h"

/*
 * The part of a packet's work that depends only on its bytes and the
 * configuration (decode, flow key, hash), done ahead of the stateful part by
 * the batch pipeline.
 */
enum { PRE_NONE = 0, PRE_DECODED, PRE_KEYED };
struct pkt_pre {
        struct decoded d;
        struct flow_key k; /* PRE_KEYED: canonical key, hash, direction */
        uint64_t hash;
        unsigned dir;
        uint32_t entry; /* batch: index entry peeked for this key, FT_NIL if none */
        uint8_t kind;   /* PRE_* */
};

/* Batch pipeline distances, in packets ahead of the one being decided. */
#define BATCH_RING  16 /* power of two, more than PRE_AHEAD + 1 */
#define DATA_AHEAD  12 /* first two cache lines of the packet prefetched */
#define PRE_AHEAD   8  /* decoded and hashed, index slot prefetched */
#define ENTRY_AHEAD 4  /* flow entry (and track state) prefetched */
#define LRU_AHEAD   2  /* LRU neighbours of the entry prefetched */

struct cst_engine {
        struct cst_stats st;
        struct flowtable ft;
        struct tls_params tls;
        struct quic_params quic;
        unsigned decode_mode;
        uint64_t pkt_index; /* 1-based index of the packet being processed */
        struct dlog *log;
        struct cst_config cfg;
        struct track *trk; /* `track` or learn_all_long_headers (issue 12), else NULL */
        struct pkt_pre ring[BATCH_RING]; /* batch pipeline */
};

static const char *const reason_names[CST_R_COUNT] = {
    [CST_R_KEEP_NOT_ANALYSED] = "keep.not_analysed",
    [CST_R_KEEP_ALREADY_TRUNCATED] = "keep.already_truncated",
    [CST_R_KEEP_UNSUPPORTED_LINK_TYPE] = "keep.unsupported_link_type",
    [CST_R_KEEP_DECODE_MALFORMED] = "keep.decode_malformed",
    [CST_R_KEEP_NO_CANDIDATE] = "keep.no_candidate",
    [CST_R_KEEP_TCP_SEQ_MISMATCH] = "keep.tcp_seq_mismatch",
    [CST_R_KEEP_UNSYNCHRONIZED_NON_HANDSHAKE] = "keep.unsynchronized_non_handshake",
    [CST_R_KEEP_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES] =
        "keep.app_data_continuation_with_extra_bytes",
    [CST_R_KEEP_MALFORMED_TLS_RECORD] = "keep.malformed_tls_record",
    [CST_R_KEEP_MIDDLE_CONTINUATION] = "keep.middle_continuation",
    [CST_R_KEEP_MIN_SAVINGS] = "keep.min_savings",
    [CST_R_KEEP_NO_PAYLOAD] = "keep.no_payload",
    [CST_R_KEEP_NOT_TCP] = "keep.not_tcp",
    [CST_R_KEEP_CAPLEN_EXCEEDS_ORIGLEN] = "keep.caplen_exceeds_origlen",
    [CST_R_KEEP_QUIC_LONG_HEADER] = "keep.quic_long_header",
    [CST_R_KEEP_QUIC_UNCERTAIN] = "keep.quic_uncertain",
    [CST_R_KEEP_QUIC_DCID_MISMATCH] = "keep.quic_dcid_mismatch",
    [CST_R_KEEP_QUIC_UNKNOWN_FLOW] = "keep.quic_unknown_flow",
    [CST_R_KEEP_NOT_PROVEN_TLS] = "keep.not_proven_tls",
    [CST_R_KEEP_ENCRYPTED_HANDSHAKE] = "keep.encrypted_handshake",
    [CST_R_TRUNCATE_TLS_APP_DATA_START] = "truncate.tls_app_data_start",
    [CST_R_TRUNCATE_TLS_FINAL_CONTINUATION] = "truncate.tls_final_continuation",
    [CST_R_TRUNCATE_TLS_STREAM_CONTINUATION] = "truncate.tls_stream_continuation",
    [CST_R_TRUNCATE_TLS_BULK_CONTINUATION] = "truncate.tls_bulk_continuation",
    [CST_R_TRUNCATE_TLS_TRACK] = "truncate.tls_track",
    [CST_R_TRUNCATE_QUIC_SHORT_HEADER] = "truncate.quic_short_header",
    [CST_R_TRUNCATE_SNAPLEN] = "truncate.snaplen",
    [CST_R_KEEP_TLS_TRACK_NEEDED] = "keep.tls_track_needed",
    [CST_R_TRUNCATE_TLS_TRACK_UNSYNCHRONIZED] = "truncate.tls_track_unsynchronized",
    [CST_R_KEEP_QUIC_VERSION_NEGOTIATION] = "keep.quic_version_negotiation",
};

const char *cst_reason_name(unsigned reason)
{
        return reason < CST_R_COUNT && reason_names[reason] ? reason_names[reason]
                                                            : "truncate.unknown";
}

cst_engine *cst_engine_new(const struct cst_config *cfg, char *err)
{
        cst_engine *e = calloc(1, sizeof(*e));
        if (!e) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return NULL;
        }
        e->cfg = *cfg;
        if (ft_init(&e->ft, cfg->max_flows, cfg->flow_idle_timeout_sec, err) != 0) {
                free(e);
                return NULL;
        }
        e->tls = (struct tls_params){
            .keep_record = cfg->app_data_keep_record_bytes,
            .keep_cont = cfg->app_data_continuation_keep_bytes,
            .min_saved = cfg->min_saved_bytes_per_packet,
            .policy = cfg->tls_policy,
            .strict = true,
        };
        e->quic = (struct quic_params){
            .short_keep = cfg->short_header_keep_packet_bytes,
            .min_saved = cfg->min_saved_bytes_per_packet,
            .require_dcid_match = cfg->require_dcid_match,
            .allow_unknown_dcid = cfg->allow_short_header_without_known_dcid,
            .strict = true,
        };
        if (cfg->tls_policy == CST_TLS_TRACK || cfg->learn_all_long_headers) {
                e->trk = track_new(cfg, err);
                if (!e->trk) {
                        ft_free(&e->ft);
                        free(e);
                        return NULL;
                }
        }
        e->decode_mode = 0; /* fixes on: TSO/jumbo frames are decoded (SPEC 6 item 6) */
        e->st.tls_policy = (int)cfg->tls_policy;
        return e;
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
        free(e);
}

void cst_engine_set_compat(cst_engine *e, bool compat)
{
        e->tls.strict = !compat;
        e->quic.strict = !compat;
        e->decode_mode = compat ? DECODE_COMPAT : 0;
}

struct cst_stats *cst_engine_stats(cst_engine *e)
{
        e->st.flows_active = ft_active(&e->ft);
        e->st.flows_evicted = e->ft.evicted;
        e->st.flows_timed_out = e->ft.timed_out;
        e->st.flows_closed = e->ft.closed;
        return &e->st;
}

static void log_plain(cst_engine *e, const struct cst_packet *pkt, const struct decoded *d,
                      uint16_t reason)
{
        if (!e->log)
                return;
        struct dlog_row row = {.index = e->pkt_index,
                               .d = d,
                               .caplen_before = pkt->caplen,
                               .caplen_after = pkt->caplen,
                               .origlen = pkt->origlen,
                               .reason = reason};
        dlog_write(e->log, &row);
}

static inline bool port_selected(const struct cst_port_set *s, const struct decoded *d)
{
        return cst_port_in(s, d->sport) || cst_port_in(s, d->dport);
}

static inline uint32_t packet_seconds(const struct cst_packet *pkt)
{
        return (uint32_t)(pkt->ts_ns / 1000000000u);
}

/* The TCP payload as a bounded view of the captured bytes. */
static const uint8_t *payload_of(const struct cst_packet *pkt, const struct decoded *d)
{
        if ((uint64_t)d->payload_off + d->payload_len > pkt->caplen)
                return NULL; /* decode guarantees otherwise; be safe */
        return pkt->data + d->payload_off;
}

/*
 * Store the two direction states back.  A flow whose directions are both
 * absent (SYN/RST erase, non-TLS payload) leaves the table, exactly as the
 * old tool's map would hold nothing for it.  After a FIN from both sides the
 * flow is closed (SPEC 6 item 13 fix, docs/compatibility.md).
 */
static void tcp_store(cst_engine *e, struct flow *f, const struct flow_key *k, uint64_t h,
                      unsigned dir, const struct tls_dir dirs[2], uint8_t tcp_flags, uint32_t now)
{
        bool any = (dirs[0].flags | dirs[1].flags) & TLS_D_PRESENT;
        if (!f) {
                if (!any)
                        return;
                f = ft_insert(&e->ft, k, h, now);
                if (!f)
                        return; /* growth failed: the flow is forgotten, packets kept whole */
        } else if (!any) {
                ft_remove_hashed(&e->ft, f, h);
                return;
        }
        f->u.tcp.dir[0] = dirs[0];
        f->u.tcp.dir[1] = dirs[1];
        if (tcp_flags & TCP_FIN) {
                f->u.tcp.fin_seen |= (uint8_t)(1u << dir);
                if (f->u.tcp.fin_seen == 3u) {
                        ft_remove_hashed(&e->ft, f, h);
                        e->ft.closed++;
                }
        }
}

struct tcp_trace { /* decision-log view of the TLS state around one packet */
        char before[96], after[96];
        uint32_t rem_before, rem_after;
};

/* TLS on one analysed TCP packet: flow lookup, tracker, store back. */
static void tcp_analyse(cst_engine *e, const struct cst_packet *pkt, const struct pkt_pre *pre,
                        const uint8_t *pl, struct tls_out *out, struct tcp_trace *tr)
{
        const struct decoded *d = &pre->d;
        const struct flow_key *k = &pre->k;
        unsigned dir = pre->dir;
        uint64_t h = pre->hash;
        uint32_t now = packet_seconds(pkt);
        bool self = k->port_a == k->port_b && memcmp(k->addr_a, k->addr_b, sizeof(k->addr_a)) == 0;
        struct flow *f = ft_lookup(&e->ft, k, h, now);
        struct tls_dir dirs[2] = {{0}, {0}};
        if (f) {
                dirs[0] = f->u.tcp.dir[0];
                dirs[1] = f->u.tcp.dir[1];
        }
        struct tls_dir *kd = &dirs[dir], *rd = self ? kd : &dirs[dir ^ 1u];
        if (tr) {
                tls_state_string(kd, tr->before, sizeof(tr->before));
                tr->rem_before = kd->active_remaining;
        }
        tls_process(&e->tls, kd, rd, d, pl, pkt->caplen, &e->st, out);
        if (tr) {
                tls_state_string(kd, tr->after, sizeof(tr->after));
                tr->rem_after = kd->active_remaining;
        }
        tcp_store(e, f, k, h, dir, dirs, d->tcp_flags, now);
}

static void process_tcp(cst_engine *e, const struct cst_packet *pkt, const struct pkt_pre *pre,
                        struct cst_verdict *v)
{
        const struct decoded *d = &pre->d;
        struct tls_out out = {pkt->caplen, CST_R_KEEP_NOT_ANALYSED, TLS_EV_NONE};
        struct tcp_trace tr; /* 200 bytes: filled only when the decision log is on */
        bool logged = e->log && d->payload_len;
        if (logged) {
                tr.before[0] = tr.after[0] = '\0';
                tr.rem_before = tr.rem_after = 0;
        }
        const uint8_t *pl = payload_of(pkt, d);
        bool analyse = pre->kind == PRE_KEYED;
        if (analyse && e->trk && e->trk->p.tls_track) {
                struct trk_pkt tp = {d,
                                     pl,
                                     pkt->caplen,
                                     pkt->origlen,
                                     packet_seconds(pkt),
                                     e->pkt_index,
                                     logged ? e->log : NULL,
                                     0};
                track_tcp(e->trk, &e->ft, &tp, &e->st, v);
                return;
        }
        if (analyse)
                tcp_analyse(e, pkt, pre, pl, &out, logged ? &tr : NULL);
        if (logged) {
                struct dlog_row row = {.index = e->pkt_index,
                                       .d = d,
                                       .caplen_before = pkt->caplen,
                                       .caplen_after = out.keep_len,
                                       .origlen = pkt->origlen,
                                       .reason = out.reason,
                                       .tls_seen = analyse,
                                       .state_before = tr.before,
                                       .state_after = tr.after,
                                       .remaining_before = tr.rem_before,
                                       .remaining_after = tr.rem_after,
                                       .event = tls_event_name(out.event)};
                dlog_write(e->log, &row);
        }
        v->keep_len = out.keep_len;
        v->reason = out.reason;
}

static void process_udp(cst_engine *e, const struct cst_packet *pkt, const struct pkt_pre *pre,
                        struct cst_verdict *v)
{
        const struct decoded *d = &pre->d;
        const uint8_t *pl = payload_of(pkt, d);
        if (pre->kind != PRE_KEYED)
                return;
        if (e->trk) {
                struct trk_pkt tp = {d,
                                     pl,
                                     pkt->caplen,
                                     pkt->origlen,
                                     packet_seconds(pkt),
                                     e->pkt_index,
                                     e->log,
                                     pkt->gso_size};
                track_udp(e->trk, &e->ft, &tp, &e->st, v);
                return;
        }
        struct quic_flow_ref fr = {.ft = &e->ft,
                                   .key = &pre->k,
                                   .hash = pre->hash,
                                   .dir = pre->dir,
                                   .now = packet_seconds(pkt),
                                   .gso_size = pkt->gso_size};
        struct quic_out out;
        quic_process(&e->quic, &fr, d, pl, pkt->caplen, &e->st, &out);
        v->keep_len = out.keep_len;
        v->reason = out.reason;
}

/* Whether the TLS tracker / QUIC analyser looks at this decoded TCP/UDP packet. */
static inline bool wants_flow(const cst_engine *e, const struct cst_packet *pkt,
                              const struct decoded *d)
{
        if (!payload_of(pkt, d))
                return false;
        if (d->transport == 6)
                return e->cfg.tls_enabled && port_selected(&e->cfg.tls_ports, d);
        return e->cfg.quic_enabled && d->payload_len != 0 && port_selected(&e->cfg.quic_ports, d);
}

/* The stateless part: decode, and the flow key of an analysed packet. */
static inline void engine_prepare(const cst_engine *e, const struct cst_packet *pkt,
                                  struct pkt_pre *pre)
{
        pre->kind = PRE_NONE;
        pre->entry = FT_NIL;
        if ((pkt->flags & CST_PKT_UNKNOWN_IF) || pkt->caplen != pkt->origlen)
                return;
        struct decoded *d = &pre->d;
        decode_packet(pkt->linktype, pkt->data, pkt->caplen, e->decode_mode, d);
        pre->kind = PRE_DECODED;
        if (d->status != DEC_OK || !wants_flow(e, pkt, d))
                return;
        uint8_t proto = d->transport == 6 ? 6 : 17;
        pre->hash =
            ft_make_key(&pre->k, d->src, d->dst, d->addr_len, d->sport, d->dport, proto, &pre->dir);
        pre->kind = PRE_KEYED;
}

/* Dispatch one decoded complete packet (caplen == origlen). */
static void process_decoded(cst_engine *e, const struct cst_packet *pkt, const struct pkt_pre *pre,
                            struct cst_verdict *v)
{
        switch (pre->d.status) {
        case DEC_UNSUPPORTED_LINK:
                e->st.unsupported_link_type_packets++;
                v->reason = CST_R_KEEP_UNSUPPORTED_LINK_TYPE;
                log_plain(e, pkt, NULL, v->reason);
                return;
        case DEC_MALFORMED:
                e->st.malformed_packets++;
                v->reason = CST_R_KEEP_DECODE_MALFORMED;
                log_plain(e, pkt, &pre->d, v->reason);
                return;
        case DEC_OK:
                break;
        default:
                return;
        }
        ft_expire(&e->ft, packet_seconds(pkt));
        if (pre->d.transport == 6) {
                e->st.decoded_tcp_packets++;
                process_tcp(e, pkt, pre, v);
        } else {
                e->st.decoded_udp_packets++;
                process_udp(e, pkt, pre, v);
        }
        e->st.flows_active = ft_active(&e->ft);
        e->st.flows_evicted = e->ft.evicted;
        e->st.flows_timed_out = e->ft.timed_out;
        e->st.flows_closed = e->ft.closed;
}

/* The stateful part, in packet order: counters, flow state, verdict, log. */
static void engine_finish(cst_engine *e, const struct cst_packet *pkt, const struct pkt_pre *pre,
                          struct cst_verdict *v)
{
        e->pkt_index++;
        v->keep_len = pkt->caplen;
        v->reason = CST_R_KEEP_NOT_ANALYSED;
        if (pkt->flags & CST_PKT_UNKNOWN_IF) {
                e->st.pcapng_unsupported_packets++;
                return;
        }
        if (pkt->caplen > pkt->origlen) { /* contracts: kept whole, no analysis */
                e->st.caplen_exceeds_origlen_packets++;
                v->reason = CST_R_KEEP_CAPLEN_EXCEEDS_ORIGLEN;
                log_plain(e, pkt, NULL, v->reason);
                return;
        }
        if (pkt->caplen < pkt->origlen) { /* SPEC 2.5: never fed to TLS/QUIC state */
                e->st.already_truncated_input_packets++;
                v->reason = CST_R_KEEP_ALREADY_TRUNCATED;
                log_plain(e, pkt, NULL, v->reason);
                return;
        }
        process_decoded(e, pkt, pre, v);
        if (v->keep_len > pkt->caplen)
                v->keep_len = pkt->caplen;
}

void cst_engine_process(cst_engine *e, const struct cst_packet *pkt, struct cst_verdict *v)
{
        struct pkt_pre pre;
        engine_prepare(e, pkt, &pre);
        engine_finish(e, pkt, &pre, v);
}

/* Pipeline stage: the index slot named, prefetch the flow entry and its track state. */
static inline void hint_entry(const cst_engine *e, struct pkt_pre *pre)
{
        if (pre->kind != PRE_KEYED)
                return;
        uint32_t ent = ft_peek_entry(&e->ft, pre->hash);
        pre->entry = ent;
        if (ent == FT_NIL)
                return;
        const struct flow *f = &e->ft.flows[ent];
        __builtin_prefetch(f, 1);
        __builtin_prefetch((const char *)(f + 1) - 1, 1);
        if (e->trk && ent < e->trk->slots_cap) {
                const char *ts = (const char *)&e->trk->slots[ent];
                const char *td =
                    pre->d.transport == 6 ? (const char *)&e->trk->slots[ent].tcp.d[pre->dir] : ts;
                __builtin_prefetch(ts, 1);
                __builtin_prefetch(td, 1);
                __builtin_prefetch(td + 64, 1);
        }
}

/* Pipeline stage: the entry is cached now; its LRU neighbours are touched by the lookup. */
static inline void hint_lru(const cst_engine *e, const struct pkt_pre *pre)
{
        if (pre->entry == FT_NIL || pre->entry >= e->ft.flows_cap || pre->entry == e->ft.lru_head)
                return;
        const struct flow *f = &e->ft.flows[pre->entry];
        if (f->lru_prev < e->ft.flows_cap)
                __builtin_prefetch(&e->ft.flows[f->lru_prev].lru_next, 1);
        if (f->lru_next < e->ft.flows_cap)
                __builtin_prefetch(&e->ft.flows[f->lru_next].lru_prev, 1);
}

static inline void prefetch_packet(const struct cst_packet *p)
{
        uintptr_t a = (uintptr_t)p->data; /* integer: data may be NULL for an empty record */
        __builtin_prefetch((const void *)a);
        __builtin_prefetch((const void *)(a + 64));
}

/* Pipeline stage: decode and hash a packet ahead, fetch its index slot. */
static inline void prepare_ahead(cst_engine *e, const struct cst_packet *p, struct pkt_pre *pre)
{
        if (p->kind != CST_REC_PACKET) {
                pre->kind = PRE_NONE;
                pre->entry = FT_NIL;
                return;
        }
        engine_prepare(e, p, pre);
        if (pre->kind == PRE_KEYED)
                ft_prefetch_slot(&e->ft, pre->hash);
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
                        hint_lru(e, &e->ring[(i + LRU_AHEAD) & (BATCH_RING - 1)]);
                const struct cst_packet *p = &pkts[i];
                if (p->kind != CST_REC_PACKET) {
                        v[i].keep_len = p->caplen;
                        v[i].reason = CST_R_KEEP_NOT_ANALYSED;
                        continue;
                }
                engine_finish(e, p, &e->ring[i & (BATCH_RING - 1)], &v[i]);
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
