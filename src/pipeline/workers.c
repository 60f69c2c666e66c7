/*
 * workers — N capture pipelines on the sockets of one PACKET_FANOUT group
 * (include/constrictor/workers.h).  This file opens them, runs one thread
 * per worker (pinned round robin over the CPUs the process may use), the
 * merging writer when the output is one file (merge.c), and the caller's
 * thread as the one that handles requests (signals) and joins the others.
 * Counters cross threads only as published copies (wk_publish).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/pipeline_int.h"
#include "pipeline/workers_int.h"
#include "sink/dump_sink.h"
#include "sink/text.h"

#define QUEUE_BYTES (16u << 20) /* per worker: ~3 block timeouts of kept bytes at high rates */

/* The CPUs the process may run on, in order; worker i gets cpus[i % n]. */
static int pick_cpu(unsigned i)
{
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return -1;
        int n = CPU_COUNT(&set);
        if (n <= 0)
                return -1;
        unsigned want = i % (unsigned)n;
        for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &set) && want-- == 0)
                        return c;
        return -1;
}

/* Worker 0 creates the group (the kernel picks its id, fanout.c), the others join it. */
static int open_worker(struct cst_workers *g, unsigned i, const struct cst_capture_opts *o,
                       char *err)
{
        struct wk_worker *w = &g->w[i];
        struct cst_capture_opts co = *o;
        co.fanout = true;
        co.fanout_new = i == 0;
        co.fanout_group = i == 0 ? 0 : cst_capture_fanout_group(g->w[0].cap);
        w->g = g;
        w->idx = i;
        w->cpu = pick_cpu(i);
        w->tmo_ms = o->block_timeout_ms ? o->block_timeout_ms : 64;
        pthread_mutex_init(&w->snap_mu, NULL);
        int rc = cst_capture_open(&w->cap, &co, err);
        if (rc != CST_OK)
                return rc;
        rc = cst_pipeline_open_capture(&w->pipe, w->cap, err);
        if (rc != CST_OK) {
                w->cap = NULL; /* closed by the failed open */
                return rc;
        }
        wk_source_wrap(w);
        return CST_OK;
}

int cst_workers_open(cst_workers **out, const struct cst_capture_opts *o, unsigned n, char *err)
{
        *out = NULL;
        if (n < 1 || n > CST_WORKERS_MAX) {
                snprintf(err, CST_ERRBUF, "workers %u out of range 1..%u", n, CST_WORKERS_MAX);
                return CST_EFATAL;
        }
        if (o->backend != CST_BACKEND_TPACKET_V3) {
                snprintf(err, CST_ERRBUF, "workers need the tpacket_v3 backend");
                return CST_EFATAL;
        }
        struct cst_workers *g = calloc(1, sizeof(*g));
        if (g)
                g->w = calloc(n, sizeof(*g->w));
        if (!g || !g->w) {
                free(g);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        for (unsigned i = 0; i < n; i++) {
                g->n = i + 1;
                int rc = open_worker(g, i, o, err);
                if (rc != CST_OK) {
                        char cerr[CST_ERRBUF];
                        cst_workers_close(g, cerr);
                        return rc;
                }
        }
        *out = g;
        return CST_OK;
}

int cst_workers_set_engine(cst_workers *g, const struct cst_config *cfg, char *err)
{
        for (unsigned i = 0; i < g->n; i++)
                if (cst_pipeline_set_engine(g->w[i].pipe, cfg, err) != CST_OK)
                        return CST_EFATAL;
        return CST_OK;
}

/* ---- output -------------------------------------------------------------- */

/* path with every "%w" replaced by i. */
static int worker_path(const char *path, unsigned i, char *buf, size_t len, char *err)
{
        size_t o = 0;
        for (const char *s = path; *s && o < len; s++) {
                if (s[0] == '%' && s[1] == 'w') {
                        o += (size_t)snprintf(buf + o, len - o, "%u", i);
                        s++;
                } else {
                        buf[o++] = *s;
                }
        }
        if (o >= len) {
                snprintf(err, CST_ERRBUF, "output name too long: %.200s", path);
                return CST_EFATAL;
        }
        buf[o] = '\0';
        return CST_OK;
}

/* The merged file's ISBs: the workers' published counters, summed. */
static int merged_stats(void *ctx, struct cst_capture_stats *ks, char *err)
{
        struct cst_pipeline_stats st;
        (void)err;
        cst_workers_get_stats(ctx, &st);
        *ks = st.ks;
        return CST_OK;
}

static int output_merged(struct cst_workers *g, const char *path, const struct cst_dump_opts *o,
                         char *err)
{
        struct cst_dump_opts d = *o;
        cst_capture *cap = g->w[0].cap;
        if (!d.linktype)
                d.linktype = cst_capture_linktype(cap);
        if (!d.snaplen)
                d.snaplen = g->w[0].pipe->snap_cap;
        d.per_interface = cst_capture_ifindex(cap) == 0 && d.linktype == CST_LINK_LINUX_SLL2;
        d.stats = merged_stats;
        d.stats_ctx = g;
        if (dump_sink_open(&g->out, path, &d, err) != CST_OK)
                return CST_EFATAL;
        g->have_out = true;
        g->out_pcapng = d.format == CST_FORMAT_PCAPNG;
        return CST_OK;
}

int cst_workers_output_dump(cst_workers *g, const char *path, const struct cst_dump_opts *o,
                            char *err)
{
        if (!strstr(path, "%w"))
                return output_merged(g, path, o, err);
        char name[4096];
        for (unsigned i = 0; i < g->n; i++) {
                struct wk_worker *w = &g->w[i];
                if (worker_path(path, i, name, sizeof(name), err) != CST_OK ||
                    cst_pipeline_output_dump(w->pipe, name, o, err) != CST_OK)
                        return CST_EFATAL;
                wk_sink_attach(w);
        }
        g->per_worker = true;
        return CST_OK;
}

/*
 * One text line per packet, merged by timestamp: each worker formats its
 * packets' lines (it has the whole packet and the analysers' notes), the
 * writer copies them out in order.
 */
int cst_workers_output_text(cst_workers *g, const char *path, const struct cst_text_opts *o,
                            char *err)
{
        struct text_opts to = {.verbose = o->verbose, .payload = o->payload, .ifnames = true};
        if (g->have_out || g->per_worker) {
                snprintf(err, CST_ERRBUF, "the workers have an output already");
                return CST_EFATAL;
        }
        for (unsigned i = 0; i < g->n; i++) {
                struct wk_worker *w = &g->w[i];
                if (!w->tf && !(w->tf = malloc(sizeof(*w->tf)))) {
                        snprintf(err, CST_ERRBUF, "out of memory");
                        return CST_ENOMEM;
                }
                text_fmt_init(w->tf, &to);
                if (pipe_want_notes(w->pipe, err) != CST_OK)
                        return CST_ENOMEM;
        }
        if (text_sink_open(&g->out, path, &to, err) != CST_OK)
                return CST_EFATAL;
        g->have_out = true;
        g->text = true;
        return CST_OK;
}

/* Merged: the workers' comments go through the queues; "%w": each worker's own file. */
int cst_workers_set_annotate(cst_workers *g, bool on, char *err)
{
        if (!on)
                return CST_OK;
        if (!g->per_worker && (!g->have_out || !g->out_pcapng)) {
                snprintf(err, CST_ERRBUF, "annotations need PCAPNG output (packet comments)");
                return CST_EFATAL;
        }
        for (unsigned i = 0; i < g->n; i++) {
                struct cst_pipeline *p = g->w[i].pipe;
                int rc = g->per_worker ? cst_pipeline_set_annotate(p, true, err)
                                       : pipe_want_notes(p, err);
                if (rc != CST_OK)
                        return rc;
                p->annotate = true;
        }
        return CST_OK;
}

int wk_attach_queues(struct cst_workers *g, char *err)
{
        for (unsigned i = 0; i < g->n; i++) {
                struct wk_worker *w = &g->w[i];
                if (w->q)
                        continue;
                w->q = wq_new(QUEUE_BYTES);
                if (!w->q) {
                        snprintf(err, CST_ERRBUF, "out of memory for the worker queues");
                        return CST_ENOMEM;
                }
                wk_sink_attach(w);
        }
        g->merged = true;
        return CST_OK;
}

/* ---- counters, requests, close ------------------------------------------ */

static void add_stats(struct cst_pipeline_stats *s, const struct cst_pipeline_stats *a)
{
        s->packets_total += a->packets_total;
        s->packets_written += a->packets_written;
        s->bytes_input += a->bytes_input;
        s->bytes_input_wire += a->bytes_input_wire;
        s->bytes_output += a->bytes_output;
        s->cut_by_snaplen += a->cut_by_snaplen;
        s->quic_short_kept += a->quic_short_kept;
        for (unsigned r = 0; r < CST_R_COUNT; r++)
                s->reasons[r] += a->reasons[r];
        s->ks.packets_delivered += a->ks.packets_delivered;
        s->ks.kernel_packets += a->ks.kernel_packets;
        s->ks.kernel_drops += a->ks.kernel_drops;
        s->ks.kernel_freeze_q += a->ks.kernel_freeze_q;
        s->ks.receive_errors += a->ks.receive_errors;
        s->ks.have_kernel |= a->ks.have_kernel;
        s->flows_active += a->flows_active; /* each worker's own flow table */
        s->flows_evicted += a->flows_evicted;
}

void cst_workers_worker_stats(cst_workers *g, unsigned i, struct cst_pipeline_stats *st, int *cpu)
{
        memset(st, 0, sizeof(*st));
        if (cpu)
                *cpu = -1;
        if (i >= g->n)
                return;
        struct wk_worker *w = &g->w[i];
        pthread_mutex_lock(&w->snap_mu);
        *st = w->snap;
        pthread_mutex_unlock(&w->snap_mu);
        if (cpu)
                *cpu = w->started ? w->cpu : -1;
}

void cst_workers_get_stats(cst_workers *g, struct cst_pipeline_stats *st)
{
        struct cst_pipeline_stats one;
        enum cst_stop_reason stop = CST_STOP_NONE;
        memset(st, 0, sizeof(*st));
        for (unsigned i = 0; i < g->n; i++) {
                cst_workers_worker_stats(g, i, &one, NULL);
                add_stats(st, &one);
                if (i == 0) { /* "%w": every worker follows the same key log */
                        st->keylog_secrets = one.keylog_secrets;
                        st->keylog_malformed = one.keylog_malformed;
                }
                if (stop == CST_STOP_NONE)
                        stop = one.stop;
        }
        /* what was written is what the writer (or the shared -c count) says */
        enum cst_stop_reason wr = __atomic_load_n(&g->wr_stop, __ATOMIC_RELAXED);
        st->stop = wr != CST_STOP_NONE ? wr : stop;
        if (g->merged) {
                st->packets_written = __atomic_load_n(&g->written, __ATOMIC_RELAXED);
                st->bytes_output = __atomic_load_n(&g->bytes_out, __ATOMIC_RELAXED);
        }
        if (g->keylog) {
                st->keylog_secrets = __atomic_load_n(&g->kl_secrets, __ATOMIC_RELAXED);
                st->keylog_malformed = __atomic_load_n(&g->kl_malformed, __ATOMIC_RELAXED);
        }
}

void cst_workers_request(cst_workers *g, unsigned what)
{
        /* only stores to volatile sig_atomic_t: safe in a signal handler */
        if (what & CST_REQ_STOP)
                g->req_stop = 1;
        if (what & CST_REQ_FLUSH)
                g->req_flush = 1;
        if (what & CST_REQ_ROTATE)
                g->req_rotate = 1;
        if (what & CST_REQ_REPORT)
                g->req_report = 1;
}

void cst_workers_set_report(cst_workers *g, cst_report_cb cb, void *ctx)
{
        g->report = cb;
        g->report_ctx = ctx;
}

unsigned cst_workers_count(const cst_workers *g)
{
        return g->n;
}

cst_capture *cst_workers_capture(cst_workers *g)
{
        return g->w[0].cap;
}

const char *cst_workers_output_path(const cst_workers *g, unsigned i)
{
        if (g->have_out)
                return g->out.ops->path ? g->out.ops->path(g->out.priv) : NULL;
        if (i >= g->n || !g->w[i].pipe)
                return NULL;
        return cst_pipeline_output_path(g->w[i].pipe);
}

bool cst_workers_sink_failed(const cst_workers *g)
{
        if (g->sink_failed)
                return true;
        for (unsigned i = 0; i < g->n; i++)
                if (g->w[i].pipe && cst_pipeline_sink_failed(g->w[i].pipe))
                        return true;
        return false;
}

/* The merged file first (its last ISB reads the workers' counters), then each pipeline. */
int cst_workers_close(cst_workers *g, char *err)
{
        char cerr[CST_ERRBUF];
        int rc = CST_OK;
        if (!g)
                return CST_OK;
        if (g->have_out)
                rc = g->out.ops->close(g->out.priv, err);
        wk_keylog_close(g);
        for (unsigned i = 0; i < g->n; i++) {
                struct wk_worker *w = &g->w[i];
                if (w->pipe && cst_pipeline_close(w->pipe, rc == CST_OK ? err : cerr) != CST_OK)
                        rc = CST_EFATAL;
                else if (!w->pipe)
                        cst_capture_close(w->cap);
                wq_free(w->q);
                free(w->tf);
                pthread_mutex_destroy(&w->snap_mu);
        }
        free(g->w);
        free(g);
        return rc;
}
