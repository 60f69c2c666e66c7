/*
 * output_args — the output options of constrict and capture (see
 * output_args.h).  A command-line option wins over its [output] key; -C
 * follows tcpdump (millions of bytes, or k/m/g), -G and -W are counts.
 */
#include "output_args.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "capture_args.h"
#include "cfg.h"

int output_format_of_name(const char *path)
{
        char name[4096];
        snprintf(name, sizeof(name), "%s", path);
        size_t n = strlen(name);
        static const char *const packed[] = {".gz", ".zst"};
        for (size_t i = 0; i < 2; i++) {
                size_t k = strlen(packed[i]);
                if (n > k && strcasecmp(name + n - k, packed[i]) == 0)
                        name[n -= k] = '\0';
        }
        if (n > 7 && strcasecmp(name + n - 7, ".pcapng") == 0)
                return CST_FORMAT_PCAPNG;
        if (n > 5 && strcasecmp(name + n - 5, ".pcap") == 0)
                return CST_FORMAT_PCAP;
        return 0;
}

static int choose_format(const struct output_args *a, const char *path, struct output_choice *c,
                         char *err)
{
        if (!a->format) {
                c->format = path ? output_format_of_name(path) : 0;
                return CST_OK;
        }
        if (strcmp(a->format, "pcap") == 0)
                c->format = CST_FORMAT_PCAP;
        else if (strcmp(a->format, "pcapng") == 0)
                c->format = CST_FORMAT_PCAPNG;
        else
                return snprintf(err, CST_ERRBUF, "invalid value for -F: '%s' (pcap|pcapng)",
                                a->format),
                       CST_EFATAL;
        return CST_OK;
}

static int choose_rotation(const struct output_args *a, const struct cst_config *cfg,
                           struct output_choice *c, char *err)
{
        unsigned long long sec = cfg_uint(cfg, "output.rotate_seconds");
        unsigned long long files = cfg_uint(cfg, "output.max_files");
        c->rotate_bytes = cfg_uint(cfg, "output.rotate_size_mb") * 1000000ull;
        if (td_rot_size(a->rot_size, &c->rotate_bytes, err) < 0 ||
            !td_number("-G", a->rot_sec, UINT32_MAX, &sec, err) ||
            !td_number("-W", a->rot_files, UINT32_MAX, &files, err))
                return CST_EFATAL;
        if ((a->rot_sec && sec == 0) || (a->rot_files && files == 0))
                return snprintf(err, CST_ERRBUF, "invalid value for %s: '%s'",
                                a->rot_sec && sec == 0 ? "-G" : "-W",
                                a->rot_sec && sec == 0 ? a->rot_sec : a->rot_files),
                       CST_EFATAL;
        if (files && !c->rotate_bytes && !sec)
                return snprintf(err, CST_ERRBUF, "-W needs -C or -G"), CST_EFATAL;
        c->rotate_sec = (uint32_t)sec;
        c->rotate_files = (uint32_t)files;
        return CST_OK;
}

/* A partial-name part: a file name piece, no directory. */
static int choose_piece(const char *opt, const char *given, const struct cst_config *cfg,
                        const char *key, char *out, size_t cap, char *err)
{
        char from_cfg[64];
        const char *v = given ? given : cfg_text(cfg, key, from_cfg, sizeof(from_cfg));
        if (strlen(v) >= cap || strchr(v, '/'))
                return snprintf(err, CST_ERRBUF,
                                "invalid value for %s: '%.100s' (a file name piece of at most "
                                "%zu characters, no '/')",
                                opt, v, cap - 1),
                       CST_EFATAL;
        snprintf(out, cap, "%s", v);
        return CST_OK;
}

int output_choose(const struct output_args *a, const struct cst_config *cfg, const char *path,
                  struct output_choice *c, char *err)
{
        unsigned long long jobs = cfg_uint(cfg, "output.post_rotate_jobs");
        memset(c, 0, sizeof(*c));
        if (choose_format(a, path, c, err) < 0 || choose_rotation(a, cfg, c, err) < 0 ||
            choose_piece("--part-suffix", a->part_suffix, cfg, "output.part_suffix", c->part_suffix,
                         sizeof(c->part_suffix), err) < 0 ||
            choose_piece("--part-prefix", a->part_prefix, cfg, "output.part_prefix", c->part_prefix,
                         sizeof(c->part_prefix), err) < 0)
                return CST_EFATAL;
        if (!td_number("--post-rotate-jobs", a->post_jobs, 64, &jobs, err))
                return CST_EFATAL;
        if (jobs == 0)
                return snprintf(err, CST_ERRBUF, "invalid value for --post-rotate-jobs: '%s'",
                                a->post_jobs),
                       CST_EFATAL;
        c->post_jobs = (uint32_t)jobs;
        if (a->post_cmd)
                snprintf(c->post_cmd, sizeof(c->post_cmd), "%s", a->post_cmd);
        else
                cfg_text(cfg, "output.post_rotate_command", c->post_cmd, sizeof(c->post_cmd));
        if (path && strcmp(path, "-") != 0)
                return CST_OK;
        if (a->rot_size || a->rot_sec || a->post_cmd)
                return snprintf(err, CST_ERRBUF, "-C, -G and -z need an output file, not '-'"),
                       CST_EFATAL;
        /* [output] keys meet standard output or no file: nothing to rotate or hand over */
        c->rotate_bytes = c->rotate_sec = c->rotate_files = 0;
        c->post_cmd[0] = '\0';
        return CST_OK;
}

void output_log_line(void *ctx, const char *line)
{
        fprintf(stderr, "%s: %s\n", (const char *)ctx, line);
}
