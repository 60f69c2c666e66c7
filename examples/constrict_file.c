/*
 * constrict_file — constrict a capture file (PCAP or PCAPNG) into a file
 * of the same format, as `constrictor constrict` does, and print every keep
 * decision from a per-packet callback.
 *
 *   cc constrict_file.c $(pkg-config --cflags --libs constrictor) -o constrict_file
 *   ./constrict_file in.pcap out.pcap [config.ini]
 *
 * One line per packet: "<index> <keep|truncate> <kept>/<captured> <reason>",
 * index 1-based as in `constrictor constrict --decision-log`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <constrictor/constrictor.h>

struct tally {
        uint64_t packets;
        uint64_t cut;
};

static int on_packet(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v)
{
        struct tally *t = ctx;
        int cut = v->keep_len < pkt->caplen;

        t->packets++;
        t->cut += (uint64_t)cut;
        printf("%" PRIu64 " %s %" PRIu32 "/%" PRIu32 " %s\n", t->packets, cut ? "truncate" : "keep",
               v->keep_len, pkt->caplen, cst_reason_name(v->reason));
        return 0; /* non-zero would stop the run after this packet */
}

int main(int argc, char **argv)
{
        char err[CST_ERRBUF], cerr[CST_ERRBUF];
        struct tally t = {0, 0};
        struct cst_run_opts run = {
            .keep_rule = CST_KEEP_VERDICT, .on_packet = on_packet, .ctx = &t};
        struct cst_config *cfg;
        cst_pipeline *p = NULL;
        int rc = CST_OK;

        if (argc != 3 && argc != 4)
                return fprintf(stderr, "usage: %s IN OUT [CONFIG.ini]\n", argv[0]), 2;
        if (!(cfg = cst_config_new())) /* the offline tool's defaults */
                return fprintf(stderr, "constrict_file: out of memory\n"), 1;
        if (argc == 4)
                rc = cst_config_load(cfg, argv[3], CST_DIALECT_OFFLINE, err);
        if (rc == CST_OK)
                rc = cst_pipeline_open_file(&p, argv[1], err);
        if (rc == CST_OK)
                rc = cst_pipeline_set_engine(p, cfg, err);
        if (rc == CST_OK)
                rc = cst_pipeline_output_file(p, argv[2], err);
        if (rc == CST_OK)
                rc = cst_pipeline_run(p, &run, err);
        if (cst_pipeline_close(p, cerr) != CST_OK && (rc == CST_OK || rc == CST_ETAIL))
                rc = CST_EFATAL, memcpy(err, cerr, sizeof(err));
        cst_config_free(cfg);
        if (rc != CST_OK) /* CST_ETAIL: the output is complete up to an incomplete tail */
                return fprintf(stderr, "constrict_file: %s\n", err), 1;
        fprintf(stderr, "%" PRIu64 " packets, %" PRIu64 " cut\n", t.packets, t.cut);
        return 0;
}
