/*
 * Format detection and the same-file check of the offline commands
 * (SPEC 2.1 run sequence, steps 3 and 4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#include "format/pcap.h"
#include "offline/offline_int.h"

int offline_format_from_magic(const uint8_t m[4], enum cst_file_format *fmt)
{
        bool be, nsec;
        if (memcmp(m, "\x0A\x0D\x0D\x0A", 4) == 0) {
                *fmt = CST_FORMAT_PCAPNG;
                return CST_OK;
        }
        if (pcap_parse_magic(m, &be, &nsec) == 0) {
                *fmt = CST_FORMAT_PCAP;
                return CST_OK;
        }
        return CST_EFATAL;
}

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
        if (offline_format_from_magic(m, fmt) != CST_OK) {
                snprintf(err, CST_ERRBUF, "unsupported input capture format");
                return CST_EFATAL;
        }
        return CST_OK;
}

/* "-" is stdin as the first path, stdout as the second. */
static int stat_path(const char *path, int std_fd, struct stat *st)
{
        return strcmp(path, "-") == 0 ? fstat(std_fd, st) : stat(path, st);
}

int cst_same_file(const char *a, const char *b)
{
        struct stat sa, sb;
        if (stat_path(a, STDIN_FILENO, &sa) != 0 || stat_path(b, STDOUT_FILENO, &sb) != 0)
                return 0;
        if (!S_ISREG(sa.st_mode) && !S_ISBLK(sa.st_mode))
                return 0; /* two ends of one pipe or terminal are not "the same file" */
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
