/*
 * cst_engine_process_batch() against cst_engine_process() in order: the same
 * verdicts, the same counters and the same decision log, byte for byte, on
 * the upstream fixtures and on the generator's traffic (tools/gencap.py:
 * mixed TLS/QUIC/DNS/... and many short flows through a small flow table so
 * that eviction and removal happen inside batches), for every policy, in
 * default and compatibility mode, with batch sizes that split the
 * look-ahead window at every place.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

struct capture {
        struct cst_packet *p;
        size_t n, cap;
};

static int load(const char *path, struct capture *c)
{
        char perr[PCAP_ERRBUF_SIZE];
        pcap_t *pc = pcap_open_offline(path, perr);
        if (!pc) {
                fprintf(stderr, "%s: %s\n", path, perr);
                return -1;
        }
        memset(c, 0, sizeof(*c));
        struct pcap_pkthdr *h;
        const u_char *data;
        uint32_t lt = (uint32_t)pcap_datalink(pc);
        while (pcap_next_ex(pc, &h, &data) == 1) {
                if (c->n == c->cap) {
                        c->cap = c->cap ? 2 * c->cap : 1024;
                        c->p = realloc(c->p, c->cap * sizeof(*c->p));
                }
                uint8_t *copy = malloc(h->caplen ? h->caplen : 1);
                memcpy(copy, data, h->caplen);
                c->p[c->n++] = (struct cst_packet){.data = copy,
                                                   .caplen = h->caplen,
                                                   .origlen = h->len,
                                                   .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
                                                            (uint64_t)h->ts.tv_usec * 1000u,
                                                   .ts_hi = (uint32_t)h->ts.tv_sec,
                                                   .ts_lo = (uint32_t)h->ts.tv_usec,
                                                   .linktype = lt};
        }
        pcap_close(pc);
        return 0;
}

static void unload(struct capture *c)
{
        for (size_t i = 0; i < c->n; i++)
                free((void *)c->p[i].data);
        free(c->p);
}

static char *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *b = malloc((size_t)sz + 1);
        *len = fread(b, 1, (size_t)sz, f);
        fclose(f);
        return b;
}

/* Run the capture through one engine; batch 0 = per packet. Returns the log bytes. */
static char *run(const struct capture *c, const struct cst_config *cfg, bool compat, unsigned batch,
                 struct cst_verdict *v, struct cst_stats *st, size_t *log_len)
{
        char err[CST_ERRBUF], logp[512];
        const char *tmp = getenv("CST_TMP") ? getenv("CST_TMP") : "/tmp";
        snprintf(logp, sizeof(logp), "%s/engine_batch_%d.csv", tmp, (int)getpid());
        cst_engine *e = cst_engine_new(cfg, err);
        CHECK(e != NULL);
        cst_engine_set_compat(e, compat);
        CHECK(cst_engine_open_decision_log(e, logp, err) == 0);
        if (!batch) {
                for (size_t i = 0; i < c->n; i++)
                        cst_engine_process(e, &c->p[i], &v[i]);
        } else {
                for (size_t i = 0; i < c->n; i += batch) {
                        unsigned m = c->n - i < batch ? (unsigned)(c->n - i) : batch;
                        cst_engine_process_batch(e, &c->p[i], m, &v[i]);
                }
        }
        CHECK(cst_engine_close_decision_log(e, err) == 0);
        *st = *cst_engine_stats(e);
        cst_engine_free(e);
        char *log = slurp(logp, log_len);
        unlink(logp);
        return log;
}

static unsigned compared;

/*
 * The same capture with a raw pcapng block record (what the offline pipeline
 * passes along) after every 7th packet, in batches of 64: blocks get
 * {caplen, keep.not_analysed} and change nothing else.
 */
static void compare_with_blocks(const char *name, const struct capture *c,
                                const struct cst_config *cfg, const struct cst_verdict *ref,
                                const struct cst_stats *st_ref)
{
        static const uint8_t block[32] = {0x05, 0x00, 0x00, 0x00, 0x20};
        size_t m = c->n + c->n / 7 + 1, j = 0;
        struct cst_packet *recs = calloc(m, sizeof(*recs));
        struct cst_verdict *v = calloc(m, sizeof(*v));
        size_t *pkt_of = calloc(m, sizeof(*pkt_of));
        for (size_t i = 0; i < c->n; i++) {
                pkt_of[j] = i;
                recs[j++] = c->p[i];
                if (i % 7 == 6) {
                        pkt_of[j] = SIZE_MAX;
                        recs[j++] = (struct cst_packet){
                            .data = block, .caplen = sizeof(block), .kind = CST_REC_BLOCK};
                }
        }
        char err[CST_ERRBUF];
        cst_engine *e = cst_engine_new(cfg, err);
        CHECK(e != NULL);
        for (size_t i = 0; i < j; i += 64)
                cst_engine_process_batch(e, &recs[i], j - i < 64 ? (unsigned)(j - i) : 64, &v[i]);
        size_t bad = SIZE_MAX;
        for (size_t i = 0; i < j && bad == SIZE_MAX; i++) {
                bool ok = pkt_of[i] == SIZE_MAX ? v[i].keep_len == sizeof(block) &&
                                                      v[i].reason == CST_R_KEEP_NOT_ANALYSED
                                                : v[i].keep_len == ref[pkt_of[i]].keep_len &&
                                                      v[i].reason == ref[pkt_of[i]].reason;
                if (!ok)
                        bad = i;
        }
        if (bad != SIZE_MAX)
                fprintf(stderr, "%s with blocks: record %zu differs\n", name, bad + 1);
        CHECK(bad == SIZE_MAX);
        CHECK(memcmp(st_ref, cst_engine_stats(e), sizeof(*st_ref)) == 0);
        cst_engine_free(e);
        free(recs);
        free(v);
        free(pkt_of);
}

static void compare(const char *name, const struct capture *c, const struct cst_config *cfg,
                    bool compat)
{
        static const unsigned batches[] = {1, 2, 3, 5, 9, 13, 17, 64, 256, 4096};
        struct cst_verdict *ref = calloc(c->n + 1, sizeof(*ref));
        struct cst_verdict *got = calloc(c->n + 1, sizeof(*got));
        struct cst_stats st_ref, st_got;
        size_t lref = 0, lgot = 0;
        char *log_ref = run(c, cfg, compat, 0, ref, &st_ref, &lref);
        if (!compat)
                compare_with_blocks(name, c, cfg, ref, &st_ref);
        for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
                memset(got, 0xa5, (c->n + 1) * sizeof(*got));
                char *log_got = run(c, cfg, compat, batches[b], got, &st_got, &lgot);
                size_t bad = c->n;
                for (size_t i = 0; i < c->n && bad == c->n; i++)
                        if (got[i].keep_len != ref[i].keep_len || got[i].reason != ref[i].reason)
                                bad = i;
                if (bad != c->n)
                        fprintf(stderr, "%s batch %u: packet %zu differs (%u/%u vs %u/%u)\n", name,
                                batches[b], bad + 1, got[bad].keep_len, got[bad].reason,
                                ref[bad].keep_len, ref[bad].reason);
                CHECK(bad == c->n);
                CHECK(memcmp(&st_ref, &st_got, sizeof(st_ref)) == 0);
                CHECK(log_ref && log_got && lref == lgot && memcmp(log_ref, log_got, lref) == 0);
                free(log_got);
                compared++;
        }
        free(log_ref);
        free(ref);
        free(got);
}

static const enum cst_tls_policy POLICIES[] = {CST_TLS_FINAL_ONLY, CST_TLS_STREAM, CST_TLS_BULK,
                                               CST_TLS_TRACK};

static void compare_all(const char *name, const char *path, uint32_t max_flows)
{
        struct capture c = {0};
        CHECK(load(path, &c) == 0);
        if (c.n == 0)
                return;
        for (size_t i = 0; i < sizeof(POLICIES) / sizeof(POLICIES[0]); i++) {
                struct cst_config cfg;
                cst_config_defaults(&cfg);
                cfg.tls_policy = POLICIES[i];
                if (max_flows)
                        cfg.max_flows = max_flows;
                compare(name, &c, &cfg, false);
                if (POLICIES[i] == CST_TLS_FINAL_ONLY)
                        compare(name, &c, &cfg, true);
        }
        /* Learning QUIC without track, a short idle timeout, selected ports only. */
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cfg.learn_all_long_headers = true;
        cfg.flow_idle_timeout_sec = 1;
        if (max_flows)
                cfg.max_flows = max_flows;
        compare(name, &c, &cfg, false);
        /* Half a second between packets, 2 s idle timeout: expiry happens inside every batch. */
        for (size_t i = 0; i < c.n; i++)
                c.p[i].ts_ns = (uint64_t)i * 500000000u;
        cfg.flow_idle_timeout_sec = 2;
        cfg.learn_all_long_headers = false;
        compare(name, &c, &cfg, false);
        unload(&c);
}

static void test_fixtures(void)
{
        const char *dir = getenv("CST_FIXTURES");
        if (!dir) {
                printf("SKIP (part): CST_FIXTURES not set, fixtures not checked\n");
                return;
        }
        static const char *const files[] = {
            "single/tls_test_1.pcap",        "single/quic_test_1.pcap",
            "single/tls_quic_test_1.pcapng", "single/truncated_tail_test_1.pcap",
            "tls_test_2/input.pcap",         "quic_test_2/input.pcap"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                if (access(path, R_OK) == 0)
                        compare_all(files[i], path, 0);
        }
}

/* tools/gencap.py next to this source file (CMake compiles it by absolute path). */
static int gencap(const char *out, const char *args)
{
        char src[4096], cmd[8192];
        snprintf(src, sizeof(src), "%s", __FILE__);
        char *slash = strstr(src, "/tests/unit/");
        if (!slash || access("/usr/bin/python3", X_OK) != 0)
                return -1;
        *slash = '\0';
        snprintf(cmd, sizeof(cmd), "python3 '%s/tools/gencap.py' '%s' %s >/dev/null 2>&1", src, out,
                 args);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_generator(void)
{
        const char *tmp = getenv("CST_TMP") ? getenv("CST_TMP") : "/tmp";
        char path[4096];
        snprintf(path, sizeof(path), "%s/engine_batch_mixed_%d.pcap", tmp, (int)getpid());
        if (gencap(path, "--size 6M --seed 7 --flows-concurrent 300") != 0) {
                printf("SKIP (part): tools/gencap.py unavailable, generator traffic not checked\n");
                return;
        }
        compare_all("gencap mixed", path, 0);
        compare_all("gencap mixed, 64 flows", path, 64); /* evictions inside batches */
        unlink(path);
        snprintf(path, sizeof(path), "%s/engine_batch_short_%d.pcap", tmp, (int)getpid());
        CHECK(gencap(path, "--short-flows 3000 --seed 3 --python") == 0);
        compare_all("gencap short flows, 500 flows", path, 500);
        unlink(path);
}

/* Empty records (no bytes at all) in a batch: kept whole, like one by one. */
static void test_empty_records(void)
{
        char err[CST_ERRBUF];
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cst_engine *e = cst_engine_new(&cfg, err);
        CHECK(e != NULL);
        struct cst_packet p[20] = {{0}};
        for (int i = 0; i < 20; i++)
                p[i].linktype = CST_LINK_ETHERNET;
        struct cst_verdict v[20];
        cst_engine_process_batch(e, p, 20, v);
        for (int i = 0; i < 20; i++)
                CHECK_EQ_U(v[i].keep_len, 0);
        CHECK_EQ_U(cst_engine_stats(e)->malformed_packets, 20);
        cst_engine_free(e);
}

int main(void)
{
        test_empty_records();
        test_fixtures();
        test_generator();
        printf("%u batch runs compared\n", compared);
        return check_summary("test_engine_batch");
}
