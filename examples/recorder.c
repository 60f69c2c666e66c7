/*
 * recorder — the smallest useful libconstrictor program: record an
 * interface (or replay a capture file as if it came from the wire) into a
 * classic PCAP file, constricted by the live recorder's default policy.
 *
 *   cc recorder.c $(pkg-config --cflags --libs constrictor) -o recorder
 *   sudo ./recorder eth0 out.pcap          (Ctrl+C stops)
 *   ./recorder -r in.pcap out.pcap
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <constrictor/constrictor.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
        (void)sig;
        stop = 1;
}

int main(int argc, char **argv)
{
        char err[CST_ERRBUF];
        struct cst_capture_opts o;
        struct cst_dump_opts d = {.format = CST_FORMAT_PCAP, .snaplen = 65535};
        struct cst_packet pkts[64];
        struct cst_verdict v[64];
        struct cst_config *cfg = cst_config_new_live();
        cst_capture *cap = NULL;
        cst_dumper *out = NULL;
        cst_engine *eng = NULL;
        int n = 0, file = argc == 4 && strcmp(argv[1], "-r") == 0;

        if (argc != 3 && !file)
                return fprintf(stderr, "usage: %s IFACE|-r FILE OUT.pcap\n", argv[0]), 2;
        cst_capture_opts_init(&o);
        o.interface = argv[1];
        if ((file ? cst_capture_open_file(&cap, argv[2], NULL, err)
                  : cst_capture_open(&cap, &o, err)) < 0 ||
            !(eng = cst_engine_new(cfg, err)) ||
            (d.linktype = cst_capture_linktype(cap), cst_dump_open(&out, argv[argc - 1], &d, err)) <
                0)
                n = CST_EFATAL;
        signal(SIGINT, on_signal);
        while (n >= 0 && !stop) {
                n = cst_capture_next_batch(cap, pkts, 64, 100, err);
                cst_engine_process_batch(eng, pkts, n > 0 ? (unsigned)n : 0, v);
                for (int i = 0; i < n; i++)
                        if (cst_dump_packet(out, &pkts[i], v[i].keep_len, err) < 0)
                                n = CST_EFATAL;
        }
        if (out && cst_dump_close(out, NULL, err) < 0)
                n = CST_EFATAL;
        cst_engine_free(eng);
        cst_capture_close(cap);
        cst_config_free(cfg);
        if (n < 0 && n != CST_CAPTURE_EOF)
                return fprintf(stderr, "recorder: %s\n", err), 1;
        return 0;
}
