/*
 * constrictor — command-line entry point: help/version handling and
 * dispatch to the commands (SPEC 2.1 steps 1-3).
 */
#include <stdio.h>
#include <string.h>
#include <constrictor/constrictor.h>
#include "commands.h"

/*
 * capture and audit come from other parts of the tree; until they are in
 * the build the weak references are NULL and the command is reported as
 * unavailable instead of failing to link.
 */
#pragma weak cmd_capture
#pragma weak cmd_audit

static int unavailable(const char *name)
{
        fprintf(stderr, "error: the %s command is not available in this build\n", name);
        return 1;
}

/* SPEC 2.1 step 2: the first -h/--help/--version anywhere wins. */
static int help_or_version(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
                        cli_print_usage(stdout);
                        return 0;
                }
                if (strcmp(argv[i], "--version") == 0) {
                        printf("%s %s\n", CST_PROGRAM_NAME, cst_version());
                        return 0;
                }
        }
        return -1;
}

int main(int argc, char **argv)
{
        int rc;

        if (argc < 2) {
                cli_print_usage(stdout);
                return 0;
        }
        /* The newer commands parse their own options (and their own --help). */
        if (strcmp(argv[1], "capture") == 0)
                return cmd_capture ? cmd_capture(argc - 1, argv + 1) : unavailable("capture");
        if (strcmp(argv[1], "audit") == 0)
                return cmd_audit ? cmd_audit(argc - 1, argv + 1) : unavailable("audit");
        rc = help_or_version(argc, argv);
        if (rc >= 0)
                return rc;
        if (strcmp(argv[1], "constrict") == 0 || strcmp(argv[1], "reinflate") == 0 ||
            strcmp(argv[1], "restore") == 0)
                return cmd_offline(argc - 1, argv + 1);
        {
                char msg[CST_ERRBUF];
                snprintf(msg, sizeof(msg), "unsupported command: %.400s", argv[1]);
                return cli_usage_error(msg);
        }
}
