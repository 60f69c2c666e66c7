/*
 * worker_sink — the two ends of one worker's pipeline (workers.h):
 *
 *   - its source: the worker's fanout socket, with every wait bounded by
 *     the ring's block timeout.  A wait that found nothing proves that
 *     every packet stamped more than a block timeout before it started is
 *     already in the worker's hands (the kernel retires a block at most a
 *     block timeout after it opened, and blocks are read in order), so the
 *     worker raises its watermark: the merging writer need not wait for
 *     this worker to write anything older;
 *   - its sink: with one merged file, the worker's queue (wqueue.h): the
 *     kept bytes and the packet's description are copied in, and the record
 *     is published by the per-packet callback, which knows the verdict's
 *     reason; with "%w", the worker's own dumper, behind a wrapper that
 *     shares the packet limit (-c) among the workers.
 *
 * Both publish the worker's counters (wk_publish) when the pipeline
 * flushes, at least once a second, so reports and ISBs of the merged file
 * never read a counter another thread is writing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/pipeline_int.h"
#include "pipeline/workers_int.h"
#include "sink/text.h"

#define FULL_WAIT_NS 50000 /* a full queue: let the writer catch up */

static uint64_t realtime_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The watermark only grows; only the worker's thread writes it. */
static void raise_wm(struct wk_worker *w, uint64_t ts)
{
        if (ts > w->wm)
                __atomic_store_n(&w->wm, ts, __ATOMIC_RELEASE);
}

void wk_publish(struct wk_worker *w)
{
        struct cst_pipeline_stats st;
        char err[CST_ERRBUF];
        cst_pipeline_get_stats(w->pipe, &st);
        cst_capture_stats(w->cap, &st.ks, err);
        pthread_mutex_lock(&w->snap_mu);
        w->snap = st;
        w->snap_gen++;
        pthread_mutex_unlock(&w->snap_mu);
}

/* ---- the source --------------------------------------------------------- */

static int wsrc_wait(void *priv, struct cst_packet *recs, unsigned max, int timeout_ms, char *err)
{
        struct wk_worker *w = priv;
        if (timeout_ms > (int)w->tmo_ms)
                timeout_ms = (int)w->tmo_ms;
        uint64_t before = realtime_ns();
        int n = cst_capture_next_batch(w->cap, recs, max, timeout_ms, err);
        /* twice the timeout: the kernel's timer runs in jiffies and may fire late */
        uint64_t margin = 2ull * w->tmo_ms * 1000000u;
        if (n == 0 && before > margin)
                raise_wm(w, before - margin);
        return n;
}

static int wsrc_next(void *priv, struct cst_packet *recs, unsigned max, char *err)
{
        struct wk_worker *w = priv;
        return cst_capture_next_batch(w->cap, recs, max, (int)w->tmo_ms, err);
}

static void wsrc_release(void *priv)
{
        cst_capture_release(((struct wk_worker *)priv)->cap);
}

static int wsrc_stats(void *priv, struct cst_capture_stats *ks, char *err)
{
        return cst_capture_stats(((struct wk_worker *)priv)->cap, ks, err);
}

static void wsrc_close(void *priv)
{
        struct wk_worker *w = priv;
        cst_capture_close(w->cap);
        w->cap = NULL;
}

static const struct cst_source_ops wk_source_ops = {
    .next_batch = wsrc_next,
    .close = wsrc_close,
    .tail = NULL,
    .wait_batch = wsrc_wait,
    .release = wsrc_release,
    .stats = wsrc_stats,
};

void wk_source_wrap(struct wk_worker *w)
{
        w->pipe->src.ops = &wk_source_ops;
        w->pipe->src.priv = w;
}

/* ---- the sink ------------------------------------------------------------ */

static void fill_rec(struct wq_rec *r, const struct cst_packet *pkt, uint32_t keep_len)
{
        r->ts_ns = pkt->ts_ns;
        r->ts_hi = pkt->ts_hi;
        r->ts_lo = pkt->ts_lo;
        r->keep_len = keep_len;
        r->caplen = pkt->caplen;
        r->origlen = pkt->origlen;
        r->linktype = pkt->linktype;
        r->ifid = pkt->ifid;
        r->vlan_tci = pkt->vlan_tci;
        r->reason = 0;
        r->gso_size = pkt->gso_size;
        r->direction = pkt->direction;
        r->gso_type = pkt->gso_type;
        r->flags = pkt->flags;
        r->kind = pkt->kind;
        r->note_len = 0;
        r->dump_from = 0;
        memcpy(r + 1, pkt->data, keep_len);
}

/* Merged output: copy into the queue, with note_len bytes of note; wk_on_packet publishes it. */
static int queue_write(struct wk_worker *w, const struct cst_packet *pkt, uint32_t keep_len,
                       const char *note, uint16_t note_len)
{
        struct wq_rec *r;
        if (keep_len > pkt->caplen)
                keep_len = pkt->caplen;
        while (!(r = wq_reserve(w->q, keep_len + (uint32_t)note_len))) {
                /* the writer stopped for good (limit, error): this run ends too */
                if (wk_load_flag(&w->g->stop_all))
                        return CST_DUMP_FILE_LIMIT;
                struct timespec ts = {0, FULL_WAIT_NS};
                nanosleep(&ts, NULL);
        }
        fill_rec(r, pkt, keep_len);
        if (note_len) {
                memcpy((uint8_t *)(r + 1) + keep_len, note, note_len);
                r->note_len = note_len;
        }
        return CST_OK;
}

/*
 * Merged, annotated or text output: the note goes with the packet through
 * the queue, bounded (a comment is at most NOTE_MAX bytes, a line
 * TEXT_LINE_MAX).  A text line is made here, on the worker's thread, from
 * the whole packet and what the analysers saw in it; the writer only
 * copies it (and dumps the kept bytes for -A / -X).
 */
static int queue_write_noted(struct wk_worker *w, const struct cst_packet *pkt,
                             const struct sink_note *n)
{
        if (!w->tf)
                return queue_write(w, pkt, n->keep_len, n->comment,
                                   n->comment ? n->comment_len : 0);
        char line[TEXT_LINE_MAX];
        uint32_t from;
        size_t len = text_fmt_line(w->tf, pkt, n, line, &from);
        int rc = queue_write(w, pkt, n->keep_len, line, (uint16_t)len);
        if (rc == CST_OK)
                wq_pending(w->q)->dump_from = (uint16_t)(from < UINT16_MAX ? from : UINT16_MAX);
        return rc;
}

static void limit_reached(struct cst_workers *g)
{
        __atomic_store_n(&g->wr_stop, CST_STOP_MAX_PACKETS, __ATOMIC_RELAXED);
        wk_set_flag(&g->stop_all, 1);
}

/*
 * "%w": the packet limit (-c N) is shared, a slot is taken before the write:
 * exactly N packets in all the files.  The worker that takes the last slot
 * writes its packet and ends the run, as tcpdump -c exits on its Nth
 * packet (not only once some worker has an N+1st); what the others still
 * hold finds no slot and is not written.
 */
static int inner_write(struct wk_worker *w, const struct cst_packet *pkt, uint32_t keep_len,
                       const struct sink_note *n, char *err)
{
        struct cst_workers *g = w->g;
        uint64_t slot = 0;
        if (g->ro.max_packets && pkt->kind == CST_REC_PACKET &&
            (slot = __atomic_fetch_add(&g->written, 1, __ATOMIC_RELAXED) + 1) > g->ro.max_packets) {
                limit_reached(g);
                return CST_DUMP_FILE_LIMIT;
        }
        int rc = n ? w->inner.ops->write_noted(w->inner.priv, pkt, n, err)
                   : w->inner.ops->write(w->inner.priv, pkt, keep_len, err);
        if (slot && slot == g->ro.max_packets)
                limit_reached(g); /* the main thread stops every worker within a tick */
        return rc;
}

static int ws_write(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct wk_worker *w = priv;
        if (w->have_inner)
                return inner_write(w, pkt, keep_len, NULL, err);
        return queue_write(w, pkt, keep_len, NULL, 0);
}

static int ws_write_noted(void *priv, const struct cst_packet *pkt, const struct sink_note *n,
                          char *err)
{
        struct wk_worker *w = priv;
        if (w->have_inner)
                return inner_write(w, pkt, n->keep_len, n, err);
        return queue_write_noted(w, pkt, n);
}

/* "%w" and a followed TLS key log (issue 20): the worker's file gets the secrets. */
static int ws_write_ahead(void *priv, const uint8_t *block, size_t len, char *err)
{
        struct wk_worker *w = priv;
        if (!w->have_inner || !w->inner.ops->write_ahead)
                return CST_OK;
        return w->inner.ops->write_ahead(w->inner.priv, block, len, err);
}

int wk_on_packet(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v)
{
        struct wk_worker *w = ctx;
        struct wq_rec *r = wq_pending(w->q);
        r->reason = v->reason;
        wq_push(w->q);
        raise_wm(w, pkt->ts_ns);
        return 0;
}

static int ws_flush(void *priv, char *err)
{
        struct wk_worker *w = priv;
        int rc = w->have_inner ? w->inner.ops->flush(w->inner.priv, err) : CST_OK;
        wk_publish(w);
        return rc;
}

static int ws_close(void *priv, char *err)
{
        struct wk_worker *w = priv;
        if (!w->have_inner)
                return CST_OK;
        w->have_inner = false;
        return w->inner.ops->close(w->inner.priv, err);
}

static int ws_rotate(void *priv, char *err)
{
        struct wk_worker *w = priv;
        if (!w->have_inner || !w->inner.ops->rotate)
                return CST_OK;
        return w->inner.ops->rotate(w->inner.priv, err);
}

static const char *ws_path(void *priv)
{
        struct wk_worker *w = priv;
        if (!w->have_inner || !w->inner.ops->path)
                return NULL;
        return w->inner.ops->path(w->inner.priv);
}

static const struct cst_sink_ops wk_sink_ops = {
    .write = ws_write,
    .flush = ws_flush,
    .close = ws_close,
    .rotate = ws_rotate,
    .abort = NULL,
    .path = ws_path,
    .write_ahead = ws_write_ahead,
    .write_noted = ws_write_noted,
};

void wk_sink_attach(struct wk_worker *w)
{
        struct cst_pipeline *p = w->pipe;
        if (p->have_sink) { /* "%w": the worker's own dumper goes behind the wrapper */
                w->inner = p->sink;
                w->have_inner = true;
        }
        p->sink = (struct cst_sink){&wk_sink_ops, w};
        p->have_sink = true;
}
