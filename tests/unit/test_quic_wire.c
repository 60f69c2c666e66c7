/*
 * quic_wire (src/decode/quic_wire.c): variable-length integers (RFC 9000
 * §16) and the long header (RFC 9000 §17.2), truncated and invalid apart.
 */
#include <string.h>

#include "check.h"
#include "decode/quic_wire.h"

static uint64_t varint(const uint8_t *b, size_t n, bool *err, size_t *used)
{
        struct rd r = rd_init(b, n);
        uint64_t v = quic_wire_varint(&r);
        *err = r.err;
        *used = r.off;
        return v;
}

static void test_varint(void)
{
        bool err;
        size_t used;
        /* RFC 9000 §A.1 examples */
        const uint8_t v8[] = {0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c};
        CHECK_EQ_U(varint(v8, 8, &err, &used), 151288809941952652ull);
        CHECK(!err && used == 8);
        const uint8_t v4[] = {0x9d, 0x7f, 0x3e, 0x7d};
        CHECK_EQ_U(varint(v4, 4, &err, &used), 494878333u);
        CHECK(!err && used == 4);
        const uint8_t v2[] = {0x7b, 0xbd};
        CHECK_EQ_U(varint(v2, 2, &err, &used), 15293);
        const uint8_t v1[] = {0x25};
        CHECK_EQ_U(varint(v1, 1, &err, &used), 37);
        CHECK(!err && used == 1);
        varint(v8, 7, &err, &used); /* one byte short */
        CHECK(err);
        varint(v8, 0, &err, &used);
        CHECK(err);
}

/* An Initial: first byte, version, DCID, SCID, token, Length, then `body` bytes. */
static size_t initial(uint8_t *b, uint32_t version, uint8_t first, size_t body)
{
        size_t n = 0;
        b[n++] = first;
        b[n++] = (uint8_t)(version >> 24), b[n++] = (uint8_t)(version >> 16);
        b[n++] = (uint8_t)(version >> 8), b[n++] = (uint8_t)version;
        b[n++] = 8, memset(b + n, 0xD1, 8), n += 8;                   /* DCID */
        b[n++] = 4, memset(b + n, 0x5C, 4), n += 4;                   /* SCID */
        b[n++] = 2, b[n++] = 0xAB, b[n++] = 0xCD;                     /* token of 2 bytes */
        b[n++] = (uint8_t)(0x40 | body >> 8), b[n++] = (uint8_t)body; /* 2-byte Length */
        memset(b + n, 0, body);
        return n + body;
}

static enum wire_status parse(const uint8_t *b, size_t n, uint32_t at, bool v2,
                              struct quic_long_hdr *h)
{
        struct rd r = rd_init(b, n);
        return quic_wire_long(&r, at, v2, h);
}

static void test_long(void)
{
        uint8_t b[512];
        struct quic_long_hdr h;
        size_t n = initial(b, QUIC_V1, 0xC3, 100);
        CHECK_EQ_U(parse(b, n, 0, false, &h), WIRE_OK);
        CHECK_EQ_U(h.type, QUIC_LH_INITIAL);
        CHECK_EQ_U(h.version, QUIC_V1);
        CHECK_EQ_U(h.dcid_len, 8);
        CHECK_EQ_U(h.scid_len, 4);
        CHECK(h.scid == b + 15 && h.dcid == b + 6);
        CHECK_EQ_U(h.total, n);
        for (size_t cut = 0; cut < n; cut++) /* every cut is truncated, none invalid */
                CHECK_EQ_U(parse(b, cut, 0, false, &h), WIRE_TRUNCATED);
        uint8_t two[1024];
        memcpy(two, b, n);
        memcpy(two + n, b, n); /* coalesced: the second one at offset n */
        CHECK_EQ_U(parse(two, 2 * n, (uint32_t)n, false, &h), WIRE_OK);
        CHECK_EQ_U(h.total, n);
        b[1] = b[2] = b[3] = b[4] = 0; /* version 0: Version Negotiation, not a long header */
        CHECK_EQ_U(parse(b, n, 0, false, &h), WIRE_INVALID);
        n = initial(b, QUIC_V1, 0xC3, 10);
        b[5] = 21; /* DCID longer than 20 */
        CHECK_EQ_U(parse(b, n, 0, false, &h), WIRE_INVALID);
        n = initial(b, QUIC_V2, 0xD3, 10); /* v2 type bits 01 = Initial (RFC 9369 §3.2) */
        CHECK_EQ_U(parse(b, n, 0, true, &h), WIRE_OK);
        CHECK_EQ_U(h.type, QUIC_LH_INITIAL);
        CHECK_EQ_U(parse(b, n, 0, false, &h), WIRE_OK); /* read as v1: a 0-RTT without token */
        CHECK_EQ_U(h.type, QUIC_LH_0RTT);
        CHECK(h.total < n);                /* the token length byte taken for the Length */
        n = initial(b, QUIC_V1, 0xF0, 10); /* Retry: runs to the end of the datagram */
        CHECK_EQ_U(parse(b, n + 7, 0, false, &h), WIRE_OK);
        CHECK_EQ_U(h.type, QUIC_LH_RETRY);
        CHECK_EQ_U(h.total, n + 7);
}

static void test_versions(void)
{
        CHECK(quic_version_known(QUIC_V1) && quic_version_known(QUIC_V2));
        CHECK(quic_version_known(0xff00001du) && quic_version_known(0x1a2a3a4au));
        CHECK(!quic_version_known(0x12345678u));
}

int main(void)
{
        test_varint();
        test_long();
        test_versions();
        return check_summary("quic_wire");
}
