/*
 * tls_track_pkt — the per-packet driver of the `track` policy: flow and
 * side-array state, SYN (new connection / server side) and FIN handling,
 * the verdict (cut after the last needed byte once the connection is
 * proven TLS; min_saved_bytes_per_packet as for the other policies) and the
 * decision-log row of every analysed packet with payload.
 */
#include "policy/tls_track_int.h"

#include <string.h>

#include "policy/tls.h"

/* ---- per packet: flow state, SYN/FIN, verdict, decision log */

static const char *dir_state(const struct trk_conn *c, const struct trk_dir *D)
{
        static const char *const names[4] = {"unproven/unsynchronized", "unproven/synchronized",
                                             "proven/unsynchronized", "proven/synchronized"};
        if (!c)
                return "none";
        return names[((c->flags & TC_PROVEN) ? 2 : 0) + ((D->flags & TD_SYNCED) ? 1 : 0)];
}

static const char *seg_event(const struct seg *g)
{
        if (g->proved)
                return "track_proven";
        if (g->resynced)
                return "track_resync";
        if (g->lost)
                return "track_sync_lost";
        if (g->gap)
                return "track_gap";
        if (g->old)
                return "track_retransmission";
        if (g->enc)
                return "track_encrypted_handshake";
        return g->unsynced ? "track_candidates" : "track_records";
}

/* SYN: a new connection (pure SYN) or the server's side of it (SYN-ACK). */
static void on_syn(struct track *t, struct trk_conn *c, unsigned dir, const struct decoded *d)
{
        bool ack = d->tcp_flags & 0x10u;
        if (!ack) {
                trk_ext_release(t, &c->d[dir ^ 1u]);
                memset(&c->d[dir ^ 1u], 0, sizeof(c->d[0]));
                c->flags = 0;
                c->enc_kept = 0;
        }
        struct trk_dir *D = &c->d[dir];
        trk_ext_release(t, D);
        memset(D, 0, sizeof(*D));
        D->flags = TD_STARTED | TD_SYN | TD_SYNCED | TD_FIRST;
        D->next_hdr = D->high = D->keep_to = D->first_seq = d->seq + 1u;
        if (!(c->flags & TC_CLIENT_KNOWN)) {
                c->flags |= TC_CLIENT_KNOWN;
                c->client_dir = (uint8_t)(ack ? dir ^ 1u : dir);
        }
}

static void verdict(struct seg *g, const struct trk_pkt *pk, struct cst_verdict *v)
{
        const struct decoded *d = pk->d;
        struct cst_stats *st = g->st;
        if (!(g->c->flags & TC_PROVEN)) {
                v->reason = CST_R_KEEP_NOT_PROVEN_TLS;
                return;
        }
        uint32_t kept = g->need_end;
        uint64_t cut = (uint64_t)d->payload_off + g->need_end;
        if (g->need_end >= d->payload_len) {
                kept = d->payload_len;
                v->reason = g->enc ? CST_R_KEEP_ENCRYPTED_HANDSHAKE : CST_R_KEEP_TLS_TRACK_NEEDED;
        } else if (cut >= pk->caplen || pk->caplen - cut < g->t->p.min_saved) {
                kept = d->payload_len;
                st->tls_kept_min_savings++;
                v->reason = CST_R_KEEP_MIN_SAVINGS;
        } else {
                v->keep_len = (uint32_t)cut;
                st->tls_truncated++;
                st->tls_bytes_saved += pk->caplen - cut;
                v->reason = g->unsynced ? CST_R_TRUNCATE_TLS_TRACK_UNSYNCHRONIZED
                                        : CST_R_TRUNCATE_TLS_TRACK;
        }
        if (g->unsynced)
                st->tls_track_unsynced_bytes_kept += kept;
}

/* Find or create the flow of a TCP packet; NULL when the table cannot grow. */
static struct trk_conn *conn_of(struct track *t, struct flowtable *ft, const struct trk_pkt *pk,
                                unsigned *dir, struct flow **fp)
{
        const struct decoded *d = pk->d;
        struct flow_key k;
        uint64_t h = ft_make_key(&k, d->src, d->dst, d->addr_len, d->sport, d->dport, 6, dir);
        struct flow *f = ft_lookup(ft, &k, h, pk->now);
        bool fresh = !f;
        if (!f && !(f = ft_insert(ft, &k, h, pk->now)))
                return NULL;
        union trk_slot *s = fresh ? trk_slot_fresh(t, ft, f, TRK_KIND_TCP) : trk_slot_of(t, ft, f);
        if (!s) {
                ft_remove(ft, f);
                return NULL;
        }
        *fp = f;
        return &s->tcp;
}

static void log_row(const struct trk_pkt *pk, const struct cst_verdict *v, const char *before,
                    const char *after, uint32_t rem_before, uint32_t rem_after, const char *ev)
{
        struct dlog_row row = {.index = pk->index,
                               .d = pk->d,
                               .caplen_before = pk->caplen,
                               .caplen_after = v->keep_len,
                               .origlen = pk->origlen,
                               .reason = v->reason,
                               .tls_seen = true,
                               .state_before = before,
                               .state_after = after,
                               .remaining_before = rem_before,
                               .remaining_after = rem_after,
                               .event = ev};
        dlog_write(pk->log, &row);
}

static uint32_t remaining(const struct trk_dir *D)
{
        return (D->flags & TD_SYNCED) && seq_lt(D->high, D->next_hdr) ? D->next_hdr - D->high : 0;
}

void track_tcp(struct track *t, struct flowtable *ft, const struct trk_pkt *pk,
               struct cst_stats *st, struct cst_verdict *v)
{
        const struct decoded *d = pk->d;
        unsigned dir;
        struct flow *f = NULL;
        v->keep_len = pk->caplen;
        v->reason = CST_R_KEEP_NO_PAYLOAD;
        struct trk_conn *c = conn_of(t, ft, pk, &dir, &f);
        if (!c) {
                v->reason = CST_R_KEEP_NOT_ANALYSED;
                return;
        }
        struct trk_dir *D = &c->d[dir];
        const char *before = pk->log ? dir_state(c, D) : NULL;
        uint32_t rem_before = pk->log ? remaining(D) : 0;
        if (d->tcp_flags & TCP_SYN)
                on_syn(t, c, dir, d);
        if (d->payload_len) {
                uint32_t s = d->seq + ((d->tcp_flags & TCP_SYN) ? 1u : 0u);
                struct seg g = {.t = t,
                                .c = c,
                                .D = D,
                                .st = st,
                                .pl = pk->pl,
                                .s = s,
                                .e = s + d->payload_len,
                                .dir = dir};
                trk_tls_segment(&g);
                verdict(&g, pk, v);
                if (pk->log)
                        log_row(pk, v, before, dir_state(c, D), rem_before, remaining(D),
                                seg_event(&g));
        }
        if (d->tcp_flags & TCP_FIN) {
                c->flags |= (uint8_t)(dir ? TC_FIN1 : TC_FIN0);
                if ((c->flags & (TC_FIN0 | TC_FIN1)) == (TC_FIN0 | TC_FIN1)) {
                        trk_ext_release(t, &c->d[0]);
                        trk_ext_release(t, &c->d[1]);
                        ft_remove(ft, f);
                        ft->closed++;
                }
        }
}
