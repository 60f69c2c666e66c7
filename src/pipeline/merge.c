/*
 * merge — the writer thread of a merged workers output (workers.h): a
 * k-way merge of the workers' queues by timestamp into one sink (the
 * dumper: rotation, "-", PCAPNG ISBs and comments, DSBs of a followed key
 * log; or the text sink, fed the lines the workers made) and the caller's
 * per-packet callback.
 *
 * A record may be written once no worker can still hand over an older one.
 * For a worker with records queued that is its oldest queued record (each
 * worker's records come in its socket's order); for a worker with an empty
 * queue it is its watermark (worker_sink.c): the timestamp of its last
 * record, or, when it waited for its ring and found nothing, the time the
 * wait began minus twice the block timeout.  Each round takes one snapshot
 * of every queue (done flag, then watermark, then head: a record published
 * after the watermark was read is not older than it) and writes the oldest
 * queue's records up to the bound the others set.  An idle worker thus
 * holds the merge back by at most about three block timeouts; the queues
 * absorb that.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/pipeline_int.h"
#include "pipeline/workers_int.h"
#include "sink/text.h"

/*
 * Nothing could be written: look again after a pause that doubles, from
 * 1 ms up to 16 ms, while rounds stay empty.  Workers receive whole ring
 * blocks (up to a block timeout apart), so a merge held back by one of them
 * usually waits for its next block: waking every millisecond would mostly
 * cost context switches.  16 ms of kept bytes fit the queues easily.
 */
#define IDLE_WAIT_MIN_NS 1000000
#define IDLE_WAIT_MAX_NS 16000000

struct mg_view {
        const struct wq_rec *head; /* oldest record, NULL when the queue is empty */
        uint64_t limit;            /* records older than this cannot come from this queue */
        bool done;
};

static uint64_t mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One queue's state; order of the reads matters (see the file comment). */
static void mg_look(struct wk_worker *w, struct mg_view *v)
{
        v->done = wk_load_flag(&w->done);
        uint64_t wm = __atomic_load_n(&w->wm, __ATOMIC_ACQUIRE);
        v->head = wq_peek(w->q);
        v->limit = v->head ? v->head->ts_ns : v->done ? UINT64_MAX : wm;
}

static void mg_packet(const struct wq_rec *r, struct cst_packet *pkt, struct cst_verdict *v)
{
        memset(pkt, 0, sizeof(*pkt));
        pkt->data = wq_data(r);
        pkt->caplen = r->keep_len; /* only the kept bytes came over */
        pkt->origlen = r->origlen;
        pkt->ts_ns = r->ts_ns;
        pkt->ts_hi = r->ts_hi;
        pkt->ts_lo = r->ts_lo;
        pkt->linktype = r->linktype;
        pkt->ifid = r->ifid;
        pkt->vlan_tci = r->vlan_tci;
        pkt->kind = r->kind;
        pkt->direction = r->direction;
        pkt->flags = r->flags;
        pkt->gso_type = r->gso_type;
        pkt->gso_size = r->gso_size;
        v->keep_len = r->keep_len;
        v->reason = r->reason;
}

/* The sink's write: a text line as the worker made it, a comment, or the packet alone. */
static int mg_write(struct cst_workers *g, const struct wq_rec *r, const struct cst_packet *pkt)
{
        if (g->text)
                return text_sink_put(g->out.priv, wq_note(r), r->note_len, wq_data(r), r->keep_len,
                                     r->dump_from, g->wr_err);
        if (!r->note_len)
                return g->out.ops->write(g->out.priv, pkt, r->keep_len, g->wr_err);
        struct sink_note n = {.keep_len = r->keep_len,
                              .reason = r->reason,
                              .reason_name = cst_reason_name(r->reason),
                              .comment = wq_note(r),
                              .comment_len = r->note_len};
        return g->out.ops->write_noted(g->out.priv, pkt, &n, g->wr_err);
}

static void set_stop(struct cst_workers *g, enum cst_stop_reason why)
{
        __atomic_store_n(&g->wr_stop, why, __ATOMIC_RELAXED);
}

/* Sink, then callback, as the pipeline's emit(); 1 = the writer stops (wr_stop says why). */
static int mg_emit(struct cst_workers *g, const struct wq_rec *r)
{
        struct cst_packet pkt;
        struct cst_verdict v;
        mg_packet(r, &pkt, &v);
        if (g->have_out) {
                int rc = mg_write(g, r, &pkt);
                if (rc == CST_DUMP_FILE_LIMIT) {
                        set_stop(g, CST_STOP_FILE_LIMIT);
                        return 1;
                }
                if (rc != CST_OK) {
                        g->sink_failed = true;
                        g->wr_rc = rc;
                        return 1;
                }
        }
        /* relaxed stores (plain moves): a report on the main thread reads them */
        __atomic_store_n(&g->written, g->written + 1, __ATOMIC_RELAXED);
        __atomic_store_n(&g->bytes_out, g->bytes_out + v.keep_len, __ATOMIC_RELAXED);
        if (g->ro.on_packet && g->ro.on_packet(g->ro.ctx, &pkt, &v) != 0) {
                set_stop(g, CST_STOP_CALLBACK);
                return 1;
        }
        if (g->ro.max_packets && g->written >= g->ro.max_packets) {
                set_stop(g, CST_STOP_MAX_PACKETS);
                return 1;
        }
        return 0;
}

/* The queue holding the oldest record (g->n when every queue is empty) and the others' bound. */
static unsigned mg_pick(const struct cst_workers *g, const struct mg_view *v, uint64_t *bound)
{
        unsigned best = g->n;
        for (unsigned i = 0; i < g->n; i++)
                if (v[i].head && (best == g->n || v[i].limit < v[best].limit))
                        best = i;
        *bound = UINT64_MAX;
        for (unsigned j = 0; j < g->n; j++)
                if (j != best && v[j].limit < *bound)
                        *bound = v[j].limit;
        return best;
}

/*
 * One round: a snapshot of every queue, then the oldest record while no
 * other queue can still bring an older one (the queue written from is
 * looked at again after each record).  Records written (>= 0), or -1 when
 * the writer stops.  *all_done: every worker has ended and every queue is
 * empty.
 */
static int mg_round(struct cst_workers *g, struct mg_view *v, bool *all_done)
{
        *all_done = true;
        for (unsigned i = 0; i < g->n; i++) {
                mg_look(&g->w[i], &v[i]);
                if (!v[i].done || v[i].head)
                        *all_done = false;
        }
        int n = 0;
        for (;;) {
                uint64_t bound;
                unsigned best = mg_pick(g, v, &bound);
                if (best == g->n || v[best].head->ts_ns > bound)
                        return n;
                int stop = mg_emit(g, v[best].head);
                wq_pop(g->w[best].q);
                if (stop)
                        return -1;
                n++;
                mg_look(&g->w[best], &v[best]);
        }
}

/* Rotation and flush requests of the main thread, the periodic flush, -U. */
static int mg_housekeeping(struct cst_workers *g, int wrote, uint64_t *last_flush)
{
        bool flush = false;
        if (__atomic_exchange_n(&g->wr_rotate, 0, __ATOMIC_ACQ_REL) && g->have_out &&
            g->out.ops->rotate && g->out.ops->rotate(g->out.priv, g->wr_err) != CST_OK)
                return CST_EFATAL;
        if (__atomic_exchange_n(&g->wr_flush, 0, __ATOMIC_ACQ_REL))
                flush = true;
        if (g->ro.flush_each_batch && wrote > 0)
                flush = true;
        uint64_t now = mono_ns();
        if (g->ro.flush_ms && now - *last_flush >= (uint64_t)g->ro.flush_ms * 1000000u)
                flush = true;
        /* before the flush: the packets that need the secrets are buffered */
        if (g->keylog && wk_keylog_follow(g, now, flush && !g->ro.flush_each_batch) != CST_OK)
                return CST_EFATAL;
        if (!flush)
                return CST_OK;
        *last_flush = now;
        return g->have_out ? g->out.ops->flush(g->out.priv, g->wr_err) : CST_OK;
}

static void mg_loop(struct cst_workers *g, struct mg_view *v)
{
        uint64_t last_flush = mono_ns();
        long pause = IDLE_WAIT_MIN_NS;
        for (;;) {
                bool all_done;
                int wrote = mg_round(g, v, &all_done);
                if (wrote < 0)
                        return;
                if (mg_housekeeping(g, wrote, &last_flush) != CST_OK) {
                        g->sink_failed = true;
                        g->wr_rc = CST_EFATAL;
                        return;
                }
                if (all_done)
                        return;
                if (wrote > 0) {
                        pause = IDLE_WAIT_MIN_NS;
                        continue;
                }
                struct timespec ts = {0, pause};
                nanosleep(&ts, NULL);
                if (pause < IDLE_WAIT_MAX_NS)
                        pause *= 2;
        }
}

void *wk_writer_main(void *arg)
{
        struct cst_workers *g = arg;
        struct mg_view v[CST_WORKERS_MAX];
        pthread_setname_np(pthread_self(), "cst-writer");
        mg_loop(g, v);
        /* the secrets learnt since the last look, ahead of the packets the close flushes */
        if (g->keylog && !g->sink_failed && wk_keylog_follow(g, mono_ns(), true) != CST_OK) {
                g->sink_failed = true;
                g->wr_rc = CST_EFATAL;
        }
        /* a limit or an error: the workers stop too (a normal end: they have) */
        wk_set_flag(&g->stop_all, 1);
        return NULL;
}
