/*
 * progress — the progress line of constrict, reinflate and audit on a
 * terminal, and constrict's closing summary line.  The progress line is
 * drawn from the pipeline's tick (at most PROGRESS_TICK_MS apart, at batch
 * boundaries), rewritten in place with "\r" and erased at the end; nothing
 * is drawn when stderr is not a terminal or with -q.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "live_stats.h"

void progress_init(struct progress *pg, bool quiet, const char *input)
{
        struct stat sb;
        memset(pg, 0, sizeof(*pg));
        pg->on = !quiet && isatty(STDERR_FILENO);
        if (!pg->on)
                return;
        pg->per_rec = 16; /* PCAP record header; PCAPNG's EPB is 32 bytes + padding */
        if (input && strcmp(input, "-") != 0 && stat(input, &sb) == 0 && S_ISREG(sb.st_mode)) {
                pg->total = (uint64_t)sb.st_size;
                FILE *f = fopen(input, "rb");
                unsigned char m[4] = {0};
                if (f) {
                        if (fread(m, 1, 4, f) == 4 && m[0] == 0x0A && m[1] == 0x0D &&
                            m[2] == 0x0D && m[3] == 0x0A)
                                pg->per_rec = 34;
                        /* gzip / zstd: the file's size is not the data's (no percent, no ETA) */
                        if ((m[0] == 0x1F && m[1] == 0x8B) ||
                            (m[0] == 0x28 && m[1] == 0xB5 && m[2] == 0x2F && m[3] == 0xFD))
                                pg->total = 0;
                        fclose(f);
                }
        }
        pg->start_ns = live_now_ns();
}

uint64_t progress_done(const struct progress *pg, const struct cst_pipeline_stats *st)
{
        return 24 + st->packets_total * pg->per_rec + st->bytes_input;
}

static void fmt_bytes(char *buf, size_t cap, double b)
{
        static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        unsigned u = 0;
        while (b >= 1024.0 && u < 4) {
                b /= 1024.0;
                u++;
        }
        snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

void progress_draw(struct progress *pg, uint64_t done, uint64_t now_ns)
{
        char d[32], t[32], eta[32] = "";
        double secs = (double)(now_ns - pg->start_ns) / 1e9;
        double rate = secs > 0 ? (double)done / secs : 0.0;
        if (!pg->on)
                return;
        pg->last_ns = now_ns;
        fmt_bytes(d, sizeof(d), (double)done);
        if (pg->total) {
                if (done > pg->total)
                        done = pg->total; /* the estimate of record headers may run over */
                fmt_bytes(t, sizeof(t), (double)pg->total);
                if (rate > 0) {
                        uint64_t left = (uint64_t)((double)(pg->total - done) / rate + 0.5);
                        snprintf(eta, sizeof(eta), "  ETA %" PRIu64 ":%02" PRIu64, left / 60,
                                 left % 60);
                }
                fprintf(stderr, "\r%s / %s  %3.0f%%  %.1f MB/s%s\033[K", d, t,
                        100.0 * (double)done / (double)pg->total, rate / 1e6, eta);
        } else {
                fprintf(stderr, "\r%s  %.1f MB/s\033[K", d, rate / 1e6);
        }
        fflush(stderr);
        pg->drawn = true;
}

void progress_clear(struct progress *pg)
{
        if (!pg->drawn)
                return;
        fputs("\r\033[K", stderr);
        fflush(stderr);
        pg->drawn = false;
}

void summary_line(FILE *out, const struct cst_pipeline_stats *st)
{
        uint64_t saved =
            st->bytes_input > st->bytes_output ? st->bytes_input - st->bytes_output : 0;
        fprintf(out,
                "%s: %" PRIu64 " packets, %" PRIu64 " bytes -> %" PRIu64 " bytes, saved %.1f%%\n",
                CST_PROGRAM_NAME, st->packets_total, st->bytes_input, st->bytes_output,
                st->bytes_input ? 100.0 * (double)saved / (double)st->bytes_input : 0.0);
}
