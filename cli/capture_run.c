/*
 * capture_run — the capture loop and its stats texts.
 *
 * Per packet (SPEC 3.2) the engine settles the kept length, the snaplen
 * cap min(default_snaplen, max_capture_len) included
 * (cst_engine_set_snaplen_cap); the loop writes what it says, and reads the
 * per-reason counters from the engine's stats at the end.
 *
 * Before each receive the loop checks the signal flag, max_packets (counted
 * on written packets) and duration_sec (monotonic clock), as the AFPacket
 * recorder does (SPEC 3.4); the receive waits at most a second, so limits
 * and the once-a-second flush are honoured on an idle link too.  A batch
 * already received is always processed and written in full.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "capture_run.h"

#define RUN_BATCH   256
#define FLUSH_NS    1000000000ull
#define WAIT_MAX_MS 1000

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
        stop_signal = sig;
}

void capture_install_signals(void)
{
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: a blocking wait returns EINTR and the loop stops */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN); /* a closed reader becomes a write error, not a silent death */
}

static uint64_t mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The verdict counters the stats texts print, as the engine counted them. */
static void read_engine_counters(cst_engine *eng, struct capture_result *res)
{
        const struct cst_stats *st = cst_engine_stats(eng);
        for (unsigned r = 0; r < CST_R_COUNT; r++)
                res->reasons[r] = st->reason_packets[r];
        res->cut_by_snaplen = st->snaplen_capped_packets;
        res->quic_short_kept = st->quic_short_kept_snaplen;
}

static void print_text_line(const struct cst_packet *pkt, uint32_t keep)
{
        time_t sec = (time_t)(pkt->ts_ns / 1000000000u);
        struct tm tm;
        localtime_r(&sec, &tm);
        printf("%02d:%02d:%02d.%09" PRIu64 " %s len %u kept %u\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
               pkt->ts_ns % 1000000000u,
               pkt->direction == CST_DIR_OUTBOUND  ? "Out"
               : pkt->direction == CST_DIR_INBOUND ? "In "
                                                   : "   ",
               pkt->origlen, keep);
}

/* Decide the batch in one engine call, then write it; a -W file limit stops the run. */
static int handle_batch(cst_dumper *dump, cst_engine *eng, const struct cst_packet *pkts, int n,
                        struct capture_result *res, char *err)
{
        struct cst_verdict v[RUN_BATCH];
        cst_engine_process_batch(eng, pkts, (unsigned)n, v);
        for (int i = 0; i < n; i++) {
                uint32_t keep = v[i].keep_len;
                res->packets_total++;
                res->bytes_input += pkts[i].caplen;
                if (dump) {
                        int rc = cst_dump_packet(dump, &pkts[i], keep, err);
                        if (rc == CST_DUMP_FILE_LIMIT) {
                                res->stop = STOP_FILE_LIMIT;
                                return CST_OK;
                        }
                        if (rc < 0)
                                return CST_EFATAL;
                } else {
                        print_text_line(&pkts[i], keep);
                }
                res->packets_written++;
                res->bytes_output += keep;
        }
        return CST_OK;
}

/* STOP_NONE to go on; otherwise why the loop ends before the next receive. */
static enum capture_stop check_limits(const struct capture_job *job,
                                      const struct capture_result *res, uint64_t start)
{
        if (stop_signal)
                return STOP_SIGNAL;
        if (job->cfg.max_packets && res->packets_written >= job->cfg.max_packets)
                return STOP_MAX_PACKETS;
        if (job->cfg.duration_sec && mono_ns() - start >= job->cfg.duration_sec * 1000000000ull)
                return STOP_DURATION;
        return STOP_NONE;
}

static int wait_ms(const struct capture_job *job, uint64_t start)
{
        int ms = WAIT_MAX_MS;
        if (job->cfg.duration_sec) {
                uint64_t end = start + job->cfg.duration_sec * 1000000000ull, now = mono_ns();
                uint64_t left = end > now ? (end - now) / 1000000u + 1 : 1;
                if (left < (uint64_t)ms)
                        ms = (int)left;
        }
        return ms;
}

static unsigned batch_room(const struct capture_job *job, const struct capture_result *res)
{
        unsigned room = RUN_BATCH;
        if (job->cfg.max_packets) {
                uint64_t left = job->cfg.max_packets - res->packets_written;
                if (left < room)
                        room = (unsigned)left;
        }
        return room;
}

int capture_run(const struct capture_job *job, cst_capture *cap, cst_dumper *dump, cst_engine *eng,
                struct capture_result *res, char *err)
{
        struct cst_packet pkts[RUN_BATCH]; /* 16 KiB of views, no copies */
        uint64_t start = mono_ns(), last_flush = start;
        int rc = CST_OK;
        uint32_t snap = job->cfg.default_snaplen < job->cfg.max_capture_len
                            ? job->cfg.default_snaplen
                            : job->cfg.max_capture_len;
        cst_engine_set_snaplen_cap(eng, snap);
        while ((res->stop = check_limits(job, res, start)) == STOP_NONE) {
                int n = cst_capture_next_batch(cap, pkts, batch_room(job, res), wait_ms(job, start),
                                               err);
                if (n == CST_CAPTURE_EOF) {
                        res->stop = STOP_END_OF_INPUT;
                        break;
                }
                if (n < 0 || handle_batch(dump, eng, pkts, n, res, err) < 0) {
                        rc = CST_EFATAL;
                        break;
                }
                uint64_t now = mono_ns();
                bool flush = job->packet_buffered ? n > 0 : now - last_flush >= FLUSH_NS;
                if (dump && (flush || res->stop != STOP_NONE)) {
                        if (cst_dump_flush(dump, err) < 0) {
                                rc = CST_EFATAL;
                                break;
                        }
                        last_flush = now;
                }
                if (!dump)
                        fflush(stdout);
                if (res->stop != STOP_NONE)
                        break;
        }
        read_engine_counters(eng, res);
        cst_capture_release(cap);
        char kerr[CST_ERRBUF];
        cst_capture_stats(cap, &res->ks, kerr);
        return rc;
}

const char *capture_stop_text(enum capture_stop s)
{
        switch (s) {
        case STOP_SIGNAL:
                return "signal received";
        case STOP_MAX_PACKETS:
                return "max_packets limit reached";
        case STOP_DURATION:
                return "duration_sec limit reached";
        case STOP_FILE_LIMIT:
                return "file count limit (-W) reached";
        case STOP_END_OF_INPUT:
        case STOP_NONE:
        default:
                return "stopped";
        }
}

static uint64_t sum_reasons(const struct capture_result *res, const unsigned *list, size_t n)
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

void capture_print_compat_stats(FILE *out, const struct capture_result *res)
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

void capture_print_tcpdump_stats(FILE *out, const struct capture_result *res)
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
