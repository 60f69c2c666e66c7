/*
 * constrict | reinflate | restore: option parsing and the run sequence of
 * SPEC 2.1 (config -> decision-log check -> same-file check -> format
 * detection -> pipeline), result reporting and stats printing.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <constrictor/constrictor.h>
#include "cfg.h"
#include "commands.h"
#include "live_stats.h"
#include "output_args.h"

/* run_pipeline(): a signal stopped the run (not a library status). */
#define CST_EINTERRUPTED (-100)

struct offline_opts {
        bool constrict; /* else reinflate/restore */
        const char *input;
        const char *output;
        const char *config;
        const char *decision_log;
        bool stats;
        bool stats_json;
        bool policy_set;
        enum cst_tls_policy policy;
        /* issue 20: --annotate (PCAPNG comments), --text and its -v / -A / -X */
        bool annotate;
        bool text;
        struct cst_text_opts text_opts;
        /* issue 18: -q, live statistics (live_stats.h) */
        bool quiet;
        const char *stats_interval, *stats_file, *metrics_listen;
        /* issue 18, constrict only: -F, -C/-G/-W, -z, partial names */
        struct output_args out;
        bool out_given;
};

enum {
        OPT_STATS = 256,
        OPT_CONFIG,
        OPT_DECISION_LOG,
        OPT_POLICY,
        OPT_STATS_FORMAT,
        OPT_ANNOTATE, /* issue 20 */
        OPT_TEXT,
        /* issue 18 (live statistics) */
        OPT_STATS_INTERVAL,
        OPT_STATS_FILE,
        OPT_METRICS_LISTEN,
        /* issue 18: output options of constrict */
        OPT_POST_JOBS,
        OPT_PART_SUFFIX,
        OPT_PART_PREFIX,
};

static const struct option long_options[] = {
    {"stats", no_argument, NULL, OPT_STATS},
    {"output", required_argument, NULL, 'o'},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"decision-log", required_argument, NULL, OPT_DECISION_LOG},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"stats-format", required_argument, NULL, OPT_STATS_FORMAT},
    {"annotate", no_argument, NULL, OPT_ANNOTATE},
    {"text", no_argument, NULL, OPT_TEXT},
    {"quiet", no_argument, NULL, 'q'},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"stats-file", required_argument, NULL, OPT_STATS_FILE},
    {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
    {"post-rotate-jobs", required_argument, NULL, OPT_POST_JOBS},
    {"part-suffix", required_argument, NULL, OPT_PART_SUFFIX},
    {"part-prefix", required_argument, NULL, OPT_PART_PREFIX},
    {NULL, 0, NULL, 0},
};

/* SPEC 2.1 names what was missing after an option taking a value. */
static const char *missing_text(const char *opt)
{
        static const char *const table[][2] = {
            {"-o", "missing output path after -o"},
            {"--output", "missing output path after --output"},
            {"--config", "missing config path after --config"},
            {"--decision-log", "missing path after --decision-log"},
            {"--policy", "missing policy name after --policy"},
            {"--stats-format", "missing format after --stats-format"},
            {"--stats-interval", "missing seconds after --stats-interval"},
            {"--stats-file", "missing path after --stats-file"},
            {"--metrics-listen", "missing address after --metrics-listen"},
            {"-C", "missing size after -C"},
            {"-G", "missing seconds after -G"},
            {"-W", "missing file count after -W"},
            {"-F", "missing format after -F"},
            {"-z", "missing command after -z"},
            {"--post-rotate-jobs", "missing count after --post-rotate-jobs"},
            {"--part-suffix", "missing suffix after --part-suffix"},
            {"--part-prefix", "missing prefix after --part-prefix"},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (strcmp(opt, table[i][0]) == 0)
                        return table[i][1];
        return NULL;
}

/* The output options of issue 18; false when opt is not one of them. */
static bool set_output_option(struct output_args *a, int opt, const char *val)
{
        const char **slot = opt == 'C'               ? &a->rot_size
                            : opt == 'G'             ? &a->rot_sec
                            : opt == 'W'             ? &a->rot_files
                            : opt == 'F'             ? &a->format
                            : opt == 'z'             ? &a->post_cmd
                            : opt == OPT_POST_JOBS   ? &a->post_jobs
                            : opt == OPT_PART_SUFFIX ? &a->part_suffix
                            : opt == OPT_PART_PREFIX ? &a->part_prefix
                                                     : NULL;
        if (slot)
                *slot = val;
        return slot != NULL;
}

/* Store one option's value; 0, or -1 with msg filled. */
static int set_option(struct offline_opts *o, int opt, const char *val, char *msg)
{
        if (set_output_option(&o->out, opt, val)) {
                o->out_given = true;
                return 0;
        }
        switch (opt) {
        case OPT_STATS:
                o->stats = true;
                return 0;
        case 'o':
                o->output = val;
                return 0;
        case OPT_CONFIG:
                o->config = val;
                return 0;
        case OPT_DECISION_LOG:
                o->decision_log = val;
                return 0;
        case OPT_ANNOTATE:
                o->annotate = true;
                return 0;
        case OPT_TEXT:
                o->text = true;
                return 0;
        case 'v':
                o->text_opts.verbose++;
                return 0;
        case 'A':
        case 'X':
                o->text_opts.payload = (char)opt;
                return 0;
        case 'q':
                o->quiet = true;
                return 0;
        case OPT_STATS_INTERVAL:
                o->stats_interval = val;
                return 0;
        case OPT_STATS_FILE:
                o->stats_file = val;
                return 0;
        case OPT_METRICS_LISTEN:
                o->metrics_listen = val;
                return 0;
        case OPT_POLICY:
                if (cst_tls_policy_parse(val, &o->policy) != 0) {
                        snprintf(msg, CST_ERRBUF,
                                 "invalid value for --policy; expected final_only, stream, "
                                 "bulk, or track");
                        return -1;
                }
                o->policy_set = true;
                return 0;
        default: /* OPT_STATS_FORMAT */
                if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0) {
                        snprintf(msg, CST_ERRBUF,
                                 "invalid value for --stats-format; expected text or json");
                        return -1;
                }
                o->stats = true;
                o->stats_json = val[0] == 'j';
                return 0;
        }
}

static int set_positional(struct offline_opts *o, const char *arg, char *msg)
{
        if (!o->input) {
                o->input = arg;
                return 0;
        }
        snprintf(msg, CST_ERRBUF, "unexpected extra positional argument: %.400s", arg);
        return -1;
}

/*
 * A long option must be spelled out (SPEC 2.1 knows no abbreviations):
 * "--out" is an unknown option, not --output.
 */
static bool spelled_out(const char *arg, int longindex)
{
        if (longindex < 0)
                return true;
        const char *name = long_options[longindex].name;
        size_t n = strcspn(arg + 2, "=");
        return strncmp(arg, "--", 2) == 0 && strlen(name) == n && strncmp(arg + 2, name, n) == 0;
}

/* The text of an option as typed, without "=value". */
static void option_text(const char *arg, char *out, size_t cap)
{
        snprintf(out, cap, "%.*s", (int)strcspn(arg, "="), arg);
}

/*
 * getopt_long over argv (argv[0] is the command name), left to right as
 * SPEC 2.1 step 4 asks ("-" first in optstring: positionals come back in
 * order, as option 1).  "--opt value" and "--opt=value" both work; a lone
 * "-" is a path (standard input, or standard output after -o).
 */
static int parse_options(int argc, char **argv, struct offline_opts *o, char *msg)
{
        int opt, longindex;
        optind = 0; /* full re-initialisation of getopt */
        opterr = 0;
        for (;;) {
                int cur = optind ? optind : 1;
                longindex = -1;
                opt = getopt_long(argc, argv, "-:o:qC:G:W:F:z:vAX", long_options, &longindex);
                if (opt == -1)
                        break;
                const char *arg = cur < argc ? argv[cur] : "";
                if (opt == 1) {
                        if (set_positional(o, optarg, msg) != 0)
                                return -1;
                        continue;
                }
                if (opt == ':') {
                        char text[64];
                        option_text(arg, text, sizeof(text));
                        const char *m = missing_text(text);
                        if (m) {
                                snprintf(msg, CST_ERRBUF, "%s", m);
                                return -1;
                        }
                        opt = '?';
                }
                if (opt == '?' || !spelled_out(arg, longindex)) {
                        snprintf(msg, CST_ERRBUF, "unknown option: %.400s", arg);
                        return -1;
                }
                if (set_option(o, opt, optarg, msg) != 0)
                        return -1;
        }
        for (int i = optind; i < argc; i++) /* after "--": paths */
                if (set_positional(o, argv[i], msg) != 0)
                        return -1;
        return 0;
}

/*
 * issue 20: -o - on a terminal prints text lines (a capture file there is
 * of no use to anyone); -v/-A/-X need text, and text is constrict's only.
 */
static int text_args(struct offline_opts *o, char *msg)
{
        if (o->constrict && !o->text && strcmp(o->output, "-") == 0 && isatty(STDOUT_FILENO))
                o->text = true;
        if (!o->text && (o->text_opts.verbose || o->text_opts.payload)) {
                snprintf(msg, CST_ERRBUF, "-v, -A and -X need text output (--text)");
                return -1;
        }
        if ((o->text || o->annotate) && !o->constrict) {
                snprintf(msg, CST_ERRBUF,
                         "--text and --annotate are supported only with "
                         "constrict mode");
                return -1;
        }
        if (o->text && o->annotate) {
                snprintf(msg, CST_ERRBUF,
                         "--annotate writes PCAPNG comments; it cannot go with "
                         "text output");
                return -1;
        }
        return 0;
}

/* SPEC 2.1 steps 4-5; argv[0] is the command name. */
static int parse_args(int argc, char **argv, struct offline_opts *o, char *msg)
{
        if (parse_options(argc, argv, o, msg) != 0)
                return -1;
        if (!o->input) {
                snprintf(msg, CST_ERRBUF, "missing input path");
                return -1;
        }
        if (!o->output && o->text)
                o->output = "-"; /* --text: the lines on standard output unless -o names a file */
        if (!o->output) {
                snprintf(msg, CST_ERRBUF, "missing output path; use -o output.pcap");
                return -1;
        }
        return text_args(o, msg);
}

static int fatal(const char *msg)
{
        fprintf(stderr, "error: %s\n", msg);
        return 1;
}

static int print_stats(const struct offline_opts *o, const struct cst_stats *st, bool recompute)
{
        /* With the capture on stdout, the stats must not mix into it. */
        FILE *out = strcmp(o->output, "-") == 0 ? stderr : stdout;
        int rc;

        if (o->stats_json)
                rc = cst_stats_print_json(out, st);
        else
                rc = cst_stats_print_text(out, st, recompute);
        if (rc != 0 || fflush(out) != 0)
                return fatal("failed to write stats");
        return 0;
}

static bool cfg_bool_recompute(const struct cst_config *cfg)
{
        char policy[16];
        return strcmp(cfg_text(cfg, "reinflate.checksum_policy", policy, sizeof(policy)),
                      "recompute") == 0;
}

/*
 * Everything before the pipeline: config, decision-log mode, same file.  The
 * format is detected by the pipeline from its first read (pipes work).
 */
static int prepare(const struct offline_opts *o, struct cst_config *cfg)
{
        char err[CST_ERRBUF];

        if (o->config && cst_config_load(cfg, o->config, CST_DIALECT_OFFLINE, err) != 0)
                return fatal(err);
        if (o->policy_set)
                cst_config_set_policy(cfg, o->policy);
        if (o->decision_log && !o->constrict)
                return fatal("--decision-log is supported only with constrict mode");
        if (o->out_given && !o->constrict)
                return fatal("-C, -G, -W, -F, -z and the --part/--post-rotate options are "
                             "supported only with constrict mode");
        /* cli_same_file also compares "-" (stdout) with the input. */
        if (cli_same_file(o->input, o->output))
                return fatal("input and output paths refer to the same file");
        if (o->decision_log && cli_log_collides(o->decision_log, o->input))
                return fatal("decision log and input paths refer to the same file");
        if (o->decision_log && cli_log_collides(o->decision_log, o->output))
                return fatal("decision log and output paths refer to the same file");
        return 0;
}

/*
 * Signals of an offline run (issue 17 item 1): SIGINT, SIGTERM and SIGHUP
 * ask the pipeline to stop at the next batch boundary; the records written
 * so far are flushed and end on a whole record.  SIGPIPE and SIGXFSZ are
 * ignored: a closed reader or a file-size limit becomes a write error with
 * its cause.  Handlers only set flags.
 */
static cst_pipeline *volatile run_pipe;
static volatile sig_atomic_t run_signal;
static bool run_rotating; /* constrict -C/-G: interrupted, the files so far are complete */

static void on_run_signal(int sig)
{
        run_signal = sig;
        if (run_pipe)
                cst_pipeline_stop(run_pipe);
}

static void install_run_signals(void)
{
        static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_run_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
                sigaction(stop[i], &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGXFSZ, SIG_IGN);
}

/* general.annotate of the configuration (a file may ask for annotations). */
static bool cfg_annotate(const struct cst_config *cfg)
{
        return cfg_bool(cfg, "general.annotate");
}

/*
 * constrict's output (issue 18): the input's format unless -F or the
 * output's extension asks for the other; -C/-G/-W rotation, partial names,
 * -z.  Without rotation and in the input's format it is the byte-for-byte
 * output of before.
 */
static int open_output(const struct offline_opts *o, const struct cst_config *cfg, cst_pipeline *p,
                       char *err)
{
        static char log_prefix[] = CST_PROGRAM_NAME " constrict";
        struct output_choice c;
        struct cst_output_opts oo;
        if (output_choose(&o->out, cfg, o->output, &c, err) < 0)
                return CST_EFATAL;
        memset(&oo, 0, sizeof(oo));
        oo.format = c.format;
        oo.rotate_bytes = c.rotate_bytes;
        oo.rotate_sec = c.rotate_sec;
        oo.rotate_files = c.rotate_files;
        oo.part_prefix = c.part_prefix;
        oo.part_suffix = c.part_suffix;
        oo.post_rotate_cmd = c.post_cmd[0] ? c.post_cmd : NULL;
        oo.post_rotate_jobs = c.post_jobs;
        oo.log = output_log_line;
        oo.log_ctx = log_prefix;
        run_rotating = c.rotate_bytes || c.rotate_sec;
        return cst_pipeline_output_file_opts(p, o->output, &oo, err);
}

/* PCAPNG written as PCAP: what had no place there, in one line. */
static void warn_dropped(cst_pipeline *p)
{
        uint64_t blocks, opts;
        cst_pipeline_output_dropped(p, &blocks, &opts);
        if (blocks || opts)
                fprintf(stderr,
                        "Warning: classic PCAP has no place for %llu PCAPNG block(s) (comments, "
                        "decryption secrets, name resolution, statistics) and the options of "
                        "%llu packet(s); they were dropped (write PCAPNG to keep them: -F "
                        "pcapng).\n",
                        (unsigned long long)blocks, (unsigned long long)opts);
}

/* Source, engine or reinflater, output, decision log: in SPEC 2.1's order of errors. */
static int open_run(const struct offline_opts *o, const struct cst_config *cfg, cst_pipeline **p,
                    char *err)
{
        int rc = cst_pipeline_open_file(p, o->input, err);
        if (rc == CST_OK)
                rc = o->constrict ? cst_pipeline_set_engine(*p, cfg, err)
                                  : cst_pipeline_set_reinflate(*p, cfg, err);
        if (rc == CST_OK)
                rc = o->text        ? cst_pipeline_output_text(*p, o->output, &o->text_opts, err)
                     : o->constrict ? open_output(o, cfg, *p, err)
                                    : cst_pipeline_output_file(*p, o->output, err);
        if (rc == CST_OK && (o->annotate || (o->constrict && !o->text && cfg_annotate(cfg))) &&
            cst_pipeline_set_annotate(*p, true, err) != CST_OK) {
                snprintf(err, CST_ERRBUF,
                         "--annotate needs PCAPNG output (packet comments), and the output "
                         "here is classic PCAP: write PCAPNG with -F pcapng");
                rc = CST_EFATAL;
        }
        if (rc == CST_OK && o->decision_log)
                rc = cst_engine_open_decision_log(cst_pipeline_engine(*p), o->decision_log, err);
        return rc;
}

static int close_log(const struct offline_opts *o, cst_pipeline *p, int rc, char *err)
{
        char lerr[CST_ERRBUF];
        if (!o->decision_log || rc == CST_EFATAL || rc == CST_ENOMEM)
                return rc;
        if (cst_engine_close_decision_log(cst_pipeline_engine(p), lerr) != CST_OK) {
                memcpy(err, lerr, CST_ERRBUF);
                return CST_EFATAL;
        }
        return rc;
}

/*
 * Open, run, close.  The output is committed (renamed over its name) when
 * the run ends or stops at an incomplete tail; an error or a signal leaves
 * any earlier output untouched, and what was written is kept under its
 * temporary name (named in `kept`) unless writing itself failed.
 */
static int run_pipeline(const struct offline_opts *o, const struct cst_config *cfg,
                        struct live_stats *ls, struct cst_stats **st, char *err, char *kept,
                        size_t kept_len)
{
        cst_pipeline *p = NULL;
        struct cst_run_opts ro;
        struct cst_pipeline_stats *ps = &ls->final;
        memset(&ro, 0, sizeof(ro));
        memset(ps, 0, sizeof(*ps));
        kept[0] = '\0';
        live_stats_run_opts(ls, &ro);
        int rc = open_run(o, cfg, &p, err);
        if (rc == CST_OK) {
                const char *tmp = cst_pipeline_output_path(p);
                if (tmp && strcmp(tmp, o->output) != 0)
                        cli_set_cleanup_path(tmp); /* a temporary name: SIGBUS removes it */
                run_pipe = p;
                if (run_signal)
                        cst_pipeline_stop(p);
                rc = cst_pipeline_run(p, &ro, err);
                run_pipe = NULL;
                cli_set_cleanup_path(NULL);
                rc = close_log(o, p, rc, err);
        }
        if (p) {
                warn_dropped(p);
                cst_stats_free(*st);
                *st = cst_stats_copy(cst_pipeline_file_stats(p));
                cst_pipeline_get_stats(p, ps);
                live_stats_end(ls, ps);
                /* a signal: also when the input ended meanwhile (a pipe's writer got it too) */
                if ((ps->stop == CST_STOP_REQUEST || run_signal) && rc == CST_OK)
                        rc = CST_EINTERRUPTED;
                if (ps->stop == CST_STOP_FILE_LIMIT)
                        fprintf(stderr,
                                "Warning: -G with -W: stopped after %s files; the rest of "
                                "the input was not written.\n",
                                o->out.rot_files ? o->out.rot_files : "the [output] max_files");
        }
        if (rc != CST_OK && rc != CST_ETAIL) {
                /* interrupted: what was written is kept; an error leaves nothing behind */
                bool keep = rc == CST_EINTERRUPTED && ps->packets_written > 0;
                cst_pipeline_abort(p, keep ? kept : NULL, keep ? kept_len : 0);
                return rc;
        }
        char cerr[CST_ERRBUF];
        if (cst_pipeline_close(p, cerr) != CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                return CST_EFATAL;
        }
        return rc;
}

static const char *signal_name(int sig)
{
        return sig == SIGINT    ? "SIGINT"
               : sig == SIGTERM ? "SIGTERM"
               : sig == SIGHUP  ? "SIGHUP"
                                : "a signal";
}

/* The error line: the message, then where the partial output is if it was kept. */
static int report_failure(const struct offline_opts *o, int rc, const struct cst_stats *st,
                          const char *err, const char *kept)
{
        if (rc == CST_EINTERRUPTED) {
                int sig = run_signal ? run_signal : SIGINT;
                uint64_t packets = 0;
                cst_stats_get(st, "total_packets", &packets);
                if (kept[0] && run_rotating)
                        fprintf(stderr,
                                "error: interrupted by %s after %llu packets; the files written "
                                "so far are complete, the last one is %s\n",
                                signal_name(sig), (unsigned long long)packets, kept);
                else if (kept[0])
                        fprintf(stderr,
                                "error: interrupted by %s after %llu packets; the output so far "
                                "(whole records) is in %s\n",
                                signal_name(sig), (unsigned long long)packets, kept);
                else
                        fprintf(stderr, "error: interrupted by %s after %llu packets\n",
                                signal_name(sig), (unsigned long long)packets);
                return 128 + sig;
        }
        (void)o;
        return fatal(err[0] ? err : "out of memory");
}

/* --stats-interval, --stats-file, --metrics-listen over the [stats] keys; the progress line. */
static int live_setup(const struct offline_opts *o, const struct cst_config *cfg,
                      struct live_stats *ls)
{
        char err[CST_ERRBUF];
        live_stats_from_cfg(ls, cfg);
        if (live_stats_set(ls, o->stats_interval, o->stats_file, o->metrics_listen, err) != 0 ||
            live_stats_start(ls, err) != 0)
                return fatal(err);
        progress_init(&ls->prog, o->quiet, o->input);
        return 0;
}

static int run_with(const struct offline_opts *o, struct cst_config *cfg, struct cst_stats **st)
{
        char err[CST_ERRBUF] = "", kept[4200];
        uint64_t caplen_above = 0;
        int rc, status;
        static struct live_stats ls;

        if (prepare(o, cfg) != 0 || live_setup(o, cfg, &ls) != 0)
                return 1;
        install_run_signals();
        rc = run_pipeline(o, cfg, &ls, st, err, kept, sizeof(kept));
        live_stats_close(&ls);
        if (!*st)
                return fatal("out of memory");
        if (rc != CST_OK && rc != CST_ETAIL)
                return report_failure(o, rc, *st, err, kept);
        status = rc == CST_OK ? 0 : 1;
        if (rc == CST_ETAIL) {
                fprintf(stderr, "Warning: %s\n", err);
                fprintf(stderr, "Warning: output contains only packets successfully processed "
                                "before the incomplete tail.\n");
        }
        cst_stats_get(*st, "caplen_exceeds_origlen_packets", &caplen_above);
        if (caplen_above)
                fprintf(stderr,
                        "Warning: %llu packet(s) had a captured length above the original "
                        "length and were kept whole.\n",
                        (unsigned long long)caplen_above);
        if (o->stats && print_stats(o, *st, cfg_bool_recompute(cfg)) != 0)
                status = 1;
        if (o->constrict && !o->quiet)
                summary_line(stderr, &ls.final); /* issue 18 item 7: after --stats */
        return status;
}

static int run(const struct offline_opts *o)
{
        struct cst_config *cfg = cfg_new(false);
        struct cst_stats *st = cst_stats_new();
        int status = st ? run_with(o, cfg, &st) : fatal("out of memory");

        cst_stats_free(st);
        cst_config_free(cfg);
        return status;
}

int cmd_offline(int argc, char **argv)
{
        struct offline_opts o;
        char msg[CST_ERRBUF];

        memset(&o, 0, sizeof(o));
        o.constrict = strcmp(argv[0], "constrict") == 0;
        if (parse_args(argc, argv, &o, msg) != 0)
                return cli_usage_error(msg);
        return run(&o);
}
