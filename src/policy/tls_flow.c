/*
 * tls_flow — the compatible TLS analyser (SPEC 2.7) as the engine calls it:
 * the flow's two direction states are copied out of the flow table, run
 * through the tracker (tls.c) and stored back.
 */
#include <string.h>

#include <constrictor/engine.h>

#include "policy/analyser.h"
#include "policy/tls.h"

/*
 * Store the two direction states back.  A flow whose directions are both
 * absent (SYN/RST erase, non-TLS payload) leaves the table, exactly as the
 * old tool's map would hold nothing for it.  After a FIN from both sides the
 * flow is closed (SPEC 6 item 13 fix, docs/compatibility.md).
 */
static void tcp_store(struct flowtable *ft, struct flow *f, const struct pkt_ctx *c,
                      const struct tls_dir dirs[2])
{
        bool any = (dirs[0].flags | dirs[1].flags) & TLS_D_PRESENT;
        if (!f) {
                if (!any)
                        return;
                f = ft_insert(ft, &c->k, c->hash, c->now);
                if (!f)
                        return; /* growth failed: the flow is forgotten, packets kept whole */
        } else if (!any) {
                ft_remove_hashed(ft, f, c->hash);
                return;
        }
        f->u.tcp.dir[0] = dirs[0];
        f->u.tcp.dir[1] = dirs[1];
        if (c->d.tcp_flags & TCP_FIN) {
                f->u.tcp.fin_seen |= (uint8_t)(1u << c->dir);
                if (f->u.tcp.fin_seen == 3u) {
                        ft_remove_hashed(ft, f, c->hash);
                        ft->closed++;
                }
        }
}

/* TLS on one analysed TCP packet: flow lookup, tracker, store back. */
static void tls_compat_packet(void *self, const struct an_env *env, const struct pkt_ctx *c,
                              struct proposal *p, struct an_trace *tr)
{
        const struct tls_params *tp = self;
        const struct flow_key *k = &c->k;
        bool loop = k->port_a == k->port_b && memcmp(k->addr_a, k->addr_b, sizeof(k->addr_a)) == 0;
        struct flow *f = ft_lookup(env->ft, k, c->hash, c->now);
        struct tls_dir dirs[2] = {{0}, {0}};
        if (f) {
                dirs[0] = f->u.tcp.dir[0];
                dirs[1] = f->u.tcp.dir[1];
        }
        struct tls_dir *kd = &dirs[c->dir], *rd = loop ? kd : &dirs[c->dir ^ 1u];
        if (tr) {
                tls_state_string(kd, tr->buf_before, sizeof(tr->buf_before));
                tr->before = tr->buf_before;
                tr->rem_before = kd->active_remaining;
        }
        struct tls_out out = {.keep_len = c->pkt->caplen, .seen = env->seen};
        tls_process(tp, kd, rd, &c->d, &c->pl, env->st, &out);
        p->why = out.why;
        p->keep_len = out.keep_len;
        if (tr) {
                tls_state_string(kd, tr->buf_after, sizeof(tr->buf_after));
                tr->after = tr->buf_after;
                tr->rem_after = kd->active_remaining;
                tr->event = tls_event_name(out.event);
        }
        tcp_store(env->ft, f, c, dirs);
}

const struct analyser_ops tls_compat_ops = {
    .name = "tls",
    .packet = tls_compat_packet,
};
