/*
 * wqueue — see wqueue.h.  Records are 8-byte aligned and never wrap: one
 * that does not fit before the end of the ring starts at the ring's start,
 * and the producer marks the skipped tail with a WQ_PAD record (or, when
 * even a header does not fit there, the consumer knows to skip it).  The
 * indexes count bytes from the start and only grow; each side keeps a
 * private copy of the other side's index and reads the shared one only when
 * that copy says the queue is full (producer) or empty (consumer), so the
 * cache line moves between the two cores about once per batch, not once
 * per packet.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/wqueue.h"

#define WQ_HDR ((uint64_t)sizeof(struct wq_rec))

struct wq {
        /* producer's line */
        _Alignas(64) uint64_t head; /* published with release */
        uint64_t tail_seen;         /* producer's copy of tail */
        uint64_t pending;           /* head after the reserved record */
        struct wq_rec *pending_rec; /* the reserved record */
        /* consumer's line */
        _Alignas(64) uint64_t tail; /* published with release */
        uint64_t head_seen;         /* consumer's copy of head */
        /* read-only after wq_new */
        _Alignas(64) uint8_t *buf;
        uint64_t cap, mask;
};

_Static_assert(sizeof(struct wq_rec) % 8 == 0, "records stay 8-byte aligned");

struct wq *wq_new(uint64_t cap)
{
        uint64_t c = 1u << 20;
        while (c < cap && c < (1ull << 40))
                c <<= 1;
        struct wq *q = aligned_alloc(64, sizeof(*q));
        if (!q)
                return NULL;
        memset(q, 0, sizeof(*q));
        q->buf = aligned_alloc(64, c);
        if (!q->buf) {
                free(q);
                return NULL;
        }
        q->cap = c;
        q->mask = c - 1;
        return q;
}

void wq_free(struct wq *q)
{
        if (!q)
                return;
        free(q->buf);
        free(q);
}

static uint64_t rec_size(uint32_t keep_len)
{
        return WQ_HDR + (((uint64_t)keep_len + 7) & ~(uint64_t)7);
}

struct wq_rec *wq_reserve(struct wq *q, uint32_t len)
{
        uint64_t need = rec_size(len), pos = q->head & q->mask;
        uint64_t skip = q->cap - pos < need ? q->cap - pos : 0;
        if (need > q->cap / 2)
                return NULL; /* never: at most the snaplen and a note */
        if (q->head + skip + need - q->tail_seen > q->cap) {
                q->tail_seen = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
                if (q->head + skip + need - q->tail_seen > q->cap)
                        return NULL;
        }
        if (skip >= WQ_HDR) {
                struct wq_rec *pad = (struct wq_rec *)(void *)(q->buf + pos);
                pad->keep_len = WQ_PAD;
        }
        q->pending = q->head + skip + need;
        q->pending_rec = (struct wq_rec *)(void *)(q->buf + ((q->head + skip) & q->mask));
        return q->pending_rec;
}

struct wq_rec *wq_pending(struct wq *q)
{
        return q->pending_rec;
}

void wq_push(struct wq *q)
{
        __atomic_store_n(&q->head, q->pending, __ATOMIC_RELEASE);
}

const struct wq_rec *wq_peek(struct wq *q)
{
        for (;;) {
                if (q->tail == q->head_seen) {
                        q->head_seen = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
                        if (q->tail == q->head_seen)
                                return NULL;
                }
                uint64_t pos = q->tail & q->mask, left = q->cap - pos;
                const struct wq_rec *r = (const struct wq_rec *)(const void *)(q->buf + pos);
                if (left >= WQ_HDR && r->keep_len != WQ_PAD)
                        return r;
                /* the producer skipped the end of the ring */
                __atomic_store_n(&q->tail, q->tail + left, __ATOMIC_RELEASE);
        }
}

void wq_pop(struct wq *q)
{
        const struct wq_rec *r =
            (const struct wq_rec *)(const void *)(q->buf + (q->tail & q->mask));
        __atomic_store_n(&q->tail, q->tail + rec_size(r->keep_len + (uint32_t)r->note_len),
                         __ATOMIC_RELEASE);
}
