/*
 * output_args — the output options `constrict` and `capture` share (issue
 * 18): -F pcap|pcapng (else the output's extension), -C/-G/-W and their
 * [output] keys, the partial name of a file being written
 * (--part-suffix/--part-prefix, output.part_suffix/part_prefix), and -z CMD
 * with --post-rotate-jobs N (output.post_rotate_command/_jobs).
 */
#ifndef CST_CLI_OUTPUT_ARGS_H
#define CST_CLI_OUTPUT_ARGS_H

#include <stdint.h>
#include <constrictor/constrictor.h>

/* The options as typed (NULL = not given). */
struct output_args {
        const char *format;      /* -F */
        const char *rot_size;    /* -C */
        const char *rot_sec;     /* -G */
        const char *rot_files;   /* -W */
        const char *post_cmd;    /* -z */
        const char *post_jobs;   /* --post-rotate-jobs */
        const char *part_suffix; /* --part-suffix */
        const char *part_prefix; /* --part-prefix */
};

/* What they come to, with the [output] keys of the configuration under them. */
struct output_choice {
        int format; /* 0 = not chosen (-F absent, extension silent) */
        uint64_t rotate_bytes;
        uint32_t rotate_sec;
        uint32_t rotate_files;
        uint32_t post_jobs;
        char part_suffix[64];
        char part_prefix[64];
        char post_cmd[4096];
};

/* CST_OK, or CST_EFATAL with a message naming the option in err. */
int output_choose(const struct output_args *a, const struct cst_config *cfg, const char *path,
                  struct output_choice *c, char *err);
/* The format a name asks for: ".pcap" / ".pcapng" (any case, also before .gz/.zst), else 0. */
int output_format_of_name(const char *path);
/* A log callback: "<ctx>: <line>" on stderr (ctx is the prefix string). */
void output_log_line(void *ctx, const char *line);

#endif
