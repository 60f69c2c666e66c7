/*
 * Test helper: craft TCP/UDP conversations as Ethernet frames and feed them
 * to the engine one by one (optionally also into a pcap file, so the same
 * crafted capture can be replayed through the CLI and tshark).
 */
#ifndef CST_TEST_FLOW_BUILD_H
#define CST_TEST_FLOW_BUILD_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#define TF_MAX_FRAME   70000u
#define TF_ETH_IP4_TCP 54u /* 14 + 20 + 20 */

struct tflow {
        cst_engine *eng;
        bool v6;
        uint8_t cli[16], srv[16];
        uint16_t cport, sport;
        uint32_t seq[2]; /* next sequence number per direction (0: client->server) */
        uint64_t ts_ns;
        pcap_dumper_t *dump;
        uint8_t frame[TF_MAX_FRAME];
        uint32_t payload_off; /* of the last frame */
        struct cst_verdict v; /* of the last frame */
};

static inline void tf_init(struct tflow *f, cst_engine *eng, bool v6, uint16_t cport)
{
        memset(f, 0, sizeof(*f));
        f->eng = eng;
        f->v6 = v6;
        f->cport = cport;
        f->sport = 443;
        if (v6) {
                static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, 0, 0,
                                               0,    0,    0,    0,    0, 0,    0, 1};
                static const uint8_t s6[16] = {0x2a, 0x00, 0x14, 0x50, 0x40, 0x0f, 0x08, 0x05,
                                               0,    0,    0,    0,    0,    0,    0x20, 0x0e};
                memcpy(f->cli, c6, 16);
                memcpy(f->srv, s6, 16);
        } else {
                static const uint8_t c4[4] = {10, 0, 0, 1}, s4[4] = {192, 0, 2, 7};
                memcpy(f->cli, c4, 4);
                memcpy(f->srv, s4, 4);
        }
        f->seq[0] = 1000;
        f->seq[1] = 500000;
        f->ts_ns = 1700000000ull * 1000000000ull;
}

static inline void tf_be16(uint8_t *b, uint32_t v)
{
        b[0] = (uint8_t)(v >> 8);
        b[1] = (uint8_t)v;
}

static inline void tf_be32(uint8_t *b, uint32_t v)
{
        tf_be16(b, v >> 16);
        tf_be16(b + 2, v);
}

/* Build the frame of one segment/datagram; returns the frame length. */
static inline uint32_t tf_build(struct tflow *f, int dir, uint8_t proto, uint32_t seq,
                                uint8_t flags, const uint8_t *pl, uint32_t len)
{
        uint8_t *b = f->frame;
        unsigned alen = f->v6 ? 16 : 4, l4 = proto == 6 ? 20 : 8, ip = f->v6 ? 40 : 20;
        memset(b, 0, 14 + ip + l4);
        b[0] = 2;
        b[6] = 4;
        tf_be16(b + 12, f->v6 ? 0x86dd : 0x0800);
        uint8_t *h = b + 14;
        const uint8_t *src = dir ? f->srv : f->cli, *dst = dir ? f->cli : f->srv;
        if (f->v6) {
                h[0] = 0x60;
                tf_be16(h + 4, l4 + len);
                h[6] = proto;
                h[7] = 64;
                memcpy(h + 8, src, alen);
                memcpy(h + 24, dst, alen);
        } else {
                h[0] = 0x45;
                tf_be16(h + 2, 20 + l4 + len);
                h[8] = 64;
                h[9] = proto;
                memcpy(h + 12, src, alen);
                memcpy(h + 16, dst, alen);
        }
        uint8_t *t = h + ip;
        tf_be16(t, dir ? f->sport : f->cport);
        tf_be16(t + 2, dir ? f->cport : f->sport);
        if (proto == 6) {
                tf_be32(t + 4, seq);
                tf_be32(t + 8, f->seq[dir ^ 1]);
                t[12] = 0x50;
                t[13] = flags;
                tf_be16(t + 14, 65535);
        } else {
                tf_be16(t + 4, 8 + len);
        }
        f->payload_off = 14 + ip + l4;
        if (len)
                memcpy(b + f->payload_off, pl, len);
        return f->payload_off + len;
}

static inline uint32_t tf_feed(struct tflow *f, uint32_t n)
{
        struct cst_packet p = {.data = f->frame,
                               .caplen = n,
                               .origlen = n,
                               .ts_ns = f->ts_ns,
                               .linktype = CST_LINK_ETHERNET};
        f->ts_ns += 1000000;
        f->v.keep_len = n;
#ifndef TF_NO_ENGINE /* capture generators only write the frames */
        cst_engine_process(f->eng, &p, &f->v);
#endif
        if (f->dump) {
                struct pcap_pkthdr h = {.caplen = n, .len = n};
                h.ts.tv_sec = (time_t)(p.ts_ns / 1000000000u);
                h.ts.tv_usec = (suseconds_t)(p.ts_ns % 1000000000u / 1000u);
                pcap_dump((u_char *)f->dump, &h, f->frame);
        }
        return f->v.keep_len > f->payload_off ? f->v.keep_len - f->payload_off : 0;
}

/* Send a TCP segment at an explicit sequence number; returns the payload bytes kept. */
static inline uint32_t tf_tcp_at(struct tflow *f, int dir, uint32_t seq, uint8_t flags,
                                 const uint8_t *pl, uint32_t len)
{
        return tf_feed(f, tf_build(f, dir, 6, seq, flags, pl, len));
}

/* Send the next in-order TCP segment of direction dir (ACK|PSH). */
static inline uint32_t tf_tcp(struct tflow *f, int dir, const uint8_t *pl, uint32_t len)
{
        uint32_t kept = tf_tcp_at(f, dir, f->seq[dir], 0x18, pl, len);
        f->seq[dir] += len;
        return kept;
}

static inline void tf_handshake(struct tflow *f)
{
        tf_tcp_at(f, 0, f->seq[0]++, 0x02, NULL, 0);
        tf_tcp_at(f, 1, f->seq[1]++, 0x12, NULL, 0);
        tf_tcp_at(f, 0, f->seq[0], 0x10, NULL, 0);
}

static inline uint32_t tf_udp(struct tflow *f, int dir, const uint8_t *pl, uint32_t len)
{
        return tf_feed(f, tf_build(f, dir, 17, 0, 0, pl, len));
}

/* Append a TLS record (header + `len` filler bytes) to buf at *n. */
static inline void tls_rec(uint8_t *buf, uint32_t *n, uint8_t type, uint16_t ver, uint32_t len)
{
        buf[*n] = type;
        tf_be16(buf + *n + 1, ver);
        tf_be16(buf + *n + 3, len);
        for (uint32_t i = 0; i < len; i++)
                buf[*n + 5 + i] = (uint8_t)(0x5a + i * 7);
        *n += 5 + len;
}

/* A plaintext handshake record whose first message has type mt. */
static inline void tls_hs(uint8_t *buf, uint32_t *n, uint8_t mt, uint32_t len)
{
        uint32_t at = *n;
        tls_rec(buf, n, 0x16, 0x0303, len);
        buf[at + 5] = mt;
}

/*
 * A generator's output, `prog OUT.pcap`: the dumper, or NULL after a one-line
 * error (*status 2 for usage, 1 when OUT cannot be written).  Close *dead
 * after the dumper.
 */
static inline pcap_dumper_t *tf_gen_open(int argc, char **argv, const char *prog, pcap_t **dead,
                                         int *status)
{
        *dead = NULL;
        *status = 2;
        if (argc != 2) {
                fprintf(stderr, "usage: %s OUT.pcap\n", prog);
                return NULL;
        }
        *status = 1;
        *dead = pcap_open_dead(DLT_EN10MB, 262144);
        pcap_dumper_t *d = *dead ? pcap_dump_open(*dead, argv[1]) : NULL;
        if (!d)
                fprintf(stderr, "cannot write %s\n", argv[1]);
        return d;
}

#endif
