/*
 * Live statistics for operators (issue 18 item 6): the counters of a
 * running pipeline as Prometheus text, as a JSON file rewritten atomically,
 * and served over HTTP for a Prometheus server to scrape.
 *
 *   struct cst_run_opts ro = {.tick_ms = 250, .on_tick = my_tick, ...};
 *   cst_metrics *m;
 *   cst_metrics_listen(&m, ":9108", err);     // 127.0.0.1:9108, own thread
 *   ... in my_tick (the packet loop, at a batch boundary):
 *   cst_metrics_publish(m, st);               // a memcpy under a mutex
 *   ... after the run: publish the final counters, then
 *   cst_metrics_close(m);
 *
 * The server thread never touches the pipeline: it copies the last
 * published snapshot and formats it, so a slow or hostile client can delay
 * nothing but itself.  It answers GET /metrics only (404 for another path,
 * 405 for another method, 431 for a request over 4 KiB), holds at most 16
 * connections (more are closed at once), and drops a connection that has
 * not sent a whole request within 5 seconds.
 */
#ifndef CONSTRICTOR_METRICS_H
#define CONSTRICTOR_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <constrictor/pipeline.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The counters in the Prometheus text exposition format 0.0.4: HELP and
 * TYPE lines, names with the constrictor_ prefix, counters ending in _total,
 * packets per verdict reason as constrictor_reason_packets_total{reason=...}.
 * Returns the length written (NUL-terminated), or 0 when cap is too small
 * (16 KiB is always enough).
 */
size_t cst_metrics_text(char *buf, size_t cap, const struct cst_pipeline_stats *st);

/*
 * The same counters as one JSON object on one line (final: the run ended),
 * plus "unix_time".  Returns the length, or 0 when cap is too small.
 */
size_t cst_metrics_json(char *buf, size_t cap, const struct cst_pipeline_stats *st, bool final);

/*
 * Write cst_metrics_json to path atomically: a temporary file in the same
 * directory, then rename(2) over path, so a reader sees the old or the new
 * file, never half of one.  CST_OK or CST_EFATAL with err naming the path.
 */
int cst_metrics_write_json(const char *path, const struct cst_pipeline_stats *st, bool final,
                           char *err);

typedef struct cst_metrics cst_metrics;

/*
 * Listen on addr: "HOST:PORT", "[IPv6]:PORT", ":PORT" or "PORT" (the last
 * two bind 127.0.0.1 only: exposing the counters is a choice, e.g.
 * "0.0.0.0:9108"), and serve from a thread of its own with every signal
 * blocked.  CST_OK, or CST_EFATAL with err naming addr and the cause.
 */
int cst_metrics_listen(cst_metrics **out, const char *addr, char *err);

/* Publish a snapshot of the counters (copied under a mutex held for the copy only). */
void cst_metrics_publish(cst_metrics *m, const struct cst_pipeline_stats *st);

/* The port actually bound (useful with port 0). */
unsigned cst_metrics_port(const cst_metrics *m);

/* Stop the thread, close every socket, free m.  NULL is fine. */
void cst_metrics_close(cst_metrics *m);

#ifdef __cplusplus
}
#endif

#endif
