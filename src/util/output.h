/*
 * output — buffered sequential writer for capture files.
 *
 * Records are assembled in one large buffer and leave it in a few big
 * write() calls (short writes and EINTR are retried).  Data larger than the
 * buffer bypasses it.  The writer never prints; callers turn a failure into
 * their own message.
 */
#ifndef CST_UTIL_OUTPUT_H
#define CST_UTIL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OUTPUT_BUF_SIZE (2u << 20)

struct output {
        uint8_t *buf;
        size_t len;
        size_t cap;
        int fd;
        bool own_fd;
        uint64_t written; /* bytes handed to the kernel */
};

/* Open `path` for writing (truncate; "-" = stdout).  0 or -1 (errno set). */
int output_open(struct output *o, const char *path);
/* write() until everything is out; 0 or -1. */
int output_write_all(int fd, const uint8_t *p, size_t n);
/* Write the buffer out; 0 or -1. */
int output_flush(struct output *o);
/* Append bytes of any size; 0 or -1 (a failed flush). */
int output_append_slow(struct output *o, const uint8_t *p, size_t n);
/* Flush, close the descriptor (not stdout's), free the buffer; 0 or -1. */
int output_close(struct output *o);
/* The same, with the writers' messages (SPEC 2.3) in err on failure. */
int output_flush_msg(struct output *o, char *err);
int output_close_msg(struct output *o, char *err);
/* Free everything without writing (error paths). */
void output_abandon(struct output *o);

/* Room for n (<= cap) bytes at the end of the buffer, or NULL on a failed flush. */
static inline uint8_t *output_reserve(struct output *o, size_t n)
{
        if (o->cap - o->len < n && output_flush(o) != 0)
                return NULL;
        uint8_t *p = o->buf + o->len;
        o->len += n;
        return p;
}

static inline int output_append(struct output *o, const uint8_t *p, size_t n)
{
        if (o->cap - o->len >= n) {
                if (n)
                        memcpy(o->buf + o->len, p, n);
                o->len += n;
                return 0;
        }
        return output_append_slow(o, p, n);
}

#endif
