/*
 * live_stats — interval lines, the JSON stats file and the metrics endpoint
 * of a running capture or constrict (see live_stats.h).  The tick runs in
 * the packet loop at a batch boundary: a line is a few hundred bytes to
 * stderr per interval, the file one write and one rename, the endpoint a
 * memcpy (its thread does the rest).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cfg.h"
#include "live_stats.h"

#define METRICS_TICK_MS  250 /* snapshot age at most a quarter second */
#define PROGRESS_TICK_MS 250 /* at most 4 progress lines a second */

uint64_t live_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void live_stats_from_cfg(struct live_stats *ls, const struct cst_config *cfg)
{
        ls->interval_sec = (uint32_t)cfg_uint(cfg, "stats.interval_sec");
        cfg_text(cfg, "stats.file", ls->file, sizeof(ls->file));
        cfg_text(cfg, "stats.metrics_listen", ls->listen, sizeof(ls->listen));
}

int live_stats_set(struct live_stats *ls, const char *interval, const char *file,
                   const char *listen, char *err)
{
        if (interval) {
                char *end;
                unsigned long v = strtoul(interval, &end, 10);
                if (*interval < '0' || *interval > '9' || *end || v > 86400) {
                        snprintf(err, CST_ERRBUF,
                                 "invalid value for --stats-interval: '%.100s' (seconds 0..86400)",
                                 interval);
                        return CST_EFATAL;
                }
                ls->interval_sec = (uint32_t)v;
        }
        if (file && snprintf(ls->file, sizeof(ls->file), "%s", file) >= (int)sizeof(ls->file)) {
                snprintf(err, CST_ERRBUF, "--stats-file: path too long");
                return CST_EFATAL;
        }
        if (listen &&
            snprintf(ls->listen, sizeof(ls->listen), "%s", listen) >= (int)sizeof(ls->listen)) {
                snprintf(err, CST_ERRBUF, "invalid value for --metrics-listen: too long");
                return CST_EFATAL;
        }
        if (file && !file[0]) {
                snprintf(err, CST_ERRBUF, "--stats-file needs a path");
                return CST_EFATAL;
        }
        return CST_OK;
}

int live_stats_start(struct live_stats *ls, char *err)
{
        if (!ls->listen[0])
                return CST_OK;
        if (cst_metrics_listen(&ls->metrics, ls->listen, err) != CST_OK)
                return CST_EFATAL;
        /* the port actually bound (":0" picks a free one) */
        fprintf(stderr, "%s: serving metrics on %s (port %u) at /metrics\n", CST_PROGRAM_NAME,
                ls->listen, cst_metrics_port(ls->metrics));
        return CST_OK;
}

void live_stats_line(FILE *out, const struct cst_pipeline_stats *st)
{
        uint64_t saved =
            st->bytes_input > st->bytes_output ? st->bytes_input - st->bytes_output : 0;
        fprintf(out,
                "stats: packets=%" PRIu64 " bytes_in=%" PRIu64 " bytes_out=%" PRIu64
                " saved=%.1f%% kernel_drops=%" PRIu64 " flows=%" PRIu64 " evictions=%" PRIu64 "\n",
                st->packets_total, st->bytes_input, st->bytes_output,
                st->bytes_input ? 100.0 * (double)saved / (double)st->bytes_input : 0.0,
                st->ks.kernel_drops, st->flows_active, st->flows_evicted);
        fflush(out);
}

static void write_file(struct live_stats *ls, const struct cst_pipeline_stats *st, bool final)
{
        char err[CST_ERRBUF];
        if (cst_metrics_write_json(ls->file, st, final, err) != CST_OK && !ls->file_warned) {
                fprintf(stderr, "%s: warning: %s\n", CST_PROGRAM_NAME, err);
                ls->file_warned = true; /* once: the run goes on */
        }
}

/* Due when now passed next; the next one is an interval later (or from now, after a stall). */
static bool due(uint64_t *next, uint64_t now, uint64_t period)
{
        if (now < *next)
                return false;
        *next += period;
        if (*next <= now)
                *next = now + period;
        return true;
}

static void tick(void *ctx, const struct cst_pipeline_stats *st)
{
        struct live_stats *ls = ctx;
        uint64_t now = live_now_ns(), period = (uint64_t)ls->interval_sec * 1000000000u;
        if (ls->metrics)
                cst_metrics_publish(ls->metrics, st);
        if (ls->prog.on)
                progress_draw(&ls->prog, progress_done(&ls->prog, st), now);
        if (ls->interval_sec && due(&ls->next_line_ns, now, period)) {
                if (ls->prog.drawn)
                        progress_clear(&ls->prog);
                live_stats_line(stderr, st);
        }
        if (ls->file[0] && ls->interval_sec && due(&ls->next_file_ns, now, period))
                write_file(ls, st, false);
        else if (ls->file[0] && !ls->interval_sec && due(&ls->next_file_ns, now, 1000000000u))
                write_file(ls, st, false); /* without an interval: once a second */
}

void live_stats_run_opts(struct live_stats *ls, struct cst_run_opts *ro)
{
        uint32_t ms = 0;
        uint64_t now = live_now_ns();
        if (ls->interval_sec)
                ms = ls->interval_sec * 1000u;
        if (ls->file[0] && (!ms || ms > 1000u))
                ms = ls->interval_sec ? ms : 1000u;
        if (ls->metrics && (!ms || ms > METRICS_TICK_MS))
                ms = METRICS_TICK_MS;
        if (ls->prog.on && (!ms || ms > PROGRESS_TICK_MS))
                ms = PROGRESS_TICK_MS;
        if (!ms)
                return;
        ls->next_line_ns = ls->next_file_ns = now + (uint64_t)ls->interval_sec * 1000000000u;
        if (!ls->interval_sec)
                ls->next_file_ns = now + 1000000000u;
        ro->tick_ms = ms;
        ro->on_tick = tick;
        ro->tick_ctx = ls;
}

void live_stats_end(struct live_stats *ls, const struct cst_pipeline_stats *st)
{
        progress_clear(&ls->prog);
        if (ls->metrics)
                cst_metrics_publish(ls->metrics, st);
        if (ls->file[0])
                write_file(ls, st, true);
}

void live_stats_close(struct live_stats *ls)
{
        cst_metrics_close(ls->metrics);
        ls->metrics = NULL;
}
