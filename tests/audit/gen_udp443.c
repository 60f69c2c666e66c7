/*
 * gen_udp443 — a crafted capture of UDP/443 traffic that is NOT QUIC (issue
 * 17 item 5), each as its own 5-tuple, one after the other:
 *
 *   - QUIC look-alikes: a client "Initial" with a valid v1 (and one v2) long
 *     header and random contents (1252 bytes, as a real client pads it),
 *     "server" long headers back, then datagrams whose first byte has the
 *     short-header form (0x40-0x7F) and a repeated 8-byte "DCID";
 *   - TURN ChannelData (RFC 8656 §12.4: channel 0x4000-0x4FFF, so the first
 *     byte is 0x40-0x4F) both ways;
 *   - DTLS 1.2 (RFC 6347 §4.1: 0x16/0x17 fe fd records);
 *   - WireGuard (handshake initiation type 1 (148 bytes), response type 2
 *     (92), transport data type 4);
 *   - OpenVPN over UDP (P_CONTROL_HARD_RESET_CLIENT_V2 0x38, P_DATA_V2 0x48:
 *     a first byte in the short-header range);
 *   - plain UDP: random payloads and a DNS-like query.
 *
 * With --with-quic it adds one real QUIC v1 connection to another server:
 * a client Initial sealed with the keys of its DCID (tests/unit/quic_seal.h),
 * a server Initial + Handshake, then short headers, and prints on stdout
 * `quic_short_body=N`: the short-header bytes after 1 + DCID (the audit's
 * "not needed" for that connection).  Everything else must stay needed.
 *
 *   gen_udp443 OUT.pcap [--with-quic]
 */
#define TF_NO_ENGINE
#include "../unit/flow_build.h"
#include "../unit/quic_seal.h"

#include <stdio.h>

static uint8_t buf[2048];
static uint32_t rng_state = 0x1234567u;

static uint32_t rnd(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 17;
        rng_state ^= rng_state << 5;
        return rng_state;
}

static void fill(uint8_t *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)rnd();
}

static uint32_t between(uint32_t lo, uint32_t hi)
{
        return lo + rnd() % (hi - lo + 1);
}

/* A long header of `version` and `type` bits with random contents to `total`. */
static uint32_t fake_long(uint32_t version, uint8_t type, uint32_t total)
{
        fill(buf, total);
        buf[0] = (uint8_t)(0xC0 | type << 4 | (buf[0] & 0x0F));
        tf_be32(buf + 1, version);
        buf[5] = 8; /* DCID length, 8 random bytes */
        buf[14] = 8;
        if ((version == QUIC_V2 && type == 1) || (version != QUIC_V2 && type == 0))
                buf[23] = 0, tf_be16(buf + 24, 0x4000 | (total - 26)); /* token 0, Length */
        else
                tf_be16(buf + 23, 0x4000 | (total - 25));
        return total;
}

/* A look-alike as a stranger crafts it to be cut: its long headers announce
 * the SCIDs its "short headers" then carry as DCIDs, both ways. */
static void fake_quic(struct tflow *f, uint32_t version)
{
        uint8_t cid[2][8]; /* [0]: the client's SCID, [1]: the server's */
        fill(cid[0], 8);
        fill(cid[1], 8);
        bool v2 = version == QUIC_V2;
        fake_long(version, v2 ? 1 : 0, 1252);
        memcpy(buf + 15, cid[0], 8);
        tf_udp(f, 0, buf, 1252);
        fake_long(version, v2 ? 3 : 2, 1200);
        memcpy(buf + 6, cid[0], 8);
        memcpy(buf + 15, cid[1], 8);
        tf_udp(f, 1, buf, 1200);
        for (int k = 0; k < 40; k++) {
                int dir = k % 3 == 2;
                uint32_t n = between(40, 1200);
                fill(buf, n);
                buf[0] = (uint8_t)(0x40 | (buf[0] & 0x3F));
                memcpy(buf + 1, cid[!dir], 8); /* to the client: its SCID */
                tf_udp(f, dir, buf, n);
        }
}

static void fake_quic_v1(struct tflow *f)
{
        fake_quic(f, QUIC_V1);
}

static void fake_quic_v2(struct tflow *f)
{
        fake_quic(f, QUIC_V2);
}

static void turn_channel_data(struct tflow *f)
{
        for (int k = 0; k < 40; k++) {
                uint32_t n = between(20, 1100);
                fill(buf, n);
                tf_be16(buf, 0x4000 | (k & 0x0FFF));
                tf_be16(buf + 2, n - 4);
                tf_udp(f, k & 1, buf, n);
        }
}

static void dtls(struct tflow *f)
{
        for (int k = 0; k < 30; k++) {
                uint32_t n = k < 4 ? between(150, 1100) : between(60, 1200);
                fill(buf, n);
                buf[0] = k < 4 ? 0x16 : 0x17;
                buf[1] = 0xFE;
                buf[2] = 0xFD;
                tf_be16(buf + 11, n - 13);
                tf_udp(f, k & 1, buf, n);
        }
}

static void wireguard(struct tflow *f)
{
        static const uint32_t sizes[2] = {148, 92};
        for (int k = 0; k < 32; k++) {
                uint32_t n = k < 2 ? sizes[k] : between(32, 1200);
                fill(buf, n);
                buf[0] = k < 2 ? (uint8_t)(k + 1) : 4;
                buf[1] = buf[2] = buf[3] = 0;
                tf_udp(f, k & 1, buf, n);
        }
}

static void openvpn(struct tflow *f)
{
        for (int k = 0; k < 32; k++) {
                uint32_t n = k < 2 ? 54 : between(40, 1200);
                fill(buf, n);
                buf[0] = k == 0 ? 0x38 : k == 1 ? 0x40 : 0x48; /* hard reset, its reply, data */
                tf_udp(f, k & 1, buf, n);
        }
}

static void plain_udp(struct tflow *f)
{
        static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0,   0,   0,   0,   0,
                                        0,    3,    'w',  'w',  'w',  7,    'e', 'x', 'a', 'm', 'p',
                                        'l',  'e',  3,    'c',  'o',  'm',  0,   0,   1,   0,   1};
        tf_udp(f, 0, query, sizeof(query));
        for (int k = 0; k < 24; k++) {
                uint32_t n = between(1, 1400);
                fill(buf, n);
                tf_udp(f, k & 1, buf, n);
        }
}

/* One real QUIC v1 connection: its client Initial proves it. */
static uint64_t real_quic(struct tflow *f, struct quic_initial *q)
{
        const uint8_t odcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
        const uint8_t cscid[4] = {0xc1, 0xc2, 0xc3, 0xc4}, sscid[8] = {5, 6, 7, 8, 9, 10, 11, 12};
        const uint8_t ping[] = {0x01};
        f->srv[3] = 99; /* another server than the look-alikes' */
        if (quic_seal_initial(q, QUIC_V1, odcid, 8, cscid, 4, 0, ping, 1, 1252, buf) == 0)
                exit(1);
        tf_udp(f, 0, buf, 1252);
        /* server Initial + Handshake (contents need no proof) */
        fill(buf, 600);
        buf[0] = 0xC1;
        tf_be32(buf + 1, QUIC_V1);
        buf[5] = 4;
        memcpy(buf + 6, cscid, 4);
        buf[10] = 8;
        memcpy(buf + 11, sscid, 8);
        buf[19] = 0;
        tf_be16(buf + 20, 0x4000 | (600 - 22));
        tf_udp(f, 1, buf, 600);
        uint64_t body = 0;
        for (int k = 0; k < 30; k++) {
                int dir = k % 4 != 0;
                const uint8_t *dcid = dir ? cscid : sscid;
                uint32_t dl = dir ? 4 : 8, n = between(60, 1200);
                fill(buf, n);
                buf[0] = (uint8_t)(0x40 | (buf[0] & 0x3F));
                memcpy(buf + 1, dcid, dl);
                tf_udp(f, dir, buf, n);
                body += n - 1 - dl;
        }
        return body;
}

int main(int argc, char **argv)
{
        bool with_quic = argc == 3 && strcmp(argv[2], "--with-quic") == 0;
        if (argc != 2 && !with_quic) {
                fprintf(stderr, "usage: gen_udp443 OUT.pcap [--with-quic]\n");
                return 2;
        }
        char err[CST_ERRBUF];
        struct quic_initial *q = quic_initial_new(err);
        pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
        pcap_dumper_t *d = dead ? pcap_dump_open(dead, argv[1]) : NULL;
        if (!d || !q) {
                fprintf(stderr, "gen_udp443: cannot write %s (%s)\n", argv[1], q ? "" : err);
                return 1;
        }
        static struct tflow f;
        void (*const flows[])(struct tflow *) = {
            fake_quic_v1, turn_channel_data, dtls, wireguard, openvpn, plain_udp, fake_quic_v2};
        uint64_t ts = 0;
        for (unsigned i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
                tf_init(&f, NULL, i == 2 || i == 6, (uint16_t)(50000 + i));
                f.ts_ns += ts;
                f.dump = d;
                flows[i](&f);
                ts = f.ts_ns - 1700000000ull * 1000000000ull;
        }
        if (with_quic) {
                tf_init(&f, NULL, false, 51000);
                f.ts_ns += ts;
                f.dump = d;
                printf("quic_short_body=%llu\n", (unsigned long long)real_quic(&f, q));
        }
        pcap_dump_close(d);
        pcap_close(dead);
        quic_initial_free(q);
        return 0;
}
