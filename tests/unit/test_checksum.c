/*
 * Checksum recompute (SPEC 2.9): RFC 1071 sums, IPv4 header / TCP / UDP over
 * IPv4 and IPv6, the 0 -> 0xFFFF rule, every skip reason and its counter,
 * VLAN stacks and the extra link types (SLL, SLL2, raw IP, null).
 * Results are verified by an independent 16-bit-word verifier below.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "reinflate/checksum.h"
#include "reinflate/csum_walk.h"
#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

/* ---- frame builder ---------------------------------------------------- */

struct fb {
        uint8_t b[4096];
        uint32_t n;
};

static void fb_u8(struct fb *f, uint8_t v)
{
        f->b[f->n++] = v;
}

static void fb_be16(struct fb *f, uint16_t v)
{
        fb_u8(f, (uint8_t)(v >> 8));
        fb_u8(f, (uint8_t)v);
}

static void fb_fill(struct fb *f, uint8_t v, uint32_t n)
{
        memset(f->b + f->n, v, n);
        f->n += n;
}

static void fb_eth(struct fb *f, uint16_t type)
{
        static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf};
        memcpy(f->b + f->n, macs, 12);
        f->n += 12;
        fb_be16(f, type);
}

/* One VLAN tag after a TPID: TCI, then the next EtherType. */
static void fb_vlan(struct fb *f, uint16_t next_type)
{
        fb_be16(f, 42);
        fb_be16(f, next_type);
}

/* IPv4 header with a wrong checksum; options are NOPs. */
static void fb_ipv4(struct fb *f, uint8_t ihl_words, uint16_t total, uint16_t frag, uint8_t proto)
{
        static const uint8_t addrs[8] = {10, 0, 0, 1, 192, 0, 2, 7};
        fb_u8(f, (uint8_t)(0x40 | ihl_words));
        fb_u8(f, 0);
        fb_be16(f, total);
        fb_be16(f, 0x1234);
        fb_be16(f, frag);
        fb_u8(f, 64);
        fb_u8(f, proto);
        fb_be16(f, 0xDEAD);
        memcpy(f->b + f->n, addrs, 8);
        f->n += 8;
        if (ihl_words > 5)
                fb_fill(f, 1, (ihl_words - 5u) * 4u);
}

static void fb_ipv6(struct fb *f, uint16_t plen, uint8_t nh)
{
        fb_be16(f, 0x6000);
        fb_be16(f, 0x0001);
        fb_be16(f, plen);
        fb_u8(f, nh);
        fb_u8(f, 64);
        for (int i = 0; i < 32; i++)
                fb_u8(f, (uint8_t)(0x20 + i * 7));
}

static void fb_tcp(struct fb *f, uint8_t doff_words, uint32_t payload)
{
        fb_be16(f, 51000);
        fb_be16(f, 443);
        fb_be16(f, 0x1111);
        fb_be16(f, 0x2222); /* seq */
        fb_be16(f, 0x3333);
        fb_be16(f, 0x4444); /* ack */
        fb_u8(f, (uint8_t)(doff_words << 4));
        fb_u8(f, 0x18);
        fb_be16(f, 501);
        fb_be16(f, 0xBEEF); /* checksum */
        fb_be16(f, 0);
        if (doff_words > 5)
                fb_fill(f, 1, (doff_words - 5u) * 4u);
        for (uint32_t i = 0; i < payload; i++)
                fb_u8(f, (uint8_t)(i * 31 + 7));
}

static void fb_udp(struct fb *f, uint16_t ulen, uint16_t csum, uint32_t payload)
{
        fb_be16(f, 5353);
        fb_be16(f, 443);
        fb_be16(f, ulen);
        fb_be16(f, csum);
        for (uint32_t i = 0; i < payload; i++)
                fb_u8(f, (uint8_t)(i * 13 + 1));
}

/* Ethernet + IPv4 (IHL words) + TCP with payload p. */
static void eth_v4_tcp(struct fb *f, uint8_t ihl, uint32_t p)
{
        fb_eth(f, 0x0800);
        fb_ipv4(f, ihl, (uint16_t)(ihl * 4 + 20 + p), 0x4000, 6);
        fb_tcp(f, 5, p);
}

static void eth_v4_udp(struct fb *f, uint32_t p, uint16_t csum)
{
        fb_eth(f, 0x0800);
        fb_ipv4(f, 5, (uint16_t)(20 + 8 + p), 0, 17);
        fb_udp(f, (uint16_t)(8 + p), csum, p);
}

/* ---- independent verifier -------------------------------------------- */

static uint32_t sum16(const uint8_t *b, uint32_t n, uint32_t acc)
{
        for (uint32_t i = 0; i + 1 < n; i += 2)
                acc += (uint32_t)(b[i] << 8 | b[i + 1]);
        if (n & 1)
                acc += (uint32_t)b[n - 1] << 8;
        return acc;
}

static uint16_t fold(uint32_t acc)
{
        while (acc >> 16)
                acc = (acc & 0xFFFF) + (acc >> 16);
        return (uint16_t)acc;
}

/* Transport checksum valid: pseudo-header + segment sums to 0xFFFF. */
static int transport_ok(const uint8_t *ip, int v6, uint8_t proto, const uint8_t *l4, uint32_t n)
{
        uint32_t acc = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);
        acc += proto + n;
        return fold(sum16(l4, n, acc)) == 0xFFFF;
}

static int ipv4_header_ok(const uint8_t *ip)
{
        return fold(sum16(ip, (ip[0] & 15u) * 4u, 0)) == 0xFFFF;
}

static uint16_t get16(const uint8_t *b)
{
        return (uint16_t)(b[0] << 8 | b[1]);
}

/* ---- tests ------------------------------------------------------------ */

static void test_rfc1071_vector(void)
{
        /* RFC 1071 §3 example: words 0001 f203 f4f5 f6f7 sum to ddf2. */
        static const uint8_t v[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
        CHECK_EQ_U(csum_finish(csum_partial(v, 8, 0)), (uint16_t)~0xddf2u);
        for (uint32_t n = 0; n <= 8; n++) /* odd lengths and tails */
                CHECK_EQ_U(csum_finish(csum_partial(v, n, 0)), (uint16_t)~fold(sum16(v, n, 0)));

        /* The 32-bit-word sum equals the 16-bit-word sum on any data and length,
         * including all-ones data (carries) and frames of 64 KiB. */
        static uint8_t big[65536 + 7];
        uint32_t x = 12345;
        for (size_t i = 0; i < sizeof(big); i++) {
                x = x * 1103515245u + 12345u;
                big[i] = i < 4096 ? 0xFF : (uint8_t)(x >> 16);
        }
        static const uint32_t lens[] = {1, 2, 3, 5, 4095, 4096, 4097, 9999, 65535, 65536 + 7};
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
                CHECK_EQ_U(csum_finish(csum_partial(big, lens[i], 0)),
                           (uint16_t)~fold(sum16(big, lens[i], 0)));
}

static uint8_t skip_of(uint32_t linktype, struct fb *f)
{
        struct csum_plan pl;
        csum_walk(linktype, f->b, f->n, &pl);
        return pl.skip;
}

static void test_ipv4_tcp_udp(void)
{
        struct cst_stats st = {0};
        struct fb f = {0};
        eth_v4_tcp(&f, 6, 101); /* with IPv4 options and an odd payload */
        csum_recompute_frame(CST_LINK_ETHERNET, f.b, f.n, &st);
        CHECK(ipv4_header_ok(f.b + 14));
        CHECK(transport_ok(f.b + 14, 0, 6, f.b + 38, 20 + 101));
        CHECK_EQ_U(st.checksums_recomputed_ipv4, 1);
        CHECK_EQ_U(st.checksums_recomputed_tcp, 1);
        CHECK_EQ_U(st.checksum_skipped, 0);

        struct fb u = {0};
        eth_v4_udp(&u, 33, 0); /* "no checksum" is replaced */
        csum_recompute_frame(CST_LINK_ETHERNET, u.b, u.n, &st);
        CHECK(get16(u.b + 14 + 20 + 6) != 0);
        CHECK(ipv4_header_ok(u.b + 14));
        CHECK(transport_ok(u.b + 14, 0, 17, u.b + 34, 8 + 33));
        CHECK_EQ_U(st.checksums_recomputed_ipv4, 2);
        CHECK_EQ_U(st.checksums_recomputed_udp, 1);

        /* Ethernet trailer after the datagram is left alone. */
        struct fb t = {0};
        eth_v4_tcp(&t, 5, 6);
        fb_fill(&t, 0x55, 12);
        csum_recompute_frame(CST_LINK_ETHERNET, t.b, t.n, &st);
        CHECK(transport_ok(t.b + 14, 0, 6, t.b + 34, 26));
        CHECK_EQ_U(t.b[t.n - 1], 0x55);
}

/* Payload chosen so the computed checksum is 0: written as 0xFFFF. */
static void test_zero_becomes_ffff(int udp)
{
        struct fb f = {0};
        if (udp)
                eth_v4_udp(&f, 10, 0);
        else
                eth_v4_tcp(&f, 5, 10);
        uint32_t l4 = 34, n = f.n - l4, field = l4 + (udp ? 6u : 16u);
        f.b[field] = f.b[field + 1] = 0;
        f.b[f.n - 2] = f.b[f.n - 1] = 0;
        uint16_t s = fold(sum16(f.b + l4, n, sum16(f.b + 26, 8, (udp ? 17u : 6u) + n)));
        uint16_t x = (uint16_t)(0xFFFFu - s); /* makes the folded sum 0xFFFF */
        f.b[f.n - 2] = (uint8_t)(x >> 8);
        f.b[f.n - 1] = (uint8_t)x;
        struct cst_stats st = {0};
        csum_recompute_frame(CST_LINK_ETHERNET, f.b, f.n, &st);
        CHECK_EQ_U(get16(f.b + field), 0xFFFF);
        CHECK(transport_ok(f.b + 14, 0, udp ? 17 : 6, f.b + l4, n));
}

static void test_ipv6(void)
{
        struct cst_stats st = {0};
        struct fb f = {0};
        fb_eth(&f, 0x86DD);
        fb_ipv6(&f, 20 + 77, 6);
        fb_tcp(&f, 5, 77);
        csum_recompute_frame(CST_LINK_ETHERNET, f.b, f.n, &st);
        CHECK(transport_ok(f.b + 14, 1, 6, f.b + 54, 97));

        /* Hop-by-hop (8) + destination options (16) then UDP. */
        struct fb u = {0};
        fb_eth(&u, 0x86DD);
        fb_ipv6(&u, 8 + 16 + 8 + 40, 0);
        fb_u8(&u, 60);
        fb_u8(&u, 0);
        fb_fill(&u, 0, 6);
        fb_u8(&u, 17);
        fb_u8(&u, 1);
        fb_fill(&u, 0, 14);
        fb_udp(&u, 48, 0x7777, 40);
        csum_recompute_frame(CST_LINK_ETHERNET, u.b, u.n, &st);
        CHECK(transport_ok(u.b + 14, 1, 17, u.b + 14 + 40 + 24, 48));
        CHECK_EQ_U(st.checksums_recomputed_tcp, 1);
        CHECK_EQ_U(st.checksums_recomputed_udp, 1);
        CHECK_EQ_U(st.checksums_recomputed_ipv4, 0);
        CHECK_EQ_U(st.checksum_skipped, 0);
}

static void test_vlan_stacks(void)
{
        static const uint16_t tpids[3] = {0x8100, 0x88A8, 0x9100};
        for (int i = 0; i < 3; i++) {
                struct fb f = {0};
                fb_eth(&f, tpids[i]);
                fb_vlan(&f, 0x8100); /* second tag: QinQ */
                fb_vlan(&f, 0x0800);
                fb_ipv4(&f, 5, 20 + 20 + 5, 0, 6);
                fb_tcp(&f, 5, 5);
                CHECK_EQ_U(skip_of(CST_LINK_ETHERNET, &f), CSUM_OK);
                struct cst_stats st = {0};
                csum_recompute_frame(CST_LINK_ETHERNET, f.b, f.n, &st);
                CHECK(ipv4_header_ok(f.b + 22));
                CHECK(transport_ok(f.b + 22, 0, 6, f.b + 42, 25));
        }
        struct fb cut = {0};
        fb_eth(&cut, 0x8100);
        fb_u8(&cut, 0); /* tag cut short */
        CHECK_EQ_U(skip_of(CST_LINK_ETHERNET, &cut), CSUM_SKIP_INCOMPLETE);
}

/* The same IPv4/TCP datagram behind each supported link header. */
static void test_link_types(void)
{
        struct fb ip = {0};
        fb_ipv4(&ip, 5, 20 + 20 + 9, 0, 6);
        fb_tcp(&ip, 5, 9);
        struct fb ip6 = {0};
        fb_ipv6(&ip6, 8 + 3, 17);
        fb_udp(&ip6, 11, 0, 3);
        static const uint8_t sll[16] = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
        static const uint8_t sll2[20] = {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6};
        static const uint8_t null_le[4] = {2, 0, 0, 0}, null_be[4] = {0, 0, 0, 2};
        static const uint8_t null6[4] = {30, 0, 0, 0};
        struct {
                uint32_t lt;
                const uint8_t *hdr;
                uint32_t hlen;
                const struct fb *ip;
        } cases[] = {
            {CST_LINK_LINUX_SLL, sll, 16, &ip}, {CST_LINK_LINUX_SLL2, sll2, 20, &ip},
            {CST_LINK_RAW, NULL, 0, &ip},       {CST_LINK_RAW, NULL, 0, &ip6},
            {CST_LINK_IPV4, NULL, 0, &ip},      {CST_LINK_IPV6, NULL, 0, &ip6},
            {CST_LINK_NULL, null_le, 4, &ip},   {CST_LINK_NULL, null_be, 4, &ip},
            {CST_LINK_NULL, null6, 4, &ip6},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fb f = {0};
                if (cases[i].hlen)
                        memcpy(f.b, cases[i].hdr, cases[i].hlen);
                f.n = cases[i].hlen;
                memcpy(f.b + f.n, cases[i].ip->b, cases[i].ip->n);
                f.n += cases[i].ip->n;
                struct cst_stats st = {0};
                csum_recompute_frame(cases[i].lt, f.b, f.n, &st);
                const uint8_t *l3 = f.b + cases[i].hlen;
                int v6 = cases[i].ip == &ip6;
                CHECK_EQ_U(st.checksum_skipped, 0);
                if (v6)
                        CHECK(transport_ok(l3, 1, 17, l3 + 40, 11));
                else
                        CHECK(ipv4_header_ok(l3) && transport_ok(l3, 0, 6, l3 + 20, 29));
        }
        struct fb wifi = {0};
        fb_fill(&wifi, 0, 64);
        CHECK_EQ_U(skip_of(105, &wifi), CSUM_SKIP_UNSUPPORTED_LINK);
        CHECK_EQ_U(skip_of(CST_LINK_RAW, &wifi), CSUM_SKIP_DECODE_FAILED); /* version 0 */
        struct fb empty = {0};
        CHECK_EQ_U(skip_of(CST_LINK_RAW, &empty), CSUM_SKIP_INCOMPLETE);
        CHECK_EQ_U(skip_of(CST_LINK_NULL, &empty), CSUM_SKIP_INCOMPLETE);
}

/* One frame per skip reason (SPEC 2.9 sniff rules). */
enum {
        C_ETH_SHORT,
        C_ARP,
        C_V4_HDR_SHORT,
        C_V4_VERSION,
        C_V4_IHL_SMALL,
        C_V4_IHL_CUT,
        C_V4_TOTAL_ZERO,
        C_V4_TOTAL_LT_IHL,
        C_V4_NOT_CAPTURED,
        C_V4_MF,
        C_V4_OFFSET,
        C_V4_ICMP,
        C_TCP_DOFF_SMALL,
        C_TCP_SHORT,
        C_UDP_LEN_SMALL,
        C_UDP_LEN_MISMATCH,
        C_V6_SHORT,
        C_V6_VERSION,
        C_V6_NOT_CAPTURED,
        C_V6_ATOMIC_FRAG,
        C_V6_AH,
        C_V6_ICMP,
        C_V6_EXT_CUT,
        C_V6_PLEN_ZERO,
        C_V6_UDP_MISMATCH,
        C_COUNT
};

static void build_case(int c, struct fb *f)
{
        switch (c) {
        case C_ETH_SHORT:
                fb_fill(f, 0, 13);
                return;
        case C_ARP:
                fb_eth(f, 0x0806);
                fb_fill(f, 0, 28);
                return;
        case C_V6_SHORT:
        case C_V6_VERSION:
        case C_V6_NOT_CAPTURED:
        case C_V6_ATOMIC_FRAG:
        case C_V6_AH:
        case C_V6_ICMP:
        case C_V6_EXT_CUT:
        case C_V6_PLEN_ZERO:
        case C_V6_UDP_MISMATCH:
                fb_eth(f, 0x86DD);
                break;
        default:
                fb_eth(f, 0x0800);
                break;
        }
        switch (c) {
        case C_V4_HDR_SHORT:
                fb_fill(f, 0x45, 19);
                break;
        case C_V4_VERSION:
                fb_ipv4(f, 5, 40, 0, 6);
                f->b[14] = 0x55;
                fb_tcp(f, 5, 0);
                break;
        case C_V4_IHL_SMALL:
                fb_ipv4(f, 5, 40, 0, 6);
                f->b[14] = 0x44;
                fb_tcp(f, 5, 0);
                break;
        case C_V4_IHL_CUT:
                fb_ipv4(f, 15, 80, 0, 6);
                f->n = 14 + 40; /* 60-byte header, 40 captured */
                break;
        case C_V4_TOTAL_ZERO: /* a TSO frame */
                fb_ipv4(f, 5, 0, 0, 6);
                fb_tcp(f, 5, 100);
                break;
        case C_V4_TOTAL_LT_IHL:
                fb_ipv4(f, 5, 19, 0, 6);
                fb_tcp(f, 5, 0);
                break;
        case C_V4_NOT_CAPTURED:
                fb_ipv4(f, 5, 20 + 20 + 200, 0, 6);
                fb_tcp(f, 5, 100);
                break;
        case C_V4_MF:
                fb_ipv4(f, 5, 20 + 8 + 8, 0x2000, 17);
                fb_udp(f, 100, 0, 8);
                break;
        case C_V4_OFFSET:
                fb_ipv4(f, 5, 20 + 16, 0x0010, 17);
                fb_fill(f, 0, 16);
                break;
        case C_V4_ICMP:
                fb_ipv4(f, 5, 20 + 8, 0, 1);
                fb_fill(f, 0, 8);
                break;
        case C_TCP_DOFF_SMALL:
                fb_ipv4(f, 5, 40, 0, 6);
                fb_tcp(f, 4, 0);
                break;
        case C_TCP_SHORT: /* total length ends inside the TCP header */
                fb_ipv4(f, 5, 20 + 12, 0, 6);
                fb_tcp(f, 5, 0);
                break;
        case C_UDP_LEN_SMALL:
                fb_ipv4(f, 5, 20 + 8 + 4, 0, 17);
                fb_udp(f, 7, 0, 4);
                break;
        case C_UDP_LEN_MISMATCH:
                fb_ipv4(f, 5, 20 + 8 + 4, 0, 17);
                fb_udp(f, 10, 0, 4);
                break;
        case C_V6_SHORT:
                fb_fill(f, 0x60, 39);
                break;
        case C_V6_VERSION:
                fb_ipv6(f, 8, 17);
                f->b[14] = 0x40;
                fb_udp(f, 8, 0, 0);
                break;
        case C_V6_NOT_CAPTURED:
                fb_ipv6(f, 100, 17);
                fb_udp(f, 100, 0, 10);
                break;
        case C_V6_ATOMIC_FRAG:
                fb_ipv6(f, 8 + 8, 44);
                fb_u8(f, 17);
                fb_fill(f, 0, 7);
                fb_udp(f, 8, 0, 0);
                break;
        case C_V6_AH:
                fb_ipv6(f, 16, 51);
                fb_fill(f, 0, 16);
                break;
        case C_V6_ICMP:
                fb_ipv6(f, 8, 58);
                fb_fill(f, 0, 8);
                break;
        case C_V6_EXT_CUT: /* hop-by-hop claims 16 bytes, payload has 8 */
                fb_ipv6(f, 8, 0);
                fb_u8(f, 17);
                fb_u8(f, 1);
                fb_fill(f, 0, 6);
                break;
        case C_V6_PLEN_ZERO: /* jumbogram/GRO: empty payload region */
                fb_ipv6(f, 0, 6);
                fb_tcp(f, 5, 10);
                break;
        case C_V6_UDP_MISMATCH:
                fb_ipv6(f, 12, 17);
                fb_udp(f, 8, 0, 4);
                break;
        default:
                break;
        }
}

static const uint8_t case_skip[C_COUNT] = {
    [C_ETH_SHORT] = CSUM_SKIP_INCOMPLETE,
    [C_ARP] = CSUM_SKIP_DECODE_FAILED,
    [C_V4_HDR_SHORT] = CSUM_SKIP_INCOMPLETE,
    [C_V4_VERSION] = CSUM_SKIP_DECODE_FAILED,
    [C_V4_IHL_SMALL] = CSUM_SKIP_MALFORMED,
    [C_V4_IHL_CUT] = CSUM_SKIP_INCOMPLETE,
    [C_V4_TOTAL_ZERO] = CSUM_SKIP_IPV4_TOTAL_LENGTH_ZERO,
    [C_V4_TOTAL_LT_IHL] = CSUM_SKIP_LENGTH_MISMATCH,
    [C_V4_NOT_CAPTURED] = CSUM_SKIP_INCOMPLETE,
    [C_V4_MF] = CSUM_SKIP_FRAGMENT,
    [C_V4_OFFSET] = CSUM_SKIP_FRAGMENT,
    [C_V4_ICMP] = CSUM_SKIP_NOT_TCP_UDP,
    [C_TCP_DOFF_SMALL] = CSUM_SKIP_MALFORMED,
    [C_TCP_SHORT] = CSUM_SKIP_MALFORMED,
    [C_UDP_LEN_SMALL] = CSUM_SKIP_MALFORMED,
    [C_UDP_LEN_MISMATCH] = CSUM_SKIP_LENGTH_MISMATCH,
    [C_V6_SHORT] = CSUM_SKIP_INCOMPLETE,
    [C_V6_VERSION] = CSUM_SKIP_DECODE_FAILED,
    [C_V6_NOT_CAPTURED] = CSUM_SKIP_INCOMPLETE,
    [C_V6_ATOMIC_FRAG] = CSUM_SKIP_FRAGMENT,
    [C_V6_AH] = CSUM_SKIP_DECODE_FAILED,
    [C_V6_ICMP] = CSUM_SKIP_NOT_TCP_UDP,
    [C_V6_EXT_CUT] = CSUM_SKIP_MALFORMED,
    [C_V6_PLEN_ZERO] = CSUM_SKIP_MALFORMED,
    [C_V6_UDP_MISMATCH] = CSUM_SKIP_LENGTH_MISMATCH,
};

static void test_skip_reasons(void)
{
        struct cst_stats st = {0};
        uint64_t per_reason[16] = {0};
        for (int c = 0; c < C_COUNT; c++) {
                struct fb f = {0};
                build_case(c, &f);
                struct fb before = f;
                uint8_t got = skip_of(CST_LINK_ETHERNET, &f);
                if (got != case_skip[c])
                        fprintf(stderr, "case %d: got %s want %s\n", c, csum_skip_name(got),
                                csum_skip_name(case_skip[c]));
                CHECK_EQ_U(got, case_skip[c]);
                csum_recompute_frame(CST_LINK_ETHERNET, f.b, f.n, &st);
                CHECK(memcmp(f.b, before.b, f.n) == 0); /* skipped frames keep their bytes */
                per_reason[case_skip[c]]++;
        }
        struct fb wifi = {0};
        fb_fill(&wifi, 0, 30);
        csum_recompute_frame(127, wifi.b, wifi.n, &st);
        per_reason[CSUM_SKIP_UNSUPPORTED_LINK]++;

        CHECK_EQ_U(st.checksum_skipped, C_COUNT + 1);
        CHECK_EQ_U(st.checksum_skipped_incomplete, per_reason[CSUM_SKIP_INCOMPLETE]);
        CHECK_EQ_U(st.checksum_skipped_decode_failed, per_reason[CSUM_SKIP_DECODE_FAILED]);
        CHECK_EQ_U(st.checksum_skipped_malformed, per_reason[CSUM_SKIP_MALFORMED]);
        CHECK_EQ_U(st.checksum_skipped_fragment, per_reason[CSUM_SKIP_FRAGMENT]);
        CHECK_EQ_U(st.checksum_skipped_not_tcp_udp, per_reason[CSUM_SKIP_NOT_TCP_UDP]);
        CHECK_EQ_U(st.checksum_skipped_length_mismatch, per_reason[CSUM_SKIP_LENGTH_MISMATCH]);
        CHECK_EQ_U(st.checksum_skipped_ipv4_total_length_zero,
                   per_reason[CSUM_SKIP_IPV4_TOTAL_LENGTH_ZERO]);
        CHECK_EQ_U(st.checksum_skipped_unsupported_link_type, 1);
        CHECK_EQ_U(st.checksums_recomputed_ipv4 + st.checksums_recomputed_tcp +
                       st.checksums_recomputed_udp,
                   0);
        CHECK_STR(csum_skip_name(CSUM_SKIP_NOT_TCP_UDP), "not_tcp_udp");
}

/* Every prefix of a valid frame: no read past the end (ASan), a reason or OK. */
static void test_every_truncation(void)
{
        struct fb full = {0};
        fb_eth(&full, 0x8100);
        fb_vlan(&full, 0x86DD);
        fb_ipv6(&full, 8 + 8 + 20, 0);
        fb_u8(&full, 6);
        fb_fill(&full, 0, 7);
        fb_tcp(&full, 5, 8);
        for (uint32_t n = 0; n <= full.n; n++) {
                uint8_t *copy = malloc(n ? n : 1);
                memcpy(copy, full.b, n);
                struct csum_plan pl;
                csum_walk(CST_LINK_ETHERNET, copy, n, &pl);
                CHECK(n == full.n ? pl.skip == CSUM_OK : pl.skip == CSUM_SKIP_INCOMPLETE);
                free(copy);
        }
}

int main(void)
{
        test_rfc1071_vector();
        test_ipv4_tcp_udp();
        test_zero_becomes_ffff(0);
        test_zero_becomes_ffff(1);
        test_ipv6();
        test_vlan_stacks();
        test_link_types();
        test_skip_reasons();
        test_every_truncation();
        return check_summary("test_checksum");
}
