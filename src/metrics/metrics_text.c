/*
 * metrics_text — the counters of a run as Prometheus text (exposition
 * format 0.0.4) and as one JSON object, and the JSON file rewritten
 * atomically.  One table names every counter once, so the two formats
 * cannot disagree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <constrictor/constrictor.h>
#include <constrictor/metrics.h>

#include "metrics/metrics_int.h"

enum { COUNTER, GAUGE };

struct metric {
        const char *name; /* JSON key; Prometheus: constrictor_NAME[_total] */
        int type;
        const char *help;
        uint64_t (*get)(const struct cst_pipeline_stats *st);
};

#define GETTER(fn, expr)                                                                           \
        static uint64_t fn(const struct cst_pipeline_stats *st)                                    \
        {                                                                                          \
                return (expr);                                                                     \
        }
GETTER(g_packets, st->packets_total)
GETTER(g_written, st->packets_written)
GETTER(g_bytes_in, st->bytes_input)
GETTER(g_bytes_wire, st->bytes_input_wire)
GETTER(g_bytes_out, st->bytes_output)
GETTER(g_bytes_saved, st->bytes_input > st->bytes_output ? st->bytes_input - st->bytes_output : 0)
GETTER(g_kpackets, st->ks.kernel_packets)
GETTER(g_kdrops, st->ks.kernel_drops)
GETTER(g_rxerr, st->ks.receive_errors)
GETTER(g_snaplen, st->cut_by_snaplen)
GETTER(g_flows, st->flows_active)
GETTER(g_evicted, st->flows_evicted)

static const struct metric metrics[] = {
    {"packets", COUNTER, "Packets read from the source.", g_packets},
    {"packets_written", COUNTER, "Packets written to the output.", g_written},
    {"bytes_input", COUNTER, "Captured bytes read.", g_bytes_in},
    {"bytes_input_wire", COUNTER, "Original (wire) bytes of the packets read.", g_bytes_wire},
    {"bytes_output", COUNTER, "Packet bytes kept and written.", g_bytes_out},
    {"bytes_saved", COUNTER, "Captured bytes read minus bytes written.", g_bytes_saved},
    {"kernel_packets", COUNTER, "Packets the kernel passed through the filter.", g_kpackets},
    {"kernel_drops", COUNTER, "Packets the kernel dropped for want of buffer space.", g_kdrops},
    {"receive_errors", COUNTER, "Receive errors (ENOBUFS, discarded ring blocks).", g_rxerr},
    {"packets_cut_by_snaplen", COUNTER, "Packets cut only by the snapshot length.", g_snaplen},
    {"flows_active", GAUGE, "Flows held in the flow table.", g_flows},
    {"flows_evicted", COUNTER, "Flows pushed out of a full flow table.", g_evicted},
};
#define N_METRICS (sizeof(metrics) / sizeof(metrics[0]))

/* Appends to a fixed buffer; any overflow marks it failed (length 0 returned). */
struct out {
        char *buf;
        size_t cap, len;
        bool over;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
        va_list ap;
        if (o->over)
                return;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= o->cap - o->len)
                o->over = true;
        else
                o->len += (size_t)n;
}

static size_t done(struct out *o)
{
        if (o->over || o->cap == 0) {
                if (o->cap)
                        o->buf[0] = '\0';
                return 0;
        }
        return o->len;
}

size_t cst_metrics_text(char *buf, size_t cap, const struct cst_pipeline_stats *st)
{
        struct out o = {buf, cap, 0, cap == 0};
        for (size_t i = 0; i < N_METRICS; i++) {
                const struct metric *m = &metrics[i];
                const char *sfx = m->type == COUNTER ? "_total" : "";
                put(&o, "# HELP constrictor_%s%s %s\n", m->name, sfx, m->help);
                put(&o, "# TYPE constrictor_%s%s %s\n", m->name, sfx,
                    m->type == COUNTER ? "counter" : "gauge");
                put(&o, "constrictor_%s%s %" PRIu64 "\n", m->name, sfx, m->get(st));
        }
        put(&o, "# HELP constrictor_reason_packets_total Packets by the reason of their "
                "verdict.\n");
        put(&o, "# TYPE constrictor_reason_packets_total counter\n");
        for (unsigned r = 0; r < CST_R_COUNT; r++)
                put(&o, "constrictor_reason_packets_total{reason=\"%s\"} %" PRIu64 "\n",
                    cst_reason_name(r), st->reasons[r]);
        put(&o, "# HELP constrictor_build_info The library version.\n");
        put(&o, "# TYPE constrictor_build_info gauge\n");
        put(&o, "constrictor_build_info{version=\"%s\"} 1\n", cst_version());
        return done(&o);
}

size_t cst_metrics_json(char *buf, size_t cap, const struct cst_pipeline_stats *st, bool final)
{
        struct out o = {buf, cap, 0, cap == 0};
        put(&o, "{\"unix_time\":%lld,\"final\":%s", (long long)time(NULL),
            final ? "true" : "false");
        for (size_t i = 0; i < N_METRICS; i++)
                put(&o, ",\"%s\":%" PRIu64, metrics[i].name, metrics[i].get(st));
        uint64_t saved = g_bytes_saved(st);
        put(&o, ",\"saved_percent\":%.2f",
            st->bytes_input ? 100.0 * (double)saved / (double)st->bytes_input : 0.0);
        put(&o, ",\"reasons\":{");
        for (unsigned r = 0; r < CST_R_COUNT; r++)
                put(&o, "%s\"%s\":%" PRIu64, r ? "," : "", cst_reason_name(r), st->reasons[r]);
        put(&o, "}}\n");
        return done(&o);
}

int cst_metrics_write_json(const char *path, const struct cst_pipeline_stats *st, bool final,
                           char *err)
{
        char text[METRICS_TEXT_MAX], tmp[4200];
        size_t n = cst_metrics_json(text, sizeof(text), st, final);
        if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
                snprintf(err, CST_ERRBUF, "stats file path too long: %.200s", path);
                return CST_EFATAL;
        }
        int fd = mkstemp(tmp);
        if (fd < 0) {
                snprintf(err, CST_ERRBUF, "cannot write stats file %.300s: %s", path,
                         strerror(errno));
                return CST_EFATAL;
        }
        size_t off = 0;
        while (off < n) {
                ssize_t w = write(fd, text + off, n - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        break;
                off += (size_t)w;
        }
        int e = 0;
        if (off != n)
                e = errno ? errno : EIO;
        else if (fchmod(fd, 0644) != 0) /* readable like any report (mkstemp made it 0600) */
                e = errno;
        if (close(fd) != 0 && !e)
                e = errno;
        if (!e && rename(tmp, path) != 0)
                e = errno;
        if (!e)
                return CST_OK;
        snprintf(err, CST_ERRBUF, "cannot write stats file %.300s: %s", path, strerror(e));
        unlink(tmp);
        return CST_EFATAL;
}
