/*
 * workers_run — cst_workers_run: the threads of a workers handle
 * (workers.h).  Every started thread blocks all signals, so signals reach
 * the calling thread, which turns requests into the workers' and the
 * writer's flags, stops everyone when one of them ends the run (a limit,
 * an error, the writer's file limit), and joins them: the workers first,
 * then the writer, which empties the queues before it returns.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/pipeline_int.h"
#include "pipeline/workers_int.h"

/* The calling thread looks at its flags this often; a signal wakes it at once. */
#define MAIN_TICK_NS   100000000
#define REPORT_WAIT_NS 1000000000ull

static void *worker_main(void *arg)
{
        struct wk_worker *w = arg;
        char name[16];
        snprintf(name, sizeof(name), "cst-worker%u", w->idx); /* top -H, perf, bench/live.sh */
        pthread_setname_np(pthread_self(), name);
        if (w->cpu >= 0) {
                cpu_set_t set;
                CPU_ZERO(&set);
                CPU_SET(w->cpu, &set);
                if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
                        w->cpu = -1; /* runs wherever the scheduler puts it */
        }
        w->rc = cst_pipeline_run(w->pipe, &w->ro, w->err);
        wk_publish(w);
        wk_set_flag(&w->done, 1);
        return NULL;
}

/* The worker's own run options: limits are shared (writer, -c slots), flushing publishes. */
static void worker_opts(struct cst_workers *g, struct wk_worker *w)
{
        const struct cst_run_opts *o = &g->ro;
        memset(&w->ro, 0, sizeof(w->ro));
        w->ro.keep_rule = o->keep_rule;
        w->ro.duration_sec = o->duration_sec;
        w->ro.flush_ms = o->flush_ms && g->per_worker ? o->flush_ms : 1000;
        /* a flush publishes the counters: as often as the caller's ticks want them */
        if (o->on_tick && o->tick_ms && o->tick_ms < w->ro.flush_ms)
                w->ro.flush_ms = o->tick_ms;
        w->ro.flush_each_batch = g->per_worker && o->flush_each_batch;
        if (g->merged) {
                w->ro.on_packet = wk_on_packet;
                w->ro.ctx = w;
        }
}

/* Start the writer, then the workers, with every signal blocked in them. */
static int start_threads(struct cst_workers *g, char *err)
{
        sigset_t all, old;
        int rc = CST_OK;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        if (g->merged) {
                if (pthread_create(&g->writer, NULL, wk_writer_main, g) != 0)
                        rc = CST_EFATAL;
                else
                        g->writer_started = true;
        }
        for (unsigned i = 0; i < g->n && rc == CST_OK; i++) {
                struct wk_worker *w = &g->w[i];
                worker_opts(g, w);
                if (pthread_create(&w->th, NULL, worker_main, w) != 0)
                        rc = CST_EFATAL;
                else
                        w->started = true;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != CST_OK)
                snprintf(err, CST_ERRBUF, "cannot start the worker threads");
        return rc;
}

static void request_all(struct cst_workers *g, unsigned what)
{
        for (unsigned i = 0; i < g->n; i++)
                cst_pipeline_request(g->w[i].pipe, what);
}

/* True when every worker has ended; *any: at least one has (then all should). */
static bool all_done(struct cst_workers *g, bool *any)
{
        bool all = true;
        *any = false;
        for (unsigned i = 0; i < g->n; i++) {
                bool done = !g->w[i].started || wk_load_flag(&g->w[i].done);
                all &= done;
                *any |= done;
        }
        return all;
}

static unsigned snap_gen(struct wk_worker *w)
{
        pthread_mutex_lock(&w->snap_mu);
        unsigned gen = w->snap_gen;
        pthread_mutex_unlock(&w->snap_mu);
        return gen;
}

/* SIGUSR1: every worker publishes fresh counters (a flush does), then the caller's report. */
static void report(struct cst_workers *g)
{
        unsigned gen[CST_WORKERS_MAX];
        for (unsigned i = 0; i < g->n; i++)
                gen[i] = snap_gen(&g->w[i]);
        request_all(g, CST_REQ_FLUSH);
        for (uint64_t waited = 0; waited < REPORT_WAIT_NS; waited += MAIN_TICK_NS / 4) {
                unsigned fresh = 0;
                for (unsigned i = 0; i < g->n; i++)
                        fresh += snap_gen(&g->w[i]) != gen[i] || wk_load_flag(&g->w[i].done);
                if (fresh == g->n)
                        break;
                struct timespec ts = {0, MAIN_TICK_NS / 4};
                nanosleep(&ts, NULL);
        }
        if (g->report) {
                struct cst_pipeline_stats st;
                cst_workers_get_stats(g, &st);
                g->report(g->report_ctx, &st);
        }
}

/* The requests a signal handler left, at most one tick late. */
static void handle_requests(struct cst_workers *g, bool *stopping, bool any_done)
{
        /* a worker that ended (limit, error) or the writer that did ends the run for all */
        if ((g->req_stop || any_done || wk_load_flag(&g->stop_all)) && !*stopping) {
                g->req_stop = 0;
                *stopping = true;
                request_all(g, CST_REQ_STOP);
        }
        if (g->req_flush) {
                g->req_flush = 0;
                wk_set_flag(&g->wr_flush, 1);
                if (g->per_worker)
                        request_all(g, CST_REQ_FLUSH);
        }
        if (g->req_rotate) {
                g->req_rotate = 0;
                wk_set_flag(&g->wr_rotate, 1);
                if (g->per_worker)
                        request_all(g, CST_REQ_ROTATE);
        }
        if (g->req_report) {
                g->req_report = 0;
                report(g);
        }
}

static uint64_t mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The caller's periodic statistics (cst_run_opts.on_tick), with the workers' counters summed. */
static void tick(struct cst_workers *g, uint64_t *last)
{
        const struct cst_run_opts *o = &g->ro;
        if (!o->on_tick || !o->tick_ms)
                return;
        uint64_t now = mono_ns();
        if (now - *last < (uint64_t)o->tick_ms * 1000000u)
                return;
        *last = now;
        struct cst_pipeline_stats st;
        cst_workers_get_stats(g, &st);
        o->on_tick(o->tick_ctx, &st);
}

/* The first error: a worker's, else the writer's. */
static int run_result(struct cst_workers *g, char *err)
{
        for (unsigned i = 0; i < g->n; i++)
                if (g->w[i].started && g->w[i].rc < 0) {
                        memcpy(err, g->w[i].err, CST_ERRBUF);
                        return g->w[i].rc;
                }
        if (g->wr_rc < 0) {
                memcpy(err, g->wr_err, CST_ERRBUF);
                return g->wr_rc;
        }
        return CST_OK;
}

int cst_workers_run(cst_workers *g, const struct cst_run_opts *o, char *err)
{
        int rc;
        bool stopping = false;
        g->ro = *o;
        if (!g->per_worker && (rc = wk_attach_queues(g, err)) != CST_OK)
                return rc;
        for (unsigned i = 0; i < g->n; i++)
                wk_set_flag(&g->w[i].done, 0);
        rc = start_threads(g, err);
        if (rc != CST_OK)
                wk_set_flag(&g->stop_all, 1);
        bool any;
        uint64_t last_tick = mono_ns();
        long pause = MAIN_TICK_NS;
        if (o->on_tick && o->tick_ms && (uint64_t)o->tick_ms * 1000000u < (uint64_t)pause)
                pause = (long)o->tick_ms * 1000000;
        while (!all_done(g, &any)) {
                handle_requests(g, &stopping, any);
                tick(g, &last_tick);
                struct timespec ts = {0, pause};
                nanosleep(&ts, NULL); /* a signal cuts it short */
        }
        for (unsigned i = 0; i < g->n; i++)
                if (g->w[i].started)
                        pthread_join(g->w[i].th, NULL);
        if (g->writer_started)
                pthread_join(g->writer, NULL);
        g->writer_started = false;
        if (g->req_report)
                handle_requests(g, &stopping, true);
        return rc != CST_OK ? rc : run_result(g, err);
}
