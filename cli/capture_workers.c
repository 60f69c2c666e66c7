/*
 * capture_workers — `constrictor capture` with fanout workers (--workers N,
 * [capture] workers; issue 19): the same command line and texts as one
 * pipeline, run through cst_workers (include/constrictor/workers.h).  -w
 * with "%w" writes one file per worker; otherwise one merged file; without
 * -w the text lines of one pipeline, merged by timestamp.  -v
 * prints one line of counters per worker after the totals (and SIGUSR1
 * does too).  --stats-interval, --stats-file and --metrics-listen see the
 * workers' counters summed, ticked from the main thread.
 */
#include <stdio.h>
#include <string.h>
#include "capture_workers.h"
#include "cfg.h"

static int wk_open_output(const struct capture_job *job, cst_workers *w, char *err)
{
        struct cst_dump_opts d;
        char appl[64];
        if (!job->output) /* issue 20's lines, each worker formats its own */
                return cst_workers_output_text(w, "-", &job->text, err);
        if (capture_dump_opts(job, cst_capture_ifname(cst_workers_capture(w)), &d, appl, err) !=
                CST_OK ||
            cst_workers_output_dump(w, job->output, &d, err) != CST_OK)
                return CST_EFATAL;
        if (job->annotate && cst_workers_set_annotate(w, true, err) != CST_OK)
                return CST_EFATAL;
        char kl[4096]; /* issue 20: general.tls_keylog / --tls-keylog */
        if (cfg_text(job->cfg, "general.tls_keylog", kl, sizeof(kl))[0] == '\0')
                return CST_OK;
        return cst_workers_set_tls_keylog(w, kl, capture_keylog_warning, NULL, err);
}

int capture_workers_open(const struct capture_job *job, cst_workers **w, char *err)
{
        int rc = cst_workers_open(w, &job->copts, job->workers, err);
        if (rc < 0)
                return rc;
        if (wk_open_output(job, *w, err) < 0)
                return CST_EFATAL;
        return cst_workers_set_engine(*w, job->cfg, err);
}

int capture_workers_run(struct capture_job *job, cst_workers *w, struct cst_pipeline_stats *res,
                        char *err)
{
        char cerr[CST_ERRBUF];
        struct cst_run_opts ro;
        memset(&ro, 0, sizeof(ro));
        ro.keep_rule = CST_KEEP_SNAPLEN;
        ro.max_packets = cfg_uint(job->cfg, "capture.max_packets");
        ro.duration_sec = cfg_uint(job->cfg, "capture.duration_sec");
        ro.flush_ms = job->packet_buffered ? 0 : 1000;
        /* text lines: written as the merge releases them (one write per round, not per line) */
        ro.flush_each_batch = job->packet_buffered || !job->output;
        cst_workers_set_report(w, capture_report_workers, w);
        live_stats_run_opts(&job->live, &ro); /* ticks on the main thread, counters summed */
        capture_signals_attach_workers(w);
        int rc = cst_workers_run(w, &ro, err);
        cst_workers_get_stats(w, res);
        capture_signals_attach_workers(NULL);
        live_stats_end(&job->live, res);
        if (job->verbose)
                capture_print_worker_stats(stderr, w);
        if (cst_workers_close(w, cerr) < 0 && rc == CST_OK) {
                rc = CST_EFATAL;
                memcpy(err, cerr, CST_ERRBUF);
        }
        return rc;
}
