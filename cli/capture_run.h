/*
 * capture_run — the loop of `constrictor capture`, shared by the AFPacket-
 * compatible command line (--config FILE [--offline-input FILE]) and the
 * tcpdump-style one (-i IFACE -w FILE ...): source batch -> engine verdict ->
 * SPEC 3.2 snaplen cap -> dumper, with limits, signals and the stats texts.
 */
#ifndef CST_CLI_CAPTURE_RUN_H
#define CST_CLI_CAPTURE_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/constrictor.h>
#include <constrictor/capture.h>

enum capture_stop {
        STOP_NONE = 0,
        STOP_SIGNAL,
        STOP_MAX_PACKETS,
        STOP_DURATION,
        STOP_END_OF_INPUT,
        STOP_FILE_LIMIT, /* -G with -W: the last file is complete */
};

/* The [capture] values the loop reads per batch (fetched by name once). */
struct capture_limits {
        uint32_t snap_cap; /* min(default_snaplen, max_capture_len) */
        uint64_t max_packets;
        uint64_t duration_sec;
};

struct capture_job {
        struct cst_config *cfg;    /* policy and [capture] values */
        struct capture_limits lim; /* read from cfg once, before the run */
        char ifname[64];           /* capture.interface */
        char outname[4096];        /* capture.output (AFPacket mode) */
        struct cst_capture_opts copts;
        const char *output;        /* file, "-" for stdout, NULL = one text line per packet */
        const char *offline_input; /* AFPacket offline feed */
        const char *read_file;     /* -r: a capture file instead of an interface */
        const char *user;      /* -Z: run as this user once the socket and first file are open */
        uint64_t rotate_bytes; /* -C, -G, -W (see cst_dump_opts) */
        uint32_t rotate_sec;
        uint32_t rotate_files;
        bool packet_buffered; /* -U: flush the output after every batch */
        int format;           /* CST_FORMAT_PCAP / CST_FORMAT_PCAPNG */
        bool nsec;
        bool compat; /* AFPacket texts (banner, stop reason, stats block) */
        bool quiet;  /* tcpdump mode: no "listening on" line */
};

/* What the run produced, for the stats texts. */
struct capture_result {
        enum capture_stop stop;
        uint64_t packets_total;
        uint64_t packets_written;
        uint64_t bytes_input;  /* captured bytes seen */
        uint64_t bytes_output; /* kept bytes written */
        uint64_t cut_by_snaplen;
        uint64_t quic_short_kept; /* QUIC short-header cut undone by min_saved */
        uint64_t reasons[CST_R_COUNT];
        struct cst_capture_stats ks;
};

/* Install SIGINT/SIGTERM handlers that only set a flag (no SA_RESTART). */
void capture_install_signals(void);

/*
 * Run until a limit, a signal, the end of an offline feed or an error.
 * Returns 0, or CST_EFATAL with err set (res holds the partial counts).
 */
int capture_run(const struct capture_job *job, cst_capture *cap, cst_dumper *dump, cst_engine *eng,
                struct capture_result *res, char *err);

/* SPEC 3.4 stats block ("name: value" lines). */
void capture_print_compat_stats(FILE *out, const struct capture_result *res);
/* tcpdump's three lines plus constrictor's counters, on stderr. */
void capture_print_tcpdump_stats(FILE *out, const struct capture_result *res);
const char *capture_stop_text(enum capture_stop s);

#endif
