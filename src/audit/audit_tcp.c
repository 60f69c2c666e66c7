/*
 * audit_tcp — groups the original's TCP packets into connections (4-tuple,
 * split into generations when a new SYN reuses it), unwraps sequence numbers
 * to 64 bits per direction (RFC 9293 §3.4, modulo-2^32 comparison against the
 * highest number seen, so wraparound and reordering both work), reassembles
 * each direction, decides whether the connection is TLS, and marks the
 * needed payload bytes of every segment through aud_mark().
 *
 * Streaming with bounded memory: a connection's payload is held (copied)
 * until the connection is classified — at the end of the capture, when a
 * new generation replaces it, or when the payload held by all connections
 * passes the memory budget.  Then the connection holding most is classified
 * in a chunk: per direction, every segment up to a cut that leaves the last
 * LOOKAHEAD bytes held, so that every decision about a record starting
 * before the cut (a chain of up to three records, a hole) sees all the data
 * it needs.  The next chunk resumes the record chain where the cut left it;
 * record intervals that reach past the cut are carried over.  Known limits
 * of a chunked connection (docs/audit.md): a chain proof found only after
 * the first chunk leaves the earlier chunks non-TLS (all needed); a copy
 * arriving more than LOOKAHEAD behind its direction's newest byte is
 * classified as "unsynchronised".  A connection idle for IDLE_NS of capture
 * time is classified and forgotten, so that the table holds the connections
 * of the last minutes, not of the whole capture; a packet after that starts
 * a new connection (a TLS one is then proven again by its record chain).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"
#include "audit/audit_stream.h"

#define LOOKAHEAD  (64u * 1024u)            /* > TLS_CHAIN_SPAN: a chain decided before the cut */
#define IDLE_NS    (600ull * 1000000000ull) /* a connection this quiet is over */
#define CONN_FLOOR 1024u /* never forget the last connections for the budget's sake */
#define SAMPLE     256u  /* connections sampled to find the least recently active */
_Static_assert(LOOKAHEAD > TLS_CHAIN_SPAN, "a chunk must hold a whole chain past its cut");

/* Per direction: sequence unwrapping, the held stream, the chain state. */
struct dir_state {
        bool have_ref;
        uint64_t highest;
        struct aud_stream s;
        struct aud_ivals carry; /* intervals reaching past the last cut */
        struct tls_parse_stats st;
        uint64_t first_begin, covered_total, max_end;
        bool hello, chain; /* this direction proved the connection TLS */
        /* TLS 1.3: the client's first AppData record is in the flight, but
         * lay past the chunk that decided the flight */
        bool flight_pending;
        uint64_t flight_body; /* where its body beyond KR starts */
        /* TLS 1.3 server: its flight may go on past the first chunk */
        bool server_flight;
        struct tls13_flight flight;
};

struct conn {
        struct aud_endpoint lo, hi;
        uint64_t last_ns;   /* capture time of its latest packet */
        bool seen, chunked; /* chunked: classified in part already */
        uint32_t isn;
        uint64_t held; /* bytes of payload and segment records held */
        struct dir_state dir[2];
};

struct aud_tcp {
        struct conn **slot; /* open addressing on the canonical 4-tuple */
        size_t cap, n;
        uint64_t held;
        uint64_t since_sweep; /* packets since idle connections were last closed */
};

/* What a connection holds: its record and every array's capacity. */
static uint64_t conn_cost(const struct conn *k)
{
        uint64_t b = sizeof(*k);
        for (int d = 0; d < 2; d++) {
                const struct dir_state *x = &k->dir[d];
                b += x->s.arena_cap + x->s.cap_segs * sizeof(struct aud_seg) +
                     x->s.cap_pieces * sizeof(struct aud_piece) +
                     x->carry.cap * sizeof(struct aud_ival);
        }
        return b;
}

/* Bring the table's total up to date with connection k's cost. */
static void recount(struct aud_tcp *t, struct conn *k)
{
        uint64_t now = conn_cost(k);
        t->held = t->held - k->held + now;
        k->held = now;
}

/* ---- the connection table */

static uint32_t ep_hash(uint32_t h, const struct aud_endpoint *e)
{
        for (unsigned i = 0; i < e->len; i++)
                h = (h ^ e->addr[i]) * 16777619u;
        return (h ^ e->port) * 16777619u;
}

static size_t home_of(const struct aud_tcp *t, const struct aud_endpoint *lo,
                      const struct aud_endpoint *hi)
{
        return ep_hash(ep_hash(2166136261u, lo), hi) & (t->cap - 1);
}

static size_t slot_of(const struct aud_tcp *t, const struct aud_endpoint *lo,
                      const struct aud_endpoint *hi)
{
        size_t i = home_of(t, lo, hi);
        while (t->slot[i] && (aud_endpoint_cmp(&t->slot[i]->lo, lo) != 0 ||
                              aud_endpoint_cmp(&t->slot[i]->hi, hi) != 0))
                i = (i + 1) & (t->cap - 1);
        return i;
}

static int table_grow(struct aud_tcp *t)
{
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct conn **old = t->slot, **fresh = calloc(cap, sizeof(*fresh));
        if (!fresh)
                return CST_ENOMEM;
        size_t old_cap = t->cap;
        t->slot = fresh;
        t->cap = cap;
        for (size_t k = 0; k < old_cap; k++)
                if (old[k])
                        t->slot[slot_of(t, &old[k]->lo, &old[k]->hi)] = old[k];
        free(old);
        return 0;
}

/* Empty slot i, shifting back the entries of its probe run (linear probing
 * needs no tombstones then). */
static void table_delete(struct aud_tcp *t, size_t i)
{
        size_t mask = t->cap - 1;
        t->slot[i] = NULL;
        t->n--;
        for (size_t j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
                size_t h = home_of(t, &t->slot[j]->lo, &t->slot[j]->hi);
                /* j's entry may move to i when i lies on its probe path h..j */
                bool on_path = i <= j ? (h <= i || h > j) : (h <= i && h > j);
                if (on_path) {
                        t->slot[i] = t->slot[j];
                        t->slot[j] = NULL;
                        i = j;
                }
        }
}

int aud_tcp_new(struct aud_ctx *c)
{
        c->tcp = calloc(1, sizeof(*c->tcp));
        if (!c->tcp || table_grow(c->tcp)) {
                snprintf(c->err, CST_ERRBUF, "out of memory for the TCP connections");
                return CST_ENOMEM;
        }
        return 0;
}

static void conn_reset(struct conn *k)
{
        for (int d = 0; d < 2; d++) {
                stream_free(&k->dir[d].s);
                free(k->dir[d].carry.v);
        }
        struct aud_endpoint lo = k->lo, hi = k->hi;
        memset(k, 0, sizeof(*k));
        k->lo = lo;
        k->hi = hi;
}

void aud_tcp_free(struct aud_ctx *c)
{
        if (!c->tcp)
                return;
        for (size_t k = 0; k < c->tcp->cap; k++)
                if (c->tcp->slot[k]) {
                        conn_reset(c->tcp->slot[k]);
                        free(c->tcp->slot[k]);
                }
        free(c->tcp->slot);
        free(c->tcp);
        c->tcp = NULL;
}

/* ---- marking */

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

/* Mark one segment's payload against the intervals of its direction. */
static void mark_segment(struct aud_ctx *c, struct aud_seg *g, const struct aud_ivals *iv)
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
        for (size_t k = lo; k < iv->n && iv->v[k].start < end; k++) {
                uint64_t a = iv->v[k].start > g->start ? iv->v[k].start : g->start;
                uint64_t b = iv->v[k].end < end ? iv->v[k].end : end;
                if (b <= a)
                        continue;
                covered += b - a;
                if (iv->v[k].cls == AUD_IV_APPDATA_BODY)
                        c->rep->tls_appdata_body_bytes += b - a;
                else
                        aud_mark(c, &g->pkt, g->payload_off + (uint32_t)(a - g->start),
                                 (uint32_t)(b - a), (enum cst_audit_class)iv->v[k].cls);
        }
        c->rep->tls_unsynced_bytes += g->len - covered;
}

/* Segments [0, n) of a direction: marked, their packets finished. */
static void mark_direction(struct aud_ctx *c, struct dir_state *d, size_t n, bool tls,
                           const struct aud_ivals *iv)
{
        uint64_t covered_to = 0;
        for (size_t k = 0; k < n; k++) {
                struct aud_seg *g = &d->s.segs[k];
                if (tls)
                        mark_segment(c, g, iv);
                else
                        aud_mark(c, &g->pkt, g->payload_off, g->len, CST_AC_NON_TLS_TCP);
                aud_finish_packet(c, &g->pkt);
                uint64_t end = g->start + g->len,
                         from = covered_to > g->start ? covered_to : g->start;
                if (end > from) { /* distinct bytes, for the retransmission count */
                        d->covered_total += end - from;
                        covered_to = end;
                }
        }
}

/* Where the first AppData record of a direction starts, over all it holds
 * (a chunk's parse stops at its cut): a dry run from the stream's start. */
static int first_appdata(struct aud_ctx *c, struct dir_state *d, struct tls_parse_stats *st)
{
        *st = d->st;
        if (st->have_appdata)
                return 0;
        struct aud_stream saved = d->s;
        struct aud_ivals tmp = {0};
        d->s.limit = UINT64_MAX;
        d->s.resume = false;
        int rc = tls_stream_parse(&d->s, c->opt->keep_record_bytes, false, &tmp, st);
        free(tmp.v);
        d->s = saved;
        return rc;
}

/* TLS 1.3 (the direction starting with a ServerHello that selects it is the
 * server): the encrypted handshake flight changes class unless turned off. */
static int mark_tls13(struct aud_ctx *c, struct dir_state *dir, struct aud_ivals *iv)
{
        for (int k = 0; k < 2; k++) {
                if (!tls13_stream_selects_tls13(&dir[k].s))
                        continue;
                c->rep->tls13_connections++;
                struct tls_parse_stats client;
                int rc = first_appdata(c, &dir[!k], &client);
                if (rc || c->opt->no_encrypted_handshake)
                        return rc;
                tls13_mark_flight(&dir[!k].s, &iv[!k], &client, &dir[k].s, &iv[k],
                                  c->opt->keep_record_bytes, &dir[k].flight);
                dir[k].server_flight = !dir[k].flight.done;
                dir[!k].flight_pending =
                    client.have_appdata && dir[!k].s.resume_pos <= client.first_appdata;
                dir[!k].flight_body = client.first_appdata + c->opt->keep_record_bytes;
                return 0;
        }
        return 0;
}

/* Where a direction is cut: the start of the last segment at least
 * LOOKAHEAD before the newest byte that no earlier segment reaches past
 * (so the marked segments end before it).  Returns the number of segments
 * before the cut; *cut its sequence number. */
static size_t find_cut(const struct aud_stream *s, bool final, uint64_t *cut)
{
        *cut = UINT64_MAX;
        if (final)
                return s->n_segs;
        size_t best = 0;
        uint64_t reach = 0;
        for (size_t k = 0; k < s->n_segs && s->segs[k].start + LOOKAHEAD <= s->end; k++) {
                if (k > 0 && reach <= s->segs[k].start) {
                        best = k;
                        *cut = s->segs[k].start;
                }
                uint64_t e = s->segs[k].start + s->segs[k].len;
                reach = e > reach ? e : reach;
        }
        if (best == 0)
                *cut = s->n_segs ? s->segs[0].start : 0;
        return best;
}

/* Intervals of this chunk: the ones carried over, then the new ones. */
static int chunk_intervals(struct aud_ctx *c, struct dir_state *d, bool peer_proven,
                           struct aud_ivals *iv)
{
        for (size_t k = 0; k < d->carry.n; k++)
                if (ivals_add(iv, d->carry.v[k].start, d->carry.v[k].end, d->carry.v[k].cls))
                        return CST_ENOMEM;
        d->carry.n = 0;
        uint64_t records = d->st.records, resyncs = d->st.resyncs;
        int rc = tls_stream_parse(&d->s, c->opt->keep_record_bytes, peer_proven, iv, &d->st);
        if (rc == 0 && d->server_flight) {
                tls13_flight_more(&d->s, iv, c->opt->keep_record_bytes, &d->flight);
                d->server_flight = !d->flight.done;
        }
        for (size_t k = 0; d->flight_pending && k < iv->n; k++) {
                if (iv->v[k].start == d->flight_body && iv->v[k].cls == AUD_IV_APPDATA_BODY) {
                        iv->v[k].cls = CST_AC_TLS13_ENC_HANDSHAKE;
                        d->flight_pending = false;
                }
        }
        c->rep->tls_records += d->st.records - records;
        c->rep->tls_resyncs += d->st.resyncs - resyncs;
        return rc;
}

/* Keep what reaches past the cut: intervals and segments, for the next chunk. */
static int carry_over(struct dir_state *d, const struct aud_ivals *iv, size_t marked, uint64_t cut)
{
        for (size_t k = 0; k < iv->n; k++)
                if (iv->v[k].end > cut &&
                    ivals_add(&d->carry, iv->v[k].start, iv->v[k].end, iv->v[k].cls))
                        return CST_ENOMEM;
        d->s.resume = true;
        d->s.known_start = false;
        return stream_keep_from(&d->s, marked);
}

/* Proofs so far, from what this chunk holds (a hello only at the start). */
static void prove(struct conn *k)
{
        for (int d = 0; d < 2; d++) {
                struct dir_state *x = &k->dir[d];
                if (!k->chunked && !x->hello)
                        x->hello = x->s.n_segs && tls_stream_starts_with_hello(&x->s);
                if (!x->hello && !x->chain)
                        x->chain = x->s.n_segs && tls_stream_has_appdata_chain(&x->s);
        }
}

static bool proven(const struct dir_state *d)
{
        return d->hello || d->chain;
}

/* Classify a connection up to its cuts (final: all of it). */
static int classify_chunk(struct aud_ctx *c, struct conn *k, bool final)
{
        struct aud_ivals iv[2] = {{0}, {0}};
        size_t marked[2];
        uint64_t cut[2];
        int rc = 0;
        for (int d = 0; d < 2 && rc == 0; d++)
                rc = stream_finish(&k->dir[d].s);
        if (rc == 0)
                prove(k);
        bool tls = proven(&k->dir[0]) || proven(&k->dir[1]);
        for (int d = 0; d < 2 && rc == 0; d++) {
                struct dir_state *x = &k->dir[d];
                if (!k->chunked)
                        x->first_begin = x->s.begin;
                x->max_end = x->s.end > x->max_end ? x->s.end : x->max_end;
                marked[d] = find_cut(&x->s, final, &cut[d]);
                x->s.limit = cut[d];
                if (tls)
                        rc = chunk_intervals(c, x, !proven(x) && proven(&k->dir[!d]), &iv[d]);
        }
        if (rc == 0 && tls && !k->chunked)
                rc = mark_tls13(c, k->dir, iv);
        for (int d = 0; d < 2 && rc == 0; d++) {
                struct dir_state *x = &k->dir[d];
                mark_direction(c, x, marked[d], tls, &iv[d]);
                if (!final)
                        rc = carry_over(x, &iv[d], marked[d], cut[d]);
        }
        free(iv[0].v);
        free(iv[1].v);
        if (rc)
                snprintf(c->err, CST_ERRBUF, "out of memory reassembling a TCP connection");
        return rc;
}

/* The connection's last chunk; its counters; its state freed. */
static int close_conn(struct aud_ctx *c, struct conn *k)
{
        if (!k->seen && !k->dir[0].have_ref && !k->dir[1].have_ref)
                return 0;
        int rc = classify_chunk(c, k, true);
        if (rc)
                return rc;
        struct cst_audit_report *rep = c->rep;
        bool hello = k->dir[0].hello || k->dir[1].hello;
        bool tls = proven(&k->dir[0]) || proven(&k->dir[1]);
        rep->tcp_connections++;
        rep->tls_connections += tls;
        rep->tls_proven_by_hello += hello;
        rep->tls_proven_by_chain += tls && !hello;
        for (int d = 0; d < 2; d++) {
                const struct dir_state *x = &k->dir[d];
                rep->tcp_retransmitted_bytes += x->s.seg_bytes - x->covered_total;
                uint64_t span = x->max_end > x->first_begin ? x->max_end - x->first_begin : 0;
                if (span > x->covered_total)
                        rep->tcp_hole_bytes += span - x->covered_total;
        }
        uint64_t counted = k->held;
        conn_reset(k);
        k->held = counted;
        recount(c->tcp, k);
        return 0;
}

/* Forget connection k of slot i (classified first). */
static int forget(struct aud_ctx *c, size_t i)
{
        struct aud_tcp *t = c->tcp;
        int rc = close_conn(c, t->slot[i]);
        if (rc)
                return rc;
        t->held -= t->slot[i]->held;
        free(t->slot[i]);
        table_delete(t, i);
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

/* Too many connections for the budget: close the least recently active
 * eighth (found from a sample).  Returns how many were closed, or < 0. */
static long evict_oldest(struct aud_ctx *c)
{
        struct aud_tcp *t = c->tcp;
        uint64_t sample[SAMPLE];
        size_t n = 0, stride = t->cap / SAMPLE ? t->cap / SAMPLE : 1;
        for (size_t i = 0; i < t->cap && n < SAMPLE; i += stride)
                for (size_t j = i; j < t->cap && j < i + stride; j++)
                        if (t->slot[j]) {
                                sample[n++] = t->slot[j]->last_ns;
                                break;
                        }
        if (n == 0)
                return 0;
        qsort(sample, n, sizeof(sample[0]), cmp_u64);
        uint64_t threshold = sample[n / 8];
        long closed = 0;
        for (size_t i = 0; i < t->cap; i++) {
                if (!t->slot[i] || t->slot[i]->last_ns > threshold)
                        continue;
                int rc = forget(c, i);
                if (rc)
                        return rc;
                closed++;
                if (t->slot[i])
                        i--; /* an entry moved into i: look at it too */
        }
        return closed;
}

/* Over the budget: classify the connection holding most up to its cuts,
 * or, when none holds more than its lookahead, forget the oldest ones. */
static int relieve(struct aud_ctx *c)
{
        struct aud_tcp *t = c->tcp;
        while (t->held > c->mem_budget) {
                struct conn *big = NULL;
                for (size_t i = 0; i < t->cap; i++)
                        if (t->slot[i] && (!big || t->slot[i]->held > big->held))
                                big = t->slot[i];
                if (big && big->held > 2 * (uint64_t)LOOKAHEAD) {
                        uint64_t before = big->held;
                        int rc = classify_chunk(c, big, false);
                        if (rc)
                                return rc;
                        big->chunked = true;
                        recount(t, big);
                        if (big->held < before)
                                continue;
                }
                if (t->n <= CONN_FLOOR)
                        return 0;
                long closed = evict_oldest(c);
                if (closed <= 0)
                        return (int)closed;
        }
        return 0;
}

/* Remember a pure SYN's ISN: one with a new ISN after data or another SYN
 * starts a new connection (aud_tcp_packet). */
static void starts_generation(const struct aud_layers *l, struct conn *k)
{
        bool pure_syn = (l->tcp_flags & (AUD_TCP_SYN | AUD_TCP_ACK)) == AUD_TCP_SYN;
        if (pure_syn)
                k->isn = l->seq;
        k->seen = k->seen || pure_syn || l->payload_len > 0;
}

static struct conn *lookup(struct aud_ctx *c, const struct aud_endpoint *a,
                           const struct aud_endpoint *b, bool *a_low)
{
        struct aud_tcp *t = c->tcp;
        *a_low = aud_endpoint_cmp(a, b) <= 0;
        const struct aud_endpoint *lo = *a_low ? a : b, *hi = *a_low ? b : a;
        if (2 * (t->n + 1) > t->cap && table_grow(t))
                return NULL;
        size_t i = slot_of(t, lo, hi);
        if (!t->slot[i]) {
                t->slot[i] = calloc(1, sizeof(struct conn));
                if (!t->slot[i])
                        return NULL;
                t->slot[i]->lo = *lo;
                t->slot[i]->hi = *hi;
                t->n++;
                recount(t, t->slot[i]);
        }
        return t->slot[i];
}

/* Close and forget the connections idle for IDLE_NS, in a sweep every
 * max(4096, n) packets (amortised constant per packet). */
static int sweep_idle(struct aud_ctx *c)
{
        struct aud_tcp *t = c->tcp;
        if (++t->since_sweep < 4096 || t->since_sweep < t->n)
                return 0;
        t->since_sweep = 0;
        for (size_t i = 0; i < t->cap; i++) {
                struct conn *k = t->slot[i];
                if (!k || c->now < k->last_ns || c->now - k->last_ns < IDLE_NS)
                        continue;
                int rc = forget(c, i);
                if (rc)
                        return rc;
                if (t->slot[i])
                        i--; /* an entry moved into i: look at it too */
        }
        return 0;
}

int aud_tcp_packet(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pkt,
                   const struct aud_pkt *p)
{
        int rc = sweep_idle(c);
        if (rc)
                return rc;
        struct aud_endpoint a, b;
        bool a_low;
        aud_endpoints(l, &a, &b);
        struct conn *k = lookup(c, &a, &b, &a_low);
        if (!k) {
                snprintf(c->err, CST_ERRBUF, "out of memory tracking TCP connections");
                return CST_ENOMEM;
        }
        bool syn_only = (l->tcp_flags & (AUD_TCP_SYN | AUD_TCP_ACK)) == AUD_TCP_SYN;
        if (syn_only && k->seen && l->seq != k->isn && (rc = close_conn(c, k)) != 0)
                return rc;
        starts_generation(l, k);
        k->last_ns = c->now;
        struct dir_state *d = &k->dir[a_low ? 0 : 1];
        bool syn = l->tcp_flags & AUD_TCP_SYN;
        uint64_t u = unwrap(d, l->seq);
        if (syn && !d->s.known_start && !k->chunked) {
                d->s.known_start = true;
                d->s.begin = u + 1;
        }
        if (l->payload_len == 0) {
                aud_finish_packet(c, p);
                return 0;
        }
        rc = stream_add(&d->s, u + (syn ? 1 : 0), l->payload_len, l->payload_off,
                        pkt + l->payload_off, p);
        if (rc) {
                snprintf(c->err, CST_ERRBUF, "out of memory holding TCP payload");
                return rc;
        }
        recount(c->tcp, k);
        return relieve(c);
}

int aud_tcp_finish(struct aud_ctx *c)
{
        struct aud_tcp *t = c->tcp;
        for (size_t i = 0; i < t->cap; i++) {
                if (!t->slot[i])
                        continue;
                int rc = close_conn(c, t->slot[i]);
                if (rc)
                        return rc;
        }
        return 0;
}
