/*
 * constrict | reinflate | restore: option parsing and the run sequence of
 * SPEC 2.1 (config -> decision-log check -> same-file check -> format
 * detection -> pipeline), result reporting and stats printing.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <constrictor/constrictor.h>
#include "cfg.h"
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

/* An option taking a value: SPEC 2.1 names what was missing. */
struct valued_option {
        const char *name;
        const char *missing; /* message when the value is absent */
};

static const struct valued_option valued_options[] = {
    {"-o", "missing output path after -o"},
    {"--output", "missing output path after --output"},
    {"--config", "missing config path after --config"},
    {"--decision-log", "missing path after --decision-log"},
    {"--policy", "missing policy name after --policy"},
    {"--stats-format", "missing format after --stats-format"},
};

static const struct valued_option *find_valued(const char *arg)
{
        for (size_t i = 0; i < sizeof(valued_options) / sizeof(valued_options[0]); i++)
                if (strcmp(arg, valued_options[i].name) == 0)
                        return &valued_options[i];
        return NULL;
}

/* Store the value of a valued option; 0, or -1 with msg filled. */
static int set_valued(struct offline_opts *o, const char *name, const char *val, char *msg)
{
        if (strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0) {
                o->output = val;
        } else if (strcmp(name, "--config") == 0) {
                o->config = val;
        } else if (strcmp(name, "--decision-log") == 0) {
                o->decision_log = val;
        } else if (strcmp(name, "--policy") == 0) {
                if (cst_tls_policy_parse(val, &o->policy) != 0) {
                        snprintf(msg, CST_ERRBUF,
                                 "invalid value for --policy; expected final_only, stream, "
                                 "bulk, or track");
                        return -1;
                }
                o->policy_set = true;
        } else {
                if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0) {
                        snprintf(msg, CST_ERRBUF,
                                 "invalid value for --stats-format; expected text or json");
                        return -1;
                }
                o->stats = true;
                o->stats_json = val[0] == 'j';
        }
        return 0;
}

/* SPEC 2.1 step 4-5; argv[0] is the command name. */
static int parse_args(int argc, char **argv, struct offline_opts *o, char *msg)
{
        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];
                const struct valued_option *vo = find_valued(arg);

                if (strcmp(arg, "--stats") == 0) {
                        o->stats = true;
                } else if (vo) {
                        if (i + 1 >= argc) {
                                snprintf(msg, CST_ERRBUF, "%s", vo->missing);
                                return -1;
                        }
                        if (set_valued(o, vo->name, argv[++i], msg) != 0)
                                return -1;
                } else if (arg[0] == '-') {
                        snprintf(msg, CST_ERRBUF, "unknown option: %.400s", arg);
                        return -1;
                } else if (!o->input) {
                        o->input = arg;
                } else {
                        snprintf(msg, CST_ERRBUF, "unexpected extra positional argument: %.400s",
                                 arg);
                        return -1;
                }
        }
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

/* "<resolved parent directory>/<name>" of path, false if the parent does not resolve. */
static bool parent_of(const char *path, char out[PATH_MAX])
{
        char tmp[PATH_MAX], dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        size_t dlen = slash ? (size_t)(slash - path) : 0;

        if (dlen >= sizeof(tmp))
                return false;
        if (slash) {
                memcpy(tmp, path, dlen);
                tmp[dlen] = '\0';
        }
        if (!realpath(slash ? (dlen ? tmp : "/") : ".", dir))
                return false;
        return snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX;
}

/*
 * True when `log` names the same file as `other` ("-" = stdout), also when
 * neither exists yet: compare the resolved parent directory and the name.
 * Writing the decision log over the input or into the output would destroy
 * captured data.
 */
static bool log_collides(const char *log, const char *other)
{
        struct stat sl, so;
        char dl[PATH_MAX], dov[PATH_MAX];

        if (strcmp(other, "-") == 0)
                return stat(log, &sl) == 0 && fstat(STDOUT_FILENO, &so) == 0 &&
                       sl.st_dev == so.st_dev && sl.st_ino == so.st_ino;
        if (stat(log, &sl) == 0 && stat(other, &so) == 0)
                return sl.st_dev == so.st_dev && sl.st_ino == so.st_ino;
        if (!parent_of(log, dl) || !parent_of(other, dov))
                return false;
        return strcmp(dl, dov) == 0;
}

static bool cfg_bool_recompute(const struct cst_config *cfg)
{
        char policy[16];
        return strcmp(cfg_text(cfg, "reinflate.checksum_policy", policy, sizeof(policy)),
                      "recompute") == 0;
}

/* Everything before the pipeline: config, decision-log mode, same file, format. */
static int prepare(const struct offline_opts *o, struct cst_config *cfg)
{
        char err[CST_ERRBUF];
        enum cst_file_format fmt;

        if (o->config && cst_config_load(cfg, o->config, CST_DIALECT_OFFLINE, err) != 0)
                return fatal(err);
        if (o->policy_set)
                cst_config_set_policy(cfg, o->policy);
        if (o->decision_log && !o->constrict)
                return fatal("--decision-log is supported only with constrict mode");
        /* cst_same_file also compares "-" (stdout) with the input. */
        if (cst_same_file(o->input, o->output) == 1)
                return fatal("input and output paths refer to the same file");
        if (o->decision_log && log_collides(o->decision_log, o->input))
                return fatal("decision log and input paths refer to the same file");
        if (o->decision_log && log_collides(o->decision_log, o->output))
                return fatal("decision log and output paths refer to the same file");
        if (cst_detect_format(o->input, &fmt, err) != 0)
                return fatal(err);
        return 0;
}

/* The run and its messages, with cfg and st made by the caller. */
static int run_with(const struct offline_opts *o, struct cst_config *cfg, struct cst_stats *st)
{
        char err[CST_ERRBUF] = "";
        uint64_t caplen_above = 0;
        int rc, status;

        if (prepare(o, cfg) != 0)
                return 1;
        if (o->constrict)
                rc = cst_constrict_file(o->input, o->output, cfg, o->decision_log, st, err);
        else
                rc = cst_reinflate_file(o->input, o->output, cfg, st, err);
        if (rc != CST_OK && rc != CST_ETAIL)
                return fatal(err[0] ? err : "out of memory");
        status = rc == CST_OK ? 0 : 1;
        if (rc == CST_ETAIL) {
                fprintf(stderr, "Warning: %s\n", err);
                fprintf(stderr, "Warning: output contains only packets successfully processed "
                                "before the incomplete tail.\n");
        }
        cst_stats_get(st, "caplen_exceeds_origlen_packets", &caplen_above);
        if (caplen_above)
                fprintf(stderr,
                        "Warning: %llu packet(s) had a captured length above the original "
                        "length and were kept whole.\n",
                        (unsigned long long)caplen_above);
        if (o->stats && print_stats(o, st, cfg_bool_recompute(cfg)) != 0)
                status = 1;
        return status;
}

static int run(const struct offline_opts *o)
{
        struct cst_config *cfg = cfg_new(false);
        struct cst_stats *st = cst_stats_new();
        int status = st ? run_with(o, cfg, st) : fatal("out of memory");

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
