/*
 * flowgen — in-memory TLS 1.3 flow synthesizer.
 *
 * Frames are Ethernet II / IPv4 (RFC 791, no options, valid header checksum)
 * / TCP (RFC 9293, 20-byte header, checksum left 0: nothing here checks it) /
 * TLS 1.3 records (RFC 8446 §5.1: type, legacy version 0x0303, 16-bit length).
 * The handshake is structurally valid enough for a record-layer analyser:
 * ClientHello and ServerHello with supported_versions, then the encrypted
 * flight as Application Data records, as on the wire in TLS 1.3.
 */
#include "flowgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_HDR  14
#define IP_HDR   20
#define TCP_HDR  20
#define L4_OFF   (ETH_HDR + IP_HDR)
#define PAY_OFF  (ETH_HDR + IP_HDR + TCP_HDR)
#define HS_PKTS  6
#define TCP_FIN  0x01
#define TCP_SYN  0x02
#define TCP_PSH  0x08
#define TCP_ACK  0x10
#define CH_BODY  250
#define SH_BODY  122  /* ServerHello with supported_versions + x25519 key_share */
#define EF_BODY  2200 /* encrypted EE+Certificate+CV+Finished */
#define FIN_BODY 53
#define TS_START 1700000000u

/* Per-flow addressing and sequence state while generating. */
struct flow {
        uint32_t cli_ip, srv_ip;
        uint16_t cli_port, srv_port;
        uint32_t cli_seq, srv_seq;
        uint32_t rec_len; /* records of this flow */
        uint32_t rec_pos; /* position in the current record (incl. header) */
};

/* Emission cursor: one big buffer, one view per packet. */
struct emit {
        uint8_t *buf;
        size_t len, cap;
        struct bench_capture *c;
        uint64_t pkt_index;
};

static void put16(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
        put16(p, v >> 16);
        put16(p + 2, v);
}

static uint16_t ip_checksum(const uint8_t *h)
{
        uint32_t sum = 0;
        for (int i = 0; i < IP_HDR; i += 2)
                sum += (uint32_t)h[i] << 8 | h[i + 1];
        while (sum >> 16)
                sum = (sum & 0xFFFF) + (sum >> 16);
        return (uint16_t)~sum;
}

static uint32_t xorshift(uint32_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

/* Write the Ethernet/IPv4/TCP headers of one segment with `pay` payload bytes. */
static void put_headers(uint8_t *f, const struct flow *fl, int to_server, uint8_t flags,
                        uint32_t pay)
{
        static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 1}, mac_s[6] = {0x02, 0, 0, 0, 0, 2};
        memcpy(f, to_server ? mac_s : mac_c, 6);
        memcpy(f + 6, to_server ? mac_c : mac_s, 6);
        put16(f + 12, 0x0800);
        uint8_t *ip = f + ETH_HDR;
        memset(ip, 0, IP_HDR);
        ip[0] = 0x45;
        put16(ip + 2, IP_HDR + TCP_HDR + pay);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = 6;
        put32(ip + 12, to_server ? fl->cli_ip : fl->srv_ip);
        put32(ip + 16, to_server ? fl->srv_ip : fl->cli_ip);
        put16(ip + 10, ip_checksum(ip));
        uint8_t *tcp = f + L4_OFF;
        memset(tcp, 0, TCP_HDR);
        put16(tcp, to_server ? fl->cli_port : fl->srv_port);
        put16(tcp + 2, to_server ? fl->srv_port : fl->cli_port);
        put32(tcp + 4, to_server ? fl->cli_seq : fl->srv_seq);
        put32(tcp + 8, flags & TCP_ACK ? (to_server ? fl->srv_seq : fl->cli_seq) : 0);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        put16(tcp + 14, 65535);
}

/* Reserve a frame of `len` bytes in the buffer and register its view. */
static uint8_t *frame(struct emit *e, uint32_t len)
{
        uint8_t *f = e->buf + e->len;
        struct cst_packet p = {0};
        p.data = f;
        p.caplen = p.origlen = len;
        p.ts_hi = TS_START + (uint32_t)(e->pkt_index / 1000000);
        p.ts_lo = (uint32_t)(e->pkt_index % 1000000);
        p.ts_ns = (uint64_t)p.ts_hi * 1000000000u + (uint64_t)p.ts_lo * 1000u;
        p.linktype = CST_LINK_ETHERNET;
        p.kind = CST_REC_PACKET;
        e->pkt_index++;
        e->len += (len + 7) & ~7u;
        bench_capture_push(e->c, &p);
        return f;
}

static uint8_t *tls_record(uint8_t *p, uint8_t type, uint32_t body_len)
{
        p[0] = type;
        put16(p + 1, 0x0303);
        put16(p + 3, body_len);
        memset(p + 5, 0x5A, body_len);
        return p + 5 + body_len;
}

/* ClientHello: record header, handshake header, legacy fields, supported_versions. */
static void client_hello(uint8_t *p)
{
        tls_record(p, 22, CH_BODY);
        p[1] = 3, p[2] = 1; /* record legacy version 0x0301 */
        uint8_t *h = p + 5;
        h[0] = 1;
        h[1] = 0;
        put16(h + 2, CH_BODY - 4);
        put16(h + 4, 0x0303);
        h[38] = 32; /* session id */
        put16(h + 71, 2);
        put16(h + 73, 0x1301);
        h[75] = 1, h[76] = 0;
        put16(h + 77, CH_BODY - 79);
        put16(h + 79, 0x002b), put16(h + 81, 3), h[83] = 2, put16(h + 84, 0x0304);
        put16(h + 86, 0x0015), put16(h + 88, CH_BODY - 90); /* padding */
        memset(h + 90, 0, CH_BODY - 90);
}

static void server_hello(uint8_t *p)
{
        uint8_t *h = p + 5;
        uint8_t *q = tls_record(p, 22, SH_BODY);
        h[0] = 2, h[1] = 0;
        put16(h + 2, SH_BODY - 4);
        put16(h + 4, 0x0303);
        h[38] = 32;
        put16(h + 71, 0x1301);
        h[73] = 0;
        put16(h + 74, SH_BODY - 76);
        put16(h + 76, 0x002b), put16(h + 78, 2), put16(h + 80, 0x0304);
        put16(h + 82, 0x0033), put16(h + 84, 36), put16(h + 86, 0x001d), put16(h + 88, 32);
        q = tls_record(q, 20, 1);
        q[-1] = 1;
        tls_record(q, 23, EF_BODY);
}

static void handshake_packet(struct emit *e, struct flow *fl, unsigned k)
{
        static const uint8_t flags[HS_PKTS] = {TCP_SYN,           TCP_SYN | TCP_ACK,
                                               TCP_ACK,           TCP_ACK | TCP_PSH,
                                               TCP_ACK | TCP_PSH, TCP_ACK | TCP_PSH};
        static const uint32_t pay[HS_PKTS] = {
            0, 0, 0, 5 + CH_BODY, 5 + SH_BODY + 6 + 5 + EF_BODY, 6 + 5 + FIN_BODY};
        int to_server = k != 1 && k != 4;
        uint8_t *f = frame(e, PAY_OFF + pay[k]);
        put_headers(f, fl, to_server, flags[k], pay[k]);
        if (k == 3)
                client_hello(f + PAY_OFF);
        if (k == 4)
                server_hello(f + PAY_OFF);
        if (k == 5)
                tls_record(tls_record(f + PAY_OFF, 20, 1), 23, FIN_BODY);
        uint32_t adv = pay[k] + (k < 2); /* SYN counts as one */
        if (to_server)
                fl->cli_seq += adv;
        else
                fl->srv_seq += adv;
}

/* One server→client segment carrying the continuing record stream. */
static void data_packet(struct emit *e, struct flow *fl, uint32_t seg)
{
        uint8_t *f = frame(e, PAY_OFF + seg);
        put_headers(f, fl, 0, TCP_ACK | TCP_PSH, seg);
        uint8_t *p = f + PAY_OFF;
        const uint8_t hdr[5] = {23, 3, 3, (uint8_t)(fl->rec_len >> 8), (uint8_t)fl->rec_len};
        uint32_t total = 5 + fl->rec_len;
        for (uint32_t off = 0; off < seg;) {
                if (fl->rec_pos < 5) { /* header bytes, possibly split across segments */
                        p[off++] = hdr[fl->rec_pos++];
                } else {
                        uint32_t n =
                            seg - off < total - fl->rec_pos ? seg - off : total - fl->rec_pos;
                        memset(p + off, 0xC3, n);
                        off += n;
                        fl->rec_pos += n;
                }
                if (fl->rec_pos == total)
                        fl->rec_pos = 0;
        }
        fl->srv_seq += seg;
}

static void init_flow(struct flow *fl, uint32_t i, const struct flowgen_opts *o, uint32_t *rng)
{
        static const uint32_t layouts[4] = {16384, 0, 4096, 1400};
        fl->cli_ip = 0x0A000000u | (i + 1);           /* 10.0.0.0/8 */
        fl->srv_ip = 0xC0000200u | (1 + i % 250);     /* 192.0.2.0/24 */
        fl->cli_port = (uint16_t)(32768 + i % 28000); /* ephemeral range */
        fl->srv_port = (i & 1) ? 443 : 8443;
        fl->cli_seq = xorshift(rng);
        fl->srv_seq = xorshift(rng);
        uint32_t r = o->rec_bytes ? o->rec_bytes : layouts[i % 4];
        if (r == 0) /* segment-sized records */
                r = o->seg_bytes > 5 ? o->seg_bytes - 5 : 1;
        fl->rec_len = r > 16384 + 256 ? 16384 + 256 : r;
        fl->rec_pos = 0;
}

int flowgen_build(const struct flowgen_opts *o, struct bench_capture *c, char *err)
{
        memset(c, 0, sizeof(*c));
        c->linktype = CST_LINK_ETHERNET;
        size_t per_flow = 6 * 8 + 3 * PAY_OFF + 5 + CH_BODY + PAY_OFF + 16 + SH_BODY + EF_BODY +
                          PAY_OFF + 64 +
                          (size_t)o->data_segs * ((PAY_OFF + o->seg_bytes + 7) & ~7u) + 64;
        struct emit e = {0};
        e.cap = per_flow * o->flows;
        e.buf = bench_alloc_big(e.cap);
        struct flow *fl = calloc(o->flows, sizeof(*fl));
        if (!e.buf || !fl || o->seg_bytes == 0 || o->seg_bytes > 9000) {
                snprintf(err, CST_ERRBUF, "flowgen: cannot allocate %zu bytes or bad segment size",
                         e.cap);
                free(e.buf);
                free(fl);
                return CST_EFATAL;
        }
        e.c = c;
        uint32_t rng = o->seed ? o->seed : 1;
        for (uint32_t i = 0; i < o->flows; i++)
                init_flow(&fl[i], i, o, &rng);
        for (unsigned k = 0; k < HS_PKTS; k++)
                for (uint32_t i = 0; i < o->flows; i++)
                        handshake_packet(&e, &fl[i], k);
        for (uint32_t s = 0; s < o->data_segs; s++)
                for (uint32_t i = 0; i < o->flows; i++)
                        data_packet(&e, &fl[i], o->seg_bytes);
        free(fl);
        c->buf = e.buf;
        c->buf_len = e.len;
        return c->n == (size_t)o->flows * (HS_PKTS + o->data_segs) ? 0 : CST_ENOMEM;
}
