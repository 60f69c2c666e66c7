/*
 * post_rotate — the -z children (see post_rotate.h).  Why posix_spawnp: glibc
 * spawns with CLONE_VM|CLONE_VFORK, so a recorder with a large ring mapped
 * starts a child without copying its page tables.  The child gets the
 * default disposition of every signal, an empty mask, no descriptor but
 * 0-2 (the capture socket is not close-on-exec) and its own process group,
 * so a Ctrl+C meant for the recorder does not kill the gzip of its last file.
 * Files waiting for a free slot are a FIFO of copied names: allocation
 * happens once per completed file, never per packet.
 */
#include "sink/post_rotate.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#define POST_MAX_JOBS 64

extern char **environ;

struct post_job {
        pid_t pid; /* 0 = free slot */
        char *path;
};

struct post_rotate {
        char *cmd;
        unsigned jobs, running;
        struct post_job *job;
        char **queue; /* FIFO of files waiting for a slot */
        size_t q_head, q_len, q_cap;
        post_log_fn log;
        void *log_ctx;
};

static void post_say(const struct post_rotate *pr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void post_say(const struct post_rotate *pr, const char *fmt, ...)
{
        char line[CST_ERRBUF];
        va_list ap;
        if (!pr->log)
                return;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        pr->log(pr->log_ctx, line);
}

struct post_rotate *post_rotate_new(const char *cmd, unsigned jobs, post_log_fn log, void *ctx,
                                    char *err)
{
        struct post_rotate *pr = calloc(1, sizeof(*pr));
        if (jobs == 0)
                jobs = 1;
        if (jobs > POST_MAX_JOBS)
                jobs = POST_MAX_JOBS;
        if (pr) {
                pr->cmd = strdup(cmd);
                pr->job = calloc(jobs, sizeof(*pr->job));
        }
        if (!pr || !pr->cmd || !pr->job) {
                if (pr) {
                        free(pr->cmd);
                        free(pr->job);
                        free(pr);
                }
                snprintf(err, CST_ERRBUF, "out of memory");
                return NULL;
        }
        pr->jobs = jobs;
        pr->log = log;
        pr->log_ctx = ctx;
        return pr;
}

static int spawn_setup(posix_spawnattr_t *at, posix_spawn_file_actions_t *fa)
{
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        if (posix_spawnattr_init(at) != 0)
                return -1;
        posix_spawnattr_setsigmask(at, &none);
        posix_spawnattr_setsigdefault(at, &all);
        posix_spawnattr_setpgroup(at, 0);
        posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                         POSIX_SPAWN_SETPGROUP);
        if (posix_spawn_file_actions_init(fa) != 0) {
                posix_spawnattr_destroy(at);
                return -1;
        }
        posix_spawn_file_actions_addclosefrom_np(fa, 3);
        return 0;
}

/* Start CMD on path in slot j; path is owned by the slot from now on (freed on failure). */
static void post_start(struct post_rotate *pr, struct post_job *j, char *path)
{
        posix_spawnattr_t at;
        posix_spawn_file_actions_t fa;
        char *argv[] = {pr->cmd, path, NULL};
        pid_t pid;
        int rc = spawn_setup(&at, &fa);
        if (rc == 0) {
                rc = posix_spawnp(&pid, pr->cmd, &fa, &at, argv, environ);
                posix_spawn_file_actions_destroy(&fa);
                posix_spawnattr_destroy(&at);
        } else {
                rc = errno;
        }
        if (rc != 0) {
                post_say(pr, "post-rotate command '%.200s %.300s' could not start: %s", pr->cmd,
                         path, strerror(rc));
                free(path);
                return;
        }
        j->pid = pid;
        j->path = path;
        pr->running++;
}

static struct post_job *free_slot(struct post_rotate *pr)
{
        for (unsigned i = 0; i < pr->jobs; i++)
                if (pr->job[i].pid == 0)
                        return &pr->job[i];
        return NULL;
}

static int enqueue(struct post_rotate *pr, char *path)
{
        if (pr->q_len == pr->q_cap) {
                size_t cap = pr->q_cap ? pr->q_cap * 2 : 16;
                char **q = malloc(cap * sizeof(*q));
                if (!q)
                        return -1;
                for (size_t i = 0; i < pr->q_len; i++) /* unwrap the ring */
                        q[i] = pr->queue[(pr->q_head + i) % pr->q_cap];
                free(pr->queue);
                pr->queue = q;
                pr->q_cap = cap;
                pr->q_head = 0;
        }
        pr->queue[(pr->q_head + pr->q_len) % pr->q_cap] = path;
        pr->q_len++;
        return 0;
}

/* Queued files into free slots. */
static void start_queued(struct post_rotate *pr)
{
        struct post_job *j;
        while (pr->q_len && (j = free_slot(pr)) != NULL) {
                char *path = pr->queue[pr->q_head];
                pr->q_head = (pr->q_head + 1) % pr->q_cap;
                pr->q_len--;
                post_start(pr, j, path);
        }
}

void post_rotate_file(struct post_rotate *pr, const char *path)
{
        char *copy = strdup(path);
        if (!copy) {
                post_say(pr, "post-rotate command not run on %.300s: out of memory", path);
                return;
        }
        post_rotate_poll(pr); /* a slot may have freed since the last batch */
        struct post_job *j = free_slot(pr);
        if (j) {
                post_start(pr, j, copy);
        } else if (enqueue(pr, copy) != 0) {
                post_say(pr, "post-rotate command not run on %.300s: out of memory", path);
                free(copy);
        }
}

bool post_rotate_busy(const struct post_rotate *pr)
{
        return pr && (pr->running || pr->q_len);
}

/* A child ended: log a failure, free its slot. */
static void reaped(struct post_rotate *pr, struct post_job *j, int status)
{
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                post_say(pr, "post-rotate command '%.200s %.300s' exited with status %d", pr->cmd,
                         j->path, WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                post_say(pr, "post-rotate command '%.200s %.300s' killed by signal %d", pr->cmd,
                         j->path, WTERMSIG(status));
        free(j->path);
        j->path = NULL;
        j->pid = 0;
        pr->running--;
}

void post_rotate_poll(struct post_rotate *pr)
{
        if (!post_rotate_busy(pr))
                return;
        for (unsigned i = 0; i < pr->jobs && pr->running; i++) {
                struct post_job *j = &pr->job[i];
                int status;
                if (j->pid == 0)
                        continue;
                pid_t r = waitpid(j->pid, &status, WNOHANG);
                if (r == j->pid)
                        reaped(pr, j, status);
                else if (r < 0 && errno == ECHILD) /* reaped elsewhere: status unknown */
                        reaped(pr, j, 0);
        }
        start_queued(pr);
}

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void post_free(struct post_rotate *pr)
{
        for (unsigned i = 0; i < pr->jobs; i++)
                free(pr->job[i].path);
        for (size_t i = 0; i < pr->q_len; i++)
                free(pr->queue[(pr->q_head + i) % pr->q_cap]);
        free(pr->queue);
        free(pr->job);
        free(pr->cmd);
        free(pr);
}

void post_rotate_finish(struct post_rotate *pr, unsigned wait_sec)
{
        if (!pr)
                return;
        post_rotate_poll(pr);
        if (post_rotate_busy(pr)) {
                post_say(pr, "waiting up to %u s for %zu post-rotate command(s) to finish",
                         wait_sec, (size_t)pr->running + pr->q_len);
                uint64_t end = now_ms() + (uint64_t)wait_sec * 1000u;
                while (post_rotate_busy(pr) && now_ms() < end) {
                        struct timespec nap = {0, 20 * 1000000};
                        nanosleep(&nap, NULL);
                        post_rotate_poll(pr);
                }
        }
        if (post_rotate_busy(pr))
                post_say(pr,
                         "%u post-rotate command(s) still running after %u s, left running; "
                         "%zu file(s) not handed to it",
                         pr->running, wait_sec, pr->q_len);
        post_free(pr);
}
