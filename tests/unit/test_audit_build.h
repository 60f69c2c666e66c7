/*
 * Builders of small captures in memory for the audit unit tests: Ethernet +
 * IPv4 + TCP/UDP frames, TLS records, and "constricted" copies with chosen
 * cut lengths.
 */
#ifndef CST_TEST_AUDIT_BUILD_H
#define CST_TEST_AUDIT_BUILD_H

#include <stdint.h>
#include <string.h>

#include <constrictor/audit.h>
#include <constrictor/constrictor.h>

#define CAP_MAX     256
#define FRAME_MAX   2048
#define TCP_PAYLOAD 54 /* 14 + 20 + 20 */
#define UDP_PAYLOAD 42 /* 14 + 20 + 8 */

struct cap {
        struct cst_packet p[CAP_MAX];
        uint8_t buf[CAP_MAX][FRAME_MAX];
        size_t n;
};

static inline void put16(uint8_t *b, uint32_t v)
{
        b[0] = (uint8_t)(v >> 8);
        b[1] = (uint8_t)v;
}

static inline void put32(uint8_t *b, uint32_t v)
{
        put16(b, v >> 16);
        put16(b + 2, v);
}

/* Ethernet + IPv4 from 10.0.0.<a> to 10.0.0.<b>; returns the L4 offset. */
static inline uint8_t *frame(struct cap *c, uint8_t a, uint8_t b, uint8_t proto, size_t l4len)
{
        size_t i = c->n++;
        uint8_t *f = c->buf[i];
        memset(f, 0, FRAME_MAX);
        memset(f, 0x02, 12);
        put16(f + 12, 0x0800);
        f[14] = 0x45;
        put16(f + 16, (uint32_t)(20 + l4len));
        f[22] = 64;
        f[23] = proto;
        f[26] = 10, f[29] = a;
        f[30] = 10, f[33] = b;
        struct cst_packet *p = &c->p[i];
        memset(p, 0, sizeof(*p));
        p->data = f;
        p->caplen = p->origlen = (uint32_t)(34 + l4len);
        p->ts_ns = 1000000000ull + i * 1000u;
        p->linktype = CST_LINK_ETHERNET;
        return f + 34;
}

/* dir 0: client 10.0.0.1:40000 -> server 10.0.0.2:443; dir 1 the reverse. */
static inline size_t tcp(struct cap *c, int dir, uint32_t seq, uint8_t flags, const uint8_t *pl,
                         size_t len)
{
        uint8_t *t = frame(c, dir ? 2 : 1, dir ? 1 : 2, 6, 20 + len);
        put16(t, dir ? 443 : 40000);
        put16(t + 2, dir ? 40000 : 443);
        put32(t + 4, seq);
        t[12] = 5 << 4;
        t[13] = flags;
        if (len)
                memcpy(t + 20, pl, len);
        return c->n - 1;
}

static inline size_t udp(struct cap *c, uint8_t a, uint16_t sport, uint8_t b, uint16_t dport,
                         const uint8_t *pl, size_t len)
{
        uint8_t *u = frame(c, a, b, 17, 8 + len);
        put16(u, sport);
        put16(u + 2, dport);
        put16(u + 4, (uint32_t)(8 + len));
        memcpy(u + 8, pl, len);
        return c->n - 1;
}

/* A TLS record at b: type, version 3.3, body of `len` filler bytes. Returns its size. */
static inline size_t tls_record(uint8_t *b, uint8_t type, uint16_t len)
{
        b[0] = type;
        b[1] = 3;
        b[2] = 3;
        put16(b + 3, len);
        memset(b + 5, 0xAA, len);
        return 5u + len;
}

/* A handshake record holding a ClientHello (1) or ServerHello (2). */
static inline size_t tls_hello(uint8_t *b, uint8_t hs_type, uint16_t len)
{
        size_t n = tls_record(b, 0x16, len);
        b[5] = hs_type;
        b[6] = 0;
        put16(b + 7, (uint32_t)(len - 4));
        b[9] = 3;
        b[10] = 3;
        return n;
}

/* Send stream[0, len) from direction dir in segments of `mss`, starting at seq. */
static inline size_t tcp_stream(struct cap *c, int dir, uint32_t seq, const uint8_t *stream,
                                size_t len, size_t mss)
{
        size_t first = c->n;
        for (size_t off = 0; off < len; off += mss) {
                size_t n = len - off < mss ? len - off : mss;
                tcp(c, dir, seq + (uint32_t)off, 0x18, stream + off, n);
        }
        return first;
}

/* The output: a copy of the input packets (same buffers), caplens changed by the test. */
static inline void copy_cap(struct cst_packet *out, const struct cap *in)
{
        memcpy(out, in->p, in->n * sizeof(*out));
}

static inline int run_audit(const struct cap *in, const struct cst_packet *out, size_t n_out,
                            struct cst_audit_report *rep)
{
        char err[CST_ERRBUF] = "";
        struct cst_audit_options opt;
        cst_audit_options_default(&opt);
        int rc = cst_audit_packets(CST_LINK_ETHERNET, in->p, in->n, out, n_out, &opt, rep, err);
        if (rc)
                fprintf(stderr, "audit failed: %s\n", err);
        return rc;
}

#endif
