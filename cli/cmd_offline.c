/*
 * constrict | reinflate | restore: option parsing and the run sequence of
 * SPEC 2.1 (config -> decision-log check -> same-file check -> format
 * detection -> pipeline), result reporting and stats printing.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <constrictor/constrictor.h>
#include "commands.h"

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
};

enum { OPT_STATS = 256, OPT_CONFIG, OPT_DECISION_LOG, OPT_POLICY, OPT_STATS_FORMAT };

static const struct option long_options[] = {
    {"stats", no_argument, NULL, OPT_STATS},
    {"output", required_argument, NULL, 'o'},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"decision-log", required_argument, NULL, OPT_DECISION_LOG},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"stats-format", required_argument, NULL, OPT_STATS_FORMAT},
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
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (strcmp(opt, table[i][0]) == 0)
                        return table[i][1];
        return NULL;
}

/* Store one option's value; 0, or -1 with msg filled. */
static int set_option(struct offline_opts *o, int opt, const char *val, char *msg)
{
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
                opt = getopt_long(argc, argv, "-:o:", long_options, &longindex);
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

/* SPEC 2.1 steps 4-5; argv[0] is the command name. */
static int parse_args(int argc, char **argv, struct offline_opts *o, char *msg)
{
        if (parse_options(argc, argv, o, msg) != 0)
                return -1;
        if (!o->input) {
                snprintf(msg, CST_ERRBUF, "missing input path");
                return -1;
        }
        if (!o->output) {
                snprintf(msg, CST_ERRBUF, "missing output path; use -o output.pcap");
                return -1;
        }
        return 0;
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

/*
 * Everything before the pipeline: config, decision-log mode, same file.  The
 * format is detected by the pipeline from its first read (pipes work).
 */
static int prepare(const struct offline_opts *o, struct cst_config *cfg)
{
        char err[CST_ERRBUF];

        cst_config_defaults(cfg);
        if (o->config && cst_config_load(cfg, o->config, CST_DIALECT_OFFLINE, err) != 0)
                return fatal(err);
        if (o->policy_set)
                cst_config_set_policy(cfg, o->policy);
        if (o->decision_log && !o->constrict)
                return fatal("--decision-log is supported only with constrict mode");
        /* cli_same_file also compares "-" (stdout) with the input. */
        if (cli_same_file(o->input, o->output))
                return fatal("input and output paths refer to the same file");
        if (o->decision_log && cli_log_collides(o->decision_log, o->input))
                return fatal("decision log and input paths refer to the same file");
        if (o->decision_log && cli_log_collides(o->decision_log, o->output))
                return fatal("decision log and output paths refer to the same file");
        return 0;
}

static int run(const struct offline_opts *o)
{
        struct cst_config cfg;
        struct cst_stats st;
        char err[CST_ERRBUF] = "";
        int rc, status;

        if (prepare(o, &cfg) != 0)
                return 1;
        memset(&st, 0, sizeof(st));
        if (o->constrict)
                rc = cst_constrict_file(o->input, o->output, &cfg, o->decision_log, &st, err);
        else
                rc = cst_reinflate_file(o->input, o->output, &cfg, &st, err);
        st.tls_policy = (int)cfg.tls_policy;
        if (rc != CST_OK && rc != CST_ETAIL)
                return fatal(err[0] ? err : "out of memory");
        status = rc == CST_OK ? 0 : 1;
        if (rc == CST_ETAIL) {
                fprintf(stderr, "Warning: %s\n", err);
                fprintf(stderr, "Warning: output contains only packets successfully processed "
                                "before the incomplete tail.\n");
        }
        if (st.caplen_exceeds_origlen_packets)
                fprintf(stderr,
                        "Warning: %llu packet(s) had a captured length above the original "
                        "length and were kept whole.\n",
                        (unsigned long long)st.caplen_exceeds_origlen_packets);
        if (o->stats && print_stats(o, &st, cfg.checksum_recompute) != 0)
                status = 1;
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
