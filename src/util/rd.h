/*
 * rd — the one bounds-checked reader for packet and file bytes.
 *
 * Every read compares the remaining length before touching memory (never
 * computes p + n past the end).  The error is sticky: once a read runs past
 * the end it returns 0 and sets `err`, so a caller reads a whole header and
 * checks `err` once.
 */
#ifndef CST_UTIL_RD_H
#define CST_UTIL_RD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct rd {
        const uint8_t *p; /* start of the readable region */
        size_t len;       /* bytes in the region */
        size_t off;       /* next read position */
        bool err;         /* a read ran past the end */
};

/*
 * Private loads of rd.h: the callers below have checked the length.  Code
 * outside this header reads through struct rd (no `p + off` it computed).
 */
static inline uint16_t rd_load_be16_(const uint8_t *b)
{
        return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rd_load_be32_(const uint8_t *b)
{
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint32_t rd_load_le32_(const uint8_t *b)
{
        return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static inline struct rd rd_init(const uint8_t *p, size_t len)
{
        struct rd r = {p, len, 0, false};
        return r;
}

static inline size_t rd_left(const struct rd *r)
{
        return r->err ? 0 : r->len - r->off;
}

/* True when n bytes are available at the current position. */
static inline bool rd_has(const struct rd *r, size_t n)
{
        return !r->err && r->len - r->off >= n;
}

static inline bool rd_take(struct rd *r, size_t n)
{
        if (!rd_has(r, n)) {
                r->err = true;
                return false;
        }
        return true;
}

static inline uint8_t rd_u8(struct rd *r)
{
        if (!rd_take(r, 1))
                return 0;
        return r->p[r->off++];
}

static inline uint16_t rd_be16(struct rd *r)
{
        if (!rd_take(r, 2))
                return 0;
        const uint8_t *b = r->p + r->off;
        r->off += 2;
        return rd_load_be16_(b);
}

static inline uint32_t rd_be24(struct rd *r)
{
        if (!rd_take(r, 3))
                return 0;
        const uint8_t *b = r->p + r->off;
        r->off += 3;
        return (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
}

static inline uint32_t rd_be32(struct rd *r)
{
        if (!rd_take(r, 4))
                return 0;
        const uint8_t *b = r->p + r->off;
        r->off += 4;
        return rd_load_be32_(b);
}

static inline uint16_t rd_le16(struct rd *r)
{
        if (!rd_take(r, 2))
                return 0;
        const uint8_t *b = r->p + r->off;
        r->off += 2;
        return (uint16_t)(b[1] << 8 | b[0]);
}

static inline uint32_t rd_le32(struct rd *r)
{
        if (!rd_take(r, 4))
                return 0;
        const uint8_t *b = r->p + r->off;
        r->off += 4;
        return rd_load_le32_(b);
}

/* 32-bit read in a chosen byte order (file formats carry their own). */
static inline uint32_t rd_u32_order(struct rd *r, bool big_endian)
{
        return big_endian ? rd_be32(r) : rd_le32(r);
}

static inline uint16_t rd_u16_order(struct rd *r, bool big_endian)
{
        return big_endian ? rd_be16(r) : rd_le16(r);
}

static inline void rd_skip(struct rd *r, size_t n)
{
        if (rd_take(r, n))
                r->off += n;
}

/* Pointer to n bytes at the current position (and skip them), or NULL. */
static inline const uint8_t *rd_ptr(struct rd *r, size_t n)
{
        if (!rd_take(r, n))
                return NULL;
        const uint8_t *q = r->p + r->off;
        r->off += n;
        return q;
}

/* Random access without moving: byte at absolute offset, 0 + err if outside. */
static inline uint8_t rd_peek_u8(struct rd *r, size_t at)
{
        if (r->err || at >= r->len) {
                r->err = true;
                return 0;
        }
        return r->p[at];
}

/* Pointer to n bytes at absolute offset `at` without moving, or NULL (no error set). */
static inline const uint8_t *rd_at(const struct rd *r, size_t at, size_t n)
{
        if (r->err || at > r->len || r->len - at < n)
                return NULL;
        return r->p + at;
}

/* Big-endian 16-bit field at absolute offset `at`; 0 + err if outside. */
static inline uint16_t rd_peek_be16(struct rd *r, size_t at)
{
        const uint8_t *b = rd_at(r, at, 2);
        if (!b) {
                r->err = true;
                return 0;
        }
        return rd_load_be16_(b);
}

/* Reader over bytes [at, at + n) of r, from its start (err set if outside). */
static inline struct rd rd_window(const struct rd *r, size_t at, size_t n)
{
        bool ok = !r->err && at <= r->len && n <= r->len - at;
        struct rd s = {ok ? r->p + at : NULL, ok ? n : 0, 0, !ok};
        return s;
}

/* Sub-reader over the next n bytes (the caller's own layer only). */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
        const uint8_t *q = rd_ptr(r, n);
        struct rd s = {q, q ? n : 0, 0, q == NULL};
        return s;
}

static inline void st_le32(uint8_t *b, uint32_t v)
{
        b[0] = (uint8_t)v;
        b[1] = (uint8_t)(v >> 8);
        b[2] = (uint8_t)(v >> 16);
        b[3] = (uint8_t)(v >> 24);
}

static inline void st_be32(uint8_t *b, uint32_t v)
{
        b[0] = (uint8_t)(v >> 24);
        b[1] = (uint8_t)(v >> 16);
        b[2] = (uint8_t)(v >> 8);
        b[3] = (uint8_t)v;
}

static inline void st_be16(uint8_t *b, uint16_t v)
{
        b[0] = (uint8_t)(v >> 8);
        b[1] = (uint8_t)v;
}

#endif
