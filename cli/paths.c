/*
 * paths — the offline commands' checks that two path names are one file
 * (SPEC 2.1 run sequence, step 3, and the decision log's own checks):
 * writing over the input would destroy the data being read.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"

/* "-" is stdin as the first path, stdout as the second. */
static int stat_path(const char *path, int std_fd, struct stat *st)
{
        return strcmp(path, "-") == 0 ? fstat(std_fd, st) : stat(path, st);
}

bool cli_same_file(const char *a, const char *b)
{
        struct stat sa, sb;
        if (stat_path(a, STDIN_FILENO, &sa) != 0 || stat_path(b, STDOUT_FILENO, &sb) != 0)
                return false;
        if (!S_ISREG(sa.st_mode) && !S_ISBLK(sa.st_mode))
                return false; /* two ends of one pipe or terminal are not "the same file" */
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* "<resolved parent directory>/<name>" of path, false if the parent does not resolve. */
static bool parent_of(const char *path, char out[PATH_MAX])
{
        char tmp[PATH_MAX], dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        size_t dlen = slash ? (size_t)(slash - path) : 0;

        if (dlen >= sizeof(tmp))
                return false;
        if (slash) {
                memcpy(tmp, path, dlen);
                tmp[dlen] = '\0';
        }
        if (!realpath(slash ? (dlen ? tmp : "/") : ".", dir))
                return false;
        return snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX;
}

bool cli_log_collides(const char *log, const char *other)
{
        struct stat sl, so;
        char dl[PATH_MAX], dov[PATH_MAX];

        if (strcmp(other, "-") == 0)
                return stat(log, &sl) == 0 && fstat(STDOUT_FILENO, &so) == 0 &&
                       sl.st_dev == so.st_dev && sl.st_ino == so.st_ino;
        if (stat(log, &sl) == 0 && stat(other, &so) == 0)
                return sl.st_dev == so.st_dev && sl.st_ino == so.st_ino;
        if (!parent_of(log, dl) || !parent_of(other, dov))
                return false;
        return strcmp(dl, dov) == 0;
}
