/*
 * tls_wire (src/decode/tls_wire.c): record and handshake headers, each
 * answering truncated and invalid apart, the strict and prefix rules of the
 * `track` policy, and the hello parse that proves a connection is TLS.
 */
#include <string.h>

#include "check.h"
#include "decode/tls_wire.h"

static enum wire_status record(const uint8_t *b, size_t n, struct tls_rec_hdr *h)
{
        struct rd r = rd_init(b, n);
        return tls_wire_record(&r, h);
}

static void test_record(void)
{
        struct tls_rec_hdr h;
        const uint8_t ad[] = {0x17, 0x03, 0x03, 0x40, 0x11, 0xAA};
        CHECK_EQ_U(record(ad, sizeof(ad), &h), WIRE_OK);
        CHECK_EQ_U(h.type, 0x17);
        CHECK_EQ_U(h.major, 3);
        CHECK_EQ_U(h.minor, 3);
        CHECK_EQ_U(h.length, 0x4011);
        for (size_t n = 0; n < 5; n++) /* every cut of the 5 header bytes */
                CHECK_EQ_U(record(ad, n, &h), WIRE_TRUNCATED);
        const uint8_t bad_type[] = {0x19, 0x03, 0x03, 0x00, 0x10};
        CHECK_EQ_U(record(bad_type, 5, &h), WIRE_INVALID);
        const uint8_t bad_major[] = {0x16, 0x02, 0x00, 0x00, 0x10};
        CHECK_EQ_U(record(bad_major, 5, &h), WIRE_INVALID);
        const uint8_t heartbeat[] = {0x18, 0x03, 0x03, 0x00, 0x10};
        CHECK_EQ_U(record(heartbeat, 5, &h), WIRE_OK);
        CHECK(!tls_rec_strict(&h)); /* 0x18 is plausible, not what a stack writes as data */
        CHECK_EQ_U(record(ad, 5, &h), WIRE_OK);
        CHECK(tls_rec_strict(&h));
        h.length = TLS_MAX_RECORD_LEN + 1;
        CHECK(!tls_rec_strict(&h));
        h.length = 0;
        CHECK(!tls_rec_strict(&h));
        struct rd r = rd_init(ad, sizeof(ad)); /* the reader moves past the header only */
        CHECK_EQ_U(tls_wire_record(&r, &h), WIRE_OK);
        CHECK_EQ_U(r.off, 5);
        CHECK_EQ_U(tls_wire_record_bytes(ad, &h), WIRE_OK);
        CHECK_EQ_U(h.length, 0x4011);
}

static void test_prefix(void)
{
        const uint8_t ok[] = {0x17, 0x03, 0x04, 0x48, 0x00}; /* 18432 = 2^14 + 2048 */
        for (uint32_t n = 0; n <= 5; n++)
                CHECK(tls_rec_prefix_plausible(ok, n));
        const uint8_t long_rec[] = {0x17, 0x03, 0x04, 0x48, 0x01};
        CHECK(tls_rec_prefix_plausible(long_rec, 4)); /* the length is not known yet */
        CHECK(!tls_rec_prefix_plausible(long_rec, 5));
        const uint8_t minor5[] = {0x17, 0x03, 0x05};
        CHECK(tls_rec_prefix_plausible(minor5, 2));
        CHECK(!tls_rec_prefix_plausible(minor5, 3));
        const uint8_t type13[] = {0x13};
        CHECK(!tls_rec_prefix_plausible(type13, 1));
}

static void test_handshake(void)
{
        struct tls_hs_hdr h;
        const uint8_t ch[] = {0x01, 0x00, 0x01, 0xFC};
        struct rd r = rd_init(ch, 4);
        CHECK_EQ_U(tls_wire_handshake(&r, &h), WIRE_OK);
        CHECK_EQ_U(h.type, 1);
        CHECK_EQ_U(h.length, 0x1FC);
        r = rd_init(ch, 3);
        CHECK_EQ_U(tls_wire_handshake(&r, &h), WIRE_TRUNCATED);
        const uint8_t odd[] = {0x03, 0x00, 0x00, 0x10}; /* 3: no plaintext handshake type */
        r = rd_init(odd, 4);
        CHECK_EQ_U(tls_wire_handshake(&r, &h), WIRE_INVALID);
        CHECK(tls_hs_type_known(254) && tls_hs_type_known(0) && !tls_hs_type_known(3));
}

/* A ClientHello / ServerHello record with a body of `body` bytes after the handshake header. */
static size_t hello(uint8_t *b, uint8_t hs_type, bool tls13)
{
        size_t n = 0, rec_len_at, hs_len_at;
        b[n++] = 0x16, b[n++] = 3, b[n++] = 1;
        rec_len_at = n, n += 2;
        b[n++] = hs_type;
        hs_len_at = n, n += 3;
        b[n++] = 3, b[n++] = 3;
        memset(b + n, 0x5A, 32), n += 32; /* random */
        b[n++] = 0;                       /* session id */
        if (hs_type == 1) {
                b[n++] = 0, b[n++] = 2, b[n++] = 0x13, b[n++] = 0x01; /* one cipher suite */
                b[n++] = 1, b[n++] = 0;                               /* null compression */
        } else {
                b[n++] = 0x13, b[n++] = 0x01, b[n++] = 0; /* cipher suite, compression */
                b[n++] = 0, b[n++] = tls13 ? 6 : 0;       /* extensions */
                if (tls13)
                        b[n++] = 0, b[n++] = 43, b[n++] = 0, b[n++] = 2, b[n++] = 3, b[n++] = 4;
        }
        size_t body = n - hs_len_at - 3;
        b[hs_len_at] = 0, b[hs_len_at + 1] = (uint8_t)(body >> 8), b[hs_len_at + 2] = (uint8_t)body;
        b[rec_len_at] = (uint8_t)((n - 5) >> 8), b[rec_len_at + 1] = (uint8_t)(n - 5);
        return n;
}

static enum tls_hello parse(const uint8_t *b, size_t n)
{
        struct rd r = rd_init(b, n);
        return tls_wire_hello(&r);
}

static void test_hello(void)
{
        uint8_t b[128];
        size_t n = hello(b, 1, false);
        CHECK_EQ_U(parse(b, n), TLS_HELLO_CLIENT);
        CHECK_EQ_U(parse(b, 10), TLS_HELLO_NONE); /* cut in the body */
        n = hello(b, 2, false);
        CHECK_EQ_U(parse(b, n), TLS_HELLO_SERVER);
        n = hello(b, 2, true);
        CHECK_EQ_U(parse(b, n), TLS_HELLO_SERVER13);
        b[10] = 4; /* legacy_version 3.4 is still TLS; 3.5 is not */
        CHECK_EQ_U(parse(b, n), TLS_HELLO_SERVER13);
        b[10] = 5;
        CHECK_EQ_U(parse(b, n), TLS_HELLO_NONE);
        n = hello(b, 1, false);
        b[0] = 0x17; /* AppData record */
        CHECK_EQ_U(parse(b, n), TLS_HELLO_NONE);
}

int main(void)
{
        test_record();
        test_prefix();
        test_handshake();
        test_hello();
        return check_summary("tls_wire");
}
