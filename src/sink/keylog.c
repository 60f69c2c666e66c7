/*
 * keylog — TLS key log lines for the PCAPNG Decryption Secrets Block
 * (keylog.h; NSS key log format; pcapng draft §4.7).  The file is read
 * with pread() in 64 KiB chunks from where the last poll stopped; a line
 * is handled once its LF has arrived.
 */
#include "sink/keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#include "sink/pcapng_blocks.h"

#define KL_CHUNK    65536u
#define KL_LINE_MAX 512u /* the longest well-formed line is 31 + 1 + 64 + 1 + 128 bytes */
#define KL_WARN_MAX 20u  /* malformed lines named; later ones are only counted */

struct keylog {
        int fd;
        bool follow;
        dev_t dev;
        ino_t ino;
        uint64_t off;     /* bytes of the file read */
        uint64_t line_no; /* lines completed */
        size_t part_len;  /* bytes of the line being read */
        bool overlong;    /* the line being read is longer than KL_LINE_MAX */
        uint64_t secrets, malformed;
        keylog_warn_fn warn;
        void *ctx;
        /* The DSB being assembled: 16-byte block head, lines, room for padding and trailer. */
        uint8_t *out;
        size_t out_len, out_cap;
        char part[KL_LINE_MAX];
        char path[];
};

static const struct {
        const char *label;
        unsigned min, max; /* secret length in bytes */
} labels[] = {
    {"CLIENT_RANDOM", 48, 48},
    {"CLIENT_EARLY_TRAFFIC_SECRET", 32, 64},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", 32, 64},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", 32, 64},
    {"CLIENT_TRAFFIC_SECRET_0", 32, 64},
    {"SERVER_TRAFFIC_SECRET_0", 32, 64},
    {"EARLY_EXPORTER_SECRET", 32, 64},
    {"EXPORTER_SECRET", 32, 64},
};

int keylog_open(struct keylog **out, const char *path, bool follow, keylog_warn_fn warn, void *ctx,
                char *err)
{
        size_t n = strlen(path);
        struct keylog *k = calloc(1, sizeof(*k) + n + 1);
        *out = NULL;
        if (!k || !(k->out = malloc(KL_CHUNK))) {
                free(k);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        memcpy(k->path, path, n + 1);
        k->out_cap = KL_CHUNK;
        k->out_len = PCAPNG_DSB_HEAD_LEN;
        k->follow = follow;
        k->warn = warn;
        k->ctx = ctx;
        k->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (k->fd < 0 && !(follow && errno == ENOENT)) {
                snprintf(err, CST_ERRBUF, "cannot open TLS key log %.400s: %s", path,
                         strerror(errno));
                keylog_close(k);
                return CST_EFATAL;
        }
        struct stat st;
        if (k->fd >= 0 && fstat(k->fd, &st) == 0) {
                k->dev = st.st_dev;
                k->ino = st.st_ino;
        }
        *out = k;
        return CST_OK;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Length of the run of hex digits at s (stops at the first other character). */
static size_t hex_run(const char *s, size_t n)
{
        size_t i = 0;
        while (i < n && hexval(s[i]) >= 0)
                i++;
        return i;
}

/* NULL when the line is well formed, else why not. */
static const char *check_line(const char *s, size_t n)
{
        const char *sp = memchr(s, ' ', n);
        if (!sp)
                return "expected LABEL CLIENT_RANDOM SECRET";
        size_t ll = (size_t)(sp - s), i = 0, nl = sizeof(labels) / sizeof(labels[0]);
        while (i < nl && !(strlen(labels[i].label) == ll && memcmp(labels[i].label, s, ll) == 0))
                i++;
        if (i == nl)
                return "unknown label";
        const char *cr = sp + 1;
        size_t left = n - ll - 1;
        if (hex_run(cr, left) != 64 || left < 65 || cr[64] != ' ')
                return "client random is not 64 hex digits";
        const char *sec = cr + 65;
        size_t sl = left - 65;
        if (hex_run(sec, sl) != sl || sl % 2 || sl / 2 < labels[i].min || sl / 2 > labels[i].max)
                return "secret is not hex of the label's length";
        return NULL;
}

static int out_room(struct keylog *k, size_t n)
{
        size_t need = k->out_len + n + PCAPNG_DSB_TAIL_MAX;
        if (need <= k->out_cap)
                return 0;
        size_t cap = k->out_cap * 2 > need ? k->out_cap * 2 : need;
        uint8_t *b = realloc(k->out, cap);
        if (!b)
                return -1;
        k->out = b;
        k->out_cap = cap;
        return 0;
}

static void warn_line(struct keylog *k, const char *why)
{
        char msg[CST_ERRBUF];
        k->malformed++;
        if (!k->warn || k->malformed > KL_WARN_MAX)
                return;
        if (k->malformed == KL_WARN_MAX)
                snprintf(msg, sizeof(msg),
                         "%.400s:%llu: malformed key log line (%s); further ones "
                         "are only counted",
                         k->path, (unsigned long long)k->line_no, why);
        else
                snprintf(msg, sizeof(msg), "%.400s:%llu: malformed key log line (%s)", k->path,
                         (unsigned long long)k->line_no, why);
        k->warn(k->ctx, msg);
}

/* A complete line (without its LF). */
static int take_line(struct keylog *k)
{
        const char *s = k->part;
        size_t n = k->part_len;
        k->line_no++;
        if (k->overlong) {
                warn_line(k, "line too long");
                return 0;
        }
        if (n && s[n - 1] == '\r')
                n--;
        if (n == 0 || s[0] == '#')
                return 0;
        const char *why = check_line(s, n);
        if (why) {
                warn_line(k, why);
                return 0;
        }
        if (out_room(k, n + 1) != 0)
                return -1;
        memcpy(k->out + k->out_len, s, n);
        k->out[k->out_len + n] = '\n';
        k->out_len += n + 1;
        k->secrets++;
        return 0;
}

static int feed(struct keylog *k, const char *b, size_t n)
{
        while (n) {
                const char *lf = memchr(b, '\n', n);
                size_t take = lf ? (size_t)(lf - b) : n;
                if (k->part_len + take > KL_LINE_MAX)
                        k->overlong = true;
                else
                        memcpy(k->part + k->part_len, b, take);
                if (!k->overlong)
                        k->part_len += take;
                if (!lf)
                        return 0;
                if (take_line(k) != 0)
                        return -1;
                k->part_len = 0;
                k->overlong = false;
                b += take + 1;
                n -= take + 1;
        }
        return 0;
}

/* The file was truncated or replaced: read it again from the start. */
static void restart(struct keylog *k)
{
        k->off = 0;
        k->line_no = 0;
        k->part_len = 0;
        k->overlong = false;
}

/* Following: reopen when the name leads to another file (or to one at last). */
static void reopen_if_replaced(struct keylog *k)
{
        struct stat st;
        if (stat(k->path, &st) != 0)
                return; /* gone for now: keep reading what we have */
        if (k->fd >= 0 && st.st_dev == k->dev && st.st_ino == k->ino)
                return;
        int fd = open(k->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        if (k->fd >= 0)
                close(k->fd);
        k->fd = fd;
        k->dev = st.st_dev;
        k->ino = st.st_ino;
        restart(k);
}

int keylog_poll(struct keylog *k, char *err)
{
        static char chunk[KL_CHUNK];
        struct stat st;
        if (k->follow)
                reopen_if_replaced(k);
        if (k->fd < 0)
                return CST_OK;
        if (fstat(k->fd, &st) == 0 && (uint64_t)st.st_size < k->off)
                restart(k);
        for (;;) {
                ssize_t r = pread(k->fd, chunk, sizeof(chunk), (off_t)k->off);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        snprintf(err, CST_ERRBUF, "cannot read TLS key log %.400s: %s", k->path,
                                 strerror(errno));
                        return CST_EFATAL;
                }
                if (r == 0)
                        return CST_OK;
                k->off += (uint64_t)r;
                if (feed(k, chunk, (size_t)r) != 0) {
                        snprintf(err, CST_ERRBUF, "out of memory reading TLS key log %.400s",
                                 k->path);
                        return CST_ENOMEM;
                }
        }
}

bool keylog_pending(const struct keylog *k)
{
        return k->out_len > PCAPNG_DSB_HEAD_LEN;
}

const uint8_t *keylog_block(struct keylog *k, bool big_endian, size_t *len)
{
        *len = pcapng_dsb_wrap(k->out, KEYLOG_SECRETS_TYPE,
                               (uint32_t)(k->out_len - PCAPNG_DSB_HEAD_LEN), big_endian);
        return k->out;
}

void keylog_clear(struct keylog *k)
{
        k->out_len = PCAPNG_DSB_HEAD_LEN;
}

uint64_t keylog_secrets(const struct keylog *k)
{
        return k->secrets;
}

uint64_t keylog_malformed(const struct keylog *k)
{
        return k->malformed;
}

void keylog_close(struct keylog *k)
{
        if (!k)
                return;
        if (k->fd >= 0)
                close(k->fd);
        free(k->out);
        free(k);
}
