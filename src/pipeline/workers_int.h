/*
 * The workers handle (include/constrictor/workers.h): N pipelines on the
 * sockets of one fanout group (workers.c: open, threads, requests, counters;
 * worker_sink.c: what a worker's pipeline writes to; merge.c: the writer
 * thread that merges the workers' queues into one file).
 */
#ifndef CST_PIPELINE_WORKERS_INT_H
#define CST_PIPELINE_WORKERS_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <constrictor/constrictor.h>

#include "format/format.h"
#include "pipeline/wqueue.h"

struct cst_workers;
struct text_fmt;
struct keylog;

struct wk_worker {
        /* packet path (the worker's thread): hot members first */
        struct wq *q; /* merged output: this worker's queue; NULL with "%w" */
        struct cst_workers *g;
        uint64_t wm;           /* watermark: every later record has ts_ns >= wm (atomic) */
        struct cst_sink inner; /* "%w": this worker's own dumper */
        struct text_fmt *tf;   /* merged text output: this worker's line formatter */
        bool have_inner;
        unsigned idx;
        int cpu;
        uint32_t tmo_ms; /* ring block timeout: how long a wait may last */
        cst_pipeline *pipe;
        cst_capture *cap;
        bool started;
        int done; /* the worker's run returned (atomic) */
        pthread_t th;
        struct cst_run_opts ro; /* this worker's (workers_run.c) */
        int rc;
        char err[CST_ERRBUF];
        /* counters published for the main thread (report, -v, ISBs) */
        pthread_mutex_t snap_mu;
        struct cst_pipeline_stats snap;
        unsigned snap_gen; /* bumped on every publication (under snap_mu) */
};

struct cst_workers {
        unsigned n;
        struct wk_worker *w;
        bool per_worker; /* "%w" output */
        bool merged;     /* a writer thread runs (merged file or callback) */
        struct cst_sink out;
        bool have_out;
        bool out_pcapng;        /* the merged file is PCAPNG (annotations) */
        bool text;              /* out is the text sink: records carry their lines */
        struct cst_run_opts ro; /* the caller's */
        /* requests (signal handler -> the thread in cst_workers_run) */
        volatile sig_atomic_t req_stop, req_flush, req_rotate, req_report;
        /* main thread -> writer (atomic) */
        int wr_flush, wr_rotate;
        int stop_all; /* writer -> everyone: stop (limit, file limit, error) (atomic) */
        /* the writer (merge.c) */
        pthread_t writer;
        bool writer_started;
        int wr_rc;
        char wr_err[CST_ERRBUF];
        bool sink_failed;
        enum cst_stop_reason wr_stop; /* CST_STOP_MAX_PACKETS / _FILE_LIMIT, or NONE */
        uint64_t written, bytes_out;  /* by the writer */
        cst_report_cb report;
        void *report_ctx;
        /* a followed TLS key log, merged output: the writer's (workers_keylog.c) */
        struct keylog *keylog;
        uint64_t keylog_polled;
        uint64_t kl_secrets, kl_malformed; /* published by the writer (atomic) */
};

/* workers.c: merged output (or only a callback): every worker writes to its queue. */
int wk_attach_queues(struct cst_workers *g, char *err);
/* worker_sink.c: point worker w's pipeline at its queue (merged) or wrapped dumper ("%w"). */
void wk_sink_attach(struct wk_worker *w);
/* Copy the worker's counters for the other threads (worker thread only). */
void wk_publish(struct wk_worker *w);
/* worker_sink.c: the capture source with waits bounded by the block timeout. */
void wk_source_wrap(struct wk_worker *w);

/* The worker pipeline's per-packet callback (merged output): publish the queued record. */
int wk_on_packet(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v);

/*
 * workers_keylog.c, the writer: read what the key log gained (at most every
 * 100 ms unless due) and write it as a DSB ahead of the buffered packets.
 */
int wk_keylog_follow(struct cst_workers *g, uint64_t now, bool due);
void wk_keylog_close(struct cst_workers *g);

/* merge.c: the writer thread's body. */
void *wk_writer_main(void *arg);

static inline bool wk_load_flag(const int *f)
{
        return __atomic_load_n(f, __ATOMIC_ACQUIRE) != 0;
}
static inline void wk_set_flag(int *f, int v)
{
        __atomic_store_n(f, v, __ATOMIC_RELEASE);
}

#endif
