/*
 * The QUIC client Initial proof (src/decode/quic_initial.c): the RFC 9001
 * Appendix A and RFC 9369 Appendix A keys and client Initials, the RFC 9001
 * A.3 server Initial (not a client Initial), every truncation of a real
 * Initial, flipped bytes, crafted look-alikes (valid long header, random
 * contents), other packet types and versions, and a sealed round trip.
 */
#include <constrictor/constrictor.h>

#include "check.h"
#include "decode/quic_initial.h"
#include "quic_initial_vectors.h"
#include "quic_seal.h"
#include "util/rd.h"

static void hex(const char *s, uint8_t *out)
{
        for (size_t i = 0; s[2 * i]; i++)
                sscanf(s + 2 * i, "%2hhx", &out[i]);
}

static void check_keys(struct quic_initial *q, uint32_t version, bool server, const char *key,
                       const char *iv, const char *hp)
{
        struct quic_initial_keys k, want;
        hex(key, want.key);
        hex(iv, want.iv);
        hex(hp, want.hp);
        CHECK(quic_initial_derive(q, version, RFC_DCID, sizeof(RFC_DCID), server, &k) == 0);
        CHECK(memcmp(k.key, want.key, 16) == 0);
        CHECK(memcmp(k.iv, want.iv, 12) == 0);
        CHECK(memcmp(k.hp, want.hp, 16) == 0);
}

static void test_keys(struct quic_initial *q)
{
        /* RFC 9001 A.1 */
        check_keys(q, QUIC_V1, false, "1f369613dd76d5467730efcbe3b1a22d",
                   "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2");
        check_keys(q, QUIC_V1, true, "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e",
                   "c206b8d9b9f0f37644430b490eeaa314");
        /* RFC 9369 A.1 */
        check_keys(q, QUIC_V2, false, "8b1a0bc121284290a29e0971b5cd045d",
                   "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9");
        check_keys(q, QUIC_V2, true, "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652",
                   "edf6d05c83121201b436e16877593c3a");
        struct quic_initial_keys k;
        CHECK(quic_initial_derive(q, 0xff00001d, RFC_DCID, 8, false, &k) == -1);
        CHECK(!quic_initial_version_known(0x0a0a0a0a));
}

static void check_rfc_packet(struct quic_initial *q, const uint8_t *pkt, uint32_t version)
{
        static uint8_t plain[1200];
        struct quic_initial_info info;
        memset(plain, 0xee, sizeof(plain));
        CHECK_EQ_U(quic_initial_prove(q, pkt, 1200, &info, plain, sizeof(plain)), QI_PROVEN);
        CHECK_EQ_U(info.version, version);
        CHECK_EQ_U(info.packet_number, 2);
        CHECK_EQ_U(info.dcid_len, 8);
        CHECK(memcmp(info.dcid, RFC_DCID, 8) == 0);
        CHECK_EQ_U(info.scid_len, 0);
        CHECK_EQ_U(info.packet_len, 1200);
        CHECK_EQ_U(info.payload_len, 1162); /* RFC 9001 A.2: 1162 bytes of frames */
        CHECK(memcmp(plain, RFC_CLIENT_CRYPTO_FRAME, sizeof(RFC_CLIENT_CRYPTO_FRAME)) == 0);
        bool padding = true;
        for (size_t i = sizeof(RFC_CLIENT_CRYPTO_FRAME); i < info.payload_len; i++)
                padding = padding && plain[i] == 0;
        CHECK(padding);
        /* without an output buffer: the same verdict through the scratch buffer */
        CHECK_EQ_U(quic_initial_prove(q, pkt, 1200, NULL, NULL, 0), QI_PROVEN);
        /* a datagram with more after the Initial (coalesced): still proven */
        static uint8_t longer[1300];
        memcpy(longer, pkt, 1200);
        memset(longer + 1200, 0x5a, 100);
        CHECK_EQ_U(quic_initial_prove(q, longer, sizeof(longer), &info, NULL, 0), QI_PROVEN);
        CHECK_EQ_U(info.packet_len, 1200);
}

static void test_truncated_and_flipped(struct quic_initial *q, const uint8_t *pkt)
{
        static uint8_t b[1200];
        int proven = 0, truncated = 0;
        for (size_t len = 0; len < 1200; len++) {
                enum quic_initial_verdict v = quic_initial_prove(q, pkt, len, NULL, NULL, 0);
                proven += v == QI_PROVEN;
                truncated += v == QI_TRUNCATED;
        }
        CHECK_EQ_U(proven, 0);
        CHECK_EQ_U(truncated, 1200); /* Length (1182) runs past every prefix */
        /* a flipped bit anywhere (header, number, payload, tag) breaks the proof */
        const size_t at[] = {0, 1, 6, 13, 17, 18, 21, 22, 100, 600, 1183, 1199};
        for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
                memcpy(b, pkt, 1200);
                b[at[k]] ^= at[k] == 0 ? 0x01 : 0x40;
                enum quic_initial_verdict v = quic_initial_prove(q, b, 1200, NULL, NULL, 0);
                CHECK(v != QI_PROVEN);
                if (v == QI_PROVEN)
                        fprintf(stderr, "  flipped byte %zu still proven\n", at[k]);
        }
}

static void test_lookalikes(struct quic_initial *q)
{
        static uint8_t b[1252];
        uint32_t seed = 12345;
        /* valid v1 / v2 Initial headers with random contents: never proven */
        for (int round = 0; round < 200; round++) {
                for (size_t i = 0; i < sizeof(b); i++) {
                        seed = seed * 1103515245u + 12345u;
                        b[i] = (uint8_t)(seed >> 16);
                }
                uint32_t v = round & 1 ? QUIC_V2 : QUIC_V1;
                b[0] = (uint8_t)(0xc0 | (v == QUIC_V2 ? 0x10 : 0) | (b[0] & 0x0f));
                st_be32(b + 1, v);
                b[5] = 8;
                b[14] = 8;
                b[23] = 0;                             /* no token */
                st_be16(b + 24, 0x4000 | (1252 - 26)); /* Length to the end */
                CHECK_EQ_U(quic_initial_prove(q, b, sizeof(b), NULL, NULL, 0), QI_AUTH_FAILED);
        }
        uint8_t s[40] = {0x40, 1, 2, 3};
        CHECK_EQ_U(quic_initial_prove(q, s, sizeof(s), NULL, NULL, 0), QI_NOT_INITIAL);
        CHECK_EQ_U(quic_initial_prove(q, s, 0, NULL, NULL, 0), QI_TRUNCATED);
        /* Handshake (v1 type 2), Version Negotiation, unknown version, CID too long */
        uint8_t h[64] = {0xe0, 0, 0, 0, 1, 8};
        CHECK_EQ_U(quic_initial_prove(q, h, sizeof(h), NULL, NULL, 0), QI_NOT_INITIAL);
        h[0] = 0xc0;
        st_be32(h + 1, 0);
        CHECK_EQ_U(quic_initial_prove(q, h, sizeof(h), NULL, NULL, 0), QI_NOT_INITIAL);
        st_be32(h + 1, 0x1a2a3a4a);
        CHECK_EQ_U(quic_initial_prove(q, h, sizeof(h), NULL, NULL, 0), QI_UNSUPPORTED);
        st_be32(h + 1, QUIC_V1);
        h[5] = 21;
        CHECK_EQ_U(quic_initial_prove(q, h, sizeof(h), NULL, NULL, 0), QI_INVALID);
        /* a Length too short to hold the header protection sample */
        h[5] = 0;
        h[6] = 0;
        h[7] = 0;
        h[8] = 10;
        CHECK_EQ_U(quic_initial_prove(q, h, sizeof(h), NULL, NULL, 0), QI_INVALID);
}

/* RFC 9001 A.3: the server's Initial is protected with the server keys, so
 * it is no client Initial. */
static void test_server_initial(struct quic_initial *q)
{
        static uint8_t p[135];
        hex("cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
            "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
            "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
            "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
            "2158407dd074ee",
            p);
        CHECK_EQ_U(quic_initial_prove(q, p, sizeof(p), NULL, NULL, 0), QI_AUTH_FAILED);
}

static void test_seal_round_trip(struct quic_initial *q)
{
        static uint8_t pkt[1200], plain[1200];
        const uint8_t dcid[12] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2}, scid[4] = {1, 2, 3, 4};
        const uint8_t frames[] = {0x06, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00}; /* CRYPTO */
        for (int k = 0; k < 2; k++) {
                uint32_t v = k ? QUIC_V2 : QUIC_V1;
                struct quic_initial_info info;
                CHECK_EQ_U(quic_seal_initial(q, v, dcid, 12, scid, 4, 0x01020304, frames,
                                             sizeof(frames), 1200, pkt),
                           1200);
                CHECK_EQ_U(quic_initial_prove(q, pkt, 1200, &info, plain, sizeof(plain)),
                           QI_PROVEN);
                CHECK_EQ_U(info.packet_number, 0x01020304);
                CHECK_EQ_U(info.scid_len, 4);
                CHECK(memcmp(plain, frames, sizeof(frames)) == 0);
                /* sealed for version 1, claimed as version 2: the keys differ */
                if (v == QUIC_V1) {
                        pkt[0] ^= 0x10; /* v2 Initial type bits */
                        st_be32(pkt + 1, QUIC_V2);
                        CHECK_EQ_U(quic_initial_prove(q, pkt, 1200, NULL, NULL, 0), QI_AUTH_FAILED);
                }
        }
}

int main(void)
{
        char err[CST_ERRBUF];
        struct quic_initial *q = quic_initial_new(err);
        if (!q) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        test_keys(q);
        check_rfc_packet(q, RFC9001_CLIENT_INITIAL, QUIC_V1);
        check_rfc_packet(q, RFC9369_CLIENT_INITIAL, QUIC_V2);
        test_truncated_and_flipped(q, RFC9001_CLIENT_INITIAL);
        test_truncated_and_flipped(q, RFC9369_CLIENT_INITIAL);
        test_lookalikes(q);
        test_server_initial(q);
        test_seal_round_trip(q);
        CHECK_STR(quic_initial_verdict_name(QI_AUTH_FAILED), "auth_failed");
        quic_initial_free(q);
        return check_summary("test_quic_initial");
}
