/* Unit tests of the audit: QUIC, other UDP, whole packets, invariants, files. */
#include <errno.h>
#include <sys/stat.h>

#include "check.h"
#include "quic_seal.h"
#include "test_audit_build.h"

static struct cap in;
static struct cst_packet out[CAP_MAX];
static struct cst_audit_report rep;

/* A QUIC v1 long-header packet of `total` bytes at b (type 0 = Initial). */
static size_t quic_long(uint8_t *b, uint8_t type, uint8_t dcid_len, uint8_t scid_len, size_t total)
{
        size_t o = 0;
        b[o++] = (uint8_t)(0xC0 | type << 4);
        put32(b + o, 1);
        o += 4;
        b[o++] = dcid_len;
        memset(b + o, 0xD1, dcid_len);
        o += dcid_len;
        b[o++] = scid_len;
        memset(b + o, 0x5C, scid_len);
        o += scid_len;
        if (type == 0)
                b[o++] = 0; /* token length */
        size_t rest = total - o - 2;
        b[o++] = (uint8_t)(0x40 | rest >> 8);
        b[o++] = (uint8_t)rest;
        memset(b + o, 0x33, rest);
        return total;
}

static struct quic_initial *qi;
static bool fake_initial; /* the client Initial is a look-alike: random contents */

/* A v1 client Initial of `total` bytes whose protection removes (RFC 9001
 * §5.2), or with fake_initial a valid long header with random contents. */
static size_t quic_client_initial(uint8_t *b, uint8_t dcid_len, uint8_t scid_len, size_t total)
{
        uint8_t dcid[20], scid[20], crypto[] = {0x06, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00};
        memset(dcid, 0xD1, sizeof(dcid));
        memset(scid, 0x5C, sizeof(scid));
        if (!fake_initial)
                return quic_seal_initial(qi, QUIC_V1, dcid, dcid_len, scid, scid_len, 7, crypto,
                                         sizeof(crypto), total, b);
        size_t n = quic_long(b, 0, dcid_len, scid_len, total),
               hdr = 1 + 4 + 2 + dcid_len + scid_len + 1 + 2;
        for (size_t k = hdr; k < n; k++)
                b[k] = (uint8_t)(k * 131u + 7u);
        return n;
}

static size_t quic_short(uint8_t *b, size_t total)
{
        b[0] = 0x41;
        memset(b + 1, 0xEE, total - 1);
        return total;
}

static size_t arp(struct cap *c)
{
        size_t i = c->n++;
        uint8_t *f = c->buf[i];
        memset(f, 0x11, 42);
        put16(f + 12, 0x0806);
        struct cst_packet *p = &c->p[i];
        memset(p, 0, sizeof(*p));
        p->data = f;
        p->caplen = p->origlen = 42;
        p->ts_ns = 5;
        return i;
}

struct quic_idx {
        size_t initial, server_initial, c_short, s_short, migrated, dns, arp;
};

static struct quic_idx build_quic(void)
{
        uint8_t b[1500];
        struct quic_idx x;
        in.n = 0;
        x.initial = udp(&in, 1, 50000, 2, 443, b, quic_client_initial(b, 8, 5, 1200));
        /* server Initial + Handshake coalesced */
        size_t n = quic_long(b, 0, 5, 6, 300);
        n += quic_long(b + n, 2, 5, 6, 200);
        x.server_initial = udp(&in, 2, 443, 1, 50000, b, n);
        x.c_short = udp(&in, 1, 50000, 2, 443, b, quic_short(b, 100));
        x.s_short = udp(&in, 2, 443, 1, 50000, b, quic_short(b, 1000));
        x.migrated = udp(&in, 3, 50001, 2, 443, b, quic_short(b, 100));
        memset(b, 0x81, 40); /* a DNS answer whose id has the top bit set */
        x.dns = udp(&in, 1, 53, 2, 5353, b, 40);
        x.arp = arp(&in);
        copy_cap(out, &in);
        return x;
}

static void expect_loss(size_t pkt, uint32_t caplen, enum cst_audit_class cls, uint32_t offset,
                        uint64_t lost)
{
        uint32_t saved = out[pkt].caplen;
        out[pkt].caplen = caplen;
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(!cst_audit_passed(&rep));
        CHECK_EQ_U(rep.loss_packets, 1);
        CHECK_EQ_U(rep.loss[0].packet, pkt);
        CHECK_STR(cst_audit_class_name(rep.loss[0].cls), cst_audit_class_name(cls));
        CHECK_EQ_U(rep.loss[0].offset, offset);
        CHECK_EQ_U(rep.loss[0].lost_bytes, lost);
        uint64_t total = 0;
        for (int k = 0; k < CST_AC_COUNT; k++)
                total += rep.cls[k].lost;
        CHECK_EQ_U(total, lost);
        out[pkt].caplen = saved;
}

static void test_quic_classes(void)
{
        struct quic_idx x = build_quic();
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.quic_server_endpoints, 1);
        CHECK_EQ_U(rep.quic_long_packets, 3);
        CHECK_EQ_U(rep.quic_short_packets, 3);
        CHECK_EQ_U(rep.cls[CST_AC_QUIC_LONG].needed, 1200 + 500);
        /* client -> server: 1 + server CID (6); server -> client: 1 + client CID (5) */
        CHECK_EQ_U(rep.cls[CST_AC_QUIC_SHORT_FIRST].needed, 7 + 6 + 7);
        CHECK_EQ_U(rep.quic_short_body_bytes, 93 + 994 + 93);
        CHECK_EQ_U(rep.cls[CST_AC_OTHER_UDP].needed, 40);
        CHECK_EQ_U(rep.cls[CST_AC_WHOLE_PACKET].needed, 42);
        expect_loss(x.initial, UDP_PAYLOAD + 100, CST_AC_QUIC_LONG, UDP_PAYLOAD + 100, 1100);
        expect_loss(x.server_initial, UDP_PAYLOAD + 400, CST_AC_QUIC_LONG, UDP_PAYLOAD + 400, 100);
        expect_loss(x.c_short, UDP_PAYLOAD + 5, CST_AC_QUIC_SHORT_FIRST, UDP_PAYLOAD + 5, 2);
        expect_loss(x.s_short, UDP_PAYLOAD + 5, CST_AC_QUIC_SHORT_FIRST, UDP_PAYLOAD + 5, 1);
        expect_loss(x.migrated, UDP_PAYLOAD + 1, CST_AC_QUIC_SHORT_FIRST, UDP_PAYLOAD + 1, 6);
        expect_loss(x.dns, UDP_PAYLOAD + 39, CST_AC_OTHER_UDP, UDP_PAYLOAD + 39, 1);
        expect_loss(x.dns, 30, CST_AC_HEADERS, 30, 12 + 40);
        expect_loss(x.arp, 41, CST_AC_WHOLE_PACKET, 41, 1);
        /* the oracle cut passes */
        out[x.c_short].caplen = out[x.migrated].caplen = UDP_PAYLOAD + 7;
        out[x.s_short].caplen = UDP_PAYLOAD + 6;
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK(rep.efficiency_pct > 99.999 && rep.efficiency_pct < 100.001);
}

/* Issue 17 item 5: the same datagrams after a look-alike Initial (a valid
 * long header, random contents) are not QUIC: every payload byte needed. */
static void test_quic_fake_initial(void)
{
        fake_initial = true;
        struct quic_idx x = build_quic();
        fake_initial = false;
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK_EQ_U(rep.quic_server_endpoints, 0);
        CHECK_EQ_U(rep.quic_initials_proven, 0);
        CHECK_EQ_U(rep.quic_initials_unproven, 1);
        CHECK_EQ_U(rep.quic_long_packets, 0);
        CHECK_EQ_U(rep.quic_short_packets, 0);
        CHECK_EQ_U(rep.cls[CST_AC_OTHER_UDP].needed, 1200 + 500 + 100 + 1000 + 100 + 40);
        CHECK_EQ_U(rep.oracle_saved_pct, 0);
        expect_loss(x.c_short, UDP_PAYLOAD + 7, CST_AC_OTHER_UDP, UDP_PAYLOAD + 7, 93);
        /* the proven capture has the counters the other way round */
        build_quic();
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK_EQ_U(rep.quic_initials_proven, 1);
        CHECK_EQ_U(rep.quic_initials_unproven, 0);
}

/* A UDP GSO super-frame: three short-header datagrams captured as one. */
static void test_quic_gso_super_frame(void)
{
        uint8_t b[1500];
        build_quic();
        for (int k = 0; k < 3; k++) {
                quic_short(b + 300 * k, 300);
                memset(b + 300 * k + 1, 0xC7, 6); /* the server's CID */
        }
        size_t gso = udp(&in, 1, 50000, 2, 443, b, 900);
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK_EQ_U(rep.quic_short_packets, 3 + 3);
        CHECK_EQ_U(rep.cls[CST_AC_QUIC_SHORT_FIRST].needed, 7 + 6 + 7 + 3 * 7);
        /* the third segment's header is needed: cutting after the second loses it */
        expect_loss(gso, UDP_PAYLOAD + 603, CST_AC_QUIC_SHORT_FIRST, UDP_PAYLOAD + 603, 4);
}

static void test_quic_short_keep_option(void)
{
        struct quic_idx x = build_quic();
        struct cst_audit_options opt;
        cst_audit_options_default(&opt);
        opt.quic_short_keep = 32;
        char err[CST_ERRBUF];
        out[x.c_short].caplen = UDP_PAYLOAD + 7;
        CHECK(cst_audit_packets(CST_LINK_ETHERNET, in.p, in.n, out, in.n, &opt, &rep, err) == 0);
        CHECK_EQ_U(rep.loss_packets, 1);
        CHECK_EQ_U(rep.cls[CST_AC_QUIC_SHORT_FIRST].lost, 25);
        opt.keep_record_bytes = 4;
        CHECK(cst_audit_packets(CST_LINK_ETHERNET, in.p, in.n, out, in.n, &opt, &rep, err) ==
              CST_EFATAL);
        CHECK(strstr(err, "keep-record-bytes") != NULL);
}

static void test_invariants(void)
{
        static uint8_t other[CAP_MAX][FRAME_MAX];
        build_quic();
        /* packet count: the output misses the last packet */
        CHECK(run_audit(&in, out, in.n - 1, &rep) == 0);
        CHECK_EQ_U(rep.invariant_violations, 1);
        CHECK_EQ_U(rep.invariant[0].kind, CST_AI_PACKET_COUNT);
        CHECK_EQ_U(rep.invariant[0].got, in.n - 1);
        CHECK_EQ_U(rep.invariant[0].want, in.n);
        CHECK_EQ_U(rep.loss_packets, 1); /* its bytes are lost as well */
        out[2].ts_ns += 1;
        out[3].origlen += 1;
        memcpy(other[4], in.buf[4], FRAME_MAX);
        other[4][45] ^= 1; /* inside the DCID */
        out[4].data = other[4];
        memcpy(other[5], in.buf[5], FRAME_MAX);
        out[5].data = other[5];
        out[5].caplen += 10; /* longer than its input */
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(!cst_audit_passed(&rep));
        CHECK_EQ_U(rep.invariant_violations, 4);
        CHECK_EQ_U(rep.invariant[0].kind, CST_AI_TIMESTAMP);
        CHECK_EQ_U(rep.invariant[0].packet, 2);
        CHECK_EQ_U(rep.invariant[1].kind, CST_AI_ORIGLEN);
        CHECK_EQ_U(rep.invariant[1].packet, 3);
        CHECK_EQ_U(rep.invariant[2].kind, CST_AI_NOT_PREFIX);
        CHECK_EQ_U(rep.invariant[2].packet, 4);
        CHECK_EQ_U(rep.invariant[2].offset, 45);
        CHECK_EQ_U(rep.invariant[3].kind, CST_AI_NOT_PREFIX);
        CHECK_EQ_U(rep.invariant[3].packet, 5);
        CHECK_EQ_U(rep.invariant[3].offset, in.p[5].caplen);
        /* a changed byte counts as lost from there on */
        CHECK_EQ_U(rep.loss_packets, 1);
        CHECK_EQ_U(rep.loss[0].packet, 4);
        CHECK_EQ_U(rep.loss[0].offset, 45);
}

/* The audit's own layer walk: QinQ + IPv6 with a hop-by-hop header, raw IP,
 * SLL2, an IPv4 fragment; a ClientHello proves each TCP connection TLS. */
static void test_layers(void)
{
        static uint8_t f[4][200];
        struct cst_packet p[4];
        struct cst_audit_report r;
        char err[CST_ERRBUF];
        uint8_t hello[64];
        tls_hello(hello, 1, 59);
        memset(p, 0, sizeof(p));
        /* Ethernet, 802.1ad + 802.1Q, IPv6, hop-by-hop (8 bytes), TCP */
        uint8_t *e = f[0];
        put16(e + 12, 0x88A8), put16(e + 16, 0x8100), put16(e + 20, 0x86DD);
        uint8_t *ip6 = e + 22;
        ip6[0] = 0x60;
        put16(ip6 + 4, 8 + 20 + 64);
        ip6[6] = 0; /* hop-by-hop */
        ip6[40] = 6;
        uint8_t *t = ip6 + 48;
        put16(t, 40000), put16(t + 2, 443), t[12] = 0x50, t[13] = 0x18;
        memcpy(t + 20, hello, 64);
        p[0].data = e;
        p[0].caplen = p[0].origlen = 22 + 48 + 20 + 64;
        uint32_t hdr6 = 22 + 48 + 20;
        CHECK(cst_audit_packets(CST_LINK_ETHERNET, p, 1, p, 1, NULL, &r, err) == 0);
        CHECK_EQ_U(r.tls_proven_by_hello, 1);
        CHECK_EQ_U(r.cls[CST_AC_HEADERS].needed, hdr6);
        CHECK_EQ_U(r.cls[CST_AC_TLS_HANDSHAKE].needed, 59);
        /* raw IPv4 (DLT 101) with TCP; SLL2 with IPv4 TCP; an IPv4 fragment */
        for (int k = 1; k <= 3; k++) {
                uint32_t l3 = k == 2 ? 20 : 0;
                uint8_t *ip = f[k] + l3;
                if (k == 2)
                        put16(f[k], 0x0800);
                ip[0] = 0x45;
                put16(ip + 2, 20 + 20 + 64);
                ip[9] = 6;
                ip[15] = (uint8_t)k; /* distinct sources: distinct connections */
                if (k == 3)
                        put16(ip + 6, 0x2000); /* more fragments */
                t = ip + 20;
                put16(t, 40000), put16(t + 2, 443), t[12] = 0x50, t[13] = 0x18;
                memcpy(t + 20, hello, 64);
                p[k].data = f[k];
                p[k].caplen = p[k].origlen = l3 + 104;
        }
        CHECK(cst_audit_packets(CST_LINK_RAW, p + 1, 1, p + 1, 1, NULL, &r, err) == 0);
        CHECK_EQ_U(r.tls_proven_by_hello, 1);
        CHECK_EQ_U(r.cls[CST_AC_HEADERS].needed, 40);
        CHECK(cst_audit_packets(CST_LINK_LINUX_SLL2, p + 2, 1, p + 2, 1, NULL, &r, err) == 0);
        CHECK_EQ_U(r.tls_proven_by_hello, 1);
        CHECK_EQ_U(r.cls[CST_AC_HEADERS].needed, 60);
        CHECK(cst_audit_packets(CST_LINK_RAW, p + 3, 1, p + 3, 1, NULL, &r, err) == 0);
        CHECK_EQ_U(r.tcp_connections, 0);
        CHECK_EQ_U(r.cls[CST_AC_WHOLE_PACKET].needed, 104);
        /* an unknown link type: whole packets */
        CHECK(cst_audit_packets(147, p + 1, 1, p + 1, 1, NULL, &r, err) == 0);
        CHECK_EQ_U(r.cls[CST_AC_WHOLE_PACKET].needed, 104);
}

static int write_pcap(const char *path, const struct cap *c)
{
        FILE *f = fopen(path, "wb");
        if (!f)
                return -1;
        uint8_t h[24] = {0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0};
        h[16] = 0xFF, h[17] = 0xFF, h[20] = 1; /* snaplen 65535, Ethernet */
        fwrite(h, 1, sizeof(h), f);
        for (size_t i = 0; i < c->n; i++) {
                uint32_t r[4] = {(uint32_t)(c->p[i].ts_ns / 1000000000u),
                                 (uint32_t)(c->p[i].ts_ns % 1000000000u / 1000u), c->p[i].caplen,
                                 c->p[i].origlen};
                fwrite(r, 4, 4, f); /* little-endian host */
                fwrite(c->p[i].data, 1, c->p[i].caplen, f);
        }
        return fclose(f);
}

static void test_files(void)
{
        const char *tmp = getenv("CST_TMP");
        char a[512], b[512], err[CST_ERRBUF] = "";
        snprintf(a, sizeof(a), "%s/audit_a.pcap", tmp ? tmp : "/tmp");
        snprintf(b, sizeof(b), "%s/audit_missing.pcap", tmp ? tmp : "/tmp");
        if (tmp)
                mkdir(tmp, 0777);
        build_quic();
        for (size_t i = 0; i < in.n; i++)
                in.p[i].ts_ns = 1000000000ull * (i + 1) + 1000u * i; /* µs resolution */
        CHECK(write_pcap(a, &in) == 0);
        CHECK(cst_audit_files(a, a, NULL, &rep, err) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.packets_original, in.n);
        CHECK_EQ_U(rep.quic_server_endpoints, 1);
        CHECK(cst_audit_files(a, b, NULL, &rep, err) == CST_EFATAL);
        CHECK(strstr(err, "audit_missing.pcap") != NULL);
}

int main(void)
{
        qi = quic_initial_or_exit();
        test_quic_classes();
        test_quic_fake_initial();
        test_quic_gso_super_frame();
        test_quic_short_keep_option();
        test_invariants();
        test_layers();
        test_files();
        quic_initial_free(qi);
        return check_summary("test_audit_misc");
}
