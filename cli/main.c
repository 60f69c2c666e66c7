/*
 * constrictor — command-line entry point: help/version handling and
 * dispatch to the commands (SPEC 2.1 steps 1-3).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <constrictor/constrictor.h>
#include "commands.h"

/*
 * Regular input files are memory-mapped; if one shrinks while it is read
 * (another program truncates it), the kernel raises SIGBUS.  Turn that into
 * a one-line error instead of a crash, and remove the run's temporary
 * output.  Only async-signal-safe calls here.
 */
static char cleanup_path[4200]; /* a temporary output to remove on SIGBUS */

void cli_set_cleanup_path(const char *path)
{
        cleanup_path[0] = '\0';
        if (path && strlen(path) < sizeof(cleanup_path))
                memcpy(cleanup_path, path, strlen(path) + 1);
}

static void on_sigbus(int sig)
{
        static const char msg[] = "error: input file shrank while it was being read\n";
        (void)sig;
        if (cleanup_path[0])
                unlink(cleanup_path); /* async-signal-safe: no partial output left behind */
        if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
                /* nothing more can be done in a signal handler */
        }
        _exit(1);
}

static void guard_sigbus(void)
{
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sigbus;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, NULL);
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

        guard_sigbus();
        if (argc < 2) { /* a usage error (docs/compatibility.md: SPEC 2.1 exited 0) */
                cli_print_usage(stderr);
                return 2;
        }
        /* The newer commands parse their own options (and their own --help). */
        if (strcmp(argv[1], "capture") == 0)
                return cmd_capture(argc - 1, argv + 1);
        if (strcmp(argv[1], "audit") == 0)
                return cmd_audit(argc - 1, argv + 1);
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
