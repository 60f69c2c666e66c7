/*
 * Test helper: replay a capture file (read by libpcap, an independent reader)
 * through the engine and record every verdict.
 */
#ifndef CST_TEST_ENGINE_REPLAY_H
#define CST_TEST_ENGINE_REPLAY_H

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

#include "decode/decode.h"

#define REPLAY_MAX 4096 /* packets; a longer file sets `overflow` */

struct replay {
        int n;
        bool overflow; /* the file has more than REPLAY_MAX packets */
        uint32_t caplen[REPLAY_MAX];
        uint32_t origlen[REPLAY_MAX];
        uint32_t keep[REPLAY_MAX];
        uint32_t payload_off[REPLAY_MAX]; /* 0 when not TCP/UDP */
        uint32_t payload_len[REPLAY_MAX];
        uint16_t reason[REPLAY_MAX];
        struct cst_stats st;
};

static inline const char *fixture_path(const char *rel, char *buf, size_t cap)
{
        const char *dir = getenv("CST_FIXTURES");
        if (!dir) {
                printf("SKIP: CST_FIXTURES not set\n");
                exit(77);
        }
        snprintf(buf, cap, "%s/%s", dir, rel);
        return buf;
}

/* Returns 0, or -1 when the file cannot be opened. compat: the old tool's defects. */
static inline int replay_file(const char *path, const struct cst_config *cfg, bool compat,
                              const char *decision_log, struct replay *out)
{
        char perr[PCAP_ERRBUF_SIZE], err[CST_ERRBUF];
        pcap_t *pc = pcap_open_offline(path, perr);
        if (!pc) {
                fprintf(stderr, "%s: %s\n", path, perr);
                return -1;
        }
        cst_engine *eng = cst_engine_new(cfg, err);
        if (!eng) {
                pcap_close(pc);
                return -1;
        }
        cst_engine_set_compat(eng, compat);
        if (decision_log && cst_engine_open_decision_log(eng, decision_log, err) != 0)
                fprintf(stderr, "decision log: %s\n", err);
        memset(out, 0, sizeof(*out));
        struct pcap_pkthdr *h;
        const u_char *data;
        while (pcap_next_ex(pc, &h, &data) == 1) {
                if (out->n == REPLAY_MAX) {
                        out->overflow = true;
                        break;
                }
                struct cst_packet p = {.data = data,
                                       .caplen = h->caplen,
                                       .origlen = h->len,
                                       .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u,
                                       .linktype = (uint32_t)pcap_datalink(pc)};
                struct cst_verdict v;
                cst_engine_process(eng, &p, &v);
                struct decoded d;
                decode_packet(p.linktype, data, h->caplen, 0, &d);
                int i = out->n++;
                out->caplen[i] = h->caplen;
                out->origlen[i] = h->len;
                out->keep[i] = v.keep_len;
                out->reason[i] = v.reason;
                out->payload_off[i] = d.status == DEC_OK ? d.payload_off : 0;
                out->payload_len[i] = d.status == DEC_OK ? d.payload_len : 0;
        }
        if (decision_log)
                cst_engine_close_decision_log(eng, err);
        out->st = *cst_engine_stats(eng);
        cst_engine_free(eng);
        pcap_close(pc);
        return 0;
}

/* Payload bytes kept of packet n (1-based, as in Wireshark). */
static inline uint32_t kept_payload(const struct replay *r, int n)
{
        int i = n - 1;
        return r->keep[i] > r->payload_off[i] ? r->keep[i] - r->payload_off[i] : 0;
}

static inline void replay_dump(const char *name, const struct replay *r)
{
        if (!getenv("CST_TEST_VERBOSE"))
                return;
        for (int i = 0; i < r->n; i++)
                fprintf(stderr, "%s #%d caplen %u keep %u payload %u->%u %s\n", name, i + 1,
                        r->caplen[i], r->keep[i], r->payload_len[i], kept_payload(r, i + 1),
                        cst_reason_name(r->reason[i]));
}

#endif
