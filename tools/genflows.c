/*
 * genflows — the `--short-flows N` mode of tools/gencap.py in C, for the
 * millions of flows that flow-table tests need.  Output is byte-identical to
 * `gencap.py OUT --short-flows N --python` with the same options.
 *
 * Each flow is a distinct IPv4 4-tuple with four packets: SYN, SYN-ACK, a
 * TLS 1.3 ClientHello and ServerHello+ChangeCipherSpec+ApplicationData
 * (RFC 8446 §4.1.2, §4.1.3, §5.1).  Flows are emitted in batches of 64:
 * packet k of every flow of the batch, then packet k+1.  Random fields come
 * from splitmix64 seeded with --seed.  Checksums: RFC 1071 / RFC 9293 §3.1.
 *
 *   genflows OUT --flows N [--seed S] [--format pcap|pcapng] [--nsec]
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH     64
#define STEP_NS   10000ull
#define EPOCH_NS  (1750000000ull * 1000000000ull)
#define SNAPLEN   262144u
#define FRAME_MAX 512
#define TCP_SYN   0x02
#define TCP_PSH   0x08
#define TCP_ACK   0x10

struct buf {
        uint8_t b[FRAME_MAX];
        size_t n;
};

static void put(struct buf *f, const void *p, size_t n)
{
        memcpy(f->b + f->n, p, n);
        f->n += n;
}

static void put8(struct buf *f, uint8_t v)
{
        f->b[f->n++] = v;
}

static void put16(struct buf *f, uint16_t v)
{
        put8(f, (uint8_t)(v >> 8));
        put8(f, (uint8_t)v);
}

static void put32(struct buf *f, uint32_t v)
{
        put16(f, (uint16_t)(v >> 16));
        put16(f, (uint16_t)v);
}

static void set16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static uint64_t splitmix64(uint64_t *x)
{
        uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}

static void random_bytes(uint64_t *x, uint8_t *out, size_t n)
{
        for (size_t i = 0; i + 8 <= n; i += 8) {
                uint64_t v = splitmix64(x);
                for (int k = 0; k < 8; k++)
                        out[i + k] = (uint8_t)(v >> (8 * k));
        }
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
        for (size_t i = 0; i + 1 < n; i += 2)
                acc += (uint32_t)(p[i] << 8 | p[i + 1]);
        if (n & 1)
                acc += (uint32_t)p[n - 1] << 8;
        return acc;
}

static uint16_t finish(uint32_t acc)
{
        while (acc >> 16)
                acc = (acc & 0xFFFF) + (acc >> 16);
        return (uint16_t)~acc;
}

struct flow {
        uint32_t index, cisn, sisn;
        uint8_t crand[32], ckey[32], srand[32], skey[32], app[40];
        uint8_t caddr[4], saddr[4];
        uint16_t cport;
};

static void flow_init(struct flow *fl, uint32_t i, uint64_t *rng)
{
        fl->index = i;
        fl->cisn = (uint32_t)splitmix64(rng);
        fl->sisn = (uint32_t)splitmix64(rng);
        random_bytes(rng, fl->crand, 32);
        random_bytes(rng, fl->ckey, 32);
        random_bytes(rng, fl->srand, 32);
        random_bytes(rng, fl->skey, 32);
        random_bytes(rng, fl->app, 40);
        const uint8_t c[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        const uint8_t s[4] = {192, 0, 2, (uint8_t)(1 + i % 200)};
        memcpy(fl->caddr, c, 4);
        memcpy(fl->saddr, s, 4);
        fl->cport = (uint16_t)(1024 + (i >> 24) * 8 + i % 8);
}

/* TLS 1.3 ClientHello record: supported_versions and key_share only. */
static void client_hello(struct buf *p, const struct flow *fl)
{
        static const uint8_t head[] = {0x16, 0x03, 0x01, 0x00, 0x60, 0x01,
                                       0x00, 0x00, 0x5c, 0x03, 0x03};
        static const uint8_t mid[] = {0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x31,
                                      0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x33,
                                      0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20};
        put(p, head, sizeof(head));
        put(p, fl->crand, 32);
        put(p, mid, sizeof(mid));
        put(p, fl->ckey, 32);
}

/* ServerHello + ChangeCipherSpec + 40-byte ApplicationData records. */
static void server_flight(struct buf *p, const struct flow *fl)
{
        static const uint8_t head[] = {0x16, 0x03, 0x03, 0x00, 0x5a, 0x02,
                                       0x00, 0x00, 0x56, 0x03, 0x03};
        static const uint8_t mid[] = {0x00, 0x13, 0x01, 0x00, 0x00, 0x2e, 0x00, 0x2b, 0x00, 0x02,
                                      0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20};
        static const uint8_t tail[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
                                       0x17, 0x03, 0x03, 0x00, 0x28};
        put(p, head, sizeof(head));
        put(p, fl->srand, 32);
        put(p, mid, sizeof(mid));
        put(p, fl->skey, 32);
        put(p, tail, sizeof(tail));
        put(p, fl->app, 40);
}

static void frame(struct buf *f, const struct flow *fl, bool from_client, uint32_t seq,
                  uint32_t ack, uint8_t flags, const struct buf *payload)
{
        static const uint8_t mac_c[6] = {0x02, 0x42, 0x0a, 0, 0, 1};
        static const uint8_t mac_s[6] = {0x00, 0x16, 0x3e, 0, 0, 2};
        const uint8_t *src = from_client ? fl->caddr : fl->saddr;
        const uint8_t *dst = from_client ? fl->saddr : fl->caddr;
        f->n = 0;
        put(f, from_client ? mac_s : mac_c, 6);
        put(f, from_client ? mac_c : mac_s, 6);
        put16(f, 0x0800);
        size_t ip = f->n;
        put32(f, 0x45000000u | (uint32_t)(40 + payload->n));
        put32(f, 0x00004000u);
        put32(f, 0x40060000u);
        put(f, src, 4);
        put(f, dst, 4);
        set16(f->b + ip + 10, finish(sum16(f->b + ip, 20, 0)));
        size_t tcp = f->n;
        put16(f, from_client ? fl->cport : 443);
        put16(f, from_client ? 443 : fl->cport);
        put32(f, seq);
        put32(f, ack);
        put8(f, 0x50);
        put8(f, flags);
        put32(f, (uint32_t)64240 << 16);
        put16(f, 0);
        put(f, payload->b, payload->n);
        uint32_t acc = sum16(f->b + ip + 12, 8, 6u + 20u + (uint32_t)payload->n);
        set16(f->b + tcp + 16, finish(sum16(f->b + tcp, 20 + payload->n, acc)));
}

static void flow_packet(struct buf *f, const struct flow *fl, int k)
{
        struct buf pl = {.n = 0};
        switch (k) {
        case 0:
                frame(f, fl, true, fl->cisn, 0, TCP_SYN, &pl);
                break;
        case 1:
                frame(f, fl, false, fl->sisn, fl->cisn + 1, TCP_SYN | TCP_ACK, &pl);
                break;
        case 2:
                client_hello(&pl, fl);
                frame(f, fl, true, fl->cisn + 1, fl->sisn + 1, TCP_PSH | TCP_ACK, &pl);
                break;
        default:
                server_flight(&pl, fl);
                frame(f, fl, false, fl->sisn + 1, fl->cisn + 1 + 101, TCP_PSH | TCP_ACK, &pl);
                break;
        }
}

/* --- capture writers (little-endian; same headers as gencap.py) ---------- */

struct out {
        FILE *f;
        bool pcapng, nsec;
};

static void le16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
        le16(p, (uint16_t)v);
        le16(p + 2, (uint16_t)(v >> 16));
}

static int write_header(const struct out *o)
{
        uint8_t h[128];
        size_t n;
        if (!o->pcapng) {
                le32(h, o->nsec ? 0xA1B23C4Du : 0xA1B2C3D4u);
                le16(h + 4, 2);
                le16(h + 6, 4);
                memset(h + 8, 0, 8);
                le32(h + 16, SNAPLEN);
                le32(h + 20, 1);
                n = 24;
        } else {
                /* SHB: BOM, v1.0, unknown section length, shb_userappl, end. */
                static const uint8_t shb[] = {
                    0x0a, 0x0d, 0x0d, 0x0a, 0x38, 0,    0,    0,    0x4d, 0x3c, 0x2b, 0x1a,
                    1,    0,    0,    0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                    4,    0,    18,   0,    'c',  'o',  'n',  's',  't',  'r',  'i',  'c',
                    't',  'o',  'r',  ' ',  'g',  'e',  'n',  'c',  'a',  'p',  0,    0,
                    0,    0,    0,    0,    0x38, 0,    0,    0};
                /* IDB: Ethernet, snaplen, if_name "gen0", if_tsresol, end. */
                uint8_t idb[] = {1, 0, 0, 0, 0x28, 0, 0,   0,   1,    0,   0, 0, 0, 0,
                                 4, 0, 2, 0, 4,    0, 'g', 'e', 'n',  '0', 9, 0, 1, 0,
                                 6, 0, 0, 0, 0,    0, 0,   0,   0x28, 0,   0, 0};
                le32(idb + 12, SNAPLEN);
                idb[28] = o->nsec ? 9 : 6;
                memcpy(h, shb, sizeof(shb));
                memcpy(h + sizeof(shb), idb, sizeof(idb));
                n = sizeof(shb) + sizeof(idb);
        }
        return fwrite(h, 1, n, o->f) == n ? 0 : -1;
}

static int write_packet(const struct out *o, uint64_t ts_ns, const struct buf *f)
{
        uint8_t h[28];
        static const uint8_t zero[4];
        uint32_t len = (uint32_t)f->n;
        if (!o->pcapng) {
                le32(h, (uint32_t)(ts_ns / 1000000000u));
                uint32_t frac = (uint32_t)(ts_ns % 1000000000u);
                le32(h + 4, o->nsec ? frac : frac / 1000);
                le32(h + 8, len);
                le32(h + 12, len);
                if (fwrite(h, 1, 16, o->f) != 16 || fwrite(f->b, 1, len, o->f) != len)
                        return -1;
                return 0;
        }
        uint64_t ts = o->nsec ? ts_ns : ts_ns / 1000;
        uint32_t pad = (4 - len % 4) % 4, total = 32 + len + pad;
        le32(h, 6);
        le32(h + 4, total);
        le32(h + 8, 0);
        le32(h + 12, (uint32_t)(ts >> 32));
        le32(h + 16, (uint32_t)ts);
        le32(h + 20, len);
        le32(h + 24, len);
        uint8_t tail[4];
        le32(tail, total);
        if (fwrite(h, 1, 28, o->f) != 28 || fwrite(f->b, 1, len, o->f) != len ||
            fwrite(zero, 1, pad, o->f) != pad || fwrite(tail, 1, 4, o->f) != 4)
                return -1;
        return 0;
}

static int generate(const struct out *o, uint64_t count, uint64_t seed)
{
        static struct flow batch[BATCH];
        struct buf f;
        uint64_t rng = seed, ts = EPOCH_NS;
        if (write_header(o))
                return -1;
        for (uint64_t base = 0; base < count; base += BATCH) {
                unsigned n = (unsigned)(count - base < BATCH ? count - base : BATCH);
                for (unsigned j = 0; j < n; j++)
                        flow_init(&batch[j], (uint32_t)(base + j), &rng);
                for (int k = 0; k < 4; k++)
                        for (unsigned j = 0; j < n; j++) {
                                flow_packet(&f, &batch[j], k);
                                if (write_packet(o, ts, &f))
                                        return -1;
                                ts += STEP_NS;
                        }
        }
        return 0;
}

static int usage(const char *msg)
{
        fprintf(stderr,
                "genflows: %s\nusage: genflows OUT --flows N [--seed S] [--format pcap|pcapng] "
                "[--nsec]\n",
                msg);
        return 2;
}

static bool parse_u64(const char *s, uint64_t *v)
{
        char *end;
        if (!s || !*s || *s == '-')
                return false;
        *v = strtoull(s, &end, 10);
        return *end == '\0';
}

int main(int argc, char **argv)
{
        struct out o = {0};
        const char *path = NULL;
        uint64_t flows = 0, seed = 1;
        bool have_flows = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--flows") && (have_flows = parse_u64(v, &flows)))
                        i++;
                else if (!strcmp(a, "--seed") && parse_u64(v, &seed))
                        i++;
                else if (!strcmp(a, "--format") && v &&
                         (!strcmp(v, "pcap") || !strcmp(v, "pcapng")))
                        o.pcapng = !strcmp(argv[++i], "pcapng");
                else if (!strcmp(a, "--nsec"))
                        o.nsec = true;
                else if (a[0] != '-' || !strcmp(a, "-"))
                        path = path ? NULL : a;
                else
                        return usage("bad option or value");
        }
        if (!path || !have_flows || flows > UINT32_MAX)
                return usage("need one output path and --flows N (N < 2^32)");
        o.f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
        if (!o.f) {
                perror(path);
                return 1;
        }
        setvbuf(o.f, NULL, _IOFBF, 1 << 20);
        int rc = generate(&o, flows, seed);
        if (fclose(o.f) || rc) {
                fprintf(stderr, "genflows: failed to write %s\n", path);
                return 1;
        }
        fprintf(stderr, "genflows: wrote %" PRIu64 " packets\n", flows * 4);
        return 0;
}
