/*
 * The commands of the `constrictor` program.  Each gets the arguments from
 * its own name on (argv[0] is "constrict", "capture", ...) and returns the
 * process exit status.  Only cli/ prints and exits.
 */
#ifndef CST_CLI_COMMANDS_H
#define CST_CLI_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

/* constrict | reinflate | restore (SPEC 2.1): cli/cmd_offline.c */
int cmd_offline(int argc, char **argv);
/* capture (live AF_PACKET recorder): cli/cmd_capture.c */
int cmd_capture(int argc, char **argv);
/* audit ORIGINAL CONSTRICTED: cli/cmd_audit.c */
int cmd_audit(int argc, char **argv);

/* The usage text of SPEC 2.1 with constrictor's name, then its own lines. */
void cli_print_usage(FILE *out);
/* "error: <msg>\n\n<usage>" on stderr; returns the exit status 1. */
int cli_usage_error(const char *msg);

/* cli/paths.c: true if both paths exist and are one file ("-": stdin first, stdout second). */
bool cli_same_file(const char *a, const char *b);
/*
 * True when the decision log `log` names the same file as `other` ("-" =
 * stdout), also when neither exists yet (same resolved parent and name).
 */
bool cli_log_collides(const char *log, const char *other);

/* cli/main.c: the temporary output the SIGBUS handler removes (NULL: none). */
void cli_set_cleanup_path(const char *path);

#endif
