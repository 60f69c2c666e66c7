/*
 * capture_report — what `constrictor capture` prints about a run (the
 * AFPacket stats block of SPEC 3.4, tcpdump's counter lines, the stop
 * reason, one text line per packet without -w) and its signal handlers.
 * The run itself is the library's pipeline (include/constrictor/pipeline.h).
 */
#ifndef CST_CLI_CAPTURE_REPORT_H
#define CST_CLI_CAPTURE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <constrictor/constrictor.h>
#include "live_stats.h"
#include "output_args.h"
#include "compress_args.h"

/* What the command line asked for (both command-line forms). */
struct capture_job {
        struct cst_config *cfg; /* policy and [capture] values (cfg.h reads them by name) */
        char ifname[64];        /* capture.interface */
        char outname[4096];     /* capture.output (AFPacket form) */
        struct cst_capture_opts copts;
        const char *output;        /* file, "-" for stdout, NULL = one text line per packet */
        const char *offline_input; /* AFPacket offline feed */
        const char *read_file;     /* -r: a capture file instead of an interface */
        const char *user;      /* -Z: run as this user once the socket and first file are open */
        uint64_t rotate_bytes; /* -C, -G, -W (see cst_dump_opts) */
        uint32_t rotate_sec;
        uint32_t rotate_files;
        bool packet_buffered; /* -U: flush the output after every batch */
        bool direct_io;       /* output files with O_DIRECT (issue 19) */
        int format;           /* CST_FORMAT_PCAP / CST_FORMAT_PCAPNG */
        bool nsec;
        bool compat;            /* AFPacket texts (banner, stop reason, stats block) */
        bool quiet;             /* tcpdump mode: no "listening on" line */
        struct live_stats live; /* --stats-interval, --stats-file, --metrics-listen ([stats]) */
        /* issue 18: partial names, -z (tcpdump mode; zero in the AFPacket form) */
        struct output_choice outc;
        /* issue 19: fanout workers (capture.workers, --workers); -v: per-worker counters */
        unsigned workers;
        bool verbose;
        /* issue 20: --annotate (PCAPNG comments on cut packets); text lines -v, -A / -X */
        bool annotate;
        struct cst_text_opts text;
        struct compress_args comp; /* --compress, --compress-level (else [output] keys) */
};

/* The -w dumper's options (cmd_capture.c), shared with the workers' writer. */
int capture_dump_opts(const struct capture_job *job, const char *ifname, struct cst_dump_opts *d,
                      char appl[64], char *err);

/* -D: the interfaces as tcpdump lists them ("1.eth0 [Up, Running, Connected]"). */
int capture_list_interfaces(FILE *out);

/*
 * Signal handlers (see capture_report.c for each signal's meaning); they only
 * set the pipeline's request flags.  capture_signals_attach() names the
 * pipeline once it exists; a signal before that is remembered.
 */
void capture_install_signals(void);
void capture_signals_attach(cst_pipeline *p);
/* The same for a workers run (capture_workers.c). */
void capture_signals_attach_workers(cst_workers *w);
/* SIGUSR1 of a workers run (ctx: the cst_workers): the sums, then one line per worker. */
void capture_report_workers(void *ctx, const struct cst_pipeline_stats *st);
/* One line per worker: its CPU and counters. */
void capture_print_worker_stats(FILE *out, cst_workers *w);
/* The SIGUSR1 report (cst_report_cb): the counters on stderr. */
void capture_report(void *ctx, const struct cst_pipeline_stats *st);

/* SPEC 3.4 stats block ("name: value" lines). */
void capture_print_compat_stats(FILE *out, const struct cst_pipeline_stats *res);
/* tcpdump's three lines plus constrictor's counters, on stderr. */
void capture_print_tcpdump_stats(FILE *out, const struct cst_pipeline_stats *res);
const char *capture_stop_text(enum cst_stop_reason s);

#endif
