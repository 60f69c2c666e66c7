/*
 * input — mapped or streamed sequential reads of a capture file (see input.h).
 */
#include "util/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#include "util/zio.h"

/* Pages behind the reader are given back in steps of this many bytes. */
#define INPUT_DROP_STEP (16u << 20)

static void set_err(char *err, const char *msg)
{
        if (err)
                snprintf(err, CST_ERRBUF, "%s", msg);
}

/* SPEC 2.1's wording first (scripts match it), then the path and the cause. */
static void open_err(char *err, const char *path, int e)
{
        if (err)
                snprintf(err, CST_ERRBUF, "failed to open input file: %.400s: %s", path,
                         strerror(e));
}

static bool try_map(struct input *in)
{
        struct stat st;
        if (fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
                return false;
        if ((uint64_t)st.st_size > SIZE_MAX)
                return false;
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
        if (m == MAP_FAILED)
                return false;
        madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
        in->map = m;
        in->size = (uint64_t)st.st_size;
        in->mapped = true;
        return true;
}

static bool fill_once(struct input *in);

/*
 * Stream mode: the first bytes decide whether a decompressor sits between
 * read() and the buffer.  Bytes read to find out move into the decoder.
 * -1 when out of memory.
 */
static int start_stream(struct input *in, const char *path)
{
        while (in->buf_len < 4 && fill_once(in)) {
        }
        enum zio_method m = zio_detect(in->buf, in->buf_len);
        if (m == ZIO_NONE)
                return 0;
        in->z = zio_reader_new(m, in->fd, in->buf, in->buf_len, path);
        if (!in->z)
                return -1;
        in->buf_len = 0;
        in->size = 0;
        in->eof = in->read_fail = false;
        return 0;
}

const char *input_compressed_name(const struct input *in)
{
        return in->z ? zio_reader_name(in->z) : NULL;
}

const char *input_failure(const struct input *in)
{
        return in->z ? zio_reader_error(in->z) : NULL;
}

void input_failure_prefix(const struct input *in, char *err)
{
        const char *f = input_failure(in);
        if (!f)
                return;
        char rest[CST_ERRBUF];
        memcpy(rest, err, CST_ERRBUF);
        int n = snprintf(err, CST_ERRBUF, "%.300s; ", f);
        if (n > 0 && n < CST_ERRBUF) /* the rest as far as it fits */
                memccpy(err + n, rest, '\0', (size_t)(CST_ERRBUF - n));
        err[CST_ERRBUF - 1] = '\0';
}

void input_failure_suffix(const struct input *in, char *err)
{
        const char *f = input_failure(in);
        size_t n = strlen(err);
        if (f && n + 3 < CST_ERRBUF)
                snprintf(err + n, CST_ERRBUF - n, ": %s", f);
}

int input_open(struct input *in, const char *path, char *err)
{
        memset(in, 0, sizeof(*in));
        if (strcmp(path, "-") == 0) {
                in->fd = STDIN_FILENO;
        } else {
                in->fd = open(path, O_RDONLY | O_CLOEXEC);
                if (in->fd < 0) {
                        open_err(err, path, errno);
                        return CST_EFATAL;
                }
                in->own_fd = true;
        }
        if (try_map(in)) {
                enum zio_method m = zio_detect(in->map, in->size < 4 ? in->size : 4);
                if (m == ZIO_NONE)
                        return CST_OK;
                /* compressed: streamed through the decoder (the file offset is still 0) */
                munmap((void *)in->map, (size_t)in->size);
                in->map = NULL;
                in->size = 0;
                in->mapped = false;
        }
        struct stat st;
        if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                input_close(in);
                open_err(err, path, EISDIR);
                errno = EISDIR;
                return CST_EFATAL;
        }
        /* Empty regular files: size 0 is final, no buffer needed. */
        if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
                in->eof = true;
                return CST_OK;
        }
        in->buf_cap = INPUT_READ_CHUNK;
        in->buf = malloc(in->buf_cap);
        if (!in->buf || start_stream(in, path) != 0) {
                input_close(in);
                set_err(err, "out of memory");
                return CST_ENOMEM;
        }
        return CST_OK;
}

void input_open_memory(struct input *in, const uint8_t *data, size_t len)
{
        memset(in, 0, sizeof(*in));
        in->fd = -1;
        in->map = data;
        in->size = len;
        in->mapped = true;
        in->borrowed = true;
}

void input_close(struct input *in)
{
        if (in->mapped && !in->borrowed)
                munmap((void *)in->map, (size_t)in->size);
        free(in->buf);
        zio_reader_free(in->z);
        if (in->own_fd && in->fd >= 0)
                close(in->fd);
        memset(in, 0, sizeof(*in));
        in->fd = -1;
}

/* Read into the spare capacity of the buffer once; false at EOF/error. */
static bool fill_once(struct input *in)
{
        if (in->eof || in->read_fail || in->buf_len == in->buf_cap)
                return false;
        if (in->z) {
                /* a damaged stream ends the data where decoding stopped (input_failure) */
                ssize_t r = zio_read(in->z, in->buf + in->buf_len, in->buf_cap - in->buf_len);
                while (r < 0 && errno == EINTR && !zio_reader_error(in->z)) {
                        if (in->interruptible) {
                                in->interrupted = true;
                                return false;
                        }
                        r = zio_read(in->z, in->buf + in->buf_len, in->buf_cap - in->buf_len);
                }
                if (r <= 0) {
                        in->eof = true;
                        return false;
                }
                in->buf_len += (size_t)r;
                in->size += (uint64_t)r;
                return true;
        }
        for (;;) {
                ssize_t r = read(in->fd, in->buf + in->buf_len, in->buf_cap - in->buf_len);
                if (r > 0) {
                        in->buf_len += (size_t)r;
                        in->size += (uint64_t)r;
                        return true;
                }
                if (r == 0) {
                        in->eof = true;
                        return false;
                }
                if (errno != EINTR) {
                        in->read_fail = true;
                        return false;
                }
                if (in->interruptible) { /* nothing was read: the caller looks at its flags */
                        in->interrupted = true;
                        return false;
                }
        }
}

/* Discard released bytes (never past off); double the buffer if still full. */
static bool make_room(struct input *in, uint64_t off)
{
        uint64_t end = in->buf_off + in->buf_len;
        uint64_t keep_from = in->released < off ? in->released : off;
        if (keep_from > end)
                keep_from = end;
        if (keep_from > in->buf_off) {
                size_t drop = (size_t)(keep_from - in->buf_off);
                memmove(in->buf, in->buf + drop, in->buf_len - drop);
                in->buf_len -= drop;
                in->buf_off = keep_from;
        }
        if (in->buf_len < in->buf_cap)
                return true;
        /* Full of needed bytes: double (growth follows the data actually read). */
        uint8_t *nb = realloc(in->buf, in->buf_cap * 2);
        if (!nb)
                return false;
        in->buf = nb;
        in->buf_cap *= 2;
        return true;
}

static const uint8_t *peek_stream(struct input *in, uint64_t off, size_t n, bool may_move,
                                  uint64_t *avail)
{
        for (;;) {
                uint64_t end = in->buf_off + in->buf_len;
                bool inside = off >= in->buf_off && off <= end;
                if (inside && end - off >= n)
                        return in->buf + (off - in->buf_off);
                *avail = inside ? end - off : 0;
                if (in->eof || in->read_fail || !inside)
                        return NULL;
                if (in->buf_len == in->buf_cap) {
                        if (!may_move)
                                return NULL;
                        if (!make_room(in, off)) {
                                in->read_fail = true;
                                return NULL;
                        }
                }
                if (!fill_once(in) && in->interrupted)
                        return NULL;
        }
}

const uint8_t *input_peek(struct input *in, uint64_t off, size_t n, bool may_move, uint64_t *avail)
{
        if (in->mapped) {
                if (off <= in->size && in->size - off >= n)
                        return in->map + off;
                *avail = off < in->size ? in->size - off : 0;
                return NULL;
        }
        if (!in->buf) { /* empty regular file */
                *avail = 0;
                return NULL;
        }
        in->interrupted = false;
        return peek_stream(in, off, n, may_move, avail);
}

void input_release(struct input *in, uint64_t off)
{
        if (off > in->released)
                in->released = off;
        if (!in->mapped || in->borrowed)
                return;
        /* Give resident pages behind the reader back (the page cache keeps them). */
        uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
        uint64_t upto = in->released & ~(page - 1);
        if (upto - in->dropped >= INPUT_DROP_STEP) {
                madvise((void *)(in->map + in->dropped), (size_t)(upto - in->dropped),
                        MADV_DONTNEED);
                in->dropped = upto;
        }
}
