/*
 * live_stats — what a run reports while it runs (issue 18 items 6 and 7):
 * one stderr line per --stats-interval, the --stats-file JSON rewritten
 * atomically, the --metrics-listen endpoint, and on a terminal the progress
 * line of constrict/reinflate.  Everything happens in the pipeline's tick
 * (cst_run_opts.on_tick, at batch boundaries), never per packet.
 */
#ifndef CST_CLI_LIVE_STATS_H
#define CST_CLI_LIVE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <constrictor/constrictor.h>

/* The progress line (cli/progress.c). */
struct progress {
        bool on;          /* stderr is a terminal and no -q */
        bool drawn;       /* a line is on the screen (cleared at the end) */
        uint64_t total;   /* input size in bytes; 0 = unknown */
        unsigned per_rec; /* record header bytes per packet in the input (PCAP 16, PCAPNG 32) */
        uint64_t start_ns, last_ns;
};

struct live_stats {
        uint32_t interval_sec; /* --stats-interval / stats.interval_sec; 0 = off */
        char file[4096];       /* --stats-file / stats.file; "" = off */
        char listen[256];      /* --metrics-listen / stats.metrics_listen; "" = off */
        cst_metrics *metrics;
        uint64_t next_line_ns, next_file_ns;
        bool file_warned;
        struct progress prog;
        struct cst_pipeline_stats final; /* the counters when the run ended */
};

/* Defaults from the configuration's [stats] keys (the command line overrides them). */
void live_stats_from_cfg(struct live_stats *ls, const struct cst_config *cfg);
/* Command-line values; NULL leaves the configured one.  CST_OK or CST_EFATAL (err). */
int live_stats_set(struct live_stats *ls, const char *interval, const char *file,
                   const char *listen, char *err);
/* Open the metrics endpoint if asked.  CST_OK or CST_EFATAL (err names the address). */
int live_stats_start(struct live_stats *ls, char *err);
/* Hook the ticks into a run (nothing when nothing is asked). */
void live_stats_run_opts(struct live_stats *ls, struct cst_run_opts *ro);
/* After the run: the last JSON file (final), the last snapshot, the progress line cleared. */
void live_stats_end(struct live_stats *ls, const struct cst_pipeline_stats *st);
/* Close the endpoint. */
void live_stats_close(struct live_stats *ls);

/* The interval line ("stats: packets=... ") for st. */
void live_stats_line(FILE *out, const struct cst_pipeline_stats *st);

/* cli/progress.c: start (input path, its format known or not), draw, clear. */
void progress_init(struct progress *pg, bool quiet, const char *input);
void progress_draw(struct progress *pg, uint64_t done, uint64_t now_ns);
void progress_clear(struct progress *pg);
/* Bytes of the input consumed, estimated from the counters. */
uint64_t progress_done(const struct progress *pg, const struct cst_pipeline_stats *st);
uint64_t live_now_ns(void);

/* `constrict` summary line on stderr: packets, bytes in -> out, saved %. */
void summary_line(FILE *out, const struct cst_pipeline_stats *st);

#endif
