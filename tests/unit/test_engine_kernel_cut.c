/*
 * The engine on packets the kernel already cut (CST_PKT_KERNEL_CUT, the
 * eBPF backend of issue 19 item 4), without root or a kernel: real TLS
 * captures are replayed twice through `track`,
 *   1. whole, recording every verdict;
 *   2. with every segment the eBPF program would cut (an Application Data
 *      record starting the payload and covering it, cut by the policy at
 *      headers + min(KR, payload)) handed over cut to that length.
 * Every verdict of pass 2 equals pass 1's (the flow state followed the
 * wire through the cut packets), kernel_cut_packets counts the cut ones and
 * kernel_cut_short stays 0; a packet cut shorter than the policy keeps is
 * counted there and kept at what the kernel kept.
 */
#include <pcap/pcap.h>

#include "check.h"
#include <constrictor/constrictor.h>
#include "decode/decode.h"
#include "util/rd.h"

#define MAXP 4096

static uint32_t keep[MAXP];
static uint16_t reason[MAXP];

/* The kernel's simple case (bpf/cut.bpf.c), judged on the whole packet. */
static bool kernel_would_cut(const struct pcap_pkthdr *h, const u_char *data)
{
        struct decoded d;
        decode_packet(CST_LINK_ETHERNET, data, h->caplen, 0, &d);
        if (d.status != DEC_OK || d.transport != 6 || d.payload_len == 0 ||
            d.payload_off + d.payload_len != h->caplen)
                return false;
        struct rd fr = rd_init(data, h->caplen);
        struct rd r = rd_window(&fr, d.payload_off, 5);
        uint8_t type = rd_u8(&r);
        uint16_t ver = rd_be16(&r), len = rd_be16(&r);
        return !r.err && type == 23 && ver == 0x0303 && 5u + len >= d.payload_len;
}

static struct cst_config *track_cfg(void)
{
        struct cst_config *cfg = cst_config_new();
        cst_config_set_policy(cfg, CST_TLS_TRACK);
        return cfg;
}

static uint64_t stat(cst_engine *e, const char *name)
{
        uint64_t v = 0;
        CHECK(cst_stats_get(cst_engine_stats(e), name, &v) == CST_OK);
        return v;
}

/* Pass 1 into keep[] / reason[]; returns the packet count. */
static int pass_whole(const char *path, const struct cst_config *cfg)
{
        char perr[PCAP_ERRBUF_SIZE], err[CST_ERRBUF];
        pcap_t *pc = pcap_open_offline(path, perr);
        cst_engine *e = cst_engine_new(cfg, err);
        struct pcap_pkthdr *h;
        const u_char *data;
        int n = 0;
        CHECK(pc && e);
        while (pc && e && n < MAXP && pcap_next_ex(pc, &h, &data) == 1) {
                struct cst_packet p = {.data = data,
                                       .caplen = h->caplen,
                                       .origlen = h->len,
                                       .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u,
                                       .linktype = CST_LINK_ETHERNET};
                struct cst_verdict v;
                cst_engine_process(e, &p, &v);
                keep[n] = v.keep_len;
                reason[n++] = v.reason;
        }
        cst_engine_free(e);
        if (pc)
                pcap_close(pc);
        return n;
}

/* Pass 2: the packets the kernel would cut come cut; every verdict as in pass 1. */
static void pass_cut(const char *path, const struct cst_config *cfg, int n)
{
        char perr[PCAP_ERRBUF_SIZE], err[CST_ERRBUF];
        pcap_t *pc = pcap_open_offline(path, perr);
        cst_engine *e = cst_engine_new(cfg, err);
        struct pcap_pkthdr *h;
        const u_char *data;
        int i = 0, same = 0;
        uint64_t cut = 0;
        CHECK(pc && e);
        while (pc && e && i < n && pcap_next_ex(pc, &h, &data) == 1) {
                struct cst_packet p = {.data = data,
                                       .caplen = h->caplen,
                                       .origlen = h->len,
                                       .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u,
                                       .linktype = CST_LINK_ETHERNET};
                if (reason[i] == CST_R_TRUNCATE_TLS_TRACK && h->caplen == h->len &&
                    kernel_would_cut(h, data)) {
                        p.caplen = keep[i];
                        p.flags = CST_PKT_KERNEL_CUT;
                        cut++;
                }
                struct cst_verdict v;
                cst_engine_process(e, &p, &v);
                same += v.keep_len == keep[i] && v.reason == reason[i];
                if (v.keep_len != keep[i] || v.reason != reason[i])
                        printf("%s #%d: keep %u reason %u, whole: keep %u reason %u\n", path, i + 1,
                               v.keep_len, v.reason, keep[i], reason[i]);
                i++;
        }
        CHECK_EQ_U(same, n);
        CHECK(cut > 0);
        if (e) {
                CHECK_EQ_U(stat(e, "kernel_cut_packets"), cut);
                CHECK_EQ_U(stat(e, "kernel_cut_short"), 0);
        }
        printf("%s: %d packets, %llu cut as the kernel would\n", path, n, (unsigned long long)cut);
        cst_engine_free(e);
        if (pc)
                pcap_close(pc);
}

/* A packet cut shorter than the policy keeps: counted, kept at what the kernel kept. */
static void cut_too_short(const char *path, const struct cst_config *cfg, int n)
{
        char perr[PCAP_ERRBUF_SIZE], err[CST_ERRBUF];
        pcap_t *pc = pcap_open_offline(path, perr);
        cst_engine *e = cst_engine_new(cfg, err);
        struct pcap_pkthdr *h;
        const u_char *data;
        int i = 0, shorter = 0;
        while (pc && e && i < n && pcap_next_ex(pc, &h, &data) == 1) {
                struct cst_packet p = {.data = data,
                                       .caplen = h->caplen,
                                       .origlen = h->len,
                                       .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u,
                                       .linktype = CST_LINK_ETHERNET};
                if (!shorter && reason[i] == CST_R_TRUNCATE_TLS_TRACK && h->caplen == h->len &&
                    kernel_would_cut(h, data)) {
                        p.caplen = keep[i] - 1; /* one byte less than the policy keeps */
                        p.flags = CST_PKT_KERNEL_CUT;
                        struct cst_verdict v;
                        cst_engine_process(e, &p, &v);
                        CHECK_EQ_U(v.keep_len, keep[i] - 1);
                        shorter = 1;
                } else {
                        struct cst_verdict v;
                        cst_engine_process(e, &p, &v);
                }
                i++;
        }
        CHECK_EQ_U(shorter, 1);
        if (e)
                CHECK_EQ_U(stat(e, "kernel_cut_short"), 1);
        cst_engine_free(e);
        if (pc)
                pcap_close(pc);
}

int main(void)
{
        static const char *const files[] = {"midstream-loss1.pcap", "https-h1-loss-reorder.pcap",
                                            "openssl-small-records.pcap", "https-ipv6.pcap"};
        struct cst_config *cfg = track_cfg();
        for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
                char path[1024];
                snprintf(path, sizeof(path), "%s/tests/real/corpus/%s", CST_SOURCE_DIR, files[f]);
                int n = pass_whole(path, cfg);
                CHECK(n > 0);
                pass_cut(path, cfg, n);
                if (f == 0)
                        cut_too_short(path, cfg, n);
        }
        cst_config_free(cfg);
        return check_summary("test_engine_kernel_cut");
}
