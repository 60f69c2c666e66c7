/*
 * constrict_file — constrict a capture file and print every keep decision:
 * a per-packet callback sees the packet and the engine's verdict.
 *
 *   cc constrict_file.c $(pkg-config --cflags --libs constrictor) -o constrict_file
 *   ./constrict_file in.pcap out.pcap [config.ini]
 *
 * One line per packet: "<index> <keep|truncate> <kept>/<captured> <reason>",
 * index 1-based as in `constrictor constrict --decision-log`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <constrictor/constrictor.h>

struct run {
        uint64_t index;
        uint64_t cut;
};

static int on_packet(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v)
{
        struct run *r = ctx;
        int cut = v->keep_len < pkt->caplen;

        r->index++;
        r->cut += (uint64_t)cut;
        printf("%" PRIu64 " %s %" PRIu32 "/%" PRIu32 " %s\n", r->index, cut ? "truncate" : "keep",
               v->keep_len, pkt->caplen, cst_reason_name(v->reason));
        return 0;
}

int main(int argc, char **argv)
{
        char err[CST_ERRBUF];
        struct cst_config *cfg = cst_config_new();
        struct cst_dump_opts d = {.format = CST_FORMAT_PCAP, .snaplen = 262144};
        struct cst_packet pkts[256];
        struct cst_verdict v[256];
        struct run r = {0, 0};
        cst_capture *in = NULL;
        cst_dumper *out = NULL;
        cst_engine *eng = NULL;
        int n = 0;

        if (argc != 3 && argc != 4)
                return fprintf(stderr, "usage: %s IN.pcap OUT.pcap [CONFIG.ini]\n", argv[0]), 2;
        if (!cfg || (argc == 4 && cst_config_load(cfg, argv[3], CST_DIALECT_OFFLINE, err) < 0) ||
            cst_capture_open_file(&in, argv[1], NULL, err) < 0 || !(eng = cst_engine_new(cfg, err)))
                n = CST_EFATAL;
        if (n == 0) {
                d.linktype = cst_capture_linktype(in);
                n = cst_dump_open(&out, argv[2], &d, err);
        }
        while (n >= 0) {
                n = cst_capture_next_batch(in, pkts, 256, 0, err);
                if (n <= 0)
                        break;
                cst_engine_process_batch(eng, pkts, (unsigned)n, v);
                for (int i = 0; i < n && n > 0; i++) {
                        on_packet(&r, &pkts[i], &v[i]);
                        if (cst_dump_packet(out, &pkts[i], v[i].keep_len, err) < 0)
                                n = CST_EFATAL;
                }
        }
        if (out && cst_dump_close(out, NULL, err) < 0)
                n = CST_EFATAL;
        cst_engine_free(eng);
        cst_capture_close(in);
        cst_config_free(cfg);
        if (n < 0 && n != CST_CAPTURE_EOF)
                return fprintf(stderr, "constrict_file: %s\n", err), 1;
        fprintf(stderr, "%" PRIu64 " packets, %" PRIu64 " cut\n", r.index, r.cut);
        return 0;
}
