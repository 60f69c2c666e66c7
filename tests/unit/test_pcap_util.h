/* Helpers shared by the format unit tests: byte builders and file I/O. */
#ifndef CST_TEST_PCAP_UTIL_H
#define CST_TEST_PCAP_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bbuf {
        uint8_t *p;
        size_t len, cap;
};

static inline void bb_put(struct bbuf *b, const void *src, size_t n)
{
        if (n == 0)
                return;
        if (b->len + n > b->cap) {
                b->cap = (b->len + n) * 2 + 64;
                b->p = realloc(b->p, b->cap);
        }
        memcpy(b->p + b->len, src, n);
        b->len += n;
}

static inline void bb_u8(struct bbuf *b, uint8_t v)
{
        bb_put(b, &v, 1);
}

static inline void bb_u16(struct bbuf *b, uint16_t v, bool be)
{
        uint8_t x[2] = {(uint8_t)(be ? v >> 8 : v), (uint8_t)(be ? v : v >> 8)};
        bb_put(b, x, 2);
}

static inline void bb_u32(struct bbuf *b, uint32_t v, bool be)
{
        uint8_t x[4];
        for (int i = 0; i < 4; i++)
                x[i] = (uint8_t)(v >> (be ? 24 - 8 * i : 8 * i));
        bb_put(b, x, 4);
}

static inline void bb_set32(struct bbuf *b, size_t at, uint32_t v, bool be)
{
        for (int i = 0; i < 4; i++)
                b->p[at + i] = (uint8_t)(v >> (be ? 24 - 8 * i : 8 * i));
}

static inline const char *tmp_dir(void)
{
        const char *t = getenv("CST_TMP");
        if (!t)
                t = "/tmp";
        mkdir(t, 0755);
        return t;
}

static inline char *tmp_path(const char *name)
{
        static char paths[16][512];
        static int next;
        char *p = paths[next++ % 16];
        snprintf(p, 512, "%s/%d_%s", tmp_dir(), (int)getpid(), name);
        return p;
}

static inline void write_file(const char *path, const void *p, size_t n)
{
        FILE *f = fopen(path, "wb");
        if (!f || (n && fwrite(p, 1, n, f) != n)) {
                perror(path);
                exit(2);
        }
        fclose(f);
}

static inline uint8_t *read_file(const char *path, size_t *n)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        uint8_t *p = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (len == cap) {
                        cap = cap ? cap * 2 : 4096;
                        p = realloc(p, cap);
                }
                size_t r = fread(p + len, 1, cap - len, f);
                if (r == 0)
                        break;
                len += r;
        }
        fclose(f);
        *n = len;
        return p;
}

#endif
