/*
 * post_rotate — tcpdump's -z: run "CMD FILE" on every completed output file
 * (e.g. -z gzip), as a child process that never blocks the capture:
 * posix_spawnp (no shell: CMD is a program looked up in PATH, FILE its only
 * argument), at most `jobs` children at once, further files queued, children
 * reaped with waitpid(WNOHANG) at batch boundaries, a failure logged with the
 * file and its exit status.  At the end the remaining children are waited
 * for, for a bounded time.
 */
#ifndef CST_SINK_POST_ROTATE_H
#define CST_SINK_POST_ROTATE_H

#include <stdbool.h>
#include <stddef.h>

#define POST_ROTATE_WAIT_SEC 30 /* at exit: how long children are waited for */

/* One message line (no newline): failures, the wait at exit. */
typedef void (*post_log_fn)(void *ctx, const char *line);

struct post_rotate;

/* cmd is copied; jobs 0 = 1.  NULL when out of memory (err set). */
struct post_rotate *post_rotate_new(const char *cmd, unsigned jobs, post_log_fn log, void *ctx,
                                    char *err);
/* A file is complete: start CMD on it now, or queue it when `jobs` are running. */
void post_rotate_file(struct post_rotate *pr, const char *path);
/* True when a child runs or a file waits (the pipeline polls only then). */
bool post_rotate_busy(const struct post_rotate *pr);
/* Reap finished children (never blocks) and start queued files. */
void post_rotate_poll(struct post_rotate *pr);
/*
 * The end: start what is queued, wait for every child at most wait_sec
 * seconds (saying so), then free.  NULL is fine.
 */
void post_rotate_finish(struct post_rotate *pr, unsigned wait_sec);

#endif
