/*
 * cmd_capture — `constrictor capture`, two command lines for one recorder:
 *
 *   capture --config FILE [--offline-input FILE]
 *       the AFPacket recorder's interface (SPEC 3.1, 3.4): LIVE-dialect INI,
 *       start banner, stop reason, "Final stats:" block, offline feed mode;
 *   capture -i IFACE | -r FILE [-w FILE|-] [-c N] [-s SNAPLEN] [-p] [-B KiB]
 *           [-C MB] [-G SEC] [-W N] [-Z USER] [-U] [-n]
 *           [--duration SEC] [--backend recvmsg|tpacket_v3|pcap|ebpf]
 *           [--format pcap|pcapng] [--time-precision micro|nano]
 *           [--config FILE] [--policy NAME] [expression...]
 *       tcpdump-style: defaults TPACKET_V3, PCAP with ns timestamps, the
 *       offline tool's policy defaults with the `track` TLS policy (or the
 *       config file's values), stats in tcpdump's words on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture_args.h"
#include "capture_report.h"
#include "capture_workers.h"
#include "cfg.h"
#include "commands.h"

static void capture_usage(FILE *out)
{
        const char *n = CST_PROGRAM_NAME;
        fprintf(
            out,
            "Usage:\n"
            "  %s capture -i IFACE | -r FILE [-w FILE|-] [-c N] [-s SNAPLEN] [-p] [-B KiB]\n"
            "          [-C MB] [-G SEC] [-W N] [-Z USER] [-U] [-n] [-F pcap|pcapng] [-z CMD]\n"
            "          [--post-rotate-jobs N] [--part-suffix S] [--part-prefix P]\n"
            "          [--duration SEC] [--backend recvmsg|tpacket_v3|pcap|ebpf]\n"
            "          [--format pcap|pcapng] [--time-precision micro|nano] [--config FILE]\n"
            "          [--policy NAME] [--workers N] [-v] [--annotate] [-A|-X]\n"
            "          [--tls-keylog FILE]\n"
            "          [expression...]\n"
            "  %s capture --config config.ini [--offline-input input.pcap]\n"
            "  %s capture -D\n"
            "\n"
            "  -i IFACE   interface to capture on, or \"any\" (Linux cooked SLL2)\n"
            "  -w FILE    write the capture to FILE (\"-\" = standard output); without -w,\n"
            "             one line per packet is printed\n"
            "  -c N       stop after N packets          --duration SEC  stop after SEC seconds\n"
            "  -s SNAPLEN keep at most SNAPLEN bytes of every packet (0 = 262144)\n"
            "  -p         do not put the interface into promiscuous mode\n"
            "  -B KiB     kernel buffer (ring) size\n"
            "  -r FILE    read a PCAP or PCAPNG file (\"-\" = stdin) instead of an interface "
            "(filter in\n"
            "             user space), e.g. -r in.pcap -w out.pcap 'tcp port 443'\n"
            "  -C MB      start a new file when the current one would exceed MB x 1,000,000\n"
            "             bytes (suffix k/m/g: KiB/MiB/GiB); files FILE, FILE1, FILE2 ...\n"
            "  -G SEC     start a new file every SEC seconds; FILE is a strftime(3) pattern\n"
            "  -W N       with -C: keep a ring of N files (FILE0..); with -G: stop after N files\n"
            "  -Z USER    run as USER once the socket and the first file are open\n"
            "  -U         write each batch of packets to the file at once (packet-buffered)\n"
            "  -F pcap|pcapng  output format (= --format); default: the -w name's extension\n"
            "             (.pcap, .pcapng), else pcap\n"
            "  -z CMD     run CMD FILE on every completed file (e.g. -z gzip), never waiting\n"
            "  --post-rotate-jobs N  at most N -z commands at once, the rest queued (default 1)\n"
            "  --part-suffix S, --part-prefix P  the file being written is P+FILE+S, renamed\n"
            "             to FILE when complete (default suffix .part; '' for both: FILE)\n"
            "  --compress gzip|zstd  compress while writing (names get .gz/.zst); every flush\n"
            "             leaves a decodable file.  --compress-level N: the method's level\n"
            "  -n         accepted for tcpdump compatibility (no name is ever resolved)\n"
            "  --backend  tpacket_v3 (default: zero-copy ring), recvmsg (batched recvmmsg)\n"
            "             or pcap (libpcap: any device and link type libpcap can open)\n"
            "  --no-vnet-hdr  do not read GSO segment sizes (PACKET_VNET_HDR); a UDP GSO\n"
            "             super-frame is then analysed as a single datagram\n"
            "  --no-direct-io  write through the page cache (default: O_DIRECT from a writer\n"
            "             thread where the file system allows it; -U implies this)\n"
            "  --policy   TLS policy: track (default), final_only, stream, bulk\n"
            "  --tls-keylog FILE  follow the TLS key log FILE (SSLKEYLOGFILE) into the output\n"
            "             as PCAPNG Decryption Secrets, so Wireshark decrypts the handshakes\n"
            "             from the file alone (implies --format pcapng; needs -w)\n"
            "  --annotate with --format pcapng: every cut packet carries a comment saying\n"
            "             what was kept and why (docs/annotate.md)\n"
            "  -A, -X     text lines: also the kept bytes in ASCII / hex and ASCII\n"
            "  --workers N  N capture threads on one PACKET_FANOUT group (tpacket_v3), each\n"
            "             flow on one thread; one merged time-ordered file, or one file per\n"
            "             worker when FILE contains %%w (the worker's number)\n"
            "  -v         with --workers: the counters of every worker too; text lines (no -w):\n"
            "             also the reason, the flow and the TLS records\n"
            /* issue 18: live statistics, -D */
            "  --stats-interval SEC  one counter line on stderr every SEC seconds\n"
            "  --stats-file PATH     rewrite PATH (JSON counters) atomically every interval and "
            "at the end\n"
            "  --metrics-listen [ADDR]:PORT  serve the counters to Prometheus at /metrics\n"
            "             (ADDR defaults to 127.0.0.1)\n"
            "  -D, --list-interfaces  list the interfaces a capture can open, as tcpdump -D\n"
            "  expression a tcpdump filter, applied in the kernel before packets are read\n"
            "  --backend  ebpf: a TC eBPF program copies packets into a BPF ring buffer and\n"
            "             cuts proven TLS flows in the kernel (Ethernet/loopback, needs root)\n"
            "Defaults: tpacket_v3, pcap, nanosecond timestamps, TLS policy track (unless\n"
            "--config or --policy say otherwise). Needs root or CAP_NET_RAW.\n",
            n, n, n);
}

static int fail_line(const char *msg)
{
        fprintf(stderr, "%s capture: %s\n", CST_PROGRAM_NAME, msg);
        return 1;
}

/* ---- AFPacket-compatible mode ------------------------------------------- */

static void compat_banner(const struct cst_config *c)
{
        char text[4096];
        printf("Starting live capture.\n");
        printf("backend: %s\n", cfg_text(c, "capture.backend", text, sizeof(text)));
        printf("interface: %s\n", cfg_text(c, "capture.interface", text, sizeof(text)));
        printf("promiscuous: %s\n", cfg_text(c, "capture.promiscuous", text, sizeof(text)));
        printf("output: %s\n", cfg_text(c, "capture.output", text, sizeof(text)));
        printf("default_snaplen: %s\n", cfg_text(c, "capture.default_snaplen", text, sizeof(text)));
        printf("max_capture_len: %s\n", cfg_text(c, "capture.max_capture_len", text, sizeof(text)));
        if (capture_cfg_backend(c) == CST_BACKEND_TPACKET_V3) {
                static const char *const ring[] = {"ring_block_size", "ring_block_count",
                                                   "ring_frame_size", "block_timeout_ms"};
                for (size_t i = 0; i < sizeof(ring) / sizeof(ring[0]); i++) {
                        char name[64];
                        snprintf(name, sizeof(name), "capture.%s", ring[i]);
                        printf("%s: %s\n", ring[i], cfg_text(c, name, text, sizeof(text)));
                }
        }
        if (cfg_uint(c, "capture.workers") > 1)
                printf("workers: %s\n", cfg_text(c, "capture.workers", text, sizeof(text)));
        if (cfg_uint(c, "capture.max_packets"))
                printf("max_packets: %s\n", cfg_text(c, "capture.max_packets", text, sizeof(text)));
        if (cfg_uint(c, "capture.duration_sec"))
                printf("duration_sec: %s\n",
                       cfg_text(c, "capture.duration_sec", text, sizeof(text)));
        printf("Press Ctrl+C to stop.\n");
        fflush(stdout);
}

static uint32_t file_snaplen(const struct cst_config *c)
{
        uint64_t snap = cfg_uint(c, "capture.default_snaplen");
        uint64_t max = cfg_uint(c, "capture.max_capture_len");
        return (uint32_t)(snap < max ? snap : max);
}

/* The capture handle the command line names: AFPacket feed, -r file or interface. */
static int open_capture(const struct capture_job *job, cst_pipeline **p, char *err)
{
        cst_capture *cap;
        int rc = job->offline_input ? cst_capture_open_feed(&cap, job->offline_input, err)
                 : job->read_file
                     ? cst_capture_open_file(&cap, job->read_file, job->copts.filter, err)
                     : cst_capture_open(&cap, &job->copts, err);
        if (rc < 0)
                return rc;
        if (!job->offline_input && !job->read_file && cst_capture_warning(cap)[0])
                fprintf(stderr, "%s capture: warning: %s\n", CST_PROGRAM_NAME,
                        cst_capture_warning(cap));
        return cst_pipeline_open_capture(p, cap, err);
}

/*
 * The dumper's options of a -w output, for one pipeline and for the workers'
 * writer alike: format, snapshot length, rotation, partial names, -z and
 * compression.  appl must live as long as d.
 */
int capture_dump_opts(const struct capture_job *job, const char *ifname, struct cst_dump_opts *d,
                      char appl[64], char *err)
{
        static char log_prefix[] = CST_PROGRAM_NAME " capture";
        snprintf(appl, 64, "%s %s", CST_PROGRAM_NAME, cst_version());
        memset(d, 0, sizeof(*d));
        d->format = job->format;
        d->nsec = job->nsec;
        d->snaplen = file_snaplen(job->cfg);
        d->ifname = ifname;
        d->userappl = appl;
        d->rotate_bytes = job->rotate_bytes;
        d->rotate_sec = job->rotate_sec;
        d->rotate_files = job->rotate_files;
        d->part_prefix = job->outc.part_prefix;
        d->part_suffix = job->outc.part_suffix;
        d->post_rotate_cmd = job->outc.post_cmd[0] ? job->outc.post_cmd : NULL;
        d->post_rotate_jobs = job->outc.post_jobs;
        d->log = output_log_line;
        d->log_ctx = log_prefix;
        d->direct_io = job->direct_io;
        return compress_choose(&job->comp, job->cfg, &d->compress, &d->compress_level, err) ==
                       CST_OK
                   ? CST_OK
                   : CST_EFATAL;
}

static int open_output(const struct capture_job *job, cst_pipeline *p, char *err)
{
        if (!job->output) /* issue 20: one line per packet in tcpdump's manner */
                return cst_pipeline_output_text(p, "-", &job->text, err);
        struct cst_dump_opts d;
        char appl[64];
        bool file_input = job->offline_input || job->read_file;
        if (capture_dump_opts(job, file_input ? NULL : cst_capture_ifname(cst_pipeline_capture(p)),
                              &d, appl, err) != CST_OK)
                return CST_EFATAL;
        int rc = cst_pipeline_output_dump(p, job->output, &d, err);
        if (rc == CST_OK && job->annotate)
                rc = cst_pipeline_set_annotate(p, true, err);
        return rc;
}

/* A malformed TLS key log line (issue 20): named, the capture goes on. */
void capture_keylog_warning(void *ctx, const char *msg)
{
        (void)ctx;
        fprintf(stderr, "%s capture: warning: %s\n", CST_PROGRAM_NAME, msg);
}

/* issue 20: general.tls_keylog / --tls-keylog, followed into the PCAPNG output. */
static int open_keylog(const struct capture_job *job, cst_pipeline *p, char *err)
{
        char kl[4096];
        if (cfg_text(job->cfg, "general.tls_keylog", kl, sizeof(kl))[0] == '\0')
                return CST_OK;
        return cst_pipeline_set_tls_keylog(p, kl, capture_keylog_warning, NULL, err);
}

/* Source, output, engine (in this order: the errors a user meets first come first). */
static int open_all(const struct capture_job *job, cst_pipeline **p, char *err)
{
        int rc = open_capture(job, p, err);
        if (rc < 0)
                return rc;
        if (open_output(job, *p, err) < 0 || open_keylog(job, *p, err) < 0)
                return CST_EFATAL;
        return cst_pipeline_set_engine(*p, job->cfg, err);
}

/* ---- eBPF backend (issue 19 item 4): what the kernel cut ---------------- */

static uint64_t kernel_cut, kernel_cut_short;

static void kernel_cut_read(const struct capture_job *job, cst_pipeline *p)
{
        cst_engine *eng = cst_pipeline_engine(p);
        if (job->copts.backend != CST_BACKEND_EBPF || !eng)
                return;
        const struct cst_stats *st = cst_engine_stats(eng);
        cst_stats_get(st, "kernel_cut_packets", &kernel_cut);
        cst_stats_get(st, "kernel_cut_short", &kernel_cut_short);
}

static void kernel_cut_print(const struct capture_job *job)
{
        if (job->copts.backend != CST_BACKEND_EBPF || job->read_file || job->offline_input)
                return;
        fprintf(stderr,
                "%" PRIu64 " packets cut in the kernel (eBPF), %" PRIu64
                " of them shorter than the policy keeps\n",
                kernel_cut, kernel_cut_short);
}

/* Run, then close everything; the first error wins.  res: the counters. */
static int run_and_close(struct capture_job *job, cst_pipeline *p, struct cst_pipeline_stats *res,
                         char *err)
{
        char cerr[CST_ERRBUF];
        struct cst_run_opts ro;
        memset(&ro, 0, sizeof(ro));
        ro.keep_rule = CST_KEEP_SNAPLEN;
        ro.max_packets = cfg_uint(job->cfg, "capture.max_packets");
        ro.duration_sec = cfg_uint(job->cfg, "capture.duration_sec");
        ro.flush_ms = job->packet_buffered ? 0 : 1000;
        /* text lines: each batch's lines as it comes (one write per batch, not per line) */
        ro.flush_each_batch = job->packet_buffered || !job->output;
        cst_pipeline_set_report(p, capture_report, NULL);
        live_stats_run_opts(&job->live, &ro);
        capture_signals_attach(p);
        int rc = cst_pipeline_run(p, &ro, err);
        cst_pipeline_get_stats(p, res);
        kernel_cut_read(job, p);
        capture_signals_attach(NULL);
        live_stats_end(&job->live, res);
        if (cst_pipeline_close(p, cerr) < 0 && rc == CST_OK) {
                rc = CST_EFATAL;
                memcpy(err, cerr, CST_ERRBUF);
        }
        return rc;
}

/* The AFPacket form with [capture] workers > 1 (issue 19). */
static int compat_run_workers(struct capture_job *job)
{
        char err[CST_ERRBUF], cerr[CST_ERRBUF];
        cst_workers *w = NULL;
        static struct cst_pipeline_stats res;
        if (capture_workers_open(job, &w, err) < 0 || live_stats_start(&job->live, err) < 0) {
                cst_workers_close(w, cerr);
                fprintf(stderr, "Live capture error: %s\n", err);
                return 1;
        }
        compat_banner(job->cfg);
        int rc = capture_workers_run(job, w, &res, err);
        live_stats_close(&job->live);
        if (rc < 0) {
                fprintf(stderr, "Live capture error: %s\n", err);
                fprintf(stderr, "Partial stats:\n");
                capture_print_compat_stats(stderr, &res);
                return 1;
        }
        printf("Live capture stopped: %s\n", capture_stop_text(res.stop));
        if (cfg_bool(job->cfg, "stats.enabled")) {
                printf("Final stats:\n");
                capture_print_compat_stats(stdout, &res);
        }
        return 0;
}

static int compat_run(struct capture_job *job)
{
        char err[CST_ERRBUF], cerr[CST_ERRBUF];
        cst_pipeline *p = NULL;
        static struct cst_pipeline_stats res;
        const char *what = job->offline_input ? "Offline feed error" : "Live capture error";
        if (!job->offline_input && job->ifname[0] == '\0') {
                fprintf(stderr, "Configuration error: capture.interface is required for live "
                                "capture.\n");
                return 1;
        }
        char kl[4096];
        if (cfg_text(job->cfg, "general.tls_keylog", kl, sizeof(kl))[0]) { /* issue 20 */
                fprintf(stderr, "Configuration error: general.tls_keylog needs PCAPNG output: "
                                "use capture -i IFACE -w FILE --config FILE\n");
                return 1;
        }
        if (job->workers > 1 && !job->offline_input)
                return compat_run_workers(job);
        if (open_all(job, &p, err) < 0 || live_stats_start(&job->live, err) < 0) {
                cst_pipeline_close(p, cerr);
                fprintf(stderr, "%s: %s\n", what, err);
                return 1;
        }
        if (!job->offline_input)
                compat_banner(job->cfg);
        int rc = run_and_close(job, p, &res, err);
        live_stats_close(&job->live);
        if (rc < 0) {
                fprintf(stderr, "%s: %s\n", what, err);
                fprintf(stderr, "Partial stats:\n");
                capture_print_compat_stats(stderr, &res);
                return 1;
        }
        if (job->offline_input)
                printf("Offline feed completed.\ninput: %s\noutput: %s\n", job->offline_input,
                       job->output);
        else
                printf("Live capture stopped: %s\n", capture_stop_text(res.stop));
        if (cfg_bool(job->cfg, "stats.enabled")) {
                if (!job->offline_input)
                        printf("Final stats:\n");
                capture_print_compat_stats(stdout, &res);
        }
        return 0;
}

static int cmd_capture_compat(const char *config, const char *offline)
{
        static struct capture_job job;
        char err[CST_ERRBUF];
        memset(&job, 0, sizeof(job));
        job.cfg = cfg_new(true);
        if (cst_config_load(job.cfg, config, CST_DIALECT_LIVE, err) != 0) {
                fprintf(stderr, "Configuration error: %s\n", err);
                return 1;
        }
        job.compat = true;
        job.format = CST_FORMAT_PCAP;
        job.nsec = false; /* SPEC 3.3 item 7: classic PCAP, microseconds */
        job.output = cfg_text(job.cfg, "capture.output", job.outname, sizeof(job.outname));
        job.offline_input = offline;
        live_stats_from_cfg(&job.live, job.cfg);
        capture_job_opts(&job);
        capture_install_signals();
        return compat_run(&job);
}

/* ---- tcpdump-style mode (arguments: capture_args.c) ---------------------- */

static const char *link_name(uint32_t lt)
{
        switch (lt) {
        case CST_LINK_ETHERNET:
                return "EN10MB (Ethernet)";
        case CST_LINK_LINUX_SLL2:
                return "LINUX_SLL2 (Linux cooked v2)";
        case CST_LINK_LINUX_SLL:
                return "LINUX_SLL (Linux cooked v1)";
        case CST_LINK_RAW:
                return "RAW (Raw IP)";
        case CST_LINK_NULL:
                return "NULL (BSD loopback)";
        default:
                return "unknown";
        }
}

/*
 * -Z USER, as tcpdump: once the socket and the first output file are open,
 * give that file to USER and become USER (supplementary groups, gid, uid);
 * files opened by rotation are then created as USER.
 */
static int drop_privileges(const struct capture_job *job, const char *const *paths, unsigned n,
                           char *err)
{
        errno = 0;
        struct passwd *pw = getpwnam(job->user);
        if (!pw) {
                snprintf(err, CST_ERRBUF, "unknown user '%.100s' for -Z", job->user);
                return CST_EFATAL;
        }
        for (unsigned i = 0; i < n; i++) {
                const char *path = paths[i];
                if (path && strcmp(path, "-") != 0 && chown(path, pw->pw_uid, pw->pw_gid) < 0) {
                        snprintf(err, CST_ERRBUF, "cannot give %.300s to user %.100s: %s", path,
                                 job->user, strerror(errno));
                        return CST_EFATAL;
                }
        }
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
            setuid(pw->pw_uid) < 0) {
                snprintf(err, CST_ERRBUF, "cannot change to user %.100s: %s", job->user,
                         strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}

static int pipe_drop_privileges(const struct capture_job *job, cst_pipeline *p, char *err)
{
        const char *path = cst_pipeline_output_path(p);
        return drop_privileges(job, &path, 1, err);
}

/* -Z with workers: every worker's file ("%w") or the merged one. */
static int workers_drop_privileges(const struct capture_job *job, cst_workers *w, char *err)
{
        const char *paths[CST_WORKERS_MAX];
        unsigned n = cst_workers_count(w);
        for (unsigned i = 0; i < n; i++)
                paths[i] = cst_workers_output_path(w, i);
        return drop_privileges(job, paths, n, err);
}

/* td_run with --workers N (issue 19): the same texts, the counters summed. */
/* The end of a tcpdump-style run, one pipeline or workers: its error or -W stop, the counters. */
static void td_end(struct capture_job *job, int rc, const struct cst_pipeline_stats *res,
                   const char *err)
{
        live_stats_close(&job->live);
        fflush(stdout);
        if (rc < 0)
                fprintf(stderr, "%s capture: %s\n", CST_PROGRAM_NAME, err);
        else if (res->stop == CST_STOP_FILE_LIMIT)
                fprintf(stderr, "%s capture: stopped after %u files (-W)\n", CST_PROGRAM_NAME,
                        job->rotate_files);
        capture_print_tcpdump_stats(stderr, res);
}

static int td_run_workers(struct capture_job *job)
{
        char err[CST_ERRBUF], cerr[CST_ERRBUF];
        cst_workers *w = NULL;
        static struct cst_pipeline_stats res;
        if (capture_workers_open(job, &w, err) < 0 || live_stats_start(&job->live, err) < 0 ||
            (job->user && workers_drop_privileges(job, w, err) < 0)) {
                cst_workers_close(w, cerr);
                return fail_line(err);
        }
        cst_capture *cap = cst_workers_capture(w);
        fprintf(stderr, "%s: listening on %s, link-type %s, snapshot length %u bytes, %u workers\n",
                CST_PROGRAM_NAME, cst_capture_ifname(cap), link_name(cst_capture_linktype(cap)),
                file_snaplen(job->cfg), job->workers);
        int rc = capture_workers_run(job, w, &res, err);
        td_end(job, rc, &res, err);
        return rc < 0 ? 1 : 0;
}

static int td_run(struct capture_job *job)
{
        char err[CST_ERRBUF], cerr[CST_ERRBUF];
        cst_pipeline *p = NULL;
        static struct cst_pipeline_stats res;
        if (job->workers > 1)
                return td_run_workers(job);
        if (open_all(job, &p, err) < 0 || live_stats_start(&job->live, err) < 0 ||
            (job->user && pipe_drop_privileges(job, p, err) < 0)) {
                cst_pipeline_close(p, cerr);
                return fail_line(err);
        }
        uint32_t lt = cst_pipeline_linktype(p);
        if (job->read_file)
                fprintf(stderr, "%s: reading from file %s, link-type %s, snapshot length %u\n",
                        CST_PROGRAM_NAME, job->read_file, link_name(lt), file_snaplen(job->cfg));
        else
                fprintf(stderr, "%s: listening on %s, link-type %s, snapshot length %u bytes\n",
                        CST_PROGRAM_NAME, cst_capture_ifname(cst_pipeline_capture(p)),
                        link_name(lt), file_snaplen(job->cfg));
        int rc = run_and_close(job, p, &res, err);
        td_end(job, rc, &res, err);
        kernel_cut_print(job);
        return rc < 0 ? 1 : 0;
}

static int cmd_capture_tcpdump(int argc, char **argv)
{
        static struct capture_job job;
        char err[CST_ERRBUF];
        int rc = capture_args_parse(argc, argv, &job, err);
        if (rc == CAPTURE_ARGS_HELP) {
                capture_usage(stdout);
                return 0;
        }
        if (rc == CAPTURE_ARGS_LIST)
                return capture_list_interfaces(stdout) == 0 ? 0
                                                            : fail_line("cannot list interfaces");
        if (rc < 0)
                return fail_line(err);
        capture_install_signals();
        return td_run(&job);
}

/*
 * The AFPacket form has only --config and --offline-input (SPEC 3.4), each
 * once, as "--opt value" or "--opt=value"; anything else is the
 * tcpdump-style form.
 */
static bool is_compat_form(int argc, char **argv, const char **config, const char **offline)
{
        static const struct option compat_long[] = {
            {"config", required_argument, NULL, 'c'},
            {"offline-input", required_argument, NULL, 'f'},
            {NULL, 0, NULL, 0},
        };
        int opt, n_config = 0, n_offline = 0;
        *config = *offline = NULL;
        if (argc != 3 && argc != 5 && argc != 2 && argc != 4)
                return false;
        optind = 0;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "-:", compat_long, NULL)) != -1) {
                if (opt == 'c') {
                        *config = optarg;
                        n_config++;
                } else if (opt == 'f') {
                        *offline = optarg;
                        n_offline++;
                } else {
                        return false;
                }
        }
        /* every word used, spelled out (no abbreviations), --config once */
        for (int i = 1; i < argc; i++)
                if (strncmp(argv[i], "--", 2) == 0 && strncmp(argv[i], "--config", 8) != 0 &&
                    strncmp(argv[i], "--offline-input", 15) != 0)
                        return false;
        return optind == argc && n_config == 1 && n_offline <= 1;
}

int cmd_capture(int argc, char **argv)
{
        if (argc == 2 && strcmp(argv[1], "--help") == 0) {
                capture_usage(stdout);
                return 0;
        }
        const char *config, *offline;
        if (is_compat_form(argc, argv, &config, &offline))
                return cmd_capture_compat(config, offline);
        if (argc < 2) {
                capture_usage(stderr);
                return 1;
        }
        return cmd_capture_tcpdump(argc, argv);
}
