/*
 * gen_flows — write a classic PCAP (LE, µs, Ethernet) with N short flows,
 * each a single packet that makes the policy keep state: even flows are a
 * TCP segment carrying a TLS ClientHello record (TLS state in both
 * directions), odd flows a UDP datagram with a QUIC v1 Initial (a QUIC
 * connection).  Every flow has its own 4-tuple; no flow ends, so a bounded
 * flow table must evict.  Timestamps advance 1 µs per packet.
 *
 *   gen_flows OUT.pcap N
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void be16(uint8_t *b, uint32_t v)
{
        b[0] = (uint8_t)(v >> 8);
        b[1] = (uint8_t)v;
}

static void le32(uint8_t *b, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                b[i] = (uint8_t)(v >> (8 * i));
}

/* Ethernet + IPv4 + (TCP + TLS ClientHello record | UDP + QUIC Initial), 96 bytes. */
static uint32_t build(uint8_t *f, uint32_t i)
{
        int tcp = (i & 1) == 0;
        uint32_t l4 = tcp ? 20 : 8, pl = 42, len = 14 + 20 + l4 + pl;
        memset(f, 0, len);
        f[0] = 2;
        f[6] = 4;
        be16(f + 12, 0x0800);
        uint8_t *ip = f + 14;
        ip[0] = 0x45;
        be16(ip + 2, 20 + l4 + pl);
        ip[8] = 64;
        ip[9] = tcp ? 6 : 17;
        uint32_t src = 0x0a000000u + (i >> 4); /* 10.x.y.z, 16 source ports each */
        for (int k = 0; k < 4; k++)
                ip[12 + k] = (uint8_t)(src >> (24 - 8 * k));
        ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = 1;
        uint8_t *t = ip + 20;
        be16(t, 40000 + (i & 15));
        be16(t + 2, 443);
        uint8_t *p = t + l4;
        if (tcp) {
                be16(t + 4, 1); /* seq */
                t[12] = 0x50;
                t[13] = 0x18;
                p[0] = 0x16, p[1] = 3, p[2] = 1; /* Handshake record, ClientHello */
                be16(p + 3, pl - 5);
                p[5] = 1;
        } else {
                be16(t + 4, 8 + pl);
                p[0] = 0xc3;                      /* long header, Initial */
                p[4] = 1;                         /* version 1 */
                p[5] = 8;                         /* DCID length */
                p[14] = 4;                        /* SCID length */
                le32(p + 15, i);                  /* SCID */
                p[19] = 0;                        /* token length */
                be16(p + 20, 0x4000 | (pl - 22)); /* Length: to the end */
        }
        return len;
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: gen_flows OUT.pcap N\n");
                return 2;
        }
        FILE *out = fopen(argv[1], "wb");
        if (!out) {
                perror(argv[1]);
                return 1;
        }
        static char iobuf[1 << 20];
        setvbuf(out, iobuf, _IOFBF, sizeof(iobuf));
        uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
        uint8_t gh[24] = {0};
        le32(gh, 0xa1b2c3d4u);
        gh[4] = 2, gh[6] = 4;
        le32(gh + 16, 65535);
        le32(gh + 20, 1);
        fwrite(gh, 1, sizeof(gh), out);
        uint8_t rec[16 + 128];
        for (uint32_t i = 0; i < n; i++) {
                uint32_t len = build(rec + 16, i);
                uint64_t us = 1700000000ull * 1000000u + i;
                le32(rec, (uint32_t)(us / 1000000u));
                le32(rec + 4, (uint32_t)(us % 1000000u));
                le32(rec + 8, len);
                le32(rec + 12, len);
                fwrite(rec, 1, 16 + len, out);
        }
        if (fclose(out) != 0) {
                perror(argv[1]);
                return 1;
        }
        return 0;
}
