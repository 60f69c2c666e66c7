/*
 * tls_track_pkt — the `track` TLS analyser as the engine calls it
 * (tls_track_ops): flow and side-array state, SYN (new connection / server
 * side) and FIN handling, the proposed cut (after the last needed byte once
 * the connection is proven TLS; the engine settles it) and the decision-log
 * view of every analysed packet with payload.
 */
#include "policy/tls_track_int.h"

#include <string.h>

#include "policy/tls.h"
#include "policy/verdict.h"

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
        D->next_hdr = D->high = D->keep_to = D->scan_base = d->seq + 1u;
        if (!(c->flags & TC_CLIENT_KNOWN)) {
                c->flags |= TC_CLIENT_KNOWN;
                c->client_dir = (uint8_t)(ack ? dir ^ 1u : dir);
        }
}

/* The proposal: cut after the last needed byte once the connection is proven. */
static void propose(const struct seg *g, const struct pkt_ctx *x, struct proposal *p)
{
        const struct decoded *d = &x->d;
        if (!(g->c->flags & TC_PROVEN)) {
                p->why = CST_R_KEEP_NOT_PROVEN_TLS;
                return;
        }
        if (g->need_end >= d->payload_len) {
                if (g->enc)
                        p->why = g->unsynced ? VR_ENCRYPTED_HANDSHAKE_UNSYNCED
                                             : CST_R_KEEP_ENCRYPTED_HANDSHAKE;
                else
                        p->why = g->unsynced ? VR_TLS_TRACK_NEEDED_UNSYNCED
                                             : CST_R_KEEP_TLS_TRACK_NEEDED;
                return;
        }
        p->keep_len = d->payload_off + g->need_end;
        p->why = g->unsynced ? CST_R_TRUNCATE_TLS_TRACK_UNSYNCHRONIZED : CST_R_TRUNCATE_TLS_TRACK;
}

/* Find or create the flow of a TCP packet; NULL when the table cannot grow. */
static struct trk_conn *conn_of(struct flowtable *ft, const struct pkt_ctx *x, struct flow **fp)
{
        struct flow *f = ft_lookup(ft, &x->k, x->hash, x->now);
        bool fresh = !f;
        if (!f && !(f = ft_insert(ft, &x->k, x->hash, x->now)))
                return NULL;
        union trk_slot *s = fresh ? trk_slot_fresh(f, TRK_KIND_TCP) : trk_slot_of(f);
        *fp = f;
        return &s->tcp;
}

static uint32_t remaining(const struct trk_dir *D)
{
        return (D->flags & TD_SYNCED) && seq_lt(D->high, D->next_hdr) ? D->next_hdr - D->high : 0;
}

/* Both directions sent a FIN: the connection and its pool entries go. */
static void on_fin(struct flowtable *ft, struct trk_conn *c, struct flow *f, unsigned dir)
{
        c->flags |= (uint8_t)(dir ? TC_FIN1 : TC_FIN0);
        if ((c->flags & (TC_FIN0 | TC_FIN1)) == (TC_FIN0 | TC_FIN1)) {
                ft_remove(ft, f); /* the drop hook returns the pool entries */
                ft->closed++;
        }
}

static void tls_track_packet(void *self, const struct an_env *env, const struct pkt_ctx *x,
                             struct proposal *p, struct an_trace *tr)
{
        struct track *t = self;
        const struct decoded *d = &x->d;
        unsigned dir = x->dir;
        struct flow *f = NULL;
        p->why = CST_R_KEEP_NO_PAYLOAD;
        struct trk_conn *c = conn_of(env->ft, x, &f);
        if (!c) {
                p->why = CST_R_KEEP_NOT_ANALYSED;
                if (tr)
                        tr->no_row = true;
                return;
        }
        struct trk_dir *D = &c->d[dir];
        if (tr) {
                tr->before = dir_state(c, D);
                tr->rem_before = remaining(D);
        }
        if (d->tcp_flags & TCP_SYN)
                on_syn(t, c, dir, d);
        if (d->payload_len) {
                uint32_t s = d->seq + ((d->tcp_flags & TCP_SYN) ? 1u : 0u);
                struct seg g = {.t = t,
                                .c = c,
                                .D = D,
                                .st = env->st,
                                .pl = &x->pl,
                                .s = s,
                                .e = s + d->payload_len,
                                .dir = dir,
                                .seen = env->seen};
                if (env->seen && (D->flags & TD_SYNCED) && D->high == s &&
                    seq_lt(s, D->next_hdr)) /* the segment goes on with a record begun earlier */
                        seen_add(env->seen, SEEN_CONT, 0, 0, D->next_hdr - s);
                trk_tls_segment(&g);
                propose(&g, x, p);
                if (tr) {
                        tr->after = dir_state(c, D);
                        tr->rem_after = remaining(D);
                        tr->event = seg_event(&g);
                }
        }
        if (d->tcp_flags & TCP_FIN)
                on_fin(env->ft, c, f, dir);
}

/*
 * On a synchronised direction the decision first reads the record header at
 * next_hdr; in a large segment it lies anywhere in the payload, on a line
 * nothing has touched yet (in a capture ring, written by another CPU).
 */
static void tls_track_prefetch_payload(const struct flowtable *ft, const struct pkt_ctx *x)
{
        if (x->entry >= ft->flows_cap) /* peeked before the table changed: no hint */
                return;
        const union trk_slot *s = trk_slot_of(ft_at(ft, x->entry));
        if (s->kind != TRK_KIND_TCP || !x->d.payload_len)
                return;
        const struct trk_dir *D = &s->tcp.d[x->dir & 1u];
        uint32_t at = D->next_hdr - x->d.seq; /* a SYN's payload starts one later: still a hint */
        if (!(D->flags & TD_SYNCED) || at >= x->d.payload_len)
                return;
        __builtin_prefetch(rd_at(&x->pl, at, 1));
}

const struct analyser_ops tls_track_ops = {
    .name = "tls_track",
    .packet = tls_track_packet,
    .prefetch_payload = tls_track_prefetch_payload,
};
