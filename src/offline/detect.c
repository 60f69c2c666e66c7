/*
 * Format detection of a file by name without consuming it (pread: regular
 * files and stdin redirected from one).  The commands no longer call it:
 * the pipeline detects the format from its first read, which works on pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#include "format/pcap.h"
#include "format/format.h"

/* Read up to 4 bytes at offset 0 without moving a shared stdin (pread). */
static ssize_t read_magic(int fd, uint8_t m[4])
{
        size_t got = 0;
        while (got < 4) {
                ssize_t r = pread(fd, m + got, 4 - got, (off_t)got);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -1;
                if (r == 0)
                        break;
                got += (size_t)r;
        }
        return (ssize_t)got;
}

int cst_detect_format(const char *path, enum cst_file_format *fmt, char *err)
{
        bool is_stdin = strcmp(path, "-") == 0;
        int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                snprintf(err, CST_ERRBUF, "failed to open input file");
                return CST_EFATAL;
        }
        uint8_t m[4];
        ssize_t n = read_magic(fd, m);
        if (!is_stdin)
                close(fd);
        if (n < 0 && is_stdin && errno == ESPIPE) {
                *fmt = 0; /* a pipe: detected when the pipeline reads it */
                return CST_OK;
        }
        if (n < 0) {
                snprintf(err, CST_ERRBUF, "failed to open input file");
                return CST_EFATAL;
        }
        if (n < 4) {
                snprintf(err, CST_ERRBUF, "input file is too small to detect capture format");
                return CST_EFATAL;
        }
        if (format_from_magic(m, fmt) != CST_OK) {
                snprintf(err, CST_ERRBUF, "unsupported input capture format");
                return CST_EFATAL;
        }
        return CST_OK;
}
