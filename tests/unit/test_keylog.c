/*
 * keylog (src/sink/keylog.c, issue 20 item 3): which key log lines become
 * secrets (every label, CRLF, comments) and which are malformed (named as
 * FILE:LINE), a line waiting for its LF, the DSB around the secrets in both
 * byte orders, and following a file that grows, is truncated, is replaced
 * or does not exist yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#include "check.h"
#include "sink/keylog.h"
#include "util/rd.h"

static char path[300];
static char warnings[8192];
static unsigned n_warnings;

static void on_warn(void *ctx, const char *msg)
{
        (void)ctx;
        n_warnings++;
        size_t u = strlen(warnings);
        snprintf(warnings + u, sizeof(warnings) - u, "%s\n", msg);
}

static void put(const char *mode, const char *text)
{
        FILE *f = fopen(path, mode);
        if (!f) {
                perror(path);
                exit(1);
        }
        fputs(text, f);
        fclose(f);
}

static char *hex(char c, unsigned n)
{
        static char buf[16][300];
        static unsigned k;
        char *b = buf[k++ % 16];
        memset(b, c, n);
        b[n] = '\0';
        return b;
}

/* The secrets text of the pending DSB (little endian), checked for its framing. */
static const char *secrets(struct keylog *k, size_t *out_len)
{
        static char text[8192];
        size_t len;
        const uint8_t *b = keylog_block(k, false, &len);
        struct rd r = rd_init(b, len);
        uint32_t type = rd_le32(&r), total = rd_le32(&r), stype = rd_le32(&r), slen = rd_le32(&r);
        CHECK_EQ_U(type, 0x0A);
        CHECK_EQ_U(total, len);
        CHECK_EQ_U(len % 4, 0);
        CHECK_EQ_U(stype, 0x544c534bu);
        CHECK(slen + 20 <= len && slen + 23 >= len);
        memcpy(text, b + 16, slen < sizeof(text) - 1 ? slen : sizeof(text) - 1);
        text[slen < sizeof(text) - 1 ? slen : sizeof(text) - 1] = '\0';
        CHECK_EQ_U(b[len - 4] | b[len - 3] << 8 | b[len - 2] << 16 | (uint32_t)b[len - 1] << 24,
                   len);
        *out_len = slen;
        return text;
}

static void test_lines(void)
{
        static const char *labels[] = {
            "CLIENT_EARLY_TRAFFIC_SECRET",
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_TRAFFIC_SECRET_0",
            "EARLY_EXPORTER_SECRET",
            "EXPORTER_SECRET",
        };
        char text[8192], want[8192];
        int n = snprintf(text, sizeof(text), "# SSL/TLS secrets log file\n\nCLIENT_RANDOM %s %s\n",
                         hex('a', 64), hex('B', 96));
        int w = snprintf(want, sizeof(want), "CLIENT_RANDOM %s %s\n", hex('a', 64), hex('B', 96));
        for (unsigned i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
                unsigned len = 64 + 32 * (i % 3); /* 32, 48, 64 bytes */
                n += snprintf(text + n, sizeof(text) - (size_t)n, "%s %s %s%s\n", labels[i],
                              hex('0', 64), hex('f', len), i == 2 ? "\r" : "");
                w += snprintf(want + w, sizeof(want) - (size_t)w, "%s %s %s\n", labels[i],
                              hex('0', 64), hex('f', len));
        }
        /* malformed: lines 11.. */
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "CLIENT_RANDOM %s %s\n"             /* 11: 32-byte master secret */
                      "SERVER_TRAFFIC_SECRET_1 %s %s\n"   /* 12: unknown label */
                      "CLIENT_TRAFFIC_SECRET_0 %s %s\n"   /* 13: 63-digit random */
                      "CLIENT_TRAFFIC_SECRET_0 %s %sg\n"  /* 14: not hex */
                      "CLIENT_TRAFFIC_SECRET_0 %s %s\n"   /* 15: odd length */
                      "CLIENT_TRAFFIC_SECRET_0 %s %s x\n" /* 16: extra field */
                      "CLIENT_RANDOM\n"                   /* 17 */
                      " # not a comment\n",               /* 18 */
                      hex('1', 64), hex('2', 64), hex('1', 64), hex('2', 64), hex('1', 63),
                      hex('2', 64), hex('1', 64), hex('2', 63), hex('1', 64), hex('2', 65),
                      hex('1', 64), hex('2', 64));
        put("w", text);
        struct keylog *k;
        char err[CST_ERRBUF];
        warnings[0] = '\0';
        n_warnings = 0;
        CHECK_EQ_U(keylog_open(&k, path, false, on_warn, NULL, err), CST_OK);
        CHECK(!keylog_pending(k));
        CHECK_EQ_U(keylog_poll(k, err), CST_OK);
        CHECK_EQ_U(keylog_secrets(k), 8);
        CHECK_EQ_U(keylog_malformed(k), 8);
        size_t len;
        CHECK_STR(secrets(k, &len), want);
        CHECK_EQ_U(len, (size_t)w);
        char first[1400];
        snprintf(first, sizeof(first),
                 "%s:11: malformed key log line (secret is not hex of the label's length)\n"
                 "%s:12: malformed key log line (unknown label)\n"
                 "%s:13: malformed key log line (client random is not 64 hex digits)\n",
                 path, path, path);
        CHECK(strncmp(warnings, first, strlen(first)) == 0);
        CHECK_EQ_U(n_warnings, 8);
        keylog_clear(k);
        CHECK(!keylog_pending(k));
        CHECK_EQ_U(keylog_poll(k, err), CST_OK); /* nothing new */
        CHECK(!keylog_pending(k));
        keylog_close(k);
}

/* Big endian DSB: the same fields in the other order. */
static void test_big_endian(void)
{
        char line[300];
        snprintf(line, sizeof(line), "EXPORTER_SECRET %s %s\n", hex('c', 64), hex('d', 64));
        put("w", line);
        struct keylog *k;
        char err[CST_ERRBUF];
        CHECK_EQ_U(keylog_open(&k, path, false, NULL, NULL, err), CST_OK);
        CHECK_EQ_U(keylog_poll(k, err), CST_OK);
        size_t len;
        const uint8_t *b = keylog_block(k, true, &len);
        struct rd r = rd_init(b, len);
        CHECK_EQ_U(rd_be32(&r), 0x0A);
        CHECK_EQ_U(rd_be32(&r), len);
        CHECK_EQ_U(rd_be32(&r), 0x544c534bu);
        CHECK_EQ_U(rd_be32(&r), strlen(line));
        CHECK_EQ_U(len, 16 + ((strlen(line) + 3) & ~3u) + 4);
        keylog_close(k);
}

/* Following: a line waits for its LF; truncation and replacement read again from the start. */
static void test_follow(void)
{
        char line[300], renamed[4200];
        struct keylog *k;
        char err[CST_ERRBUF];
        size_t len;
        unlink(path);
        CHECK_EQ_U(keylog_open(&k, path, true, on_warn, NULL, err), CST_OK); /* not there yet */
        CHECK_EQ_U(keylog_poll(k, err), CST_OK);
        CHECK(!keylog_pending(k));
        snprintf(line, sizeof(line), "CLIENT_TRAFFIC_SECRET_0 %s %s", hex('1', 64), hex('2', 64));
        put("w", line); /* no LF yet */
        CHECK_EQ_U(keylog_poll(k, err), CST_OK);
        CHECK(!keylog_pending(k));
        put("a", "\n");
        CHECK_EQ_U(keylog_poll(k, err), CST_OK);
        CHECK(keylog_pending(k));
        CHECK(strncmp(secrets(k, &len), line, strlen(line)) == 0);
        keylog_clear(k);
        /* truncated and rewritten with a shorter content: read from the start */
        snprintf(line, sizeof(line), "EXPORTER_SECRET %s %s\n", hex('3', 64), hex('4', 64));
        put("w", line);
        CHECK_EQ_U(keylog_poll(k, err), CST_OK);
        CHECK_STR(secrets(k, &len), line);
        keylog_clear(k);
        /* replaced: the name leads to a new file */
        snprintf(renamed, sizeof(renamed), "%s.1", path);
        CHECK(rename(path, renamed) == 0);
        snprintf(line, sizeof(line), "SERVER_TRAFFIC_SECRET_0 %s %s\n", hex('5', 64), hex('6', 96));
        put("w", line);
        CHECK_EQ_U(keylog_poll(k, err), CST_OK);
        CHECK_STR(secrets(k, &len), line);
        CHECK_EQ_U(keylog_secrets(k), 3);
        keylog_close(k);
        unlink(renamed);
}

static void test_missing(void)
{
        struct keylog *k;
        char err[CST_ERRBUF], want[CST_ERRBUF];
        unlink(path);
        CHECK_EQ_U(keylog_open(&k, path, false, NULL, NULL, err), CST_EFATAL);
        snprintf(want, sizeof(want), "cannot open TLS key log %s: No such file or directory", path);
        CHECK_STR(err, want);
}

int main(void)
{
        const char *tmp = getenv("CST_TMP");
        char dir[280];
        snprintf(dir, sizeof(dir), "%.250s/test_keylog", tmp ? tmp : "/tmp");
        if (mkdir(dir, 0700) != 0 && access(dir, W_OK) != 0)
                snprintf(dir, sizeof(dir), "/tmp");
        snprintf(path, sizeof(path), "%s/keys.log", dir);
        test_lines();
        test_big_endian();
        test_follow();
        test_missing();
        unlink(path);
        return check_summary("test_keylog");
}
