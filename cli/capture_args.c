/*
 * capture_args — the tcpdump-style command line of `constrictor capture`
 * (getopt_long: "-w FILE", "--format=pcapng", "--format pcapng"), turned
 * into a capture job: the config (defaults, --config, --policy), the capture
 * options, the output and rotation, limits.  Messages name the option.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture_args.h"
#include "cfg.h"

enum cst_backend capture_cfg_backend(const struct cst_config *c)
{
        char b[16];
        cfg_text(c, "capture.backend", b, sizeof(b));
        if (strcmp(b, "pcap") == 0) /* issue 19 item 3 */
                return CST_BACKEND_PCAP;
        /* issue 19 item 4: the eBPF backend */
        if (strcmp(b, "ebpf") == 0)
                return CST_BACKEND_EBPF;
        return strcmp(b, "recvmsg") == 0 ? CST_BACKEND_RECVMSG : CST_BACKEND_TPACKET_V3;
}

void capture_job_opts(struct capture_job *job)
{
        const struct cst_config *c = job->cfg;
        uint32_t tov = (uint32_t)cfg_uint(c, "capture.block_timeout_ms");
        cst_capture_opts_init(&job->copts);
        job->copts.backend = capture_cfg_backend(c);
        job->copts.interface = cfg_text(c, "capture.interface", job->ifname, sizeof(job->ifname));
        job->copts.promiscuous = cfg_bool(c, "capture.promiscuous");
        job->copts.block_size = (uint32_t)cfg_uint(c, "capture.ring_block_size");
        job->copts.block_count = (uint32_t)cfg_uint(c, "capture.ring_block_count");
        job->copts.frame_size = (uint32_t)cfg_uint(c, "capture.ring_frame_size");
        job->copts.block_timeout_ms = tov ? tov : 1;
        job->workers = (unsigned)cfg_uint(c, "capture.workers");
}

struct td_args {
        const char *iface, *output, *config, *policy, *backend, *format, *precision;
        const char *count, *snaplen, *buffer, *duration;
        const char *read, *rot_size, *rot_sec, *rot_files, *user;
        bool no_promisc, packet_buffered, no_vnet, no_direct_io;
        const char *workers; /* issue 19 */
        bool verbose;
        bool annotate; /* issue 20: --annotate; -A, -X (and -v) shape the text lines */
        char payload;
        char filter[4096];
        const char *tls_keylog; /* issue 20 */
        /* issue 18: live statistics, -D */
        const char *stats_interval, *stats_file, *metrics_listen;
        bool list_ifaces;
        struct output_args out; /* issue 18: -F (= --format), -z, partial names */
        struct compress_args comp;
};

enum {
        OPT_DURATION = 256,
        OPT_BACKEND,
        OPT_FORMAT,
        OPT_PRECISION,
        OPT_CONFIG,
        OPT_POLICY,
        OPT_NO_VNET,
        OPT_WORKERS,
        OPT_HELP,
        OPT_ANNOTATE, /* issue 20 */
        /* issue 18: live statistics, -D */
        OPT_STATS_INTERVAL,
        OPT_STATS_FILE,
        OPT_METRICS_LISTEN,
        OPT_LIST_IFACES,
        /* issue 18 */
        OPT_POST_JOBS,
        OPT_PART_SUFFIX,
        OPT_PART_PREFIX,
        OPT_COMPRESS,
        OPT_COMPRESS_LEVEL,
        OPT_TLS_KEYLOG = 300, /* issue 20 */
        OPT_NO_DIRECT_IO,     /* issue 19 */
};

static const struct option td_long[] = {
    {"duration", required_argument, NULL, OPT_DURATION},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"time-precision", required_argument, NULL, OPT_PRECISION},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"no-vnet-hdr", no_argument, NULL, OPT_NO_VNET},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"help", no_argument, NULL, OPT_HELP},
    {"tls-keylog", required_argument, NULL, OPT_TLS_KEYLOG},
    {"no-direct-io", no_argument, NULL, OPT_NO_DIRECT_IO},
    {"annotate", no_argument, NULL, OPT_ANNOTATE},
    /* issue 18: live statistics, -D */
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"stats-file", required_argument, NULL, OPT_STATS_FILE},
    {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
    {"list-interfaces", no_argument, NULL, OPT_LIST_IFACES},
    {"post-rotate-jobs", required_argument, NULL, OPT_POST_JOBS},
    {"part-suffix", required_argument, NULL, OPT_PART_SUFFIX},
    {"part-prefix", required_argument, NULL, OPT_PART_PREFIX},
    {"compress", required_argument, NULL, OPT_COMPRESS},
    {"compress-level", required_argument, NULL, OPT_COMPRESS_LEVEL},
    {NULL, 0, NULL, 0},
};

static int td_store(struct td_args *a, int opt, const char *v)
{
        switch (opt) {
        case 'i':
                a->iface = v;
                break;
        case 'w':
                a->output = v;
                break;
        case 'c':
                a->count = v;
                break;
        case 's':
                a->snaplen = v;
                break;
        case 'B':
                a->buffer = v;
                break;
        case 'p':
                a->no_promisc = true;
                break;
        case 'r':
                a->read = v;
                break;
        case 'C':
                a->rot_size = v;
                break;
        case 'G':
                a->rot_sec = v;
                break;
        case 'W':
                a->rot_files = v;
                break;
        case 'Z':
                a->user = v;
                break;
        case 'U':
                a->packet_buffered = true;
                break;
        case 'n': /* no name resolution is ever done */
                break;
        case OPT_DURATION:
                a->duration = v;
                break;
        case OPT_BACKEND:
                a->backend = v;
                break;
        case OPT_FORMAT:
                a->format = v;
                break;
        case OPT_PRECISION:
                a->precision = v;
                break;
        case OPT_CONFIG:
                a->config = v;
                break;
        case OPT_POLICY:
                a->policy = v;
                break;
        case OPT_NO_VNET:
                a->no_vnet = true;
                break;
        case OPT_NO_DIRECT_IO:
                a->no_direct_io = true;
                break;
        case OPT_TLS_KEYLOG:
                a->tls_keylog = v;
                break;
        case OPT_ANNOTATE:
                a->annotate = true;
                break;
        case 'A':
        case 'X':
                a->payload = (char)opt;
                break;
        case 'F':
                a->format = v;
                break;
        case 'z':
                a->out.post_cmd = v;
                break;
        case OPT_POST_JOBS:
                a->out.post_jobs = v;
                break;
        case OPT_PART_SUFFIX:
                a->out.part_suffix = v;
                break;
        case OPT_PART_PREFIX:
                a->out.part_prefix = v;
                break;
        case OPT_WORKERS:
                a->workers = v;
                break;
        case 'v':
                a->verbose = true;
                break;
        case OPT_STATS_INTERVAL:
                a->stats_interval = v;
                break;
        case OPT_STATS_FILE:
                a->stats_file = v;
                break;
        case OPT_METRICS_LISTEN:
                a->metrics_listen = v;
                break;
        case 'D':
        case OPT_LIST_IFACES:
                a->list_ifaces = true;
                break;
        case OPT_COMPRESS:
                a->comp.method = v;
                break;
        case OPT_COMPRESS_LEVEL:
                a->comp.level = v;
                break;
        default:
                return -1;
        }
        return 0;
}

/* Join the trailing words into one filter expression, as tcpdump does. */
static int td_filter(struct td_args *a, int argc, char **argv, int first)
{
        size_t used = 0;
        for (int i = first; i < argc; i++) {
                size_t n = strlen(argv[i]);
                if (used + n + 2 > sizeof(a->filter))
                        return -1;
                if (used)
                        a->filter[used++] = ' ';
                memcpy(a->filter + used, argv[i], n + 1);
                used += n;
        }
        return 0;
}

/* Decimal unsigned number with an upper bound; false with a message otherwise. */
bool td_number(const char *opt, const char *v, unsigned long long max, unsigned long long *out,
               char *err)
{
        char *end;
        if (!v)
                return true;
        unsigned long long x = strtoull(v, &end, 10);
        if (*v == '\0' || *v == '-' || *end != '\0' || x > max) {
                snprintf(err, CST_ERRBUF, "invalid value for %s: '%s'", opt, v);
                return false;
        }
        *out = x;
        return true;
}

static int td_numbers(const struct td_args *a, struct capture_job *job, char *err)
{
        struct cst_config *c = job->cfg;
        unsigned long long snap = cfg_uint(c, "capture.default_snaplen");
        unsigned long long count = cfg_uint(c, "capture.max_packets");
        unsigned long long dur = cfg_uint(c, "capture.duration_sec"), kib = 0;
        if (!td_number("-s", a->snaplen, 262144, &snap, err) ||
            !td_number("-c", a->count, UINT64_MAX, &count, err) ||
            !td_number("--duration", a->duration, 100ull * 365 * 86400, &dur, err) ||
            !td_number("-B", a->buffer, 16ull * 1024 * 1024, &kib, err))
                return CST_EFATAL;
        if (a->snaplen) {
                snap = snap ? snap : 262144;
                cfg_put_uint(c, "capture.default_snaplen", snap);
                if (cfg_uint(c, "capture.max_capture_len") < snap)
                        cfg_put_uint(c, "capture.max_capture_len", snap);
        }
        if (a->count && count == 0) {
                snprintf(err, CST_ERRBUF, "invalid value for -c: '%s'", a->count);
                return CST_EFATAL;
        }
        cfg_put_uint(c, "capture.max_packets", count);
        cfg_put_uint(c, "capture.duration_sec", dur);
        job->copts.buffer_kib = (uint32_t)kib;
        return CST_OK;
}

/* -C MB: millions of bytes, or KiB/MiB/GiB with a k/m/g suffix (as tcpdump). */
int td_rot_size(const char *v, uint64_t *out, char *err)
{
        char *end;
        if (!v)
                return CST_OK;
        unsigned long long x = strtoull(v, &end, 10);
        uint64_t unit = 1000000;
        if (*end && end[1] == '\0') {
                unit = (*end == 'k' || *end == 'K')   ? 1024u
                       : (*end == 'm' || *end == 'M') ? 1048576u
                       : (*end == 'g' || *end == 'G') ? 1073741824u
                                                      : 0;
                end++;
        }
        if (*v < '0' || *v > '9' || *end || unit == 0 || x == 0 || x > (1ull << 40)) {
                snprintf(err, CST_ERRBUF, "invalid value for -C: '%s'", v);
                return CST_EFATAL;
        }
        *out = x * unit;
        return CST_OK;
}

static int td_rotation(const struct td_args *a, struct capture_job *job, char *err)
{
        unsigned long long sec = 0, files = 0;
        if (td_rot_size(a->rot_size, &job->rotate_bytes, err) < 0 ||
            !td_number("-G", a->rot_sec, UINT32_MAX, &sec, err) ||
            !td_number("-W", a->rot_files, UINT32_MAX, &files, err))
                return CST_EFATAL;
        if ((a->rot_sec && sec == 0) || (a->rot_files && files == 0)) {
                snprintf(err, CST_ERRBUF, "invalid value for %s: '%s'", sec ? "-W" : "-G",
                         sec ? a->rot_files : a->rot_sec);
                return CST_EFATAL;
        }
        if (files && !job->rotate_bytes && !sec) {
                snprintf(err, CST_ERRBUF, "-W needs -C or -G");
                return CST_EFATAL;
        }
        if ((job->rotate_bytes || sec) && (!a->output || strcmp(a->output, "-") == 0)) {
                snprintf(err, CST_ERRBUF, "-C and -G need an output file (-w FILE)");
                return CST_EFATAL;
        }
        job->rotate_sec = (uint32_t)sec;
        job->rotate_files = (uint32_t)files;
        return CST_OK;
}

static int td_words(const struct td_args *a, struct capture_job *job, char *err)
{
        struct cst_config *c = job->cfg;
        enum cst_tls_policy pol;
        if (a->backend &&
            (strcmp(a->backend, "recvmsg") == 0 || strcmp(a->backend, "tpacket_v3") == 0))
                cfg_put(c, "capture.backend", a->backend);
        else if (a->backend && strcmp(a->backend, "pcap") == 0) /* issue 19 item 3 */
                cfg_put(c, "capture.backend", a->backend);
        else if (a->backend && strcmp(a->backend, "ebpf") == 0) /* issue 19 item 4 */
                cfg_put(c, "capture.backend", a->backend);
        else if (a->backend)
                return snprintf(err, CST_ERRBUF,
                                "unknown --backend '%s' (recvmsg|tpacket_v3|pcap|ebpf)",
                                a->backend),
                       CST_EFATAL;
        /* --format / -F, else the -w name's extension (issue 18), else PCAP */
        job->format = job->outc.format && !a->format ? job->outc.format : CST_FORMAT_PCAP;
        if (a->format && strcmp(a->format, "pcapng") == 0)
                job->format = CST_FORMAT_PCAPNG;
        else if (a->format && strcmp(a->format, "pcap") != 0)
                return snprintf(err, CST_ERRBUF, "unknown --format '%s' (pcap|pcapng)", a->format),
                       CST_EFATAL;
        job->nsec = true;
        if (a->precision && strcmp(a->precision, "micro") == 0)
                job->nsec = false;
        else if (a->precision && strcmp(a->precision, "nano") != 0)
                return snprintf(err, CST_ERRBUF, "unknown --time-precision '%s' (micro|nano)",
                                a->precision),
                       CST_EFATAL;
        if (a->policy && cst_tls_policy_parse(a->policy, &pol) != 0)
                return snprintf(err, CST_ERRBUF,
                                "unknown --policy '%s' (final_only|stream|bulk|track)", a->policy),
                       CST_EFATAL;
        if (a->policy)
                cst_config_set_policy(c, pol);
        return CST_OK;
}

/*
 * issue 20: --tls-keylog (or general.tls_keylog) needs a PCAPNG file: it is
 * then the default format, and --format pcap is refused.
 */
static int td_keylog(const struct td_args *a, struct capture_job *job, char *err)
{
        char kl[4096];
        if (a->tls_keylog && cst_config_set(job->cfg, "general.tls_keylog", a->tls_keylog, err) < 0)
                return CST_EFATAL;
        if (cfg_text(job->cfg, "general.tls_keylog", kl, sizeof(kl))[0] == '\0')
                return CST_OK;
        if (!a->output)
                return snprintf(err, CST_ERRBUF, "--tls-keylog needs an output file (-w FILE)"),
                       CST_EFATAL;
        if ((a->format || job->outc.format) && job->format != CST_FORMAT_PCAPNG)
                return snprintf(err, CST_ERRBUF,
                                "--tls-keylog needs PCAPNG output (--format pcapng or a "
                                "-w name ending in .pcapng)"),
                       CST_EFATAL;
        job->format = CST_FORMAT_PCAPNG;
        return CST_OK;
}

/* issue 20: annotations need a PCAPNG file; -v/-A/-X shape the text lines (no -w). */
static int td_text(const struct td_args *a, struct capture_job *job, char *err)
{
        job->annotate = a->annotate || cfg_bool(job->cfg, "general.annotate");
        job->text.verbose = a->verbose;
        job->text.payload = a->payload;
        if (job->annotate && job->output && job->format != CST_FORMAT_PCAPNG) {
                snprintf(err, CST_ERRBUF,
                         "--annotate needs PCAPNG output (packet comments): add -F pcapng");
                return CST_EFATAL;
        }
        return CST_OK;
}

/* -z, partial names and the format a -w name asks for (issue 18; -F is --format). */
static int td_output(const struct td_args *a, struct capture_job *job, char *err)
{
        struct output_args o = a->out;
        o.format = NULL; /* --format / -F: td_words, with its own messages */
        return output_choose(&o, job->cfg, a->output, &job->outc, err);
}

/* --workers N (issue 19): fanout workers, live tpacket_v3 only; "%w" in -w needs them. */
static int td_workers(const struct td_args *a, struct capture_job *job, char *err)
{
        unsigned long long n = job->workers;
        if (!td_number("--workers", a->workers, 256, &n, err))
                return CST_EFATAL;
        if (n == 0)
                return snprintf(err, CST_ERRBUF, "invalid value for --workers: '%s' (1..256)",
                                a->workers),
                       CST_EFATAL;
        job->workers = (unsigned)n;
        if (n > 1 && job->read_file)
                return snprintf(err, CST_ERRBUF, "--workers needs a live interface (-i), not -r"),
                       CST_EFATAL;
        if (n > 1 && job->copts.backend != CST_BACKEND_TPACKET_V3)
                return snprintf(err, CST_ERRBUF, "--workers needs the tpacket_v3 backend"),
                       CST_EFATAL;
        if (job->output && strstr(job->output, "%w") && n < 2)
                return snprintf(err, CST_ERRBUF, "-w name with %%w needs --workers 2 or more"),
                       CST_EFATAL;
        return CST_OK;
}

static int td_build_job(const struct td_args *a, struct capture_job *job, char *err)
{
        struct cst_config *c = job->cfg = cfg_new(a->config != NULL);
        char ifname[64];
        if (a->config) {
                cfg_put(c, "capture.backend", "tpacket_v3");
                if (cst_config_load(c, a->config, CST_DIALECT_LIVE, err) != 0)
                        return CST_EFATAL;
        } else {
                cfg_put_bool(c, "capture.promiscuous", true); /* tcpdump's default; -p: off */
                cst_config_set_policy(c, CST_TLS_TRACK);      /* issue 12: live default */
        }
        if (a->no_promisc)
                cfg_put_bool(c, "capture.promiscuous", false);
        if (a->iface && cst_config_set(c, "capture.interface", a->iface, err) != CST_OK)
                return CST_EFATAL;
        if (a->read && a->iface)
                return snprintf(err, CST_ERRBUF, "-i and -r cannot be used together"), CST_EFATAL;
        if (cfg_text(c, "capture.interface", ifname, sizeof(ifname))[0] == '\0' && !a->read)
                return snprintf(err, CST_ERRBUF, "no interface given (-i IFACE or -r FILE)"),
                       CST_EFATAL;
        capture_job_opts(job);
        if (td_output(a, job, err) < 0 || td_words(a, job, err) < 0 ||
            td_numbers(a, job, err) < 0 || td_rotation(a, job, err) < 0 ||
            td_keylog(a, job, err) < 0)
                return CST_EFATAL;
        if (!a->rot_size && !a->rot_sec && !a->rot_files) { /* the [output] keys */
                job->rotate_bytes = job->outc.rotate_bytes;
                job->rotate_sec = job->outc.rotate_sec;
                job->rotate_files = job->outc.rotate_files;
        }
        job->read_file = a->read;
        job->user = a->user;
        job->packet_buffered = a->packet_buffered;
        /* -U flushes every batch: a partial block each time suits the page cache */
        job->direct_io = !a->no_direct_io && !a->packet_buffered && cfg_bool(c, "output.direct_io");
        job->copts.no_vnet_hdr = a->no_vnet;
        job->copts.backend = capture_cfg_backend(c);
        job->copts.filter = a->filter[0] ? a->filter : NULL;
        job->output = a->output;
        job->comp = a->comp;
        job->verbose = a->verbose;
        live_stats_from_cfg(&job->live, c);
        if (live_stats_set(&job->live, a->stats_interval, a->stats_file, a->metrics_listen, err) <
            0)
                return CST_EFATAL;
        if (td_text(a, job, err) < 0 || td_workers(a, job, err) < 0)
                return CST_EFATAL;
        return CST_OK;
}

int capture_args_parse(int argc, char **argv, struct capture_job *job, char *err)
{
        static struct td_args a;
        int opt;
        memset(&a, 0, sizeof(a));
        memset(job, 0, sizeof(*job));
        optind = 0; /* full re-initialisation: an earlier scan may have stopped mid-word */
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "+i:w:r:c:s:B:C:G:W:Z:F:z:pnUvhDAX", td_long,
                                  NULL)) != -1) {
                if (opt == 'h' || opt == OPT_HELP)
                        return CAPTURE_ARGS_HELP;
                if (opt == '?' || opt == ':' || td_store(&a, opt, optarg) < 0) {
                        snprintf(err, CST_ERRBUF, "unknown or incomplete option '%s'",
                                 argv[optind - 1]);
                        return CST_EFATAL;
                }
        }
        if (a.list_ifaces)
                return CAPTURE_ARGS_LIST;
        if (td_filter(&a, argc, argv, optind) < 0) {
                snprintf(err, CST_ERRBUF, "filter expression too long");
                return CST_EFATAL;
        }
        return td_build_job(&a, job, err);
}
