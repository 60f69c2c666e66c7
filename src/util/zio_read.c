/*
 * zio_read — the decompressing reader (see zio.h).  gzip members (RFC 1952
 * §2.2) and zstd frames (RFC 8878 §3.1) may follow each other: the data is
 * one stream, as gzip -d and zstd -d see it.  A stream that stops inside a
 * member or frame is "truncated"; bytes that do not decode are "corrupt".
 */
#include "util/zio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define ZIO_IN_CAP (1u << 20) /* bytes asked of one read() */

struct zio_reader {
        enum zio_method method;
        int fd;
        uint8_t *in;
        size_t in_pos, in_len, in_cap;
        bool in_eof;
        bool open;    /* inside a member/frame: the end of input now is a truncation */
        bool restart; /* gzip: a member ended; the next byte starts a new one */
        bool done;
        bool failed;
        bool interrupted;  /* a signal ended the last read() before any byte */
        uint64_t in_total; /* compressed bytes consumed by the decoder */
        ZSTD_DCtx *zd;
        z_stream gz;
        bool gz_init;
        char msg[400];
        char path[256];
        char name[280];
};

static void fail(struct zio_reader *z, const char *what, const char *cause)
{
        z->failed = true;
        snprintf(z->msg, sizeof(z->msg), "%s: %s %s data at compressed offset %llu: %s", z->path,
                 what, zio_method_name(z->method), (unsigned long long)z->in_total, cause);
}

struct zio_reader *zio_reader_new(enum zio_method m, int fd, const uint8_t *pre, size_t pre_len,
                                  const char *path)
{
        struct zio_reader *z = calloc(1, sizeof(*z));
        if (!z)
                return NULL;
        z->method = m;
        z->fd = fd;
        z->in_cap = pre_len > ZIO_IN_CAP ? pre_len : ZIO_IN_CAP;
        z->in = malloc(z->in_cap);
        snprintf(z->path, sizeof(z->path), "%s", strcmp(path, "-") == 0 ? "standard input" : path);
        snprintf(z->name, sizeof(z->name), "%s (%s)", z->path, zio_method_name(m));
        if (!z->in)
                goto nomem;
        memcpy(z->in, pre, pre_len);
        z->in_len = pre_len;
        if (m == ZIO_ZSTD) {
                z->zd = ZSTD_createDCtx();
                if (!z->zd)
                        goto nomem;
                return z;
        }
        if (inflateInit2(&z->gz, 15 + 16) != Z_OK) /* gzip wrapper only */
                goto nomem;
        z->gz_init = true;
        return z;
nomem:
        zio_reader_free(z);
        return NULL;
}

void zio_reader_free(struct zio_reader *z)
{
        if (!z)
                return;
        ZSTD_freeDCtx(z->zd);
        if (z->gz_init)
                inflateEnd(&z->gz);
        free(z->in);
        free(z);
}

const char *zio_reader_name(const struct zio_reader *z)
{
        return z->name;
}

const char *zio_reader_error(const struct zio_reader *z)
{
        return z->failed ? z->msg : NULL;
}

static void refill(struct zio_reader *z)
{
        z->in_pos = z->in_len = 0;
        for (;;) {
                ssize_t r = read(z->fd, z->in, z->in_cap);
                if (r > 0) {
                        z->in_len = (size_t)r;
                        return;
                }
                if (r == 0) {
                        z->in_eof = true;
                        return;
                }
                if (errno != EINTR) {
                        z->in_eof = true;
                        fail(z, "read error in", strerror(errno));
                        return;
                }
                z->interrupted = true; /* the caller decides whether to wait again */
                return;
        }
}

/* One decoder call: *used input and *made output bytes. */
static void zstd_step(struct zio_reader *z, uint8_t *dst, size_t cap, size_t *used, size_t *made)
{
        ZSTD_inBuffer in = {z->in + z->in_pos, z->in_len - z->in_pos, 0};
        ZSTD_outBuffer out = {dst, cap, 0};
        size_t r = ZSTD_decompressStream(z->zd, &out, &in);
        *used = in.pos;
        *made = out.pos;
        z->in_total += in.pos;
        if (ZSTD_isError(r)) {
                fail(z, "corrupt", ZSTD_getErrorName(r));
                return;
        }
        /*
         * 0: a frame ended and everything is out.  A call that moved nothing
         * returns the size of the next header: it says nothing about a frame.
         */
        if (in.pos || out.pos)
                z->open = r != 0;
}

static void gz_step(struct zio_reader *z, uint8_t *dst, size_t cap, size_t *used, size_t *made)
{
        size_t avail = z->in_len - z->in_pos;
        if (z->restart && avail > 0) {
                inflateReset(&z->gz);
                z->restart = false;
        }
        if (z->restart) {
                *used = *made = 0;
                return;
        }
        z->gz.next_in = z->in + z->in_pos;
        z->gz.avail_in = (uInt)(avail < (1u << 30) ? avail : (1u << 30));
        z->gz.next_out = dst;
        z->gz.avail_out = (uInt)(cap < (1u << 30) ? cap : (1u << 30));
        uInt in0 = z->gz.avail_in, out0 = z->gz.avail_out;
        int rc = inflate(&z->gz, Z_NO_FLUSH);
        *used = in0 - z->gz.avail_in;
        *made = out0 - z->gz.avail_out;
        z->in_total += *used;
        if (rc == Z_STREAM_END) {
                z->open = false;
                z->restart = true;
        } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
                z->open = z->open || *used > 0;
        } else {
                fail(z, "corrupt", z->gz.msg ? z->gz.msg : "inflate error");
        }
}

ssize_t zio_read(struct zio_reader *z, uint8_t *dst, size_t cap)
{
        size_t got = 0;
        while (got < cap && !z->failed && !z->done) {
                size_t used = 0, made = 0;
                if (z->method == ZIO_ZSTD)
                        zstd_step(z, dst + got, cap - got, &used, &made);
                else
                        gz_step(z, dst + got, cap - got, &used, &made);
                z->in_pos += used;
                got += made;
                if (used || made)
                        continue;
                if (z->failed || got > 0)
                        break; /* hand over what is decoded before blocking in read() */
                if (z->in_pos < z->in_len) {
                        fail(z, "corrupt", "the decoder stopped");
                        break;
                }
                if (z->in_eof) {
                        if (z->open)
                                fail(z, "truncated", "the input ends inside a compressed block");
                        z->done = true;
                        break;
                }
                refill(z);
                if (z->interrupted)
                        break;
        }
        if (got > 0)
                return (ssize_t)got;
        if (z->interrupted) {
                z->interrupted = false;
                errno = EINTR;
                return -1;
        }
        return z->failed ? -1 : 0;
}
