/*
 * engine — the per-packet constrict pipeline of SPEC 2.5: length checks,
 * decode (SPEC 2.6, with the TSO/jumbo fix: non-COMPAT mode, SPEC 6 item 6),
 * then the TLS tracker (SPEC 2.7) for TCP and the QUIC analyser (SPEC 2.8) for
 * UDP, with their state in one bounded flow table, counters (SPEC 2.10) and
 * the optional decision log (SPEC 2.11).
 *
 * Hot path: one decode, one hash of the 5-tuple and one index probe per
 * TCP/UDP packet; no allocation and no syscall (the decision log is buffered).
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
                ft_remove(&e->ft, f);
                return;
        }
        f->u.tcp.dir[0] = dirs[0];
        f->u.tcp.dir[1] = dirs[1];
        if (tcp_flags & TCP_FIN) {
                f->u.tcp.fin_seen |= (uint8_t)(1u << dir);
                if (f->u.tcp.fin_seen == 3u) {
                        ft_remove(&e->ft, f);
                        e->ft.closed++;
                }
        }
}

struct tcp_trace { /* decision-log view of the TLS state around one packet */
        char before[96], after[96];
        uint32_t rem_before, rem_after;
};

/* TLS on one analysed TCP packet: flow lookup, tracker, store back. */
static void tcp_analyse(cst_engine *e, const struct cst_packet *pkt, const struct decoded *d,
                        const uint8_t *pl, struct tls_out *out, struct tcp_trace *tr)
{
        struct flow_key k;
        unsigned dir;
        uint32_t now = packet_seconds(pkt);
        uint64_t h = ft_make_key(&k, d->src, d->dst, d->addr_len, d->sport, d->dport, 6, &dir);
        bool self = k.port_a == k.port_b && memcmp(k.addr_a, k.addr_b, sizeof(k.addr_a)) == 0;
        struct flow *f = ft_lookup(&e->ft, &k, h, now);
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
        tcp_store(e, f, &k, h, dir, dirs, d->tcp_flags, now);
}

static void process_tcp(cst_engine *e, const struct cst_packet *pkt, const struct decoded *d,
                        struct cst_verdict *v)
{
        struct tls_out out = {pkt->caplen, CST_R_KEEP_NOT_ANALYSED, TLS_EV_NONE};
        struct tcp_trace tr = {"", "", 0, 0};
        bool logged = e->log && d->payload_len;
        const uint8_t *pl = payload_of(pkt, d);
        bool analyse = e->cfg.tls_enabled && pl && port_selected(&e->cfg.tls_ports, d);
        if (analyse && e->trk && e->trk->p.tls_track) {
                struct trk_pkt tp = {d, pl, pkt->caplen, pkt->origlen, packet_seconds(pkt),
                                     e->pkt_index, logged ? e->log : NULL};
                track_tcp(e->trk, &e->ft, &tp, &e->st, v);
                return;
        }
        if (analyse)
                tcp_analyse(e, pkt, d, pl, &out, logged ? &tr : NULL);
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

static void process_udp(cst_engine *e, const struct cst_packet *pkt, const struct decoded *d,
                        struct cst_verdict *v)
{
        const uint8_t *pl = payload_of(pkt, d);
        if (!e->cfg.quic_enabled || !pl || d->payload_len == 0 ||
            !port_selected(&e->cfg.quic_ports, d))
                return;
        if (e->trk) {
                struct trk_pkt tp = {d, pl, pkt->caplen, pkt->origlen, packet_seconds(pkt),
                                     e->pkt_index, e->log};
                track_udp(e->trk, &e->ft, &tp, &e->st, v);
                return;
        }
        struct flow_key k;
        struct quic_flow_ref fr = {.ft = &e->ft, .key = &k, .now = packet_seconds(pkt)};
        fr.hash = ft_make_key(&k, d->src, d->dst, d->addr_len, d->sport, d->dport, 17, &fr.dir);
        struct quic_out out;
        quic_process(&e->quic, &fr, d, pl, pkt->caplen, &e->st, &out);
        v->keep_len = out.keep_len;
        v->reason = out.reason;
}

/* Decode and dispatch one complete packet (caplen == origlen). */
static void process_decoded(cst_engine *e, const struct cst_packet *pkt, struct cst_verdict *v)
{
        struct decoded d;
        decode_packet(pkt->linktype, pkt->data, pkt->caplen, e->decode_mode, &d);
        switch (d.status) {
        case DEC_UNSUPPORTED_LINK:
                e->st.unsupported_link_type_packets++;
                v->reason = CST_R_KEEP_UNSUPPORTED_LINK_TYPE;
                log_plain(e, pkt, NULL, v->reason);
                return;
        case DEC_MALFORMED:
                e->st.malformed_packets++;
                v->reason = CST_R_KEEP_DECODE_MALFORMED;
                log_plain(e, pkt, &d, v->reason);
                return;
        case DEC_OK:
                break;
        default:
                return;
        }
        ft_expire(&e->ft, packet_seconds(pkt));
        if (d.transport == 6) {
                e->st.decoded_tcp_packets++;
                process_tcp(e, pkt, &d, v);
        } else {
                e->st.decoded_udp_packets++;
                process_udp(e, pkt, &d, v);
        }
        e->st.flows_active = ft_active(&e->ft);
        e->st.flows_evicted = e->ft.evicted;
        e->st.flows_timed_out = e->ft.timed_out;
        e->st.flows_closed = e->ft.closed;
}

void cst_engine_process(cst_engine *e, const struct cst_packet *pkt, struct cst_verdict *v)
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
        process_decoded(e, pkt, v);
        if (v->keep_len > pkt->caplen)
                v->keep_len = pkt->caplen;
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
