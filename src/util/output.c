/*
 * output — buffered sequential writer (see output.h).
 */
#include "util/output.h"
#include <constrictor/constrictor.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int output_open(struct output *o, const char *path)
{
        memset(o, 0, sizeof(*o));
        o->buf = malloc(OUTPUT_BUF_SIZE);
        if (!o->buf)
                return -1;
        o->cap = OUTPUT_BUF_SIZE;
        if (strcmp(path, "-") == 0) {
                o->fd = STDOUT_FILENO;
                return 0;
        }
        o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (o->fd < 0) {
                int e = errno;
                free(o->buf);
                o->buf = NULL;
                errno = e;
                return -1;
        }
        o->own_fd = true;
        return 0;
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

int output_flush(struct output *o)
{
        if (o->len == 0)
                return 0;
        if (output_write_all(o->fd, o->buf, o->len) != 0)
                return -1;
        o->written += o->len;
        o->len = 0;
        return 0;
}

int output_append_slow(struct output *o, const uint8_t *p, size_t n)
{
        if (output_flush(o) != 0)
                return -1;
        if (n >= o->cap / 2) { /* large data: straight to the kernel */
                if (output_write_all(o->fd, p, n) != 0)
                        return -1;
                o->written += n;
                return 0;
        }
        memcpy(o->buf, p, n);
        o->len = n;
        return 0;
}

int output_close(struct output *o)
{
        int rc = output_flush(o);
        if (o->own_fd && close(o->fd) != 0)
                rc = -1;
        free(o->buf);
        memset(o, 0, sizeof(*o));
        o->fd = -1;
        return rc;
}

void output_abandon(struct output *o)
{
        if (o->own_fd && o->fd >= 0)
                close(o->fd);
        free(o->buf);
        memset(o, 0, sizeof(*o));
        o->fd = -1;
}

int output_flush_msg(struct output *o, char *err)
{
        if (output_flush(o) == 0)
                return CST_OK;
        snprintf(err, CST_ERRBUF, "failed to write packet data");
        return CST_EFATAL;
}

int output_close_msg(struct output *o, char *err)
{
        if (output_close(o) == 0)
                return CST_OK;
        snprintf(err, CST_ERRBUF, "failed to close output file");
        return CST_EFATAL;
}
