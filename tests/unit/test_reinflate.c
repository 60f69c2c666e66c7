/*
 * reinflate_packet(): fixed and seeded random filler, preserved prefix,
 * the REINFLATE_MAX_ORIGLEN bound and its message, pass-through cases
 * (caplen > origlen, unknown pcapng interface, raw blocks) and counters.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "reinflate/reinflate.h"

static uint8_t frame[2000];

static struct cst_packet packet(uint32_t caplen, uint32_t origlen)
{
        struct cst_packet p = {0};
        p.data = frame;
        p.caplen = caplen;
        p.origlen = origlen;
        p.linktype = CST_LINK_ETHERNET;
        return p;
}

static void init(struct reinflater *r, struct cst_config *cfg)
{
        char err[CST_ERRBUF] = "";
        CHECK(reinflate_init(r, cfg, err) == CST_OK);
}

static void test_fixed_fill(void)
{
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        struct reinflater r;
        init(&r, &cfg);
        struct cst_stats st = {0};
        struct cst_packet p = packet(60, 1514);
        const uint8_t *out;
        uint32_t len;
        char err[CST_ERRBUF];
        CHECK(reinflate_packet(&r, &p, 0, &out, &len, &st, err) == CST_OK);
        CHECK_EQ_U(len, 1514);
        CHECK(memcmp(out, frame, 60) == 0);
        int all_ab = 1;
        for (uint32_t i = 60; i < len; i++)
                all_ab &= out[i] == 0xAB;
        CHECK(all_ab);
        CHECK_EQ_U(st.packets_reinflated, 1);
        CHECK_EQ_U(st.filler_bytes_written, 1454);

        /* Full packet, preserve: the input bytes themselves, nothing counted. */
        p = packet(100, 100);
        CHECK(reinflate_packet(&r, &p, 1, &out, &len, &st, err) == CST_OK);
        CHECK(out == frame && len == 100);
        CHECK_EQ_U(st.packets_reinflated, 1);

        /* Empty capture of a 64-byte packet; fill byte 0. */
        r.cfg.fill_byte = 0;
        p = packet(0, 64);
        p.data = NULL;
        CHECK(reinflate_packet(&r, &p, 2, &out, &len, &st, err) == CST_OK);
        CHECK_EQ_U(len, 64);
        CHECK(out[0] == 0 && out[63] == 0);
        reinflate_free(&r);
}

/* Fill of one 60 -> 1000 packet with a given seed. */
static void random_fill(uint64_t seed, uint8_t out_copy[1000])
{
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cfg.fill_random = true;
        cfg.seed_set = true;
        cfg.seed = seed;
        struct reinflater r;
        init(&r, &cfg);
        struct cst_stats st = {0};
        struct cst_packet p = packet(60, 1000);
        const uint8_t *out;
        uint32_t len;
        char err[CST_ERRBUF];
        CHECK(reinflate_packet(&r, &p, 0, &out, &len, &st, err) == CST_OK);
        CHECK_EQ_U(len, 1000);
        memcpy(out_copy, out, 1000);
        reinflate_free(&r);
}

static void test_random_fill(void)
{
        static uint8_t a[1000], b[1000], c[1000];
        random_fill(1, a);
        random_fill(1, b);
        random_fill(2, c);
        CHECK(memcmp(a, b, 1000) == 0);          /* same seed, same bytes */
        CHECK(memcmp(a + 60, c + 60, 940) != 0); /* another seed differs */
        CHECK(memcmp(a, frame, 60) == 0);        /* prefix preserved */
        unsigned distinct = 0;
        uint8_t seen[256] = {0};
        for (int i = 60; i < 1000; i++)
                if (!seen[a[i]]++)
                        distinct++;
        CHECK(distinct > 200); /* looks random, not a constant */

        /* Without a seed: getrandom(); still the right lengths and prefix. */
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cfg.fill_random = true;
        struct reinflater r;
        init(&r, &cfg);
        struct cst_stats st = {0};
        struct cst_packet p = packet(60, 333);
        const uint8_t *out;
        uint32_t len;
        char err[CST_ERRBUF];
        CHECK(reinflate_packet(&r, &p, 0, &out, &len, &st, err) == CST_OK);
        CHECK(len == 333 && memcmp(out, frame, 60) == 0);
        reinflate_free(&r);
}

static void test_bounds_and_passthrough(void)
{
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cfg.checksum_recompute = true;
        struct reinflater r;
        init(&r, &cfg);
        struct cst_stats st = {0};
        const uint8_t *out;
        uint32_t len;
        char err[CST_ERRBUF] = "";

        struct cst_packet p = packet(60, REINFLATE_MAX_ORIGLEN);
        CHECK(reinflate_packet(&r, &p, 0, &out, &len, &st, err) == CST_OK);
        CHECK_EQ_U(len, REINFLATE_MAX_ORIGLEN);

        p = packet(60, REINFLATE_MAX_ORIGLEN + 1);
        CHECK(reinflate_packet(&r, &p, 7, &out, &len, &st, err) == CST_EFATAL);
        CHECK_STR(err, "packet 7: original length 262145 exceeds the maximum of 262144 bytes");
        p = packet(60, 0xFFFFFFFFu);
        CHECK(reinflate_packet(&r, &p, 8, &out, &len, &st, err) == CST_EFATAL);

        p = packet(200, 100); /* caplen > origlen: written unchanged */
        uint64_t skipped = st.checksum_skipped;
        CHECK(reinflate_packet(&r, &p, 9, &out, &len, &st, err) == CST_OK);
        CHECK(out == frame && len == 200);
        CHECK_EQ_U(st.caplen_exceeds_origlen_packets, 1);
        CHECK_EQ_U(st.checksum_skipped, skipped);

        p = packet(60, 1000); /* unknown pcapng interface: untouched */
        p.flags = CST_PKT_UNKNOWN_IF;
        CHECK(reinflate_packet(&r, &p, 10, &out, &len, &st, err) == CST_OK);
        CHECK(out == frame && len == 60);
        CHECK_EQ_U(st.pcapng_unsupported_packets, 1);

        p = packet(60, 60); /* a raw pcapng block */
        p.kind = CST_REC_BLOCK;
        CHECK(reinflate_packet(&r, &p, 11, &out, &len, &st, err) == CST_OK);
        CHECK(out == frame && len == 60);
        CHECK_EQ_U(st.packets_reinflated, 1);
        reinflate_free(&r);
}

/* Recompute runs on every packet, padded or not; counters add up. */
static void test_recompute_counts(void)
{
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cfg.checksum_recompute = true;
        struct reinflater r;
        init(&r, &cfg);
        struct cst_stats st = {0};
        const uint8_t *out;
        uint32_t len;
        char err[CST_ERRBUF];
        /* Ethernet + IPv4 + UDP, 100-byte datagram, captured 50 of 114. */
        memset(frame, 0, 200);
        frame[12] = 0x08;
        frame[14] = 0x45;
        frame[17] = 100;
        frame[23] = 17;
        frame[38] = 0;
        frame[39] = 80;
        struct cst_packet p = packet(50, 114);
        CHECK(reinflate_packet(&r, &p, 0, &out, &len, &st, err) == CST_OK);
        CHECK_EQ_U(st.checksums_recomputed_ipv4, 1);
        CHECK_EQ_U(st.checksums_recomputed_udp, 1);
        CHECK(out[24] != 0 || out[25] != 0); /* header checksum written */
        CHECK(memcmp(out + 26, frame + 26, 14) == 0);

        p = packet(114, 114); /* not padded: recomputed too */
        CHECK(reinflate_packet(&r, &p, 1, &out, &len, &st, err) == CST_OK);
        CHECK(out != frame);
        CHECK_EQ_U(st.checksums_recomputed_udp, 2);

        frame[12] = 0x08;
        frame[13] = 0x06; /* ARP */
        CHECK(reinflate_packet(&r, &p, 2, &out, &len, &st, err) == CST_OK);
        CHECK_EQ_U(st.checksum_skipped, 1);
        CHECK_EQ_U(st.checksum_skipped_decode_failed, 1);
        CHECK_EQ_U(st.packets_reinflated, 1);
        reinflate_free(&r);
        memset(frame, 0, sizeof(frame));
}

int main(void)
{
        for (size_t i = 0; i < sizeof(frame); i++)
                frame[i] = (uint8_t)(i * 7 + 3);
        test_fixed_fill();
        test_random_fill();
        test_bounds_and_passthrough();
        test_recompute_counts();
        return check_summary("test_reinflate");
}
