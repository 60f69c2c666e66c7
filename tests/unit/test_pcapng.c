/* PCAPNG reader/writer: both byte orders, sections, interfaces, raw blocks, SPEC 2.4 messages. */
#include <sys/wait.h>

#include "check.h"
#include "test_pcap_util.h"
#include "format/pcapng.h"
#include "plain_load.h"
#include "util/rd.h"

static size_t begin(struct bbuf *b, uint32_t type, bool be)
{
        size_t at = b->len;
        bb_u32(b, type, be);
        bb_u32(b, 0, be); /* total, patched by end() */
        return at;
}

static void end(struct bbuf *b, size_t at, bool be)
{
        uint32_t total = (uint32_t)(b->len - at + 4);
        bb_set32(b, at + 4, total, be);
        bb_u32(b, total, be);
}

static void opt(struct bbuf *b, uint16_t code, const void *v, uint16_t len, bool be)
{
        static const uint8_t zero[4];
        bb_u16(b, code, be);
        bb_u16(b, len, be);
        bb_put(b, v, len);
        bb_put(b, zero, (4 - len % 4) % 4);
}

static void shb(struct bbuf *b, bool be, bool with_opts)
{
        size_t at = begin(b, 0x0A0D0D0Au, be);
        bb_u32(b, 0x1A2B3C4Du, be);
        bb_u16(b, 1, be);
        bb_u16(b, 0, be);
        bb_u32(b, 0xFFFFFFFFu, be);
        bb_u32(b, 0xFFFFFFFFu, be);
        if (with_opts) {
                opt(b, 4, "test app", 8, be);
                opt(b, 0, NULL, 0, be);
        }
        end(b, at, be);
}

static void idb(struct bbuf *b, bool be, uint16_t linktype, int tsresol)
{
        size_t at = begin(b, 1, be);
        bb_u16(b, linktype, be);
        bb_u16(b, 0, be);
        bb_u32(b, 262144, be);
        if (tsresol >= 0) {
                uint8_t v = (uint8_t)tsresol;
                opt(b, 2, "eth0", 4, be);
                opt(b, 9, &v, 1, be);
                opt(b, 0, NULL, 0, be);
        }
        end(b, at, be);
}

static void epb(struct bbuf *b, bool be, uint32_t ifid, uint32_t hi, uint32_t lo, uint32_t caplen,
                uint32_t origlen, uint8_t padbyte, bool with_opts)
{
        size_t at = begin(b, 6, be);
        bb_u32(b, ifid, be);
        bb_u32(b, hi, be);
        bb_u32(b, lo, be);
        bb_u32(b, caplen, be);
        bb_u32(b, origlen, be);
        for (uint32_t i = 0; i < caplen; i++)
                bb_u8(b, (uint8_t)(i + caplen));
        for (uint32_t i = caplen; i % 4; i++)
                bb_u8(b, padbyte);
        if (with_opts) {
                uint32_t flags = 1;
                opt(b, 2, &flags, 4, be);
                opt(b, 1, "a comment", 9, be);
                opt(b, 0, NULL, 0, be);
        }
        end(b, at, be);
}

static void other(struct bbuf *b, bool be, uint32_t type, uint32_t body)
{
        size_t at = begin(b, type, be);
        for (uint32_t i = 0; i < body; i++)
                bb_u8(b, (uint8_t)(0xC0 + i));
        end(b, at, be);
}

/* Two sections: LE then BE, several interfaces, unknown blocks, an unknown interface. */
static void make_file(struct bbuf *b)
{
        shb(b, false, true);
        idb(b, false, 1, 9);
        idb(b, false, 101, -1);
        epb(b, false, 0, 1, 2, 60, 60, 0, false);
        other(b, false, 4, 12);                         /* NRB */
        epb(b, false, 1, 0x10, 0x20, 5, 1500, 0, true); /* truncated input, options */
        other(b, false, 5, 20);                         /* ISB */
        epb(b, false, 7, 3, 4, 8, 8, 0, false);         /* unknown interface */
        other(b, false, 0x40000BADu, 8);                /* custom */
        other(b, false, 3, 16);                         /* SPB */
        shb(b, true, false);
        idb(b, true, 113, 0x83);
        epb(b, true, 0, 0, 16, 33, 40, 0, true);
        epb(b, true, 1, 5, 6, 4, 4, 0, false); /* interface 1 belongs to the old section */
        other(b, true, 0x0A, 24);              /* DSB */
}

struct expect {
        uint8_t kind, flags;
        uint32_t caplen, linktype;
        uint64_t ts_ns;
};

static const struct expect want[] = {
    {CST_REC_BLOCK, CST_PKT_SHB, 0, 0, 0},
    {CST_REC_BLOCK, CST_PKT_IDB, 0, 0, 0},
    {CST_REC_BLOCK, CST_PKT_IDB, 0, 0, 0},
    {CST_REC_PACKET, 0, 60, 1, (1ull << 32) + 2},
    {CST_REC_BLOCK, 0, 0, 0, 0},
    {CST_REC_PACKET, 0, 5, 101, ((0x10ull << 32) + 0x20) * 1000},
    {CST_REC_BLOCK, 0, 0, 0, 0},
    {CST_REC_PACKET, CST_PKT_UNKNOWN_IF, 8, 0, ((3ull << 32) + 4) * 1000},
    {CST_REC_BLOCK, 0, 0, 0, 0},
    {CST_REC_BLOCK, 0, 0, 0, 0},
    {CST_REC_BLOCK, CST_PKT_SHB, 0, 0, 0},
    {CST_REC_BLOCK, CST_PKT_IDB, 0, 0, 0},
    {CST_REC_PACKET, 0, 33, 113, 2000000000ull},
    {CST_REC_PACKET, CST_PKT_UNKNOWN_IF, 4, 0, ((5ull << 32) + 6) * 1000},
    {CST_REC_BLOCK, 0, 0, 0, 0},
};
#define NWANT (sizeof(want) / sizeof(want[0]))

static void check_record(const struct cst_packet *p, unsigned i)
{
        if (i >= NWANT)
                return;
        CHECK_EQ_U(p->kind, want[i].kind);
        CHECK_EQ_U(p->flags, want[i].flags);
        if (p->kind != CST_REC_PACKET)
                return;
        CHECK_EQ_U(p->caplen, want[i].caplen);
        CHECK_EQ_U(p->linktype, want[i].linktype);
        CHECK_EQ_U(p->ts_ns, want[i].ts_ns);
        CHECK_EQ_U(p->data[0], (uint8_t)p->caplen);
        if (i == 5 || i == 12)
                CHECK_EQ_U(p->opts_len, 8 + 16 + 4);
        else
                CHECK_EQ_U(p->opts_len, 0);
}

/* Read `in`, check the records, write every one cut to keep(p) into `out`. */
static int copy_through(const char *in, const char *out, uint32_t cut, bool check, unsigned *count,
                        char *err)
{
        struct cst_source src;
        struct cst_sink sink;
        struct cst_packet recs[4];
        int n;
        *count = 0;
        CHECK(pcapng_source_open(&src, in, err) == CST_OK);
        CHECK_EQ_U(src.format, CST_FORMAT_PCAPNG);
        CHECK(pcapng_sink_open(&sink, out, err) == CST_OK);
        while ((n = src.ops->next_batch(src.priv, recs, 4, err)) > 0) {
                for (int i = 0; i < n; i++, (*count)++) {
                        if (check)
                                check_record(&recs[i], *count);
                        uint32_t keep = recs[i].caplen < cut ? recs[i].caplen : cut;
                        CHECK(sink.ops->write(sink.priv, &recs[i], keep, err) == CST_OK);
                }
        }
        src.ops->close(src.priv);
        CHECK(sink.ops->close(sink.priv, err) == CST_OK);
        return n;
}

static void test_round_trip(void)
{
        char err[CST_ERRBUF];
        struct bbuf b = {0};
        unsigned count;
        make_file(&b);
        const char *in = tmp_path("ng_in.pcapng"), *out = tmp_path("ng_out.pcapng");
        write_file(in, b.p, b.len);
        CHECK_EQ_U(copy_through(in, out, UINT32_MAX, true, &count, err), 0);
        CHECK_EQ_U(count, NWANT);
        size_t n;
        uint8_t *o = read_file(out, &n);
        CHECK(o && n == b.len && memcmp(o, b.p, n) == 0);
        free(o);
        free(b.p);
}

/* EPB re-encoding: non-zero padding becomes zero; a cut shrinks the block; options stay. */
static void test_reencode(void)
{
        char err[CST_ERRBUF];
        struct bbuf b = {0}, w = {0};
        unsigned count;
        shb(&b, true, false);
        idb(&b, true, 1, -1);
        epb(&b, true, 0, 1, 2, 33, 33, 0xEE, true);
        shb(&w, true, false);
        idb(&w, true, 1, -1);
        epb(&w, true, 0, 1, 2, 33, 33, 0, true);
        const char *in = tmp_path("pad_in.pcapng"), *out = tmp_path("pad_out.pcapng");
        write_file(in, b.p, b.len);
        CHECK_EQ_U(copy_through(in, out, UINT32_MAX, false, &count, err), 0);
        size_t n;
        uint8_t *o = read_file(out, &n);
        CHECK(o && n == w.len && memcmp(o, w.p, n) == 0);
        free(o);
        /* cut to 6 bytes: total = 32 + 8 + 28 options, caplen 6, origlen 33, options raw */
        CHECK_EQ_U(copy_through(in, out, 6, false, &count, err), 0);
        o = read_file(out, &n);
        size_t e = 28 + 20; /* SHB + IDB */
        CHECK(o && n == e + 68);
        if (o && n == e + 68) {
                CHECK_EQ_U(ld_be32(o + e + 4), 68);
                CHECK_EQ_U(ld_be32(o + e + 20), 6);
                CHECK_EQ_U(ld_be32(o + e + 24), 33);
                CHECK(o[e + 28 + 6] == 0 && o[e + 28 + 7] == 0);
                CHECK(memcmp(o + e + 36, w.p + e + 28 + 36, 28) == 0);
                CHECK_EQ_U(ld_be32(o + e + 64), 68);
        }
        free(o);
        free(b.p);
        free(w.p);
}

/* Read bytes to the end; returns the final code; err filled. */
static int read_bytes(const void *p, size_t len, unsigned *count, struct cst_source_tail *t,
                      char *err)
{
        const char *path = tmp_path("ng_err.pcapng");
        struct cst_source src;
        struct cst_packet recs[2];
        int n;
        write_file(path, p, len);
        *count = 0;
        if (pcapng_source_open(&src, path, err) != CST_OK)
                return -100;
        while ((n = src.ops->next_batch(src.priv, recs, 2, err)) > 0)
                *count += (unsigned)n;
        src.ops->tail(src.priv, t);
        src.ops->close(src.priv);
        return n;
}

#define EXPECT_FATAL(buf, len, msg)                                                                \
        do {                                                                                       \
                CHECK(read_bytes((buf), (len), &count, &t, err) == CST_EFATAL);                    \
                CHECK_STR(err, msg);                                                               \
        } while (0)

static void test_errors(void)
{
        char err[CST_ERRBUF];
        unsigned count;
        struct cst_source_tail t;
        struct bbuf b = {0};
        idb(&b, false, 1, -1);
        EXPECT_FATAL(b.p, b.len,
                     "file offset 0: PCAPNG file does not begin with a Section Header Block");
        b.len = 0;
        shb(&b, false, false);
        b.p[8] = 0x11;
        EXPECT_FATAL(b.p, b.len, "file offset 0: invalid PCAPNG byte-order magic");
        b.p[8] = 0x4D;
        size_t good = b.len; /* 28 */
        other(&b, false, 4, 4);
        bb_set32(&b, good + 4, 13, false);
        EXPECT_FATAL(b.p, b.len, "file offset 28: invalid PCAPNG block total length");
        bb_set32(&b, good + 4, 8, false);
        EXPECT_FATAL(b.p, b.len, "file offset 28: invalid PCAPNG block total length");
        bb_set32(&b, good + 4, 16, false);
        bb_set32(&b, good + 12, 20, false);
        EXPECT_FATAL(b.p, b.len,
                     "file offset 28: PCAPNG block closing length does not match opening length");
        b.len = good;
        other(&b, false, 1, 4); /* IDB of 16 bytes */
        EXPECT_FATAL(b.p, b.len, "file offset 28: PCAPNG Interface Description Block is too small");
        b.len = good;
        other(&b, false, 6, 16); /* EPB of 28 bytes */
        EXPECT_FATAL(b.p, b.len, "file offset 28: PCAPNG Enhanced Packet Block is too small");
        b.len = good;
        epb(&b, false, 0, 0, 0, 8, 8, 0, false);
        bb_set32(&b, good + 20, 9, false); /* caplen 9 needs 12 bytes of data, block has 8 */
        EXPECT_FATAL(b.p, b.len,
                     "file offset 28: PCAPNG Enhanced Packet Block packet data exceeds block size");
        b.len = 0;
        size_t at = begin(&b, 0x0A0D0D0Au, true);
        bb_u32(&b, 0x1A2B3C4Du, true);
        bb_u32(&b, 0, true);
        end(&b, at, true); /* a 20-byte SHB */
        EXPECT_FATAL(b.p, b.len, "file offset 0: PCAPNG Section Header Block is too small");
        /* big-endian sections are read (constrictor fix) */
        b.len = 0;
        shb(&b, true, false);
        idb(&b, true, 1, 6);
        epb(&b, true, 0, 0, 1, 1, 1, 0, false);
        CHECK_EQ_U(read_bytes(b.p, b.len, &count, &t, err), 0);
        CHECK_EQ_U(count, 3);
        free(b.p);
}

static void test_tails(void)
{
        char err[CST_ERRBUF];
        unsigned count;
        struct cst_source_tail t;
        struct bbuf b = {0};
        shb(&b, false, false);
        idb(&b, false, 1, -1);
        size_t good = b.len; /* 48 */
        epb(&b, false, 0, 0, 0, 8, 8, 0, false);
        CHECK(read_bytes(b.p, good + 11, &count, &t, err) == CST_ETAIL);
        CHECK_EQ_U(count, 2);
        CHECK_STR(err, "file offset 48: unexpected EOF while reading PCAPNG block header; 11 "
                       "trailing byte(s) could not be processed");
        CHECK(t.present && !t.packet_record && t.trailing_bytes == 11);
        CHECK(read_bytes(b.p, good + 20, &count, &t, err) == CST_ETAIL);
        CHECK_STR(err, "file offset 48: unexpected EOF while reading PCAPNG block; expected block "
                       "length 40 byte(s), available 20 byte(s), missing 20 byte(s)");
        CHECK(t.present && !t.packet_record && t.trailing_bytes == 20);
        CHECK_EQ_U(read_bytes(b.p, b.len, &count, &t, err), 0);
        CHECK_EQ_U(count, 3);
        CHECK(!t.present);
        free(b.p);
}

/* A live capture builds SHB/IDB and writes packets with per-packet options. */
static void test_builders(void)
{
        char err[CST_ERRBUF];
        uint8_t blk[256], data[70];
        struct cst_sink sink;
        const char *out = tmp_path("live.pcapng");
        memset(data, 0x5A, sizeof(data));
        CHECK(pcapng_sink_open(&sink, out, err) == CST_OK);
        struct cst_packet p = {.kind = CST_REC_BLOCK, .flags = CST_PKT_SHB, .data = blk};
        p.caplen = (uint32_t)pcapng_make_shb(blk, sizeof(blk));
        CHECK_EQ_U(p.caplen, 28);
        CHECK(sink.ops->write(sink.priv, &p, p.caplen, err) == CST_OK);
        p.flags = CST_PKT_IDB;
        p.caplen = (uint32_t)pcapng_make_idb(blk, sizeof(blk), 1, 262144, 9, "veth0");
        CHECK(sink.ops->write(sink.priv, &p, p.caplen, err) == CST_OK);
        uint8_t flags_opt[12] = {2, 0, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0}; /* epb_flags inbound, end */
        struct cst_packet q = {.kind = CST_REC_PACKET, .data = data, .caplen = 70, .origlen = 90};
        q.ts_hi = 1;
        q.ts_lo = 7;
        q.opts = flags_opt;
        q.opts_len = sizeof(flags_opt);
        CHECK(sink.ops->write(sink.priv, &q, 64, err) == CST_OK);
        CHECK(sink.ops->close(sink.priv, err) == CST_OK);
        struct cst_source src;
        struct cst_packet recs[4];
        CHECK(pcapng_source_open(&src, out, err) == CST_OK);
        CHECK(src.ops->next_batch(src.priv, recs, 4, err) == 3);
        CHECK_EQ_U(recs[2].caplen, 64);
        CHECK_EQ_U(recs[2].origlen, 90);
        CHECK_EQ_U(recs[2].linktype, 1);
        CHECK_EQ_U(recs[2].ts_ns, (1ull << 32) + 7);
        CHECK_EQ_U(recs[2].opts_len, 12);
        CHECK(memcmp(recs[2].opts, flags_opt, 12) == 0);
        src.ops->close(src.priv);
        CHECK_EQ_U(pcapng_ts_to_ns(5, 0), 5000000000ull);
        CHECK_EQ_U(pcapng_ts_to_ns(5, 12), 0);
        CHECK_EQ_U(pcapng_ts_to_ns(5000, 12), 5);
        CHECK_EQ_U(pcapng_ts_to_ns(3, 0x81), 1500000000ull);
}

/* Feed `b` to stdin through a pipe from a child process; returns its pid. */
static pid_t feed_stdin(const struct bbuf *b, int *saved)
{
        int fds[2];
        if (pipe(fds) != 0)
                exit(2);
        pid_t pid = fork();
        if (pid == 0) {
                close(fds[0]);
                for (size_t off = 0; off < b->len;) {
                        size_t chunk = b->len - off < 77777 ? b->len - off : 77777;
                        ssize_t w = write(fds[1], b->p + off, chunk);
                        if (w <= 0)
                                _exit(1);
                        off += (size_t)w;
                }
                _exit(0);
        }
        close(fds[1]);
        *saved = dup(0);
        dup2(fds[0], 0);
        close(fds[0]);
        return pid;
}

/* Stream mode: blocks across read boundaries and one larger than the read buffer. */
static void test_pipe_input(void)
{
        char err[CST_ERRBUF];
        struct bbuf b = {0};
        unsigned blocks = 0, count;
        for (int sec = 0; sec < 3; sec++, blocks += 2) {
                shb(&b, sec == 1, true);
                idb(&b, sec == 1, 1, 9);
                for (uint32_t len = 1; b.len < (4u << 20) * (unsigned)(sec + 1); blocks++)
                        epb(&b, sec == 1, 0, 0, blocks, len = len * 5 % 9001 + 1, 9100, 0,
                            blocks % 3 == 0);
        }
        epb(&b, false, 0, 0, 0, 6u << 20, 6u << 20, 0, true);
        blocks++;
        int saved;
        pid_t pid = feed_stdin(&b, &saved);
        const char *out = tmp_path("ng_pipe_out.pcapng");
        CHECK_EQ_U(copy_through("-", out, UINT32_MAX, false, &count, err), 0);
        CHECK_EQ_U(count, blocks);
        dup2(saved, 0);
        close(saved);
        int status;
        waitpid(pid, &status, 0);
        size_t n;
        uint8_t *o = read_file(out, &n);
        CHECK(o && n == b.len && memcmp(o, b.p, n) == 0);
        free(o);
        free(b.p);
}

int main(void)
{
        test_pipe_input();
        test_round_trip();
        test_reencode();
        test_errors();
        test_tails();
        test_builders();
        return check_summary("test_pcapng");
}
