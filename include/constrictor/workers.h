/*
 * Capture workers: one live capture spread over N threads, for links one
 * core cannot follow.  N AF_PACKET sockets join one PACKET_FANOUT group
 * (hash of the flow, both directions alike, IP fragments reassembled first),
 * and each socket gets its own thread, pinned to a CPU, with its own
 * pipeline (pipeline.h): ring, engine and flow table.  No lock is taken on
 * the packet path.
 *
 *   cst_workers *w;
 *   cst_workers_open(&w, &capture_opts, 4, err);
 *   cst_workers_set_engine(w, &cfg, err);
 *   cst_workers_output_dump(w, "out.pcap", &dump_opts, err);
 *   cst_workers_run(w, &run_opts, err);   // the calling thread waits, handles requests
 *   cst_workers_close(w, err);
 *
 * Output, two ways:
 *   - one file (the default): each worker hands what it keeps (the kept
 *     bytes only) to a single-producer queue, and one writer thread merges
 *     the queues by timestamp into the dumper, so the file looks like a
 *     one-thread capture: ordered by time (as far as each socket's
 *     timestamps are), rotation (-C/-G/-W), "-", annotations, a followed
 *     TLS key log, text lines and the per-packet callback work as with one
 *     pipeline (a packet's comment or text line is made by its worker and
 *     travels with its kept bytes).  A worker with nothing to read
 *     holds the merge back for at most about twice the ring's block
 *     timeout;
 *   - one file per worker when the path holds "%w" (replaced by the
 *     worker's number, 0..N-1): no writer thread, no copy; for disks or
 *     rates one writer cannot follow; files are merged later (mergecap).
 *
 * The calling thread of cst_workers_run() starts the threads (they block
 * every signal, so signals reach the caller), handles the requests
 * (cst_workers_request is async-signal-safe), and joins them.
 */
#ifndef CONSTRICTOR_WORKERS_H
#define CONSTRICTOR_WORKERS_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/pipeline.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cst_workers cst_workers;

#define CST_WORKERS_MAX 256

/* n sockets of one fanout group (its id picked by the kernel); 1 <= n <= CST_WORKERS_MAX. */
int cst_workers_open(cst_workers **out, const struct cst_capture_opts *o, unsigned n, char *err);
int cst_workers_set_engine(cst_workers *w, const struct cst_config *cfg, char *err);
/* One merged file, or one per worker when path contains "%w" (see above). */
int cst_workers_output_dump(cst_workers *w, const char *path, const struct cst_dump_opts *o,
                            char *err);

/*
 * Text lines (as cst_pipeline_output_text) merged by timestamp: each
 * worker formats the lines of its packets, the writer copies them out.
 */
int cst_workers_output_text(cst_workers *w, const char *path, const struct cst_text_opts *o,
                            char *err);
/* Annotations (as cst_pipeline_set_annotate), after a PCAPNG output: merged or "%w". */
int cst_workers_set_annotate(cst_workers *w, bool on, char *err);
/*
 * A followed TLS key log (as cst_pipeline_set_tls_keylog), after a PCAPNG
 * output: the merged file's writer follows it, or, with "%w", every
 * worker's pipeline does for its own file (each file gets every secret).
 */
int cst_workers_set_tls_keylog(cst_workers *w, const char *path, cst_message_cb warn, void *ctx,
                               char *err);

/*
 * Run every worker until a limit, a stop request or an error (of a worker
 * or of the output).  max_packets counts packets written (all workers);
 * on_packet is called by the merging writer in file order (merged output
 * only; NULL with "%w"); on_tick is called by the calling thread with the
 * workers' counters summed (each worker publishes its own at least every
 * tick_ms, or once a second).
 */
int cst_workers_run(cst_workers *w, const struct cst_run_opts *o, char *err);
/* As cst_pipeline_request, for every worker and the writer (async-signal-safe). */
void cst_workers_request(cst_workers *w, unsigned what);
/* CST_REQ_REPORT: called by the thread in cst_workers_run with the summed counters. */
void cst_workers_set_report(cst_workers *w, cst_report_cb cb, void *ctx);

unsigned cst_workers_count(const cst_workers *w);
/* The counters of all workers summed (kernel counters of every socket added up). */
void cst_workers_get_stats(cst_workers *w, struct cst_pipeline_stats *st);
/*
 * Worker i's counters and the CPU it runs on (-1 before the run).  During a
 * run they are the worker's last published copy (at most a second old, or
 * fresh in the report callback).
 */
void cst_workers_worker_stats(cst_workers *w, unsigned i, struct cst_pipeline_stats *st, int *cpu);

/* The capture of worker 0 (interface name, link type). */
cst_capture *cst_workers_capture(cst_workers *w);
/* File being written: the merged file, or worker i's with "%w". */
const char *cst_workers_output_path(const cst_workers *w, unsigned i);
bool cst_workers_sink_failed(const cst_workers *w);

/* Close the output(s), the sockets and the engines; frees w.  NULL is fine. */
int cst_workers_close(cst_workers *w, char *err);

#ifdef __cplusplus
}
#endif

#endif
