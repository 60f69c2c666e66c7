/*
 * gen_midstream — write one crafted capture (classic PCAP, Ethernet) of TCP
 * connections on port 443 already open when the capture starts (no SYN, no
 * handshake), for `track` under issue 21:
 *   42000  AppData records of 3000 bytes; one segment inside every record body
 *          never captured: the chain of headers runs across the gaps;
 *   42001  120 KiB in which every second record header is lost (capture
 *          holes), so no three consecutive headers exist, then clean records:
 *          provable only after the first 96 KiB;
 *   42002  the segment holding a header arrives late (retransmission after two
 *          later records): the chain is completed by old bytes;
 *   42003  the client sends two small records, the server a long chain: the
 *          server's chain proves the connection, the client's third record is
 *          cut;
 *   42004  not TLS: pseudo-random bytes both ways with accidental `17 03 03`
 *          headers, some chained in pairs (a length pointing exactly at
 *          another), across segment gaps too, never three in a row.
 *
 *   gen_midstream OUT.pcap
 */
#define TF_NO_ENGINE
#include "../unit/flow_build.h"

#include <stdio.h>

#define STREAM_MAX (400u * 1024u)
#define SEG        1000u

static uint8_t st[2][STREAM_MAX];
static uint32_t st_len[2];
static uint32_t rng = 0x2545f491u;

static uint32_t rnd(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
}

/* An AppData record of `len` pseudo-random bytes (ciphertext-like) at the end of stream d. */
static uint32_t rec(int d, uint32_t len)
{
        uint32_t at = st_len[d];
        uint8_t *b = st[d] + at;
        b[0] = 0x17;
        b[1] = 3;
        b[2] = 3;
        tf_be16(b + 3, len);
        for (uint32_t i = 0; i < len; i++)
                b[5 + i] = (uint8_t)rnd();
        st_len[d] += 5 + len;
        return at;
}

static void filler(int d, uint32_t len)
{
        for (uint32_t i = 0; i < len; i++)
                st[d][st_len[d]++] = (uint8_t)rnd();
}

/* Send stream bytes [off, off + len) of direction d (sequence number base + off). */
static void put(struct tflow *f, int d, uint32_t base, uint32_t off, uint32_t len)
{
        tf_tcp_at(f, d, base + off, 0x18, st[d] + off, len);
}

static void reset(void)
{
        st_len[0] = st_len[1] = 0;
}

static bool header_in(uint32_t hdr, uint32_t off, uint32_t len)
{
        return hdr + 5 > off && hdr < off + len;
}

static void flow_gap_in_body(struct tflow *f)
{
        reset();
        filler(1, 700); /* the tail of a record begun before the capture */
        uint32_t hdr[12];
        for (int i = 0; i < 12; i++)
                hdr[i] = rec(1, 3000);
        uint32_t base = f->seq[1];
        bool prev_hdr = false;
        for (uint32_t off = 0; off < st_len[1]; off += SEG) {
                uint32_t len = st_len[1] - off < SEG ? st_len[1] - off : SEG;
                bool has_hdr = false;
                for (int i = 0; i < 12; i++)
                        has_hdr |= header_in(hdr[i], off, len);
                /* the first header-free segment after each header is never captured */
                bool lost = !has_hdr && prev_hdr;
                prev_hdr = has_hdr;
                if (!lost)
                        put(f, 1, base, off, len);
        }
        tf_tcp_at(f, 0, f->seq[0], 0x10, NULL, 0);
}

static void flow_late_proof(struct tflow *f)
{
        reset();
        filler(1, 300);
        uint32_t hdr[64];
        int n = 0;
        while (st_len[1] < 120u * 1024u)
                hdr[n++] = rec(1, 4000);
        int lossy = n;
        for (int i = 0; i < 12; i++)
                hdr[n++] = rec(1, 4000);
        uint32_t base = f->seq[1];
        for (uint32_t off = 0; off < st_len[1]; off += SEG) {
                uint32_t len = st_len[1] - off < SEG ? st_len[1] - off : SEG;
                bool drop = false;
                for (int i = 1; i < lossy; i += 2) /* every second header of the lossy part */
                        drop |= header_in(hdr[i], off, len);
                if (!drop)
                        put(f, 1, base, off, len);
        }
}

static void flow_late_header(struct tflow *f)
{
        reset();
        filler(1, 200);
        uint32_t h[6];
        for (int i = 0; i < 6; i++)
                h[i] = rec(1, 2500);
        uint32_t base = f->seq[1];
        /* segments of 1000 bytes; the one holding h[1] arrives after h[3]'s */
        uint32_t late = h[1] / SEG * SEG, sent_late = 0;
        for (uint32_t off = 0; off < st_len[1]; off += SEG) {
                uint32_t len = st_len[1] - off < SEG ? st_len[1] - off : SEG;
                if (off == late)
                        continue;
                put(f, 1, base, off, len);
                if (!sent_late && header_in(h[3], off, len)) {
                        put(f, 1, base, late, SEG);
                        sent_late = 1;
                }
        }
}

static void flow_peer_proves(struct tflow *f)
{
        reset();
        filler(0, 40);
        uint32_t c1 = rec(0, 300), c2 = rec(0, 280);
        filler(1, 500);
        for (int i = 0; i < 8; i++)
                rec(1, 3000);
        uint32_t c3 = rec(0, 2000);
        uint32_t b0 = f->seq[0], b1 = f->seq[1];
        put(f, 0, b0, 0, c1);
        put(f, 0, b0, c1, c2 - c1);
        put(f, 0, b0, c2, c3 - c2);
        for (uint32_t off = 0; off < st_len[1]; off += SEG)
                put(f, 1, b1, off, st_len[1] - off < SEG ? st_len[1] - off : SEG);
        put(f, 0, b0, c3, st_len[0] - c3);
}

/* A header `17 03 03 LL LL` at p; returns its strict-AppData chain length from p. */
static int chain_at(int d, uint32_t p)
{
        int n = 0;
        while (p + 5 <= st_len[d]) {
                const uint8_t *b = st[d] + p;
                uint32_t len = (uint32_t)(b[3] << 8 | b[4]);
                if (!(b[0] == 0x17 && b[1] == 3 && b[2] >= 1 && b[2] <= 4 && len >= 1 &&
                      len <= 16384 + 2048))
                        break;
                n++;
                p += 5 + len;
        }
        return n;
}

static int flow_not_tls(struct tflow *f)
{
        reset();
        for (int d = 0; d < 2; d++) {
                while (st_len[d] < 150u * 1024u) {
                        filler(d, 200 + rnd() % 900);
                        uint32_t len = 20 + rnd() % 700;
                        rec(d, len);     /* an accidental header ... */
                        if (rnd() % 2) { /* ... whose length points at another */
                                rec(d, 20 + rnd() % 300);
                                st[d][st_len[d]++] = 0x42; /* and nothing after it */
                        }
                }
        }
        for (int d = 0; d < 2; d++) /* never three in a row (that would prove TLS) */
                for (uint32_t p = 0; p + 5 <= st_len[d]; p++)
                        if (chain_at(d, p) >= 3) {
                                fprintf(stderr, "gen_midstream: accidental chain of 3 at %u\n", p);
                                return 1;
                        }
        uint32_t b0 = f->seq[0], b1 = f->seq[1];
        for (uint32_t off = 0, k = 0; off < st_len[1] || off < st_len[0]; off += SEG, k++) {
                for (int d = 1; d >= 0; d--) {
                        if (off >= st_len[d] || k % 9 == 4) /* every 9th segment lost */
                                continue;
                        uint32_t len = st_len[d] - off < SEG ? st_len[d] - off : SEG;
                        put(f, d, d ? b1 : b0, off, len);
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        pcap_t *dead;
        int status;
        pcap_dumper_t *d = tf_gen_open(argc, argv, "gen_midstream", &dead, &status);
        if (!d)
                return status;
        static struct tflow f;
        uint64_t ts = 0;
        int rc = 0;
        for (unsigned i = 0; i < 5; i++) {
                tf_init(&f, NULL, false, (uint16_t)(42000 + i));
                f.seq[0] = 0xfffff000u + i * 7919u; /* wraps inside the flow */
                f.seq[1] = 0x7ffff800u + i * 104729u;
                f.ts_ns += ts;
                f.dump = d;
                switch (i) {
                case 0:
                        flow_gap_in_body(&f);
                        break;
                case 1:
                        flow_late_proof(&f);
                        break;
                case 2:
                        flow_late_header(&f);
                        break;
                case 3:
                        flow_peer_proves(&f);
                        break;
                default:
                        rc = flow_not_tls(&f);
                        break;
                }
                ts = f.ts_ns - 1700000000ull * 1000000000ull;
        }
        pcap_dump_close(d);
        pcap_close(dead);
        return rc;
}
