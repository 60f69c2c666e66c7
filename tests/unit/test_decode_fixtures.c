/*
 * test_decode_fixtures — decode every packet of the upstream fixtures and
 * compare the TCP/UDP payload sizes with what SPEC 4 (and tshark, an
 * independent dissector) say; the pcapng TSO frame #54 is malformed in
 * DECODE_COMPAT mode and TCP with DEC_F_TSO otherwise.
 */
#include "check.h"
#include "decode/decode.h"

#include <pcap/pcap.h>

/* Expected per packet: transport (6/17) and payload length. */
struct want {
        uint8_t transport;
        uint32_t payload_len;
};

static const struct want tls_test_1[] = {
    {6, 0},    {6, 0}, {6, 0}, {6, 1900}, {6, 0}, {6, 0},  {6, 2800}, {6, 2800}, {6, 2800},
    {6, 1915}, {6, 0}, {6, 0}, {6, 0},    {6, 0}, {6, 64}, {6, 92},   {6, 1165},
};

static const uint32_t quic_test_1_udp[] = {1252, 1252, 43,  1252, 1252, 1252, 1252, 1252,
                                           197,  85,   141, 63,   317,  1185, 290,  31};

typedef void (*per_packet_fn)(unsigned idx, int linktype, const uint8_t *p, uint32_t caplen);

static int walk_file(const char *rel, per_packet_fn fn)
{
        const char *fix = getenv("CST_FIXTURES");
        char path[4096], err[PCAP_ERRBUF_SIZE];
        snprintf(path, sizeof(path), "%s/single/%s", fix ? fix : ".", rel);
        pcap_t *pc = pcap_open_offline(path, err);
        if (!pc) {
                fprintf(stderr, "cannot open %s: %s\n", path, err);
                return -1;
        }
        struct pcap_pkthdr *h;
        const u_char *data;
        unsigned idx = 0;
        while (pcap_next_ex(pc, &h, &data) == 1)
                fn(++idx, pcap_datalink(pc), data, h->caplen);
        pcap_close(pc);
        return (int)idx;
}

static void check_tls(unsigned idx, int lt, const uint8_t *p, uint32_t caplen)
{
        struct decoded d;
        decode_packet((uint32_t)lt, p, caplen, 0, &d);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.transport, tls_test_1[idx - 1].transport);
        CHECK_EQ_U(d.payload_len, tls_test_1[idx - 1].payload_len);
        CHECK_EQ_U(d.payload_off + d.payload_len, caplen);
        CHECK_EQ_U(d.ip_version, 4);
        CHECK(d.sport == 59036 || d.dport == 59036);
        CHECK_STR(decode_note(&d, caplen), "");
        /* Both modes agree on normal traffic. */
        struct decoded c;
        decode_packet((uint32_t)lt, p, caplen, DECODE_COMPAT, &c);
        CHECK(memcmp(&c, &d, sizeof(d)) == 0);
}

static void check_quic(unsigned idx, int lt, const uint8_t *p, uint32_t caplen)
{
        struct decoded d;
        decode_packet((uint32_t)lt, p, caplen, DECODE_COMPAT, &d);
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.transport, 17);
        CHECK_EQ_U(d.payload_len, quic_test_1_udp[idx - 1]);
        CHECK(d.sport == 443 || d.dport == 443);
}

static unsigned pcapng_malformed, pcapng_tcp, pcapng_udp, pcapng_vlan;

static void check_pcapng(unsigned idx, int lt, const uint8_t *p, uint32_t caplen)
{
        struct decoded c, d;
        decode_packet((uint32_t)lt, p, caplen, DECODE_COMPAT, &c);
        decode_packet((uint32_t)lt, p, caplen, 0, &d);
        pcapng_malformed += c.status == DEC_MALFORMED;
        pcapng_tcp += c.status == DEC_OK && c.transport == 6;
        pcapng_udp += c.status == DEC_OK && c.transport == 17;
        pcapng_vlan += c.vlan_depth == 1;
        if (idx != 54) {
                CHECK(memcmp(&c, &d, sizeof(d)) == 0);
                CHECK_EQ_U(c.status, DEC_OK);
                return;
        }
        CHECK_EQ_U(c.status, DEC_MALFORMED);
        CHECK_EQ_U(c.ipv4_total_len, 0);
        CHECK(c.flags & DEC_F_IPV4_LEN_SHORT);
        CHECK_STR(decode_note(&c, caplen), "ipv4_total_length_smaller_than_captured_ip_bytes|"
                                           "captured_bytes_after_ipv4_total_length_ignored");
        CHECK_EQ_U(d.status, DEC_OK);
        CHECK_EQ_U(d.transport, 6);
        CHECK(d.flags & DEC_F_TSO);
        CHECK(!(d.flags & DEC_F_IPV4_LEN_SHORT));
        CHECK_EQ_U(d.payload_len, 1910);
        CHECK_EQ_U(d.ip_end, caplen);
        CHECK_STR(decode_note(&d, caplen), "");
}

int main(void)
{
        if (!getenv("CST_FIXTURES")) {
                printf("SKIP: CST_FIXTURES not set\n");
                return 77;
        }
        CHECK_EQ_U(walk_file("tls_test_1.pcap", check_tls), 17);
        CHECK_EQ_U(walk_file("quic_test_1.pcap", check_quic), 16);
        CHECK_EQ_U(walk_file("tls_quic_test_1.pcapng", check_pcapng), 65);
        /* SPEC 4: one malformed packet; 17 frames carry a VLAN-0 tag. */
        CHECK_EQ_U(pcapng_malformed, 1);
        CHECK_EQ_U(pcapng_vlan, 17);
        CHECK_EQ_U(pcapng_tcp + pcapng_udp, 64);
        return check_summary("test_decode_fixtures");
}
