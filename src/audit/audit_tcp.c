/*
 * audit_tcp — groups the original's TCP packets into connections (4-tuple,
 * split into generations when a new SYN reuses it), unwraps sequence numbers
 * to 64 bits per direction (RFC 9293 §3.4, modulo-2^32 comparison against the
 * highest number seen, so wraparound and reordering both work), reassembles
 * each direction, decides whether the connection is TLS, and marks the
 * needed payload bytes of every segment through aud_mark().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"
#include "audit/audit_stream.h"

struct conn_entry {
        struct aud_endpoint lo, hi;
        uint32_t pkt;
};

static int entry_cmp(const void *a, const void *b)
{
        const struct conn_entry *x = a, *y = b;
        int d = aud_endpoint_cmp(&x->lo, &y->lo);
        if (!d)
                d = aud_endpoint_cmp(&x->hi, &y->hi);
        if (!d)
                d = x->pkt < y->pkt ? -1 : x->pkt > y->pkt;
        return d;
}

/* Per direction: sequence unwrapping and the reassembled stream. */
struct dir_state {
        bool have_ref;
        uint64_t highest;
        struct aud_stream s;
};

static uint64_t unwrap(struct dir_state *d, uint32_t seq)
{
        if (!d->have_ref) {
                d->have_ref = true;
                d->highest = (1ull << 32) + seq; /* room below for reordered segments */
                return d->highest;
        }
        int32_t delta = (int32_t)(seq - (uint32_t)d->highest);
        uint64_t u = d->highest + (int64_t)delta;
        if (u > d->highest)
                d->highest = u;
        return u;
}

static int feed(struct aud_ctx *c, struct dir_state *d, size_t i)
{
        const struct aud_layers *l = &c->lay[i];
        bool syn = l->tcp_flags & AUD_TCP_SYN;
        uint64_t u = unwrap(d, l->seq);
        if (syn && !d->s.known_start) {
                d->s.known_start = true;
                d->s.begin = u + 1;
        }
        if (l->payload_len == 0)
                return 0;
        return stream_add(&d->s, u + (syn ? 1 : 0), l->payload_len, (uint32_t)i,
                          c->in[i].data + l->payload_off);
}

/* Mark one segment's payload against the intervals of its direction. */
static void mark_segment(struct aud_ctx *c, const struct aud_seg *g, const struct aud_ivals *iv)
{
        uint64_t end = g->start + g->len, covered = 0;
        size_t lo = 0, hi = iv->n;
        while (lo < hi) { /* first interval ending after the segment start */
                size_t mid = lo + (hi - lo) / 2;
                if (iv->v[mid].end <= g->start)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        uint32_t base = c->lay[g->pkt].payload_off;
        for (size_t k = lo; k < iv->n && iv->v[k].start < end; k++) {
                uint64_t a = iv->v[k].start > g->start ? iv->v[k].start : g->start;
                uint64_t b = iv->v[k].end < end ? iv->v[k].end : end;
                if (b <= a)
                        continue;
                covered += b - a;
                if (iv->v[k].cls == AUD_IV_APPDATA_BODY)
                        c->rep->tls_appdata_body_bytes += b - a;
                else
                        aud_mark(c, g->pkt, base + (uint32_t)(a - g->start), (uint32_t)(b - a),
                                 (enum cst_audit_class)iv->v[k].cls);
        }
        c->rep->tls_unsynced_bytes += g->len - covered;
}

static void count_stream(struct aud_ctx *c, const struct aud_stream *s)
{
        c->rep->tcp_retransmitted_bytes += s->seg_bytes - s->covered;
        if (s->end > s->begin && s->end - s->begin > s->covered)
                c->rep->tcp_hole_bytes += s->end - s->begin - s->covered;
}

static void mark_direction(struct aud_ctx *c, const struct aud_stream *s, bool tls,
                           const struct aud_ivals *iv)
{
        for (size_t k = 0; k < s->n_segs; k++) {
                if (tls)
                        mark_segment(c, &s->segs[k], iv);
                else
                        aud_mark(c, s->segs[k].pkt, c->lay[s->segs[k].pkt].payload_off,
                                 s->segs[k].len, CST_AC_NON_TLS_TCP);
        }
}

/* TLS 1.3 (the direction starting with a ServerHello that selects it is the
 * server): the encrypted handshake flight changes class unless turned off. */
static void mark_tls13(struct aud_ctx *c, struct dir_state *dir, struct aud_ivals *iv,
                       const struct tls_parse_stats *st)
{
        for (int k = 0; k < 2; k++) {
                if (!tls13_stream_selects_tls13(&dir[k].s))
                        continue;
                c->rep->tls13_connections++;
                if (!c->opt->no_encrypted_handshake)
                        tls13_mark_flight(&dir[!k].s, &iv[!k], &st[!k], &dir[k].s, &iv[k],
                                          c->opt->keep_record_bytes);
                return;
        }
}

/* Both directions: parse the record chains, then mark every segment.
 * proven[k]: direction k proved the connection TLS by itself. */
static int classify_directions(struct aud_ctx *c, struct dir_state *dir, bool tls,
                               const bool proven[2])
{
        struct aud_ivals iv[2] = {{0}, {0}};
        struct tls_parse_stats st[2] = {{0}, {0}};
        int rc = 0;
        for (int k = 0; k < 2; k++) {
                count_stream(c, &dir[k].s);
                if (tls && rc == 0) {
                        rc = tls_stream_parse(&dir[k].s, c->opt->keep_record_bytes,
                                              !proven[k] && proven[!k], &iv[k], &st[k]);
                        c->rep->tls_records += st[k].records;
                        c->rep->tls_resyncs += st[k].resyncs;
                }
        }
        if (tls && rc == 0)
                mark_tls13(c, dir, iv, st);
        for (int k = 0; k < 2 && rc == 0; k++)
                mark_direction(c, &dir[k].s, tls, &iv[k]);
        free(iv[0].v);
        free(iv[1].v);
        return rc;
}

/* One connection generation: entries [from, to) of the sorted array. */
static int classify_connection(struct aud_ctx *c, const struct conn_entry *e, size_t from,
                               size_t to)
{
        struct dir_state dir[2];
        memset(dir, 0, sizeof(dir));
        int rc = 0;
        for (size_t k = from; k < to && rc == 0; k++) {
                struct aud_endpoint src, dst;
                aud_endpoints(&c->lay[e[k].pkt], &src, &dst);
                rc = feed(c, &dir[aud_endpoint_cmp(&src, &e[k].lo) == 0 ? 0 : 1], e[k].pkt);
        }
        for (int k = 0; k < 2 && rc == 0; k++)
                rc = stream_finish(&dir[k].s);
        if (rc == 0) {
                /* issue 21 item 3: the proof is per connection; a direction
                 * proves it by a hello at its start or a chain of AppData */
                bool hello[2], chain[2], proven[2];
                for (int k = 0; k < 2; k++) {
                        hello[k] = tls_stream_starts_with_hello(&dir[k].s);
                        chain[k] = !hello[k] && tls_stream_has_appdata_chain(&dir[k].s);
                        proven[k] = hello[k] || chain[k];
                }
                bool by_hello = hello[0] || hello[1], tls = proven[0] || proven[1];
                c->rep->tcp_connections++;
                c->rep->tls_connections += tls;
                c->rep->tls_proven_by_hello += by_hello;
                c->rep->tls_proven_by_chain += tls && !by_hello;
                rc = classify_directions(c, dir, tls, proven);
        }
        stream_free(&dir[0].s);
        stream_free(&dir[1].s);
        if (rc)
                snprintf(c->err, CST_ERRBUF, "out of memory reassembling a TCP connection");
        return rc;
}

/* A pure SYN with a new ISN after data or another SYN starts a new connection. */
static bool starts_generation(const struct aud_ctx *c, uint32_t pkt, bool *seen, uint32_t *isn)
{
        const struct aud_layers *l = &c->lay[pkt];
        bool pure_syn = (l->tcp_flags & (AUD_TCP_SYN | AUD_TCP_ACK)) == AUD_TCP_SYN;
        bool fresh = false;
        if (pure_syn) {
                fresh = *seen && l->seq != *isn;
                *isn = l->seq;
        }
        *seen = *seen || pure_syn || l->payload_len > 0;
        return fresh;
}

int aud_tcp_classify(struct aud_ctx *c)
{
        size_t n = 0;
        struct conn_entry *e = malloc((c->n ? c->n : 1) * sizeof(*e));
        if (!e) {
                snprintf(c->err, CST_ERRBUF, "out of memory grouping TCP packets");
                return CST_ENOMEM;
        }
        for (size_t i = 0; i < c->n; i++) {
                if (c->lay[i].kind != AUD_TCP)
                        continue;
                struct aud_endpoint a, b;
                aud_endpoints(&c->lay[i], &a, &b);
                bool a_low = aud_endpoint_cmp(&a, &b) <= 0;
                e[n].lo = a_low ? a : b;
                e[n].hi = a_low ? b : a;
                e[n++].pkt = (uint32_t)i;
        }
        if (n > 1)
                qsort(e, n, sizeof(*e), entry_cmp);
        int rc = 0;
        for (size_t from = 0; from < n && rc == 0;) {
                size_t to = from;
                bool seen = false;
                uint32_t isn = 0;
                while (to < n && aud_endpoint_cmp(&e[to].lo, &e[from].lo) == 0 &&
                       aud_endpoint_cmp(&e[to].hi, &e[from].hi) == 0) {
                        if (starts_generation(c, e[to].pkt, &seen, &isn) && to > from)
                                break;
                        to++;
                }
                rc = classify_connection(c, e, from, to);
                from = to;
        }
        free(e);
        return rc;
}
