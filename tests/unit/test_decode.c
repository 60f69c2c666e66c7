/*
 * test_decode — SPEC 2.6 decode rules, one case per rule: link types, VLAN
 * stacks, IPv4 options/fragments/TSO (both modes), IPv6 extension chains,
 * jumbograms, TCP/UDP malformed cases and the SPEC 2.11 decode_note.
 * Every packet is decoded from an exactly-sized heap copy so ASan catches
 * any read past the end.
 */
#include "check.h"
#include "decode/decode.h"
#include "test_decode_build.h"

static struct decoded dec_len(uint32_t lt, const struct pkt *k, uint32_t len, unsigned mode)
{
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, k->b, len);
        struct decoded d;
        decode_packet(lt, copy, len, mode, &d);
        free(copy);
        return d;
}

static struct decoded dec(uint32_t lt, const struct pkt *k)
{
        return dec_len(lt, k, k->n, 0);
}

static struct decoded dec_compat(uint32_t lt, const struct pkt *k)
{
        return dec_len(lt, k, k->n, DECODE_COMPAT);
}

/* Ethernet + IPv4 + TCP with `payload` bytes. */
static void eth_ipv4_tcp(struct pkt *k, uint32_t payload)
{
        k->n = 0;
        put_eth(k, 0x0800);
        put_ipv4(k, 5, (uint16_t)(40 + payload), 0x4000, 6);
        put_tcp(k, 5, 0x18);
        put_fill(k, 0xEE, payload);
}

static void test_ethernet_ipv4_tcp(void)
{
        struct pkt k;
        eth_ipv4_tcp(&k, 100);
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.transport, 6);
        CHECK_EQ_U(d.ip_version, 4);
        CHECK_EQ_U(d.ethertype, 0x0800);
        CHECK_EQ_U(d.vlan_depth, 0);
        CHECK_EQ_U(d.l3_off, 14);
        CHECK_EQ_U(d.l4_off, 34);
        CHECK_EQ_U(d.payload_off, 54);
        CHECK_EQ_U(d.payload_len, 100);
        CHECK_EQ_U(d.ip_end, 154);
        CHECK_EQ_U(d.sport, 40000);
        CHECK_EQ_U(d.dport, 443);
        CHECK_EQ_U(d.seq, 0x11223344);
        CHECK_EQ_U(d.ack, 0x55667788);
        CHECK_EQ_U(d.tcp_flags, 0x18);
        CHECK_EQ_U(d.ip_proto, 6);
        CHECK_EQ_U(d.ipv4_total_len, 140);
        CHECK_EQ_U(d.addr_len, 4);
        CHECK_EQ_U(d.flags, DEC_F_HAVE_ADDR);
        CHECK(memcmp(d.src, "\x0a\x00\x00\x01", 4) == 0);
        CHECK(memcmp(d.dst, "\xc0\xa8\x01\x02", 4) == 0);
        CHECK_STR(decode_note(&d, k.n), "");
}

static void test_ethernet_edges(void)
{
        struct pkt k = {.n = 0};
        put_eth(&k, 0x0806); /* ARP */
        put_fill(&k, 0, 28);
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_NOT_DECODED);
        CHECK_EQ_U(d.ethertype, 0x0806);
        CHECK_EQ_U(d.flags, 0);
        CHECK_STR(decode_note(&d, k.n), "");
        CHECK_EQ_U(dec_len(1, &k, 14, 0).status, DEC_NOT_DECODED);
        CHECK_EQ_U(dec_len(1, &k, 13, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(1, &k, 0, 0).status, DEC_MALFORMED);
        k.n = 0;
        put_eth(&k, 0x0800); /* IPv4 EtherType, no IP header */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK_EQ_U(dec(1, &k).ip_version, 4);
        k.n = 0;
        put_eth(&k, 0x86DD);
        put_fill(&k, 0x60, 39); /* one byte short of an IPv6 header */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK_EQ_U(dec(105, &k).status, DEC_UNSUPPORTED_LINK); /* 802.11 */
        CHECK_EQ_U(dec(127, &k).status, DEC_UNSUPPORTED_LINK);
        CHECK_EQ_U(dec(113 + 65536, &k).status, DEC_UNSUPPORTED_LINK);
        CHECK_EQ_U(dec_len(105, &k, 0, 0).status, DEC_UNSUPPORTED_LINK);
}

/* Ethernet with the given VLAN type stack, then IPv4/UDP. */
static void vlan_frame(struct pkt *k, const uint16_t *tpids, int depth)
{
        k->n = 0;
        put_eth(k, depth ? tpids[0] : 0x0800);
        for (int i = 0; i < depth; i++)
                put_vlan(k, (uint16_t)(i + 1), i + 1 < depth ? tpids[i + 1] : 0x0800);
        put_ipv4(k, 5, 28 + 4, 0, 17);
        put_udp(k, 12);
        put32(k, 0xCAFEBABE);
}

static void test_vlan(void)
{
        struct pkt k;
        const uint16_t one[] = {0x8100};
        vlan_frame(&k, one, 1);
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.vlan_depth, 1);
        CHECK_EQ_U(d.l3_off, 18);
        CHECK_EQ_U(d.payload_len, 4);
        CHECK_EQ_U(d.ethertype, 0x0800);
        const uint16_t qinq[] = {0x88A8, 0x8100};
        vlan_frame(&k, qinq, 2);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.vlan_depth, 2);
        CHECK_EQ_U(d.l3_off, 22);
        const uint16_t old_qinq[] = {0x9100, 0x9100, 0x8100};
        vlan_frame(&k, old_qinq, 3);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.vlan_depth, 3);
        CHECK_EQ_U(d.payload_off, 26 + 28);
        const uint16_t deep[9] = {0x8100, 0x88A8, 0x9100, 0x8100, 0x8100,
                                  0x8100, 0x8100, 0x8100, 0x8100};
        vlan_frame(&k, deep, 8);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.vlan_depth, 8);
        vlan_frame(&k, deep, 9);
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        /* A tag cut short: need 4 bytes. */
        vlan_frame(&k, qinq, 2);
        CHECK_EQ_U(dec_len(1, &k, 14 + 4 + 3, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(1, &k, 14 + 8, 0).status, DEC_MALFORMED); /* IPv4 missing */
        /* VLAN carrying ARP: not decoded. */
        k.n = 0;
        put_eth(&k, 0x8100);
        put_vlan(&k, 7, 0x0806);
        put_fill(&k, 0, 28);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_NOT_DECODED);
        CHECK_EQ_U(d.ethertype, 0x0806);
        CHECK_EQ_U(d.vlan_depth, 1);
}

static void test_sll(void)
{
        struct pkt k = {.n = 0};
        put16(&k, 0);          /* packet type */
        put16(&k, 1);          /* ARPHRD_ETHER */
        put16(&k, 6);          /* address length */
        put_fill(&k, 0xAA, 8); /* address */
        put16(&k, 0x0800);     /* protocol */
        put_ipv4(&k, 5, 40, 0, 6);
        put_tcp(&k, 5, 0x02);
        struct decoded d = dec(113, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.l3_off, 16);
        CHECK_EQ_U(d.payload_off, 56);
        CHECK_EQ_U(d.tcp_flags, 0x02);
        CHECK_EQ_U(dec_len(113, &k, 15, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(113, &k, 16, 0).status, DEC_MALFORMED);
        /* SLL carrying a VLAN tag. */
        k.n = 14;
        put16(&k, 0x8100);
        put_vlan(&k, 5, 0x86DD);
        put_ipv6(&k, 8, 17);
        put_udp(&k, 8);
        d = dec(113, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.vlan_depth, 1);
        CHECK_EQ_U(d.l3_off, 20);
        CHECK_EQ_U(d.transport, 17);
        CHECK_EQ_U(d.payload_len, 0);
        /* SLL2: protocol first, 20-byte header. */
        k.n = 0;
        put16(&k, 0x86DD);
        put16(&k, 0);
        put32(&k, 2); /* interface index */
        put16(&k, 1); /* ARPHRD_ETHER */
        put8(&k, 0);  /* packet type */
        put8(&k, 6);  /* address length */
        put_fill(&k, 0xBB, 8);
        put_ipv6(&k, 20, 6);
        put_tcp(&k, 5, 0x10);
        d = dec(276, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.ip_version, 6);
        CHECK_EQ_U(d.l3_off, 20);
        CHECK_EQ_U(d.l4_off, 60);
        CHECK_EQ_U(dec_len(276, &k, 19, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec(113, &k).status, DEC_NOT_DECODED); /* as SLL: protocol 0x0001 */
}

static void test_raw_and_null(void)
{
        struct pkt v4 = {.n = 0}, v6 = {.n = 0};
        put_ipv4(&v4, 5, 28, 0, 17);
        put_udp(&v4, 8);
        put_ipv6(&v6, 8, 17);
        put_udp(&v6, 8);
        for (uint32_t lt = 101; lt <= 101; lt++) {
                CHECK_EQ_U(dec(lt, &v4).status, DEC_OK);
                CHECK_EQ_U(dec(lt, &v4).ip_version, 4);
                CHECK_EQ_U(dec(lt, &v6).status, DEC_OK);
                CHECK_EQ_U(dec(lt, &v6).ip_version, 6);
                CHECK_EQ_U(dec(lt, &v6).l3_off, 0);
        }
        CHECK_EQ_U(dec(228, &v4).status, DEC_OK);
        CHECK_EQ_U(dec(228, &v4).ethertype, 0x0800);
        CHECK_EQ_U(dec(229, &v6).status, DEC_OK);
        CHECK_EQ_U(dec(229, &v6).ethertype, 0x86DD);
        CHECK_EQ_U(dec(228, &v6).status, DEC_MALFORMED); /* version 6 on an IPv4 link */
        CHECK_EQ_U(dec(229, &v4).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(101, &v4, 0, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(228, &v4, 0, 0).status, DEC_MALFORMED);
        struct pkt bad = {.n = 0};
        put8(&bad, 0x55);
        put_fill(&bad, 0, 40);
        CHECK_EQ_U(dec(101, &bad).status, DEC_MALFORMED);

        /* BSD null: the family in either byte order. */
        static const uint32_t fam4[] = {2}, fam6[] = {24, 28, 30};
        for (int order = 0; order < 2; order++) {
                struct pkt k;
                for (size_t i = 0; i < 4; i++) {
                        uint32_t fam = i == 0 ? fam4[0] : fam6[i - 1];
                        const struct pkt *ip = i == 0 ? &v4 : &v6;
                        k.n = 0;
                        uint32_t le = order ? __builtin_bswap32(fam) : fam;
                        put32(&k, __builtin_bswap32(le)); /* le32 on the wire */
                        put(&k, ip->b, ip->n);
                        struct decoded d = dec(0, &k);
                        CHECK_EQ_U(d.status, DEC_OK);
                        CHECK_EQ_U(d.ip_version, i == 0 ? 4 : 6);
                        CHECK_EQ_U(d.l3_off, 4);
                }
                k.n = 0;
                put32(&k, order ? 7 : 0x07000000); /* AF_IMPLINK-ish: not IP */
                put(&k, v4.b, v4.n);
                CHECK_EQ_U(dec(0, &k).status, DEC_NOT_DECODED);
                CHECK_EQ_U(dec_len(0, &k, 3, 0).status, DEC_MALFORMED);
        }
}

static void test_ipv4_options_and_lengths(void)
{
        struct pkt k = {.n = 0};
        put_eth(&k, 0x0800);
        put_ipv4(&k, 7, 28 + 8 + 5, 0, 17); /* 8 option bytes */
        put_udp(&k, 13);
        put_fill(&k, 0x11, 5);
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.l4_off, 14 + 28);
        CHECK_EQ_U(d.payload_len, 5);
        /* IHL < 5, IHL beyond the capture, wrong version. */
        k.b[14] = 0x44;
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK(!(dec(1, &k).flags & DEC_F_HAVE_ADDR));
        k.b[14] = 0x47;
        CHECK_EQ_U(dec_len(1, &k, 14 + 27, 0).status, DEC_MALFORMED);
        k.b[14] = 0x4F;
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        k.b[14] = 0x57;
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        k.b[14] = 0x47;
        /* total_length below the header length is malformed in both modes. */
        st_be16_test(&k, 16, 27);
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_compat(1, &k).status, DEC_MALFORMED);
        /* total_length = header only: UDP has no room. */
        st_be16_test(&k, 16, 28);
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK(dec(1, &k).flags & DEC_F_HAVE_ADDR);
        CHECK_EQ_U(dec(1, &k).sport, 0);
}

static void test_ipv4_clamp_and_note(void)
{
        struct pkt k;
        eth_ipv4_tcp(&k, 10);
        put_fill(&k, 0, 6); /* Ethernet trailer padding */
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.payload_len, 10);
        CHECK_EQ_U(d.ip_end, 14 + 50);
        CHECK(d.flags & DEC_F_IPV4_LEN_SHORT);
        CHECK_STR(decode_note(&d, k.n), "ipv4_total_length_smaller_than_captured_ip_bytes|"
                                        "captured_bytes_after_ipv4_total_length_ignored|"
                                        "transport_payload_truncated_by_length_fields");
        /* total_length beyond the capture is tolerated: clamp to the capture. */
        eth_ipv4_tcp(&k, 10);
        st_be16_test(&k, 16, 1500);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.ip_end, k.n);
        CHECK_EQ_U(d.payload_len, 10);
        CHECK_EQ_U(d.flags, DEC_F_HAVE_ADDR);
        /* The short-length note needs only 4 IP bytes, even when malformed. */
        eth_ipv4_tcp(&k, 0);
        st_be16_test(&k, 16, 3);
        d = dec_len(1, &k, 18, 0);
        CHECK_EQ_U(d.status, DEC_MALFORMED);
        CHECK(d.flags & DEC_F_IPV4_LEN_SHORT);
        CHECK_STR(decode_note(&d, 18), "ipv4_total_length_smaller_than_captured_ip_bytes|"
                                       "captured_bytes_after_ipv4_total_length_ignored");
        d = dec_len(1, &k, 17, 0);
        CHECK(!(d.flags & DEC_F_IPV4_LEN_SHORT));
        CHECK_STR(decode_note(&d, 17), "");
        /* UDP length shorter than the datagram. */
        k.n = 0;
        put_eth(&k, 0x0800);
        put_ipv4(&k, 5, 40, 0, 17);
        put_udp(&k, 12);
        put_fill(&k, 0, 8);
        d = dec(1, &k);
        CHECK_EQ_U(d.payload_len, 4);
        CHECK_STR(decode_note(&d, k.n), "transport_payload_truncated_by_length_fields");
        d.status = DEC_NOT_DECODED;
        CHECK_STR(decode_note(&d, k.n), "");
}

static void test_ipv4_fragments(void)
{
        static const uint16_t frag_fields[] = {0x2000, 0x0001, 0x20B9, 0x1FFF, 0x6000};
        for (size_t i = 0; i < sizeof(frag_fields) / sizeof(frag_fields[0]); i++) {
                struct pkt k = {.n = 0};
                put_eth(&k, 0x0800);
                put_ipv4(&k, 5, 48, frag_fields[i], 6);
                put_fill(&k, 0x77, 28);
                struct decoded d = dec(1, &k);
                CHECK_EQ_U(d.status, DEC_NOT_DECODED);
                CHECK_EQ_U(d.flags, DEC_F_FRAGMENT | DEC_F_HAVE_ADDR);
                CHECK_EQ_U(d.ip_proto, 6);
                CHECK_EQ_U(d.ip_end, 62);
                CHECK_EQ_U(d.sport, 0);
        }
        struct pkt k;
        eth_ipv4_tcp(&k, 4);
        st_be16_test(&k, 20, 0x8000); /* reserved bit only: not a fragment */
        CHECK_EQ_U(dec(1, &k).status, DEC_OK);
}

static void test_ipv4_tso(void)
{
        struct pkt k;
        eth_ipv4_tcp(&k, 3000);
        st_be16_test(&k, 16, 0);
        struct decoded c = dec_compat(1, &k);
        CHECK_EQ_U(c.status, DEC_MALFORMED);
        CHECK_EQ_U(c.flags & DEC_F_TSO, 0);
        CHECK(c.flags & DEC_F_IPV4_LEN_SHORT);
        CHECK_EQ_U(c.ipv4_total_len, 0);
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.flags, DEC_F_TSO | DEC_F_HAVE_ADDR);
        CHECK_EQ_U(d.payload_len, 3000);
        CHECK_EQ_U(d.ip_end, k.n);
        CHECK_STR(decode_note(&d, k.n), "");
        /* TSO with a cut TCP header is still malformed. */
        CHECK_EQ_U(dec_len(1, &k, 14 + 20 + 19, 0).status, DEC_MALFORMED);
        /* A TSO fragment is still a fragment. */
        st_be16_test(&k, 20, 0x2000);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_NOT_DECODED);
        CHECK(d.flags & DEC_F_FRAGMENT);
}

/* Ethernet + IPv6 with payload_length derived from what follows. */
static void finish_ipv6(struct pkt *k)
{
        st_be16_test(k, 18, (uint16_t)(k->n - 54));
}

static void test_ipv6_chain(void)
{
        struct pkt k = {.n = 0};
        put_eth(&k, 0x86DD);
        put_ipv6(&k, 0, 0);
        put_ext(&k, 43, 0); /* HBH → Routing */
        put_ext(&k, 60, 1); /* Routing → DstOpts (16 bytes) */
        put_ext(&k, 6, 2);  /* DstOpts → TCP (24 bytes) */
        put_tcp(&k, 6, 0x11);
        put_fill(&k, 0x42, 7);
        finish_ipv6(&k);
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.ip_version, 6);
        CHECK_EQ_U(d.addr_len, 16);
        CHECK_EQ_U(d.l4_off, 54 + 8 + 16 + 24);
        CHECK_EQ_U(d.payload_off, 54 + 48 + 24);
        CHECK_EQ_U(d.payload_len, 7);
        CHECK_EQ_U(d.ip_proto, 6);
        CHECK_EQ_U(d.tcp_flags, 0x11);
        CHECK_EQ_U(d.src[0], 0x20);
        CHECK_EQ_U(d.dst[15], 0x4F);
        CHECK_EQ_U(d.flags, DEC_F_HAVE_ADDR);
        /* payload_length ends inside the DstOpts header: malformed even though
         * the bytes are captured (the header must lie inside ip_end). */
        st_be16_test(&k, 18, 8 + 16 + 20);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_MALFORMED);
        CHECK(d.flags & DEC_F_HAVE_ADDR);
        CHECK_EQ_U(d.ip_end, 54 + 44);
        /* ... and ends exactly after it: TCP has no room. */
        st_be16_test(&k, 18, 48);
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        /* one byte of an extension header only */
        st_be16_test(&k, 18, 1);
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        /* payload_length 0 (no jumbo option): empty region → malformed */
        st_be16_test(&k, 18, 0);
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        /* version nibble */
        finish_ipv6(&k);
        k.b[14] = 0x40;
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK_EQ_U(dec(1, &k).flags, 0);
}

static void ipv6_frag_frame(struct pkt *k, uint16_t off_m, uint8_t inner)
{
        k->n = 0;
        put_eth(k, 0x86DD);
        put_ipv6(k, 0, 44);
        put_frag6(k, inner, off_m);
        put_udp(k, 8 + 3);
        put_fill(k, 0x33, 3);
        finish_ipv6(k);
}

static void test_ipv6_fragment_ah_esp(void)
{
        struct pkt k;
        ipv6_frag_frame(&k, 0x0000, 17); /* atomic: skipped */
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.transport, 17);
        CHECK_EQ_U(d.l4_off, 62);
        CHECK_EQ_U(d.payload_len, 3);
        CHECK_EQ_U(d.flags, DEC_F_HAVE_ADDR);
        ipv6_frag_frame(&k, 0x0006, 17); /* reserved bits only: still atomic */
        CHECK_EQ_U(dec(1, &k).status, DEC_OK);
        static const uint16_t nonatomic[] = {0x0001, 0x0008, 0xFFF8, 0x0009};
        for (size_t i = 0; i < 4; i++) {
                ipv6_frag_frame(&k, nonatomic[i], 17);
                d = dec(1, &k);
                CHECK_EQ_U(d.status, DEC_NOT_DECODED);
                CHECK_EQ_U(d.flags, DEC_F_FRAGMENT | DEC_F_HAVE_ADDR);
                CHECK_EQ_U(d.ip_proto, 17);
        }
        ipv6_frag_frame(&k, 0, 17);
        st_be16_test(&k, 18, 7); /* fragment header cut by payload_length */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(1, &k, 54 + 7, 0).status, DEC_MALFORMED);

        static const uint8_t stop[] = {51, 50, 59, 58, 135, 132};
        for (size_t i = 0; i < sizeof(stop); i++) {
                k.n = 0;
                put_eth(&k, 0x86DD);
                put_ipv6(&k, 0, 0);
                put_ext(&k, stop[i], 0);
                put_fill(&k, 0, 24);
                finish_ipv6(&k);
                d = dec(1, &k);
                CHECK_EQ_U(d.status, DEC_NOT_DECODED);
                CHECK_EQ_U(d.ip_proto, stop[i]);
                CHECK_EQ_U(d.transport, 0);
        }
        /* AH directly after the fixed header, with TCP behind it: still not decoded. */
        k.n = 0;
        put_eth(&k, 0x86DD);
        put_ipv6(&k, 0, 51);
        put_ext(&k, 6, 2);
        put_tcp(&k, 5, 0x10);
        finish_ipv6(&k);
        CHECK_EQ_U(dec(1, &k).status, DEC_NOT_DECODED);
}

static void jumbo_frame(struct pkt *k, int with_option)
{
        k->n = 0;
        put_eth(k, 0x86DD);
        put_ipv6(k, 0, 0);
        put8(k, 6);
        put8(k, 1); /* 16 bytes: Pad1, option (6), PadN (7) */
        put8(k, 0);
        put8(k, with_option ? 0xC2 : 0x1E); /* Jumbo Payload or an unknown option */
        put8(k, 4);
        put32(k, 70000);
        put8(k, 1);
        put8(k, 5);
        put_fill(k, 0, 5);
        put_tcp(k, 5, 0x18);
        put_fill(k, 0x99, 2000);
}

static void test_ipv6_jumbo(void)
{
        struct pkt k;
        jumbo_frame(&k, 1);
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.flags, DEC_F_IPV6_JUMBO | DEC_F_HAVE_ADDR);
        CHECK_EQ_U(d.payload_off, 54 + 16 + 20);
        CHECK_EQ_U(d.payload_len, 2000);
        CHECK_EQ_U(d.ip_end, k.n);
        d = dec_compat(1, &k);
        CHECK_EQ_U(d.status, DEC_MALFORMED);
        CHECK_EQ_U(d.flags & DEC_F_IPV6_JUMBO, 0);
        jumbo_frame(&k, 0); /* payload_length 0 without the option: old behaviour */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_compat(1, &k).status, DEC_MALFORMED);
        jumbo_frame(&k, 1); /* jumbo option cut by the capture */
        CHECK_EQ_U(dec_len(1, &k, 54 + 9, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(1, &k, 54 + 15, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(1, &k, 54 + 16 + 19, 0).status, DEC_MALFORMED);
        CHECK_EQ_U(dec_len(1, &k, 54 + 16 + 20, 0).status, DEC_OK);
}

static void test_tcp_udp_malformed(void)
{
        struct pkt k;
        eth_ipv4_tcp(&k, 8);
        k.b[46] = 0x40; /* data offset 4 */
        struct decoded d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_MALFORMED);
        CHECK_EQ_U(d.sport, 0);
        CHECK_EQ_U(d.transport, 0);
        CHECK(d.flags & DEC_F_HAVE_ADDR);
        k.b[46] = 0x70; /* 28 > 20 + 8 payload bytes? no: exactly fits */
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.payload_len, 0);
        k.b[46] = 0x80; /* 32 > 28 available in ip_end */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        k.b[46] = 0x70;
        st_be16_test(&k, 16, 20 + 27); /* options cut by total_length */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        st_be16_test(&k, 16, 20 + 19); /* TCP header cut by total_length */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);

        k.n = 0;
        put_eth(&k, 0x0800);
        put_ipv4(&k, 5, 28, 0, 17);
        put_udp(&k, 7);
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        st_be16_test(&k, 38, 8);
        CHECK_EQ_U(dec(1, &k).status, DEC_OK);
        CHECK_EQ_U(dec_len(1, &k, 41, 0).status, DEC_MALFORMED);
        st_be16_test(&k, 16, 27); /* UDP header cut by total_length */
        CHECK_EQ_U(dec(1, &k).status, DEC_MALFORMED);
        /* UDP length beyond the datagram: clamped. */
        st_be16_test(&k, 16, 28);
        st_be16_test(&k, 38, 9000);
        d = dec(1, &k);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.payload_len, 0);
        /* Other protocols are not decoded and not malformed. */
        static const uint8_t others[] = {1, 47, 132, 50, 51, 0};
        for (size_t i = 0; i < sizeof(others); i++) {
                k.b[23] = others[i];
                d = dec(1, &k);
                CHECK_EQ_U(d.status, DEC_NOT_DECODED);
                CHECK_EQ_U(d.ip_proto, others[i]);
        }
}

/* Invariants every decode result holds, whatever the input. */
static void check_invariants(const struct decoded *d, uint32_t len)
{
        CHECK(d->status <= DEC_UNSUPPORTED_LINK);
        CHECK(d->ip_end <= len);
        if (d->status == DEC_OK) {
                CHECK(d->transport == 6 || d->transport == 17);
                CHECK(d->l3_off < d->l4_off);
                CHECK(d->l4_off < d->payload_off);
                CHECK(d->payload_off + d->payload_len <= d->ip_end);
        } else {
                CHECK_EQ_U(d->transport, 0);
                CHECK_EQ_U(d->sport | d->dport, 0);
        }
        if (d->flags & DEC_F_HAVE_ADDR)
                CHECK(d->addr_len == (d->ip_version == 4 ? 4 : 16));
}

/* Decode every prefix of `k` from an exactly-sized heap copy (ASan
 * catches a read past the end) in both modes; the full frame must decode
 * to `want_full`. */
static void sweep_prefixes(uint32_t lt, const struct pkt *k, enum dec_status want_full)
{
        for (uint32_t len = 0; len <= k->n; len++) {
                for (unsigned mode = 0; mode <= DECODE_COMPAT; mode++) {
                        struct decoded d = dec_len(lt, k, len, mode);
                        check_invariants(&d, len);
                        (void)decode_note(&d, len);
                        if (len == k->n && mode == 0)
                                CHECK_EQ_U(d.status, want_full);
                }
        }
}

static void test_truncated_every_length(void)
{
        struct pkt k;
        eth_ipv4_tcp(&k, 40);
        k.b[14] = 0x46; /* with 4 option bytes */
        memmove(k.b + 38, k.b + 34, k.n - 34);
        memset(k.b + 34, 1, 4);
        k.n += 4;
        st_be16_test(&k, 16, (uint16_t)(k.n - 14));
        sweep_prefixes(1, &k, DEC_OK);

        const uint16_t qinq[] = {0x88A8, 0x8100, 0x9100};
        vlan_frame(&k, qinq, 3);
        sweep_prefixes(1, &k, DEC_OK);

        k.n = 0;
        put_eth(&k, 0x8100);
        put_vlan(&k, 1, 0x86DD);
        put_ipv6(&k, 0, 0);
        put_ext(&k, 43, 0);
        put_ext(&k, 44, 1);
        put_frag6(&k, 60, 0);
        put_ext(&k, 17, 0);
        put_udp(&k, 8 + 16);
        put_fill(&k, 0xC3, 16);
        st_be16_test(&k, 22, (uint16_t)(k.n - 58));
        sweep_prefixes(1, &k, DEC_OK);

        jumbo_frame(&k, 1);
        k.n = 54 + 16 + 20 + 30;
        sweep_prefixes(1, &k, DEC_OK);

        eth_ipv4_tcp(&k, 200);
        st_be16_test(&k, 16, 0);
        sweep_prefixes(1, &k, DEC_OK);

        /* SLL2 / IPv4 / UDP, null / IPv6 / TCP, raw IPv4 fragment. */
        k.n = 0;
        put16(&k, 0x0800);
        put_fill(&k, 0, 18);
        put_ipv4(&k, 5, 28 + 10, 0, 17);
        put_udp(&k, 18);
        put_fill(&k, 0x5A, 10);
        sweep_prefixes(276, &k, DEC_OK);
        sweep_prefixes(113, &k, DEC_NOT_DECODED);
        k.n = 0;
        put32(&k, 0x1E000000);
        put_ipv6(&k, 20 + 12, 6);
        put_tcp(&k, 8, 0x02);
        put_fill(&k, 0, 0);
        sweep_prefixes(0, &k, DEC_OK);
        k.n = 0;
        put_ipv4(&k, 5, 60, 0x2000, 6);
        put_fill(&k, 0, 40);
        sweep_prefixes(101, &k, DEC_NOT_DECODED);
        sweep_prefixes(228, &k, DEC_NOT_DECODED);
}

/* Deterministic mutations of a few valid frames: decoding must hold the
 * invariants (the fuzz target does the same at scale). */
static void test_mutations(void)
{
        uint32_t seed = 12345;
        struct pkt base[3];
        eth_ipv4_tcp(&base[0], 30);
        jumbo_frame(&base[1], 1);
        base[1].n = 120;
        const uint16_t qinq[] = {0x88A8, 0x8100};
        vlan_frame(&base[2], qinq, 2);
        for (int iter = 0; iter < 30000; iter++) {
                struct pkt k = base[iter % 3];
                for (int m = 0; m < 3; m++) {
                        seed = seed * 1103515245u + 12345u;
                        uint32_t at = (seed >> 8) % k.n;
                        seed = seed * 1103515245u + 12345u;
                        k.b[at] = (uint8_t)(seed >> 16);
                }
                seed = seed * 1103515245u + 12345u;
                uint32_t len = (seed >> 8) % (k.n + 1);
                static const uint32_t lts[] = {1, 113, 276, 101, 0};
                struct decoded d = dec_len(lts[(seed >> 4) % 5], &k, len, seed & 1);
                check_invariants(&d, len);
        }
}

int main(void)
{
        test_ethernet_ipv4_tcp();
        test_ethernet_edges();
        test_vlan();
        test_sll();
        test_raw_and_null();
        test_ipv4_options_and_lengths();
        test_ipv4_clamp_and_note();
        test_ipv4_fragments();
        test_ipv4_tso();
        test_ipv6_chain();
        test_ipv6_fragment_ah_esp();
        test_ipv6_jumbo();
        test_tcp_udp_malformed();
        test_truncated_every_length();
        test_mutations();
        return check_summary("test_decode");
}
