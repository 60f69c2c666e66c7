/*
 * gen_crafted — write one crafted capture (classic PCAP, Ethernet) holding
 * the policy's test scenarios as separate flows, for the CLI + tshark test:
 * TLS 1.3 with a 16 KiB record in 12 segments, TLS 1.2 with a multi-segment
 * Certificate, record headers split at offsets 1..4, [AppData][Alert],
 * reordering, a retransmission, a mid-connection start, a TSO ClientHello
 * (IPv4 total length 0), a bogus record header after a gap (SPEC 6 item 1),
 * QUIC with coalesced packets (IPv6), and a DNS response on UDP/443.
 *
 *   gen_crafted OUT.pcap
 */
#define TF_NO_ENGINE
#include "../unit/flow_build.h"

#include <stdio.h>

static uint8_t buf[70000];

static void tls13_open(struct tflow *f, bool tso_hello)
{
        uint32_t n = 0;
        tf_handshake(f);
        tls_hs(buf, &n, 1, 512);
        if (tso_hello) { /* a TSO frame: IPv4 total length 0 */
                uint32_t len = tf_build(f, 0, 6, f->seq[0], 0x18, buf, n);
                f->frame[16] = f->frame[17] = 0;
                tf_feed(f, len);
                f->seq[0] += n;
        } else {
                tf_tcp(f, 0, buf, n);
        }
        n = 0;
        tls_hs(buf, &n, 2, 90);
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        tls_rec(buf, &n, 0x17, 0x0303, 1000);
        tf_tcp(f, 1, buf, n);
        n = 0;
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        tls_rec(buf, &n, 0x17, 0x0303, 53);
        tf_tcp(f, 0, buf, n);
}

static void tls_close(struct tflow *f)
{
        tf_tcp_at(f, 0, f->seq[0]++, 0x11, NULL, 0);
        tf_tcp_at(f, 1, f->seq[1]++, 0x11, NULL, 0);
        tf_tcp_at(f, 0, f->seq[0], 0x10, NULL, 0);
}

static void flow_16k(struct tflow *f)
{
        tls13_open(f, false);
        uint32_t n = 0, off = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 16384);
        for (int s = 0; s < 12; s++) {
                uint32_t len = s < 11 ? 1366 : n - off;
                tf_tcp(f, 1, buf + off, len);
                off += len;
        }
        n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 200);
        tls_rec(buf, &n, 0x15, 0x0303, 2); /* [AppData][Alert] */
        tf_tcp(f, 1, buf, n);
        tls_close(f);
}

static void flow_tls12(struct tflow *f)
{
        tf_handshake(f);
        uint32_t n = 0, off = 0;
        tls_hs(buf, &n, 1, 300);
        buf[2] = 0x01;
        tf_tcp(f, 0, buf, n);
        n = 0;
        tls_hs(buf, &n, 2, 80);
        tls_hs(buf, &n, 11, 3200);
        tls_hs(buf, &n, 14, 0);
        while (off < n) {
                uint32_t len = n - off < 1400 ? n - off : 1400;
                tf_tcp(f, 1, buf + off, len);
                off += len;
        }
        n = 0;
        tls_hs(buf, &n, 16, 66);
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        tls_rec(buf, &n, 0x16, 0x0303, 40);
        tf_tcp(f, 0, buf, n);
        n = 0;
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        tls_rec(buf, &n, 0x16, 0x0303, 40);
        tf_tcp(f, 1, buf, n);
        n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 900);
        tf_tcp(f, 0, buf, n);
        tf_tcp(f, 1, buf, n);
        tls_close(f);
}

static void flow_split_and_reorder(struct tflow *f)
{
        tls13_open(f, true);
        for (uint32_t k = 1; k <= 4; k++) {
                uint32_t n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 100);
                tls_rec(buf, &n, 0x17, 0x0303, 100);
                tf_tcp(f, 1, buf, 105 + k);
                tf_tcp(f, 1, buf + 105 + k, n - 105 - k);
        }
        uint32_t n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 2995);
        uint32_t s0 = f->seq[1];
        tf_tcp_at(f, 1, s0, 0x18, buf, 1000);
        tf_tcp_at(f, 1, s0 + 2000, 0x18, buf + 2000, 1000);
        tf_tcp_at(f, 1, s0 + 1000, 0x18, buf + 1000, 1000);
        tf_tcp_at(f, 1, s0, 0x18, buf, 1000); /* retransmission */
        f->seq[1] = s0 + 3000;
        n = 0;
        tls_rec(buf, &n, 0x16, 0x0377, 300); /* bogus header after a gap */
        tf_be16(buf + 3, 22001);
        f->seq[1] += 4000;
        tf_tcp(f, 1, buf, 300);
        n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 400);
        tf_tcp(f, 1, buf, n);
        tls_close(f);
}

static void flow_mid_connection(struct tflow *f)
{
        uint32_t n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 3000);
        tf_tcp(f, 1, buf + 1000, 1200);
        tf_tcp(f, 1, buf, 1200);
}

static void quic_long(uint32_t *n, uint8_t type, const uint8_t *dcid, uint8_t dl,
                      const uint8_t *scid, uint8_t sl, uint32_t body)
{
        uint8_t *b = buf + *n;
        uint32_t o = 0;
        b[o++] = (uint8_t)(0xc0 | type << 4 | 0x01);
        tf_be32(b + o, 1);
        o += 4;
        b[o++] = dl;
        memcpy(b + o, dcid, dl);
        o += dl;
        b[o++] = sl;
        memcpy(b + o, scid, sl);
        o += sl;
        if (type == 0)
                b[o++] = 0;
        tf_be16(b + o, 0x4000 | body);
        o += 2;
        memset(b + o, 0x33, body);
        *n += o + body;
}

static void flow_quic(struct tflow *f)
{
        static const uint8_t c[3] = {0xaf, 2, 0x14},
                             s[8] = {0xf, 0xe8, 0x78, 0x97, 9, 0, 0xce, 0x24};
        static const uint8_t od[8] = {0xfc, 0x66, 0x4b, 0xb0, 0x15, 0x63, 0xcf, 0x93};
        uint32_t n = 0;
        quic_long(&n, 0, od, 8, c, 3, 300);
        memset(buf + n, 0, 1200 - n);
        tf_udp(f, 0, buf, 1200);
        n = 0;
        quic_long(&n, 0, c, 3, s, 8, 200);
        quic_long(&n, 2, c, 3, s, 8, 900);
        tf_udp(f, 1, buf, n);
        for (int i = 0; i < 6; i++) {
                n = 0;
                if (i == 0)
                        quic_long(&n, 2, s, 8, c, 3, 60);
                buf[n++] = 0x41;
                memcpy(buf + n, i & 1 ? c : s, i & 1 ? 3 : 8);
                n += i & 1 ? 3 : 8;
                memset(buf + n, 0x77, 1100);
                n += 1100;
                tf_udp(f, i & 1, buf, n);
        }
}

static void flow_dns_443(struct tflow *f)
{
        static const uint8_t dns[] = {
            0x81, 0x23, 0x81, 0x80, 0,   1, 0,   1,    0,    0, 0, 0,  7,   'e', 'x',
            'a',  'm',  'p',  'l',  'e', 3, 'c', 'o',  'm',  0, 0, 1,  0,   1,   0xc0,
            0x0c, 0,    1,    0,    1,   0, 0,   0x0e, 0x10, 0, 4, 93, 184, 216, 34};
        tf_udp(f, 1, dns, sizeof(dns));
}

int main(int argc, char **argv)
{
        pcap_t *dead;
        int status;
        pcap_dumper_t *d = tf_gen_open(argc, argv, "gen_crafted", &dead, &status);
        if (!d)
                return status;
        static struct tflow f;
        void (*const flows[])(struct tflow *) = {
            flow_16k,  flow_tls12,  flow_split_and_reorder, flow_mid_connection,
            flow_quic, flow_dns_443};
        uint64_t ts = 0;
        for (unsigned i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
                tf_init(&f, NULL, i == 1 || i == 4, (uint16_t)(41000 + i));
                f.ts_ns += ts;
                f.dump = d;
                flows[i](&f);
                ts = f.ts_ns - 1700000000ull * 1000000000ull;
        }
        pcap_dump_close(d);
        pcap_close(dead);
        return 0;
}
