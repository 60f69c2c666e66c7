/*
 * output — buffered sequential writer (see output.h).
 */
#include "util/output.h"
#include <constrictor/constrictor.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/output_dio.h"
#include "util/zio.h"

/* A rotated name: no symbolic link followed; created exclusively, or an existing regular file. */
static int open_nofollow(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, OUTPUT_MODE);
        if (fd >= 0 || errno != EEXIST)
                return fd;
        fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
                close(fd);
                errno = EEXIST; /* not a file of ours: leave it alone */
                return -1;
        }
        if (fd >= 0 && ftruncate(fd, 0) != 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        return fd;
}

/*
 * Atomic: NAME.XXXXXX.part beside the final name (a symbolic link is
 * followed to its target, which the rename then replaces).  Devices, FIFOs
 * and other non-files are written directly.
 */
static int open_atomic(struct output *o, const char *path)
{
        struct stat st;
        char resolved[PATH_MAX];
        const char *final = path;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, resolved))
                final = resolved;
        if (stat(final, &st) == 0 && !S_ISREG(st.st_mode))
                return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, OUTPUT_MODE);
        size_t n = strlen(final);
        char *tmp = malloc(n + 13);
        o->final_path = strdup(final);
        if (!tmp || !o->final_path) {
                free(tmp);
                errno = ENOMEM;
                return -1;
        }
        memcpy(tmp, final, n);
        memcpy(tmp + n, ".XXXXXX.part", 13);
        int fd = mkostemps(tmp, 5, O_CLOEXEC);
        if (fd < 0) {
                free(tmp);
                return -1;
        }
        o->path = tmp;
        return fd;
}

static void output_free(struct output *o)
{
        if (o->dio) { /* only when an error path skipped output_end_direct() */
                dio_stop(o->dio, NULL);
                o->mem = NULL;
        }
        free(o->mem);
        free(o->path);
        free(o->final_path);
        zio_writer_free(o->z);
        memset(o, 0, sizeof(*o));
        o->fd = -1;
}

/* The compressor asked for in flags (also on standard output). */
static int output_start_compress(struct output *o, unsigned flags)
{
        enum zio_method m = flags & OUTPUT_ZSTD   ? ZIO_ZSTD
                            : flags & OUTPUT_GZIP ? ZIO_GZIP
                                                  : ZIO_NONE;
        if (m == ZIO_NONE)
                return 0;
        o->z = zio_writer_new(m, output_flags_level(flags));
        if (o->z)
                return 0;
        int e = errno;
        if (o->own_fd)
                close(o->fd);
        if (o->final_path)
                unlink(o->path);
        output_free(o);
        errno = e;
        return -1;
}

/*
 * Direct I/O on a regular, uncompressed file whose file system says how to
 * align it (statx STATX_DIOALIGN) within the buffer's own alignment, at
 * offset 0, with its writer thread; otherwise the file stays buffered.
 */
static void output_try_direct(struct output *o)
{
        struct statx stx;
        if (!o->regular || o->z || o->written != 0 || o->len != 0)
                return;
        if (statx(o->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) != 0 ||
            !(stx.stx_mask & STATX_DIOALIGN))
                return;
        size_t align = stx.stx_dio_offset_align;
        if (align == 0 || (align & (align - 1)) != 0 || align > OUTPUT_DIO_MAX_ALIGN ||
            stx.stx_dio_mem_align > OUTPUT_DIO_MAX_ALIGN)
                return;
        int fl = fcntl(o->fd, F_GETFL);
        if (fl < 0 || fcntl(o->fd, F_SETFL, fl | O_DIRECT) != 0)
                return;
        o->dio = dio_start(o->fd, o->mem);
        if (!o->dio) { /* no thread or memory for it: buffered, as before */
                (void)fcntl(o->fd, F_SETFL, fl);
                return;
        }
        o->dio_align = align;
}

int output_open_flags(struct output *o, const char *path, unsigned flags)
{
        memset(o, 0, sizeof(*o));
        /*
         * Aligned, so direct I/O can use it as it is; for direct I/O on one
         * huge page where the system allows it, since every write pins the
         * buffer's pages (one page table walk instead of 512).
         */
        bool direct = flags & OUTPUT_DIRECT;
        o->mem = aligned_alloc(direct ? OUTPUT_BUF_SIZE : OUTPUT_DIO_MAX_ALIGN, OUTPUT_BUF_SIZE);
        if (!o->mem)
                return -1;
        if (direct)
                (void)madvise(o->mem, OUTPUT_BUF_SIZE, MADV_HUGEPAGE); /* a hint only */
        o->buf = o->mem;
        o->mem_size = o->cap = OUTPUT_BUF_SIZE;
        if (strcmp(path, "-") == 0) {
                o->fd = STDOUT_FILENO;
                return output_start_compress(o, flags);
        }
        if (flags & OUTPUT_ATOMIC)
                o->fd = open_atomic(o, path);
        else if (flags & OUTPUT_NOFOLLOW)
                o->fd = open_nofollow(path);
        else
                o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, OUTPUT_MODE);
        if (o->fd < 0) {
                int e = errno;
                output_free(o);
                errno = e;
                return -1;
        }
        if (!o->path)
                o->path = strdup(path);
        struct stat st;
        o->regular = fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
        o->own_fd = true;
        if (output_start_compress(o, flags) != 0)
                return -1;
        if (flags & OUTPUT_DIRECT)
                output_try_direct(o);
        return 0;
}

int output_open(struct output *o, const char *path)
{
        return output_open_flags(o, path, 0);
}

int output_write_all(int fd, const uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (w == 0) {
                        errno = EIO;
                        return -1;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

/*
 * A write failed: remember why, and cut a regular file back to the last
 * record boundary the kernel had in full, so it ends on a whole record.
 * The failure is sticky: nothing more is written.
 */
static int output_fail(struct output *o)
{
        int e = errno ? errno : EIO;
        if (!o->err)
                o->err = e;
        if (o->regular && o->own_fd && ftruncate(o->fd, (off_t)o->safe) != 0) {
                /* the file keeps the partial record; the error is reported anyway */
        }
        errno = o->err;
        return -1;
}

/* The kernel has everything up to o->written: the last whole record ends there or at mark. */
static void output_advance(struct output *o, uint64_t n)
{
        o->written += n;
        o->safe = o->in_record ? o->mark : o->written;
}

/* Compressed: the buffer through the compressor; a flush point is a safe end. */
static int output_compress(struct output *o, const uint8_t *p, size_t n, enum zio_mode mode)
{
        if (zio_write(o->z, o->fd, p, n, mode, &o->written) != 0)
                return output_fail(o);
        if (mode != ZIO_CONTINUE && !o->in_record)
                o->safe = o->written;
        return 0;
}

/*
 * Direct I/O: the last record boundary handed to the writer.  Writes end on
 * alignment, not on records, so only the two boundaries known here (the end
 * of the last whole record, the start of the one being assembled) can be
 * taken; when both lie beyond what was handed over, the earlier safe point
 * stays (a write error then cuts back a little further than needed).
 */
static void output_advance_direct(struct output *o, uint64_t n, bool all_out)
{
        o->written += n;
        if (all_out && !o->in_record) {
                o->safe = o->written;
                return;
        }
        if (o->bound <= o->written && o->bound > o->safe)
                o->safe = o->bound;
        if (o->mark <= o->written && o->mark > o->safe)
                o->safe = o->mark;
}

/*
 * Direct I/O ends: everything handed over is written (or has failed), the
 * thread is gone, the chunk being filled is the output's own again, and
 * the descriptor writes through the page cache after the data.
 */
static int output_end_direct(struct output *o)
{
        uint64_t safe;
        int rc = dio_wait(o->dio, &safe);
        int e = errno;
        dio_stop(o->dio, o->mem);
        o->dio = NULL;
        o->dio_align = 0;
        if (rc != 0) {
                o->safe = safe; /* the boundary the file really has */
                errno = e;
                return output_fail(o);
        }
        int fl = fcntl(o->fd, F_GETFL);
        if (fl < 0 || fcntl(o->fd, F_SETFL, fl & ~O_DIRECT) != 0 ||
            lseek(o->fd, (off_t)o->written, SEEK_SET) < 0)
                return output_fail(o);
        return 0;
}

/*
 * Direct I/O: the chunk goes to the writer thread -- the aligned part of
 * [rewritten tail, pending bytes), and with `tail` the unaligned rest too --
 * and the next chunk starts with that rest: still pending, or (tail) the
 * already-written start of the next aligned write.
 */
static int output_write_direct(struct output *o, bool tail)
{
        size_t pre = (size_t)(o->buf - o->mem);
        size_t total = pre + o->len;
        size_t whole = total & ~(o->dio_align - 1);
        if (o->len == 0 || (!tail && whole <= pre))
                return 0;
        uint64_t base = o->written - pre;
        size_t rest = total - whole;
        output_advance_direct(o, (tail ? total : whole) - pre, tail);
        uint8_t *chunk = o->mem;
        uint8_t *next = dio_submit(o->dio, chunk, whole, tail ? rest : 0, base, o->safe);
        if (!next) { /* a write failed: no chunk left to fill */
                o->mem = o->buf = NULL;
                o->len = o->cap = 0;
                return output_end_direct(o);
        }
        memcpy(next, chunk + whole, rest); /* the writer only reads the chunk */
        o->mem = next;
        o->buf = tail ? next + rest : next;
        o->len = tail ? 0 : rest;
        o->cap = o->mem_size - (tail ? rest : 0);
        return 0;
}

static int output_write_buf(struct output *o, enum zio_mode mode)
{
        if (o->err) {
                errno = o->err;
                return -1;
        }
        if (o->z) {
                int rc = output_compress(o, o->buf, o->len, mode);
                o->len = 0;
                return rc;
        }
        if (o->dio)
                return output_write_direct(o, mode != ZIO_CONTINUE);
        if (o->len == 0)
                return 0;
        if (output_write_all(o->fd, o->buf, o->len) != 0)
                return output_fail(o);
        output_advance(o, o->len);
        o->len = 0;
        return 0;
}

int output_flush(struct output *o)
{
        return output_write_buf(o, ZIO_FLUSH);
}

int output_drain(struct output *o)
{
        return output_write_buf(o, ZIO_CONTINUE);
}

int output_write_ahead(struct output *o, const uint8_t *p, size_t n)
{
        if (o->err) {
                errno = o->err;
                return -1;
        }
        if (o->z) /* compressed: the block goes into the stream before the buffered records */
                return output_compress(o, p, n, ZIO_CONTINUE);
        if (o->dio && output_end_direct(o) != 0) /* rare (key log): buffered from now on */
                return -1;
        if (output_write_all(o->fd, p, n) != 0)
                return output_fail(o);
        output_advance(o, n);
        return 0;
}

int output_append_slow(struct output *o, const uint8_t *p, size_t n)
{
        if (output_drain(o) != 0)
                return -1;
        if (o->dio) { /* direct: everything through the aligned buffer */
                while (n > 0) {
                        if (o->len == o->cap && output_drain(o) != 0)
                                return -1;
                        size_t c = n < o->cap - o->len ? n : o->cap - o->len;
                        memcpy(o->buf + o->len, p, c);
                        o->len += c;
                        p += c;
                        n -= c;
                }
                return 0;
        }
        if (n >= o->cap / 2 && o->z) /* large data: straight to the compressor */
                return output_compress(o, p, n, ZIO_CONTINUE);
        if (n >= o->cap / 2) { /* large data: straight to the kernel */
                if (output_write_all(o->fd, p, n) != 0)
                        return output_fail(o);
                output_advance(o, n);
                return 0;
        }
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        return 0;
}

int output_close(struct output *o)
{
        int rc = output_write_buf(o, ZIO_END);
        if (o->dio && output_end_direct(o) != 0)
                rc = -1;
        if (o->own_fd && close(o->fd) != 0 && rc == 0) {
                rc = -1;
                o->err = errno;
        }
        o->own_fd = false;
        if (o->final_path) {
                if (rc == 0 && rename(o->path, o->final_path) != 0) {
                        rc = -1;
                        o->err = errno;
                }
                if (rc != 0)
                        unlink(o->path); /* a failed commit leaves no temporary file */
        }
        int e = o->err;
        output_free(o);
        errno = e;
        return rc;
}

int output_commit(struct output *o)
{
        return output_close(o);
}

void output_abandon_keep(struct output *o, bool flush, bool remove)
{
        if (flush)
                output_write_buf(o, ZIO_END); /* a compressed stream is ended too */
        if (o->dio)
                output_end_direct(o); /* the writer is done with the descriptor */
        if (o->own_fd && o->fd >= 0)
                close(o->fd);
        if (o->final_path && remove)
                unlink(o->path);
        output_free(o);
}

void output_abandon(struct output *o)
{
        output_abandon_keep(o, false, true);
}

/* "<what>: <path>: <cause>" (SPEC's wording first: scripts may match it). */
static int output_msg(const struct output *o, const char *what, char *err)
{
        int e = o->err ? o->err : errno;
        const char *path = o->final_path ? o->final_path : output_path(o);
        if (strcmp(path, "-") == 0)
                path = "standard output";
        snprintf(err, CST_ERRBUF, "%s: %.400s: %s", what, path, strerror(e ? e : EIO));
        return CST_EFATAL;
}

int output_flush_msg(struct output *o, char *err)
{
        if (output_flush(o) == 0)
                return CST_OK;
        return output_msg(o, "failed to write packet data", err);
}

int output_close_msg(struct output *o, char *err)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s",
                 o->final_path                      ? o->final_path
                 : strcmp(output_path(o), "-") == 0 ? "standard output"
                                                    : output_path(o));
        bool wrote_ok = o->err == 0;
        if (output_close(o) == 0)
                return CST_OK;
        int e = errno ? errno : EIO;
        snprintf(err, CST_ERRBUF, "%s: %.400s: %s",
                 wrote_ok ? "failed to close output file" : "failed to write packet data", path,
                 strerror(e));
        return CST_EFATAL;
}

int output_error_msg(const struct output *o, const char *what, char *err)
{
        return output_msg(o, what, err);
}
