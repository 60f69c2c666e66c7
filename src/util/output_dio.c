/*
 * output_dio — the writer thread behind a direct-I/O output (see output_dio.h).
 */
#include "util/output_dio.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/output.h"

struct dio_job {
        uint8_t *p;
        size_t whole, tail;
        uint64_t off, safe;
};

struct output_dio {
        int fd;
        bool buffered; /* O_DIRECT refused at run time: plain writes from then on */
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t work, done; /* a job queued / a job finished */
        struct dio_job q[DIO_CHUNKS];
        unsigned head, count; /* the queue; the head is being written */
        uint8_t *free[DIO_CHUNKS];
        unsigned nfree;
        uint8_t *all[DIO_CHUNKS];
        unsigned nall;
        int err;       /* errno of the first failure; nothing is written after it */
        uint64_t safe; /* last record boundary written in full */
        bool stop;
};

static int dio_pwrite(int fd, const uint8_t *p, size_t n, uint64_t off)
{
        while (n > 0) {
                ssize_t w = pwrite(fd, p, n, (off_t)off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        if (w == 0)
                                errno = EIO;
                        return -1;
                }
                p += w;
                n -= (size_t)w;
                off += (uint64_t)w;
        }
        return 0;
}

/* O_DIRECT on or off for the next writes; 0 or -1. */
static int dio_set_direct(int fd, bool on)
{
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0)
                return -1;
        return fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT);
}

/* One job: the aligned part directly, the tail through the page cache. */
static int dio_run_job(struct output_dio *w, const struct dio_job *j)
{
        if (j->whole && dio_pwrite(w->fd, j->p, j->whole, j->off) != 0) {
                /* refused after all (a file system that changed its mind): buffered from now on */
                if (errno != EINVAL || w->buffered || dio_set_direct(w->fd, false) != 0)
                        return -1;
                w->buffered = true;
                if (dio_pwrite(w->fd, j->p, j->whole, j->off) != 0)
                        return -1;
        }
        if (!j->tail)
                return 0;
        if (!w->buffered && dio_set_direct(w->fd, false) != 0)
                return -1;
        int rc = dio_pwrite(w->fd, j->p + j->whole, j->tail, j->off + j->whole);
        int e = errno;
        if (!w->buffered && dio_set_direct(w->fd, true) != 0 && rc == 0)
                return -1;
        errno = e;
        return rc;
}

static void *dio_main(void *arg)
{
        struct output_dio *w = arg;
        pthread_mutex_lock(&w->mu);
        for (;;) {
                while (w->count == 0 && !w->stop)
                        pthread_cond_wait(&w->work, &w->mu);
                if (w->count == 0)
                        break;
                struct dio_job j = w->q[w->head];
                bool skip = w->err != 0;
                pthread_mutex_unlock(&w->mu);
                int rc = skip ? 0 : dio_run_job(w, &j);
                int e = errno;
                pthread_mutex_lock(&w->mu);
                if (rc != 0 && !w->err)
                        w->err = e ? e : EIO;
                else if (rc == 0 && !skip)
                        w->safe = j.safe;
                w->head = (w->head + 1) % DIO_CHUNKS;
                w->count--;
                w->free[w->nfree++] = j.p;
                pthread_cond_broadcast(&w->done);
        }
        pthread_mutex_unlock(&w->mu);
        return NULL;
}

static uint8_t *dio_chunk(void)
{
        uint8_t *p = aligned_alloc(OUTPUT_BUF_SIZE, OUTPUT_BUF_SIZE);
        if (p)
                (void)madvise(p, OUTPUT_BUF_SIZE, MADV_HUGEPAGE); /* a hint only */
        return p;
}

static void dio_free(struct output_dio *w, const uint8_t *keep)
{
        for (unsigned i = 0; i < w->nall; i++)
                if (w->all[i] != keep)
                        free(w->all[i]);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->done);
        free(w);
}

struct output_dio *dio_start(int fd, uint8_t *first)
{
        struct output_dio *w = calloc(1, sizeof(*w));
        if (!w)
                return NULL;
        w->fd = fd;
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->work, NULL);
        pthread_cond_init(&w->done, NULL);
        w->all[w->nall++] = first;
        while (w->nall < DIO_CHUNKS) {
                uint8_t *p = dio_chunk();
                if (!p) {
                        dio_free(w, first);
                        errno = ENOMEM;
                        return NULL;
                }
                w->all[w->nall++] = p;
                w->free[w->nfree++] = p;
        }
        /* signals stay with the caller's threads: the new thread starts with all blocked */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        int rc = pthread_create(&w->thread, NULL, dio_main, w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) {
                dio_free(w, first);
                errno = rc;
                return NULL;
        }
        return w;
}

uint8_t *dio_submit(struct output_dio *w, uint8_t *p, size_t whole, size_t tail, uint64_t off,
                    uint64_t safe)
{
        pthread_mutex_lock(&w->mu);
        if (w->err) {
                w->free[w->nfree++] = p;
                errno = w->err;
                pthread_mutex_unlock(&w->mu);
                return NULL;
        }
        w->q[(w->head + w->count) % DIO_CHUNKS] =
            (struct dio_job){.p = p, .whole = whole, .tail = tail, .off = off, .safe = safe};
        w->count++;
        pthread_cond_signal(&w->work);
        while (w->nfree == 0 && !w->err)
                pthread_cond_wait(&w->done, &w->mu);
        uint8_t *next = NULL;
        if (w->nfree && !w->err)
                next = w->free[--w->nfree];
        else
                errno = w->err;
        pthread_mutex_unlock(&w->mu);
        return next;
}

int dio_wait(struct output_dio *w, uint64_t *safe)
{
        pthread_mutex_lock(&w->mu);
        while (w->count != 0)
                pthread_cond_wait(&w->done, &w->mu);
        int e = w->err;
        *safe = w->safe;
        pthread_mutex_unlock(&w->mu);
        if (e) {
                errno = e;
                return -1;
        }
        return 0;
}

void dio_stop(struct output_dio *w, uint8_t *keep)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_signal(&w->work);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        dio_free(w, keep);
}
