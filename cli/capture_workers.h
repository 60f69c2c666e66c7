/* capture_workers — `capture` with fanout workers (see capture_workers.c). */
#ifndef CST_CLI_CAPTURE_WORKERS_H
#define CST_CLI_CAPTURE_WORKERS_H

#include "capture_report.h"

/* Sockets, output (merged, or per worker with "%w"), engines. */
int capture_workers_open(const struct capture_job *job, cst_workers **w, char *err);
/* cmd_capture.c: a malformed TLS key log line (issue 20) is named, the capture goes on. */
void capture_keylog_warning(void *ctx, const char *msg);
/* Run, print -v per-worker lines, close; res: the summed counters. */
int capture_workers_run(struct capture_job *job, cst_workers *w, struct cst_pipeline_stats *res,
                        char *err);

#endif
