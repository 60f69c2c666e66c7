/*
 * src/util/rd.h, the one bounds-checked reader: every public rd_* accessor on
 * known bytes, exact-boundary reads, reads one byte short, zero lengths,
 * lengths and offsets near SIZE_MAX, the sticky error, rd_sub, and the random
 * access ones (rd_peek_u8, rd_peek_be16, rd_at, rd_window).  QUIC varints
 * moved to decode/quic_wire.h (tests/unit/test_quic_wire.c).  Buffers are
 * malloc'd at their exact size so that a read past the end is caught by
 * AddressSanitizer (the suite runs under ASan+UBSan in CI: make check-asan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util/rd.h"

/* A heap copy of exactly n bytes (n may be 0: a 1-byte allocation, never read). */
static uint8_t *exact(const void *src, size_t n)
{
        uint8_t *p = malloc(n ? n : 1);
        if (!p) {
                fprintf(stderr, "out of memory\n");
                exit(1);
        }
        if (n)
                memcpy(p, src, n);
        return p;
}

static const uint8_t BYTES[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc};

static void test_values(void)
{
        uint8_t *b = exact(BYTES, sizeof(BYTES));
        struct rd r = rd_init(b, sizeof(BYTES));
        CHECK_EQ_U(rd_left(&r), 10);
        CHECK_EQ_U(rd_u8(&r), 0x01);
        CHECK_EQ_U(rd_be16(&r), 0x2345);
        CHECK_EQ_U(rd_be24(&r), 0x6789ab);
        CHECK_EQ_U(rd_be32(&r), 0xcdeffedc);
        CHECK(!r.err);
        CHECK_EQ_U(rd_left(&r), 0);

        r = rd_init(b, sizeof(BYTES));
        CHECK_EQ_U(rd_le16(&r), 0x2301);
        CHECK_EQ_U(rd_le32(&r), 0xab896745);
        CHECK_EQ_U(rd_u16_order(&r, true), 0xcdef);
        CHECK_EQ_U(rd_u16_order(&r, false), 0xdcfe);
        CHECK(!r.err);

        r = rd_init(b, sizeof(BYTES));
        CHECK_EQ_U(rd_u32_order(&r, true), 0x01234567);
        CHECK_EQ_U(rd_u32_order(&r, false), 0xefcdab89);
        CHECK_EQ_U(r.off, 8);
        const uint8_t *q = rd_ptr(&r, 2);
        CHECK(q == b + 8);
        CHECK(!r.err && rd_left(&r) == 0);

        /* high bits survive the shifts (no sign extension through int) */
        const uint8_t ff[] = {0xff, 0xff, 0xff, 0xff};
        uint8_t *f = exact(ff, 4);
        r = rd_init(f, 4);
        CHECK_EQ_U(rd_be32(&r), 0xffffffffu);
        r = rd_init(f, 4);
        CHECK_EQ_U(rd_le32(&r), 0xffffffffu);
        r = rd_init(f, 4);
        CHECK_EQ_U(rd_be24(&r), 0xffffffu);
        CHECK_EQ_U(rd_u8(&r), 0xff);
        r = rd_init(f, 4);
        CHECK_EQ_U(rd_be16(&r), 0xffff);
        CHECK_EQ_U(rd_le16(&r), 0xffff);
        free(f);
        free(b);
}

/*
 * Every fixed-width accessor on buffers of every length 0..12: exactly
 * len / width reads succeed with the right value, the next one returns 0 and
 * sets the error, and the position never passes the end.
 */
enum { A_U8, A_BE16, A_BE24, A_BE32, A_LE16, A_LE32, A_O16B, A_O16L, A_O32B, A_O32L, A_COUNT };
static const size_t WIDTH[A_COUNT] = {1, 2, 3, 4, 2, 4, 2, 2, 4, 4};

static uint64_t read_one(struct rd *r, int a)
{
        switch (a) {
        case A_U8:
                return rd_u8(r);
        case A_BE16:
                return rd_be16(r);
        case A_BE24:
                return rd_be24(r);
        case A_BE32:
                return rd_be32(r);
        case A_LE16:
                return rd_le16(r);
        case A_LE32:
                return rd_le32(r);
        case A_O16B:
                return rd_u16_order(r, true);
        case A_O16L:
                return rd_u16_order(r, false);
        case A_O32B:
                return rd_u32_order(r, true);
        default:
                return rd_u32_order(r, false);
        }
}

static uint64_t expect_at(const uint8_t *b, int a, size_t w)
{
        bool big =
            a == A_BE16 || a == A_BE24 || a == A_BE32 || a == A_O16B || a == A_O32B || a == A_U8;
        uint64_t v = 0;
        for (size_t i = 0; i < w; i++)
                v |= (uint64_t)b[i] << (8 * (big ? w - 1 - i : i));
        return v;
}

static void test_boundaries(void)
{
        uint8_t src[12];
        for (size_t i = 0; i < sizeof(src); i++)
                src[i] = (uint8_t)(0x80 + 17 * i);
        for (int a = 0; a < A_COUNT; a++) {
                size_t w = WIDTH[a];
                for (size_t len = 0; len <= sizeof(src); len++) {
                        uint8_t *b = exact(src, len);
                        struct rd r = rd_init(b, len);
                        size_t ok = 0;
                        while (rd_has(&r, w)) {
                                uint64_t want = expect_at(b + r.off, a, w);
                                CHECK_EQ_U(read_one(&r, a), want);
                                ok++;
                        }
                        CHECK_EQ_U(ok, len / w);
                        CHECK(!r.err);
                        CHECK_EQ_U(rd_left(&r), len % w);
                        size_t off = r.off;
                        CHECK_EQ_U(read_one(&r, a), 0);
                        CHECK(r.err);
                        CHECK_EQ_U(r.off, off); /* a failed read does not move */
                        CHECK_EQ_U(rd_left(&r), 0);
                        free(b);
                }
        }
}

static void test_sticky(void)
{
        uint8_t *b = exact(BYTES, 4);
        struct rd r = rd_init(b, 4);
        CHECK_EQ_U(rd_be24(&r), 0x012345);
        CHECK_EQ_U(rd_be16(&r), 0); /* 1 byte left: fails */
        CHECK(r.err);
        /* every later read fails, though one byte is still there */
        CHECK_EQ_U(rd_u8(&r), 0);
        CHECK(!rd_has(&r, 0));
        CHECK(!rd_has(&r, 1));
        CHECK(rd_ptr(&r, 0) == NULL);
        CHECK(rd_ptr(&r, 1) == NULL);
        CHECK_EQ_U(rd_peek_u8(&r, 0), 0);
        rd_skip(&r, 0);
        CHECK_EQ_U(r.off, 3);
        struct rd s = rd_sub(&r, 0);
        CHECK(s.err);
        CHECK_EQ_U(rd_left(&s), 0);
        CHECK_EQ_U(rd_u8(&s), 0);
        CHECK(r.err);
        CHECK_EQ_U(rd_left(&r), 0);
        free(b);
}

static void test_zero_length(void)
{
        uint8_t *b = exact(NULL, 0);
        struct rd r = rd_init(b, 0);
        CHECK_EQ_U(rd_left(&r), 0);
        CHECK(rd_has(&r, 0));
        CHECK(!rd_has(&r, 1));
        CHECK(rd_ptr(&r, 0) == b); /* zero bytes at the end: a valid pointer, no error */
        rd_skip(&r, 0);
        struct rd s = rd_sub(&r, 0);
        CHECK(!s.err && !r.err);
        CHECK_EQ_U(rd_left(&s), 0);
        CHECK_EQ_U(rd_u8(&s), 0);
        CHECK(s.err);
        CHECK(!r.err); /* a sub-reader's error stays in the sub-reader */
        CHECK_EQ_U(rd_u8(&r), 0);
        CHECK(r.err);
        free(b);

        /* zero-length reads at the exact end of a non-empty buffer */
        b = exact(BYTES, 3);
        r = rd_init(b, 3);
        rd_skip(&r, 3);
        CHECK(rd_ptr(&r, 0) == b + 3);
        CHECK(rd_has(&r, 0));
        CHECK(!r.err);
        CHECK_EQ_U(rd_left(&r), 0);
        free(b);
}

static void test_huge(void)
{
        uint8_t *b = exact(BYTES, 8);
        const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 2 + 1, (size_t)UINT32_MAX + 1, 9};
        for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
                size_t n = huge[i];
                struct rd r = rd_init(b, 8);
                rd_u8(&r); /* off 1: len - off + n must not wrap */
                CHECK(!rd_has(&r, n));
                CHECK(!r.err); /* rd_has only asks */
                r = rd_init(b, 8);
                rd_u8(&r);
                CHECK(rd_ptr(&r, n) == NULL);
                CHECK(r.err);
                r = rd_init(b, 8);
                rd_u8(&r);
                rd_skip(&r, n);
                CHECK(r.err);
                CHECK_EQ_U(r.off, 1);
                r = rd_init(b, 8);
                rd_u8(&r);
                struct rd s = rd_sub(&r, n);
                CHECK(s.err && r.err);
                CHECK_EQ_U(rd_left(&s), 0);
                r = rd_init(b, 8);
                CHECK_EQ_U(rd_peek_u8(&r, n), 0);
                CHECK(r.err);
        }
        free(b);
}

static void test_skip_ptr(void)
{
        uint8_t *b = exact(BYTES, 10);
        struct rd r = rd_init(b, 10);
        rd_skip(&r, 4);
        CHECK_EQ_U(r.off, 4);
        const uint8_t *q = rd_ptr(&r, 6); /* exactly to the end */
        CHECK(q == b + 4);
        CHECK(!r.err);
        CHECK_EQ_U(rd_left(&r), 0);
        r = rd_init(b, 10);
        rd_skip(&r, 10);
        CHECK(!r.err);
        rd_skip(&r, 1);
        CHECK(r.err);
        r = rd_init(b, 10);
        rd_skip(&r, 5);
        CHECK(rd_ptr(&r, 6) == NULL); /* one byte more than there is */
        CHECK(r.err);
        CHECK_EQ_U(r.off, 5);
        free(b);
}

static void test_peek(void)
{
        uint8_t *b = exact(BYTES, 10);
        struct rd r = rd_init(b, 10);
        rd_skip(&r, 6);
        /* absolute offsets, before and after the position, without moving it */
        CHECK_EQ_U(rd_peek_u8(&r, 0), 0x01);
        CHECK_EQ_U(rd_peek_u8(&r, 9), 0xdc);
        CHECK_EQ_U(r.off, 6);
        CHECK(!r.err);
        CHECK_EQ_U(rd_peek_u8(&r, 10), 0);
        CHECK(r.err);
        CHECK_EQ_U(rd_peek_u8(&r, 0), 0); /* sticky */
        free(b);
}

/* rd_at, rd_peek_be16 and rd_window: absolute offsets from the reader's start, never moving it. */
static void test_random_access(void)
{
        uint8_t *b = exact(BYTES, 10);
        struct rd r = rd_init(b, 10);
        rd_skip(&r, 7);
        CHECK(rd_at(&r, 0, 10) == b);      /* the whole region, wherever the position is */
        CHECK(rd_at(&r, 10, 0) == b + 10); /* zero bytes at the end */
        CHECK(rd_at(&r, 9, 2) == NULL);
        CHECK(rd_at(&r, 11, 0) == NULL);
        CHECK(!r.err); /* rd_at sets no error */
        CHECK_EQ_U(r.off, 7);
        CHECK_EQ_U(rd_peek_be16(&r, 0), 0x0123);
        CHECK_EQ_U(rd_peek_be16(&r, 8), 0xfedc); /* the last two bytes exactly */
        CHECK(!r.err);
        CHECK_EQ_U(rd_peek_be16(&r, 9), 0); /* one byte short */
        CHECK(r.err);
        CHECK_EQ_U(rd_peek_be16(&r, 0), 0); /* sticky */
        CHECK(rd_at(&r, 0, 1) == NULL);

        r = rd_init(b, 10);
        struct rd w = rd_window(&r, 2, 4);
        CHECK(!w.err && !r.err);
        CHECK_EQ_U(r.off, 0);
        CHECK_EQ_U(rd_left(&w), 4);
        CHECK_EQ_U(rd_be32(&w), 0x456789ab);
        CHECK_EQ_U(rd_u8(&w), 0); /* the window ends at its own end */
        CHECK(w.err && !r.err);
        w = rd_window(&r, 10, 0);
        CHECK(!w.err);
        CHECK_EQ_U(rd_left(&w), 0);
        w = rd_window(&r, 4, 7); /* one byte past the end */
        CHECK(w.err);
        CHECK(w.p == NULL);
        CHECK_EQ_U(rd_left(&w), 0);
        CHECK(!r.err); /* a failed window leaves its parent alone */

        const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 9, SIZE_MAX / 2 + 1, 11};
        for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
                r = rd_init(b, 10);
                CHECK(rd_at(&r, huge[i], 0) == NULL);
                CHECK(rd_at(&r, 1, huge[i]) == NULL); /* at + n must not wrap */
                CHECK(rd_at(&r, huge[i], huge[i]) == NULL);
                w = rd_window(&r, 1, huge[i]);
                CHECK(w.err);
                w = rd_window(&r, huge[i], 1);
                CHECK(w.err);
                CHECK_EQ_U(rd_peek_be16(&r, huge[i]), 0);
                CHECK(r.err);
        }
        /* a window of a reader in error is in error */
        r = rd_init(b, 10);
        rd_skip(&r, 11);
        w = rd_window(&r, 0, 1);
        CHECK(w.err);
        free(b);
}

static void test_sub(void)
{
        uint8_t *b = exact(BYTES, 10);
        struct rd r = rd_init(b, 10);
        rd_u8(&r);
        struct rd s = rd_sub(&r, 4); /* bytes 1..4 */
        CHECK(!s.err);
        CHECK_EQ_U(r.off, 5); /* the parent moved past them */
        CHECK_EQ_U(rd_left(&s), 4);
        CHECK_EQ_U(rd_be32(&s), 0x23456789);
        CHECK_EQ_U(rd_u8(&s), 0); /* the sub-reader ends at its own end */
        CHECK(s.err);
        CHECK(!r.err);
        CHECK_EQ_U(rd_u8(&r), 0xab); /* the parent continues after the sub-range */
        /* peek is relative to the sub-reader's own start */
        r = rd_init(b, 10);
        rd_skip(&r, 2);
        s = rd_sub(&r, 3);
        CHECK_EQ_U(rd_peek_u8(&s, 0), 0x45);
        CHECK_EQ_U(rd_peek_u8(&s, 2), 0x89);
        CHECK_EQ_U(rd_peek_u8(&s, 3), 0);
        CHECK(s.err && !r.err);
        /* a nested sub-reader exactly to the end, then one byte too many */
        r = rd_init(b, 10);
        s = rd_sub(&r, 10);
        struct rd t = rd_sub(&s, 10);
        CHECK(!t.err && !s.err && !r.err);
        CHECK_EQ_U(rd_left(&t), 10);
        r = rd_init(b, 10);
        s = rd_sub(&r, 11);
        CHECK(s.err && r.err);
        CHECK(s.p == NULL);
        CHECK_EQ_U(s.len, 0);
        CHECK_EQ_U(r.off, 0);
        free(b);
}

int main(void)
{
        test_values();
        test_boundaries();
        test_sticky();
        test_zero_length();
        test_huge();
        test_skip_ptr();
        test_peek();
        test_random_access();
        test_sub();
        return check_summary("test_rd");
}
