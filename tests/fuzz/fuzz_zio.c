/*
 * fuzz_zio — libFuzzer target for the decompressing reader (util/zio_read.c
 * under util/input.c): the input is a whole file, gzip or zstd compressed
 * (inputs without either magic are left to the other targets), opened as a
 * file and as a pipe (stream detection), decoded through a capture reader
 * to its end.  Invariants: no crash or sanitizer report; the two ways read
 * the same number of records.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <constrictor/constrictor.h>
#include "format/format.h"
#include "util/input.h"
#include "util/zio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ZIO_FUZZ_MAX (256u << 10)

/* Records read from path (-1: the open failed). */
static long read_records(const char *path)
{
        struct cst_source src;
        struct cst_packet recs[64];
        char err[CST_ERRBUF];
        if (format_source_open(&src, path, err) != CST_OK)
                return -1;
        long total = 0;
        for (int i = 0; i < 100000; i++) {
                int n = src.ops->next_batch(src.priv, recs, 64, err);
                if (n <= 0)
                        break;
                total += n;
        }
        src.ops->close(src.priv);
        return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > ZIO_FUZZ_MAX || zio_detect(data, size) == ZIO_NONE)
                return 0;
        int fd = memfd_create("zio", MFD_CLOEXEC);
        if (fd < 0 || write(fd, data, size) != (ssize_t)size)
                abort();
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        long as_file = read_records(path);
        int p[2];
        long as_pipe = as_file;
        /* a pipe big enough for the whole input: written at once, read as a stream */
        if (pipe2(p, O_CLOEXEC) == 0 && fcntl(p[1], F_SETPIPE_SZ, (int)ZIO_FUZZ_MAX) >= (int)size &&
            write(p[1], data, size) == (ssize_t)size) {
                close(p[1]);
                p[1] = -1;
                snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
                as_pipe = read_records(path);
        }
        close(p[0]);
        if (p[1] >= 0)
                close(p[1]);
        close(fd);
        if (as_file != as_pipe)
                abort(); /* the same stream decoded differently */
        return 0;
}
