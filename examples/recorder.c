/*
 * recorder — the smallest useful libconstrictor program: record an
 * interface (or a capture file read as if it came from the wire) into a
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

static cst_pipeline *pipeline;

static void on_signal(int sig)
{
        (void)sig;
        cst_pipeline_stop(pipeline); /* async-signal-safe */
}

int main(int argc, char **argv)
{
        char err[CST_ERRBUF], cerr[CST_ERRBUF];
        struct cst_capture_opts o;
        struct cst_dump_opts d = {.format = CST_FORMAT_PCAP};
        struct cst_run_opts run = {.keep_rule = CST_KEEP_SNAPLEN, .flush_ms = 1000};
        struct cst_config *cfg;
        cst_capture *cap = NULL;
        int rc, file = argc == 4 && strcmp(argv[1], "-r") == 0;

        if (argc != 3 && !file)
                return fprintf(stderr, "usage: %s IFACE|-r FILE OUT.pcap\n", argv[0]), 2;
        if (!(cfg = cst_config_new_live())) /* the live recorder's defaults */
                return fprintf(stderr, "recorder: out of memory\n"), 1;
        cst_capture_opts_init(&o);
        o.interface = argv[1];
        rc = file ? cst_capture_open_file(&cap, argv[2], NULL, err)
                  : cst_capture_open(&cap, &o, err);
        if (rc == CST_OK)
                rc = cst_pipeline_open_capture(&pipeline, cap, err); /* owns cap from here */
        if (rc == CST_OK)
                rc = cst_pipeline_set_engine(pipeline, cfg, err);
        if (rc == CST_OK)
                rc = cst_pipeline_output_dump(pipeline, argv[argc - 1], &d, err);
        signal(SIGINT, on_signal);
        if (rc == CST_OK)
                rc = cst_pipeline_run(pipeline, &run, err);
        if (cst_pipeline_close(pipeline, cerr) != CST_OK && rc == CST_OK)
                rc = CST_EFATAL, memcpy(err, cerr, sizeof(err));
        cst_config_free(cfg);
        if (rc != CST_OK)
                return fprintf(stderr, "recorder: %s\n", err), 1;
        return 0;
}
