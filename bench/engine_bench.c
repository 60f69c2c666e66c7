/*
 * constrictor-engine-bench — in-process cost of decode + policy.
 *
 * Loads a capture into memory once (or synthesizes N concurrent TLS flows
 * with flowgen), then feeds it to cst_engine_process() repeatedly, with no
 * I/O, and prints ns/packet, packets/s and heap calls per packet in steady
 * state (the first pass warms the flow table and is not timed).  Between
 * passes the timestamps are shifted forward by the capture's span so the
 * engine sees time move on, as in a long capture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "alloc_count.h"
#include "bench_pcap.h"
#include "flowgen.h"

#define MAX_PASSES      1000
#define STAGE_MAX_VIEWS 8192

struct opts {
        const char *input;
        const char *policies;
        const char *csv;
        const char *label;
        const char *write_pcap;
        double min_seconds;
        unsigned min_passes;
        unsigned prefetch;
        unsigned batch;     /* > 0: cst_engine_process_batch() over runs of this many packets */
        uint32_t max_flows; /* > 0: flow table cap instead of the default */
        unsigned stage_kib;
        int require_zero_allocs;
        struct flowgen_opts gen;
};

struct result {
        double ns_per_pkt;     /* median over timed passes */
        double allocs_per_pkt; /* over all timed passes */
        double keep_ratio;     /* kept bytes / captured bytes */
        unsigned passes;
        uint64_t flows_active;
};

static const struct {
        const char *name;
        enum cst_tls_policy p;
} POLICIES[] = {{"final_only", CST_TLS_FINAL_ONLY},
                {"stream", CST_TLS_STREAM},
                {"bulk", CST_TLS_BULK},
                {"track", CST_TLS_TRACK}};

/* CLOCK_THREAD_CPUTIME_ID with --cpu-clock: time on the CPU only, for a shared, noisy machine. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_ns(void)
{
        struct timespec ts;
        clock_gettime(bench_clock, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Move every timestamp forward by `sec` seconds (untimed, between passes). */
static void shift_time(struct bench_capture *c, uint32_t sec)
{
        for (size_t i = 0; i < c->n; i++) {
                c->pkts[i].ts_hi += sec;
                c->pkts[i].ts_ns += (uint64_t)sec * 1000000000u;
        }
}

static uint32_t span_seconds(const struct bench_capture *c)
{
        if (c->n == 0)
                return 1;
        return (uint32_t)((c->pkts[c->n - 1].ts_ns - c->pkts[0].ts_ns) / 1000000000u) + 1;
}

/*
 * One pass over the capture; returns the kept bytes.  With prefetch > 0 the
 * loop prefetches the first two cache lines of the packet `prefetch` places
 * ahead, as a source handing out batches could (a ring or read buffer).
 */
static uint64_t run_pass(cst_engine *eng, const struct bench_capture *c, unsigned prefetch,
                         unsigned batch)
{
        uint64_t kept = 0;
        struct cst_verdict v;
        if (batch) {
                static struct cst_verdict vb[4096];
                for (size_t i = 0; i < c->n; i += batch) {
                        unsigned m = c->n - i < batch ? (unsigned)(c->n - i) : batch;
                        cst_engine_process_batch(eng, &c->pkts[i], m, vb);
                        for (unsigned j = 0; j < m; j++)
                                kept += vb[j].keep_len;
                }
                return kept;
        }
        for (size_t i = 0; i < c->n; i++) {
                if (prefetch && i + prefetch < c->n) {
                        const uint8_t *p = c->pkts[i + prefetch].data;
                        __builtin_prefetch(p);
                        __builtin_prefetch(p + 64);
                }
                cst_engine_process(eng, &c->pkts[i], &v);
                kept += v.keep_len;
        }
        return kept;
}

/*
 * Staged pass (--stage KiB): packets are copied chunk by chunk into a small
 * buffer first, untimed, as a source's read(2) into its buffer would leave
 * them (hot in cache); only the engine over each chunk is timed.  Returns
 * the engine's nanoseconds; *kept gets the kept bytes.
 */
static double run_staged(cst_engine *eng, const struct bench_capture *c, size_t stage_bytes,
                         uint64_t *kept)
{
        static uint8_t *stage;
        static struct cst_packet *views;
        if (!stage) {
                stage = malloc(stage_bytes + 262144);
                views = malloc(STAGE_MAX_VIEWS * sizeof(*views));
                if (!stage || !views)
                        abort();
        }
        double t = 0;
        struct cst_verdict v;
        *kept = 0;
        for (size_t i = 0; i < c->n;) {
                size_t used = 0, k = 0;
                while (i < c->n && k < STAGE_MAX_VIEWS &&
                       (k == 0 || used + c->pkts[i].caplen <= stage_bytes)) {
                        views[k] = c->pkts[i++];
                        memcpy(stage + used, views[k].data, views[k].caplen);
                        views[k].data = stage + used;
                        used += views[k++].caplen;
                }
                double t0 = now_ns();
                for (size_t j = 0; j < k; j++) {
                        cst_engine_process(eng, &views[j], &v);
                        *kept += v.keep_len;
                }
                t += now_ns() - t0;
        }
        return t;
}

static double timed_pass(cst_engine *eng, const struct bench_capture *c, const struct opts *o,
                         uint64_t *kept)
{
        if (o->stage_kib)
                return run_staged(eng, c, (size_t)o->stage_kib << 10, kept);
        double t0 = now_ns();
        *kept = run_pass(eng, c, o->prefetch, o->batch);
        return now_ns() - t0;
}

static int bench_policy(struct bench_capture *c, enum cst_tls_policy p, const struct opts *o,
                        struct result *r)
{
        char err[CST_ERRBUF] = "";
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cfg.tls_policy = p;
        if (o->max_flows)
                cfg.max_flows = o->max_flows;
        cst_engine *eng = cst_engine_new(&cfg, err);
        if (!eng) {
                fprintf(stderr, "engine: %s\n", err);
                return -1;
        }
        uint32_t span = span_seconds(c);
        uint64_t captured = 0;
        for (size_t i = 0; i < c->n; i++)
                captured += c->pkts[i].caplen;
        uint64_t kept = 0, allocs = 0;
        timed_pass(eng, c, o, &kept); /* warm-up: flow table, caches, stage buffer */
        static double per_pass[MAX_PASSES];
        double t_total = 0;
        unsigned n = 0;
        while (n < MAX_PASSES && (n < o->min_passes || t_total < o->min_seconds * 1e9)) {
                shift_time(c, span);
                uint64_t a0 = alloc_counts.allocs;
                double dt = timed_pass(eng, c, o, &kept);
                allocs += alloc_counts.allocs - a0;
                per_pass[n++] = dt / (double)(c->n ? c->n : 1);
                t_total += dt;
        }
        qsort(per_pass, n, sizeof(per_pass[0]), cmp_double);
        r->ns_per_pkt = n % 2 ? per_pass[n / 2] : (per_pass[n / 2 - 1] + per_pass[n / 2]) / 2;
        r->allocs_per_pkt = (double)allocs / ((double)c->n * n);
        r->keep_ratio = captured ? (double)kept / (double)captured : 0;
        r->passes = n;
        r->flows_active = cst_engine_stats(eng)->flows_active;
        cst_engine_free(eng);
        return 0;
}

static void usage(void)
{
        fputs(
            "usage: constrictor-engine-bench [options] (FILE.pcap | --flows N)\n"
            "  --policy LIST      comma list of final_only,stream,bulk,track or all (default all)\n"
            "  --flows N          synthesize N concurrent TLS flows instead of reading a file\n"
            "  --data-segs D      data segments per synthetic flow (default 16)\n"
            "  --seg-bytes S      TCP payload per synthetic data segment (default 1448)\n"
            "  --rec-bytes R      TLS record length of synthetic flows (default: mixed)\n"
            "  --write-pcap FILE  write the synthetic capture as classic PCAP and exit\n"
            "  --min-seconds S    timed seconds per policy (default 2)\n"
            "  --min-passes N     timed passes per policy (default 5)\n"
            "  --prefetch K       prefetch the packet K places ahead (per-packet calls)\n"
            "  --batch N          cst_engine_process_batch() over N packets at a time (<= 4096)\n"
            "  --max-flows N      flow table cap (default: the configuration default)\n"
            "  --cpu-clock        time with the thread's CPU clock (excludes preemption)\n"
            "  --csv FILE         append result rows to FILE\n"
            "  --label TEXT       workload label in the output (default: file name)\n",
            stderr);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
        *o = (struct opts){.policies = "all", .min_seconds = 2, .min_passes = 5};
        o->gen = (struct flowgen_opts){.data_segs = 16, .seg_bytes = 1448, .seed = 1};
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                int val = a[0] == '-' && strcmp(a, "-h") && strcmp(a, "--help") &&
                          strcmp(a, "--require-zero-allocs");
                if (!strcmp(a, "--cpu-clock")) {
                        bench_clock = CLOCK_THREAD_CPUTIME_ID;
                        continue;
                }
                if (val && !v) {
                        fprintf(stderr, "missing value after %s\n", a);
                        return -1;
                }
                if (!strcmp(a, "--policy"))
                        o->policies = v;
                else if (!strcmp(a, "--flows"))
                        o->gen.flows = (uint32_t)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--data-segs"))
                        o->gen.data_segs = (uint32_t)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--seg-bytes"))
                        o->gen.seg_bytes = (uint32_t)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--rec-bytes"))
                        o->gen.rec_bytes = (uint32_t)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--write-pcap"))
                        o->write_pcap = v;
                else if (!strcmp(a, "--min-seconds"))
                        o->min_seconds = strtod(v, NULL);
                else if (!strcmp(a, "--min-passes"))
                        o->min_passes = (unsigned)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--batch"))
                        o->batch = (unsigned)strtoul(v, NULL, 10) > 4096
                                       ? 4096
                                       : (unsigned)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--max-flows"))
                        o->max_flows = (uint32_t)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--prefetch"))
                        o->prefetch = (unsigned)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--require-zero-allocs")) {
                        o->require_zero_allocs = 1;
                        continue;
                } else if (!strcmp(a, "--stage"))
                        o->stage_kib = (unsigned)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--csv"))
                        o->csv = v;
                else if (!strcmp(a, "--label"))
                        o->label = v;
                else if (a[0] != '-' && !o->input) {
                        o->input = a;
                        continue;
                } else
                        return -1;
                i++;
        }
        return (o->input != NULL) == (o->gen.flows != 0) ? -1 : 0;
}

static void report(const struct opts *o, const struct bench_capture *c, const char *pol,
                   const struct result *r)
{
        const char *label = o->label ? o->label : o->input ? o->input : "flowgen";
        printf("%-24s flows=%-8u %-10s %8.1f ns/pkt %10.0f pkt/s  allocs/pkt=%.6f  keep=%.3f  "
               "passes=%u flows_active=%llu\n",
               label, o->gen.flows, pol, r->ns_per_pkt, 1e9 / r->ns_per_pkt, r->allocs_per_pkt,
               r->keep_ratio, r->passes, (unsigned long long)r->flows_active);
        if (!o->csv)
                return;
        FILE *f = fopen(o->csv, "a");
        if (!f)
                return;
        if (ftell(f) == 0)
                fputs("workload,flows,packets,policy,ns_per_packet,packets_per_s,allocs_per_packet,"
                      "keep_ratio,passes,flows_active\n",
                      f);
        fprintf(f, "%s,%u,%zu,%s,%.1f,%.0f,%.6f,%.4f,%u,%llu\n", label, o->gen.flows, c->n, pol,
                r->ns_per_pkt, 1e9 / r->ns_per_pkt, r->allocs_per_pkt, r->keep_ratio, r->passes,
                (unsigned long long)r->flows_active);
        fclose(f);
}

int main(int argc, char **argv)
{
        struct opts o;
        char err[CST_ERRBUF] = "";
        if (parse_args(argc, argv, &o)) {
                usage();
                return 2;
        }
        struct bench_capture cap;
        int rc = o.input ? bench_load_pcap(o.input, &cap, err) : flowgen_build(&o.gen, &cap, err);
        if (rc == 0 && o.write_pcap)
                rc = bench_write_pcap(o.write_pcap, &cap, err);
        if (rc) {
                fprintf(stderr, "error: %s\n", err);
                return 1;
        }
        if (o.write_pcap) {
                bench_capture_free(&cap);
                return 0;
        }
        int status = 0;
        for (size_t i = 0; i < sizeof(POLICIES) / sizeof(POLICIES[0]); i++) {
                if (strcmp(o.policies, "all") && !strstr(o.policies, POLICIES[i].name))
                        continue;
                struct result r;
                if (bench_policy(&cap, POLICIES[i].p, &o, &r) != 0) {
                        status = 1;
                        continue;
                }
                report(&o, &cap, POLICIES[i].name, &r);
                if (o.require_zero_allocs && r.allocs_per_pkt > 0) {
                        fprintf(stderr, "error: %s: %.6f heap calls per packet in steady state\n",
                                POLICIES[i].name, r.allocs_per_pkt);
                        status = 1;
                }
        }
        bench_capture_free(&cap);
        return status;
}
