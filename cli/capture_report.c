/*
 * capture_report — signals and the texts of `constrictor capture` (see
 * capture_report.h).  The loop is the library's (src/pipeline/run.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "capture_report.h"

/*
 * Signals of a capture (issue 17 item 1; docs/reliability.md): every signal
 * that would end the process either has a meaning or stops the capture at
 * the next batch boundary with everything flushed and the files closed:
 *   SIGINT SIGTERM SIGQUIT SIGALRM SIGVTALRM SIGPROF SIGXCPU SIGPWR SIGIO
 *   SIGSTKFLT and the real-time signals: stop (stats printed, exit 0);
 *   SIGHUP: start the next file now (with -C/-G), or reopen the -w name if
 *   it was moved away (logrotate), else flush;
 *   SIGUSR1: print the counters to stderr, go on;
 *   SIGUSR2: flush the output now, go on;
 *   SIGPIPE, SIGXFSZ: ignored, so a closed reader or a size limit is a write
 *   error with its cause.
 * Handlers only set the pipeline's flags (async-signal-safe); no
 * SA_RESTART, so a blocking wait returns at once.
 */
static volatile sig_atomic_t pending_stop;
static cst_pipeline *volatile signal_pipe;
static cst_workers *volatile signal_workers;

static unsigned request_of(int sig)
{
        switch (sig) {
        case SIGHUP:
                return CST_REQ_ROTATE;
        case SIGUSR1:
                return CST_REQ_REPORT;
        case SIGUSR2:
                return CST_REQ_FLUSH;
        default:
                return CST_REQ_STOP;
        }
}

static void on_signal(int sig)
{
        unsigned req = request_of(sig);
        if (req == CST_REQ_STOP)
                pending_stop = sig; /* remembered until the pipeline exists */
        if (signal_pipe)
                cst_pipeline_request(signal_pipe, req);
        if (signal_workers)
                cst_workers_request(signal_workers, req);
}

void capture_install_signals(void)
{
        static const int handled[] = {SIGINT,  SIGTERM, SIGQUIT, SIGALRM, SIGVTALRM,
                                      SIGPROF, SIGXCPU, SIGPWR,  SIGIO,   SIGSTKFLT,
                                      SIGHUP,  SIGUSR1, SIGUSR2};
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: a blocking wait returns EINTR and the loop looks */
        for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
                sigaction(handled[i], &sa, NULL);
        for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
                sigaction(sig, &sa, NULL);
        signal(SIGPIPE, SIG_IGN); /* a closed reader becomes a write error, not a silent death */
        signal(SIGXFSZ, SIG_IGN); /* a file-size limit too (EFBIG) */
}

void capture_signals_attach(cst_pipeline *p)
{
        signal_pipe = p;
        if (p && pending_stop)
                cst_pipeline_stop(p);
}

void capture_signals_attach_workers(cst_workers *w)
{
        signal_workers = w;
        if (w && pending_stop)
                cst_workers_request(w, CST_REQ_STOP);
}

void capture_print_worker_stats(FILE *out, cst_workers *w)
{
        for (unsigned i = 0; i < cst_workers_count(w); i++) {
                struct cst_pipeline_stats st;
                int cpu;
                cst_workers_worker_stats(w, i, &st, &cpu);
                fprintf(out,
                        "worker %u (cpu %d): %" PRIu64 " packets received by filter, %" PRIu64
                        " dropped by kernel, %" PRIu64 " packets, %" PRIu64
                        " bytes captured, %" PRIu64 " bytes kept\n",
                        i, cpu, st.ks.kernel_packets, st.ks.kernel_drops, st.packets_total,
                        st.bytes_input, st.bytes_output);
        }
}

void capture_report_workers(void *ctx, const struct cst_pipeline_stats *st)
{
        capture_print_tcpdump_stats(stderr, st);
        capture_print_worker_stats(stderr, ctx);
        fflush(stderr);
}

/* SIGUSR1: tcpdump's counter lines (and ours) on stderr, the capture goes on. */
void capture_report(void *ctx, const struct cst_pipeline_stats *st)
{
        (void)ctx;
        capture_print_tcpdump_stats(stderr, st);
        fflush(stderr);
}

const char *capture_stop_text(enum cst_stop_reason s)
{
        switch (s) {
        case CST_STOP_REQUEST:
                return "signal received";
        case CST_STOP_MAX_PACKETS:
                return "max_packets limit reached";
        case CST_STOP_DURATION:
                return "duration_sec limit reached";
        case CST_STOP_FILE_LIMIT:
                return "file count limit (-W) reached";
        case CST_STOP_END_OF_INPUT:
        case CST_STOP_CALLBACK:
        case CST_STOP_NONE:
        default:
                return "stopped";
        }
}

static uint64_t sum_reasons(const struct cst_pipeline_stats *res, const unsigned *list, size_t n)
{
        uint64_t s = 0;
        for (size_t i = 0; i < n; i++)
                s += res->reasons[list[i]];
        return s;
}

static const unsigned tls_cut[] = {CST_R_TRUNCATE_TLS_APP_DATA_START,
                                   CST_R_TRUNCATE_TLS_FINAL_CONTINUATION,
                                   CST_R_TRUNCATE_TLS_STREAM_CONTINUATION,
                                   CST_R_TRUNCATE_TLS_BULK_CONTINUATION, CST_R_TRUNCATE_TLS_TRACK};
static const unsigned tls_fallback[] = {CST_R_KEEP_MALFORMED_TLS_RECORD,
                                        CST_R_KEEP_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES};
static const unsigned quic_fallback[] = {CST_R_KEEP_QUIC_UNCERTAIN, CST_R_KEEP_QUIC_DCID_MISMATCH,
                                         CST_R_KEEP_QUIC_UNKNOWN_FLOW};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void capture_print_compat_stats(FILE *out, const struct cst_pipeline_stats *res)
{
        fprintf(out, "packets_total: %" PRIu64 "\n", res->packets_total);
        fprintf(out, "packets_written: %" PRIu64 "\n", res->packets_written);
        fprintf(out, "bytes_input: %" PRIu64 "\n", res->bytes_input);
        fprintf(out, "bytes_output: %" PRIu64 "\n", res->bytes_output);
        fprintf(out, "bytes_saved: %" PRIu64 "\n", res->bytes_input - res->bytes_output);
        fprintf(out, "receive_errors: %" PRIu64 "\n", res->ks.receive_errors);
        if (res->ks.have_kernel) {
                fprintf(out, "kernel_packets: %" PRIu64 "\n", res->ks.kernel_packets);
                fprintf(out, "kernel_drops: %" PRIu64 "\n", res->ks.kernel_drops);
        }
        fprintf(out, "tls_appdata_constricted: %" PRIu64 "\n",
                sum_reasons(res, tls_cut, NELEM(tls_cut)));
        fprintf(out, "tls_fallback: %" PRIu64 "\n",
                sum_reasons(res, tls_fallback, NELEM(tls_fallback)));
        fprintf(out, "quic_long_header: %" PRIu64 "\n", res->reasons[CST_R_KEEP_QUIC_LONG_HEADER]);
        fprintf(out, "quic_short_matched: %" PRIu64 "\n", res->quic_short_kept);
        fprintf(out, "quic_short_constricted: %" PRIu64 "\n",
                res->reasons[CST_R_TRUNCATE_QUIC_SHORT_HEADER]);
        fprintf(out, "quic_fallback: %" PRIu64 "\n",
                sum_reasons(res, quic_fallback, NELEM(quic_fallback)));
}

void capture_print_tcpdump_stats(FILE *out, const struct cst_pipeline_stats *res)
{
        uint64_t saved = res->bytes_input - res->bytes_output;
        fprintf(out, "%" PRIu64 " packets captured\n", res->packets_written);
        fprintf(out, "%" PRIu64 " packets received by filter\n", res->ks.kernel_packets);
        fprintf(out, "%" PRIu64 " packets dropped by kernel\n", res->ks.kernel_drops);
        fprintf(out,
                "%" PRIu64 " bytes captured, %" PRIu64 " bytes written, %" PRIu64
                " bytes saved (%.1f%%)\n",
                res->bytes_input, res->bytes_output, saved,
                res->bytes_input ? 100.0 * (double)saved / (double)res->bytes_input : 0.0);
        fprintf(out,
                "%" PRIu64 " TLS packets cut, %" PRIu64 " QUIC packets cut, %" PRIu64
                " packets cut to the snaplen, %" PRIu64 " receive errors\n",
                sum_reasons(res, tls_cut, NELEM(tls_cut)),
                res->reasons[CST_R_TRUNCATE_QUIC_SHORT_HEADER], res->cut_by_snaplen,
                res->ks.receive_errors);
}
