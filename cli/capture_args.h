/* capture_args — the tcpdump-style command line of `capture` (see capture_args.c). */
#ifndef CST_CLI_CAPTURE_ARGS_H
#define CST_CLI_CAPTURE_ARGS_H

#include "capture_report.h"

#define CAPTURE_ARGS_HELP 1 /* -h / --help: print the usage */
#define CAPTURE_ARGS_LIST 2 /* -D / --list-interfaces: list the interfaces */

/* argv[0] is "capture".  CST_OK, CAPTURE_ARGS_HELP, CAPTURE_ARGS_LIST, or CST_EFATAL with err set.
 */
int capture_args_parse(int argc, char **argv, struct capture_job *job, char *err);
/* The capture options of a job from its config ([capture] values). */
void capture_job_opts(struct capture_job *job);
/* capture.backend of the configuration. */
enum cst_backend capture_cfg_backend(const struct cst_config *c);
/* Decimal unsigned number <= max into *out (v NULL: untouched); false with a message. */
bool td_number(const char *opt, const char *v, unsigned long long max, unsigned long long *out,
               char *err);
/* -C MB: millions of bytes, or KiB/MiB/GiB with k/m/g (v NULL: untouched). */
int td_rot_size(const char *v, uint64_t *out, char *err);

#endif
