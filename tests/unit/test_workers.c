/*
 * workers: the worker -> writer queue (src/pipeline/wqueue.c) and the
 * merging writer (src/pipeline/merge.c), without sockets: records in
 * order and intact across the ring's wrap, a producer and a consumer on two
 * threads, and the merge's rule -- a record waits while an idle worker's
 * watermark is older, goes once the watermark passes it, and the output is
 * ordered by time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "pipeline/workers_int.h"
#include "pipeline/wqueue.h"

static uint32_t rec_len(uint64_t i)
{
        return (uint32_t)((i * 2654435761u) % 3001u); /* 0..3000 bytes, varied */
}

static uint8_t rec_byte(uint64_t i, uint32_t k)
{
        return (uint8_t)(i * 31u + k);
}

static void put(struct wq *q, uint64_t i)
{
        uint32_t len = rec_len(i);
        struct wq_rec *r;
        while (!(r = wq_reserve(q, len)))
                sched_yield();
        memset(r, 0, sizeof(*r));
        r->ts_ns = i;
        r->keep_len = len;
        uint8_t *d = (uint8_t *)(r + 1);
        for (uint32_t k = 0; k < len; k++)
                d[k] = rec_byte(i, k);
        wq_push(q);
}

/* The record i, intact; 0 = ok. */
static int check_rec(const struct wq_rec *r, uint64_t i)
{
        if (r->ts_ns != i || r->keep_len != rec_len(i))
                return 1;
        for (uint32_t k = 0; k < r->keep_len; k++)
                if (wq_data(r)[k] != rec_byte(i, k))
                        return 1;
        return 0;
}

static void test_queue_single(void)
{
        struct wq *q = wq_new(1);
        CHECK(q != NULL);
        CHECK(wq_peek(q) == NULL);
        /* fill until full: the queue refuses, nothing is lost */
        uint64_t n = 0;
        while (wq_reserve(q, rec_len(n))) {
                put(q, n);
                n++;
        }
        CHECK(n > 100);
        int bad = 0;
        /* read half, write more (the ring wraps), read everything */
        uint64_t next = 0;
        for (; next < n / 2; next++) {
                const struct wq_rec *r = wq_peek(q);
                bad += !r || check_rec(r, next);
                wq_pop(q);
        }
        uint64_t more = n;
        while (more < n + n / 3)
                put(q, more++);
        for (; next < more; next++) {
                const struct wq_rec *r = wq_peek(q);
                bad += !r || check_rec(r, next);
                if (r)
                        wq_pop(q);
        }
        CHECK_EQ_U(bad, 0);
        CHECK(wq_peek(q) == NULL);
        wq_free(q);
}

#define THREADED_RECS 300000u

static void *producer(void *arg)
{
        for (uint64_t i = 0; i < THREADED_RECS; i++)
                put(arg, i);
        return NULL;
}

static void test_queue_threads(void)
{
        struct wq *q = wq_new(1);
        pthread_t th;
        CHECK(pthread_create(&th, NULL, producer, q) == 0);
        uint64_t bad = 0, next = 0;
        while (next < THREADED_RECS) {
                const struct wq_rec *r = wq_peek(q);
                if (!r) {
                        sched_yield();
                        continue;
                }
                bad += check_rec(r, next++);
                wq_pop(q);
        }
        pthread_join(th, NULL);
        CHECK_EQ_U(bad, 0);
        CHECK_EQ_U(next, THREADED_RECS);
        CHECK(wq_peek(q) == NULL);
        wq_free(q);
}

/* ---- the merge ----------------------------------------------------------- */

static uint64_t got[64];
static unsigned n_got;

static int on_packet(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v)
{
        (void)ctx;
        (void)v;
        if (n_got < 64)
                got[n_got] = pkt->ts_ns;
        __atomic_fetch_add(&n_got, 1, __ATOMIC_SEQ_CST);
        return 0;
}

static void push_ts(struct wk_worker *w, uint64_t ts)
{
        struct wq_rec *r = wq_reserve(w->q, 4);
        memset(r, 0, sizeof(*r) + 8);
        r->ts_ns = ts;
        r->keep_len = 4;
        wq_push(w->q);
        __atomic_store_n(&w->wm, ts, __ATOMIC_RELEASE);
}

/*
 * Wait (at most 5 s: the machine may be busy) until the writer has written
 * `want` records, then 30 ms more, so one too many would show.
 */
static unsigned settle(unsigned want)
{
        struct timespec ts = {0, 1000000};
        for (int i = 0; i < 5000 && __atomic_load_n(&n_got, __ATOMIC_SEQ_CST) < want; i++)
                nanosleep(&ts, NULL);
        ts.tv_nsec = 30000000;
        nanosleep(&ts, NULL);
        return __atomic_load_n(&n_got, __ATOMIC_SEQ_CST);
}

static void test_merge(void)
{
        static struct wk_worker w[2];
        static struct cst_workers g;
        pthread_t th;
        memset(&g, 0, sizeof(g));
        g.n = 2;
        g.w = w;
        g.merged = true;
        g.ro.on_packet = on_packet;
        for (int i = 0; i < 2; i++) {
                w[i].q = wq_new(1);
                w[i].g = &g;
        }
        push_ts(&w[0], 10);
        push_ts(&w[0], 20);
        push_ts(&w[0], 30);
        __atomic_store_n(&w[1].wm, 15, __ATOMIC_RELEASE); /* worker 1: idle, nothing before 15 */
        CHECK(pthread_create(&th, NULL, wk_writer_main, &g) == 0);
        CHECK_EQ_U(settle(1), 1); /* 10 only: worker 1 may still bring something before 20 */
        __atomic_store_n(&w[1].wm, 25, __ATOMIC_RELEASE);
        CHECK_EQ_U(settle(2), 2); /* 20 */
        push_ts(&w[1], 26);
        CHECK_EQ_U(settle(3), 3); /* 26 (30 waits for worker 1's watermark) */
        wk_set_flag(&w[1].done, 1);
        CHECK_EQ_U(settle(4), 4); /* worker 1 ended: 30 */
        wk_set_flag(&w[0].done, 1);
        pthread_join(th, NULL); /* every worker done, every queue empty: the writer returns */
        CHECK_EQ_U(got[0], 10);
        CHECK_EQ_U(got[1], 20);
        CHECK_EQ_U(got[2], 26);
        CHECK_EQ_U(got[3], 30);
        CHECK_EQ_U(g.written, 4);
        for (int i = 0; i < 2; i++)
                wq_free(w[i].q);
}

int main(void)
{
        test_queue_single();
        test_queue_threads();
        test_merge();
        return check_summary("workers");
}
