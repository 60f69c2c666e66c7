/* Classic PCAP reader/writer: four magics, round trips, every message of SPEC 2.3. */
#include <fcntl.h>
#include <sys/wait.h>

#include "check.h"
#include "test_pcap_util.h"
#include "format/pcap.h"
#include "plain_load.h"
#include "util/rd.h"

static const uint8_t magic_bytes[4][4] = {
    {0xD4, 0xC3, 0xB2, 0xA1}, /* LE µs */
    {0xA1, 0xB2, 0xC3, 0xD4}, /* BE µs */
    {0x4D, 0x3C, 0xB2, 0xA1}, /* LE ns */
    {0xA1, 0xB2, 0x3C, 0x4D}, /* BE ns */
};

static void global_header(struct bbuf *b, int magic, uint32_t snaplen, uint32_t linktype)
{
        bool be = magic & 1;
        bb_put(b, magic_bytes[magic], 4);
        bb_u16(b, 2, be);
        bb_u16(b, 4, be);
        bb_u32(b, 0xFFFFFFF0u, be); /* thiszone: kept as stored */
        bb_u32(b, 7, be);
        bb_u32(b, snaplen, be);
        bb_u32(b, linktype, be);
}

static void record(struct bbuf *b, bool be, uint32_t sec, uint32_t frac, uint32_t caplen,
                   uint32_t origlen)
{
        bb_u32(b, sec, be);
        bb_u32(b, frac, be);
        bb_u32(b, caplen, be);
        bb_u32(b, origlen, be);
        for (uint32_t i = 0; i < caplen; i++)
                bb_u8(b, (uint8_t)(i * 7 + caplen));
}

static const uint32_t caps[] = {0, 1, 60, 1514, 3, 70000};
static const uint32_t origs[] = {0, 1, 60, 1514, 100, 70000};
#define NREC 6

static void make_file(struct bbuf *b, int magic, uint32_t linktype)
{
        global_header(b, magic, 262144, linktype);
        for (int i = 0; i < NREC; i++)
                record(b, magic & 1, 1700000000u + (uint32_t)i, 999999u - (uint32_t)i, caps[i],
                       origs[i]);
}

/* Read every record, check fields, copy through a sink; returns next_batch's final code. */
static int copy_through(const char *in, const char *out, int magic, uint32_t linktype, char *err)
{
        struct cst_source src;
        struct cst_sink sink;
        struct cst_packet recs[4];
        int rc = pcap_source_open(&src, in, err), n, idx = 0;
        if (rc != CST_OK)
                return rc;
        CHECK_EQ_U(src.format, CST_FORMAT_PCAP);
        CHECK_EQ_U(src.big_endian, (magic & 1) != 0);
        CHECK_EQ_U(src.nsec, magic >= 2);
        CHECK_EQ_U(src.linktype, linktype);
        CHECK_EQ_U(src.snaplen, 262144);
        CHECK(pcap_sink_open(&sink, out, src.pcap_header, err) == CST_OK);
        while ((n = src.ops->next_batch(src.priv, recs, 4, err)) > 0) {
                for (int i = 0; i < n; i++, idx++) {
                        const struct cst_packet *p = &recs[i];
                        CHECK_EQ_U(p->caplen, caps[idx]);
                        CHECK_EQ_U(p->origlen, origs[idx]);
                        CHECK_EQ_U(p->ts_hi, 1700000000u + (uint32_t)idx);
                        CHECK_EQ_U(p->ts_lo, 999999u - (uint32_t)idx);
                        uint64_t frac_ns = (uint64_t)p->ts_lo * (magic >= 2 ? 1 : 1000);
                        CHECK_EQ_U(p->ts_ns, (uint64_t)p->ts_hi * 1000000000u + frac_ns);
                        CHECK_EQ_U(p->linktype, linktype);
                        CHECK_EQ_U(p->kind, CST_REC_PACKET);
                        if (p->caplen > 2)
                                CHECK_EQ_U(p->data[2], (uint8_t)(14 + p->caplen));
                        CHECK(sink.ops->write(sink.priv, p, p->caplen, err) == CST_OK);
                }
        }
        CHECK_EQ_U(idx, NREC);
        src.ops->close(src.priv);
        CHECK(sink.ops->close(sink.priv, err) == CST_OK);
        return n;
}

static void test_round_trips(void)
{
        char err[CST_ERRBUF];
        for (int m = 0; m < 4; m++) {
                struct bbuf b = {0};
                uint32_t lt = m == 3 ? 276 : 1 + (uint32_t)m * 100;
                make_file(&b, m, lt);
                const char *in = tmp_path("rt_in.pcap"), *out = tmp_path("rt_out.pcap");
                write_file(in, b.p, b.len);
                CHECK_EQ_U(copy_through(in, out, m, lt, err), 0);
                size_t n;
                uint8_t *o = read_file(out, &n);
                CHECK(o && n == b.len && memcmp(o, b.p, n) == 0);
                free(o);
                free(b.p);
        }
}

/* A cut keeps the header byte order and raw timestamps; only caplen changes. */
static void test_cut(void)
{
        char err[CST_ERRBUF];
        struct bbuf b = {0}, want = {0};
        global_header(&b, 3, 65535, 1);
        record(&b, true, 5, 6, 100, 200);
        bb_put(&want, b.p, 24);
        bb_u32(&want, 5, true);
        bb_u32(&want, 6, true);
        bb_u32(&want, 10, true);
        bb_u32(&want, 200, true);
        bb_put(&want, b.p + 40, 10);
        const char *in = tmp_path("cut_in.pcap"), *out = tmp_path("cut_out.pcap");
        write_file(in, b.p, b.len);
        struct cst_source src;
        struct cst_sink sink;
        struct cst_packet rec;
        CHECK(pcap_source_open(&src, in, err) == CST_OK);
        CHECK(pcap_sink_open(&sink, out, src.pcap_header, err) == CST_OK);
        CHECK(src.ops->next_batch(src.priv, &rec, 1, err) == 1);
        CHECK(sink.ops->write(sink.priv, &rec, 10, err) == CST_OK);
        CHECK(sink.ops->flush(sink.priv, err) == CST_OK);
        CHECK(src.ops->next_batch(src.priv, &rec, 1, err) == 0);
        src.ops->close(src.priv);
        CHECK(sink.ops->close(sink.priv, err) == CST_OK);
        size_t n;
        uint8_t *o = read_file(out, &n);
        CHECK(o && n == want.len && memcmp(o, want.p, n) == 0);
        free(o);
        free(b.p);
        free(want.p);
}

/* Open a file of the given bytes; returns the open code, err filled. */
static int open_bytes(const void *p, size_t n, struct cst_source *src, char *err)
{
        const char *path = tmp_path("err.pcap");
        write_file(path, p, n);
        return pcap_source_open(src, path, err);
}

static void test_open_errors(void)
{
        char err[CST_ERRBUF];
        struct cst_source src;
        struct bbuf b = {0};
        global_header(&b, 0, 65535, 1);
        CHECK(pcap_source_open(&src, "/nonexistent/x.pcap", err) == CST_EFATAL);
        CHECK(strncmp(err, "failed to open input file: ", 27) == 0);
        CHECK(open_bytes(b.p, 23, &src, err) == CST_EFATAL);
        CHECK_STR(err, "file offset 0: unexpected EOF while reading PCAP global header");
        CHECK(open_bytes(b.p, 0, &src, err) == CST_EFATAL);
        CHECK_STR(err, "file offset 0: unexpected EOF while reading PCAP global header");
        b.p[0] = 0x0A;
        CHECK(open_bytes(b.p, 24, &src, err) == CST_EFATAL);
        CHECK_STR(err, "file offset 0: unsupported classic PCAP magic number");
        b.p[0] = 0xD4;
        b.p[6] = 3;
        CHECK(open_bytes(b.p, 24, &src, err) == CST_EFATAL);
        CHECK_STR(err, "file offset 4: unsupported classic PCAP version 2.3");
        b.p[6] = 4;
        bb_set32(&b, 16, 0, false);
        CHECK(open_bytes(b.p, 24, &src, err) == CST_EFATAL);
        CHECK_STR(err, "file offset 16: invalid PCAP snaplen 0");
        bb_set32(&b, 16, 1, false); /* caplen above snaplen is fine; link type unchecked */
        bb_set32(&b, 20, 0xDEADBEEFu, false);
        record(&b, false, 1, 2, 64, 64);
        CHECK(open_bytes(b.p, b.len, &src, err) == CST_OK);
        struct cst_packet rec;
        CHECK(src.ops->next_batch(src.priv, &rec, 1, err) == 1);
        CHECK_EQ_U(rec.linktype, 0xDEADBEEFu);
        src.ops->close(src.priv);
        free(b.p);
}

/* Drain a source; returns the final code and the number of records. */
static int drain(struct cst_source *src, unsigned *count, char *err)
{
        struct cst_packet recs[3];
        int n;
        *count = 0;
        while ((n = src->ops->next_batch(src->priv, recs, 3, err)) > 0)
                *count += (unsigned)n;
        return n;
}

static void test_tails(void)
{
        char err[CST_ERRBUF];
        struct cst_source src;
        struct cst_source_tail t;
        unsigned count;
        struct bbuf b = {0};
        global_header(&b, 1, 65535, 1);
        record(&b, true, 1, 2, 10, 10);
        record(&b, true, 1, 2, 20, 30);
        size_t full = b.len;
        record(&b, true, 1, 2, 50, 60);
        /* header case: 7 bytes of the third record header */
        CHECK(open_bytes(b.p, full + 7, &src, err) == CST_OK);
        CHECK(drain(&src, &count, err) == CST_ETAIL);
        CHECK_EQ_U(count, 2);
        CHECK_STR(err, "file offset 86: unexpected EOF while reading packet header; 7 trailing "
                       "byte(s) could not be processed");
        src.ops->tail(src.priv, &t);
        CHECK(t.present && t.packet_record);
        CHECK_EQ_U(t.trailing_bytes, 7);
        CHECK_EQ_U(t.missing_bytes, 0);
        src.ops->close(src.priv);
        /* payload case: 16-byte header + 30 of 50 bytes */
        CHECK(open_bytes(b.p, full + 46, &src, err) == CST_OK);
        CHECK(drain(&src, &count, err) == CST_ETAIL);
        CHECK_EQ_U(count, 2);
        CHECK_STR(err, "packet 3 at file offset 86: unexpected EOF while reading packet payload; "
                       "expected 50 byte(s), available 30 byte(s), missing 20 byte(s)");
        src.ops->tail(src.priv, &t);
        CHECK_EQ_U(t.trailing_bytes, 30);
        CHECK_EQ_U(t.missing_bytes, 20);
        src.ops->close(src.priv);
        /* exact end, and a file of only a header */
        CHECK(open_bytes(b.p, full, &src, err) == CST_OK);
        CHECK(drain(&src, &count, err) == 0);
        CHECK_EQ_U(count, 2);
        src.ops->close(src.priv);
        CHECK(open_bytes(b.p, 24, &src, err) == CST_OK);
        CHECK(drain(&src, &count, err) == 0);
        CHECK_EQ_U(count, 0);
        src.ops->close(src.priv);
        free(b.p);
}

/* caplen > origlen is delivered (the engine decides), not fatal. */
static void test_caplen_above_origlen(void)
{
        char err[CST_ERRBUF];
        struct cst_source src;
        struct cst_packet recs[4];
        struct bbuf b = {0};
        global_header(&b, 0, 65535, 1);
        record(&b, false, 1, 2, 80, 40);
        record(&b, false, 1, 2, 10, 10);
        CHECK(open_bytes(b.p, b.len, &src, err) == CST_OK);
        CHECK(src.ops->next_batch(src.priv, recs, 4, err) == 2);
        CHECK_EQ_U(recs[0].caplen, 80);
        CHECK_EQ_U(recs[0].origlen, 40);
        CHECK_EQ_U(recs[1].caplen, 10);
        src.ops->close(src.priv);
        free(b.p);
}

static void test_writer_errors(void)
{
        char err[CST_ERRBUF];
        struct cst_sink sink;
        uint8_t h[24];
        pcap_make_header(h, true, 1234, 113);
        CHECK(ld_le32(h) == 0xA1B23C4Du && ld_le32(h + 16) == 1234 && ld_le32(h + 20) == 113);
        CHECK(h[4] == 2 && h[6] == 4);
        CHECK(pcap_sink_open(&sink, "/nonexistent/dir/out.pcap", h, err) == CST_EFATAL);
        CHECK(strncmp(err, "failed to open output file: ", 28) == 0);
        if (access("/dev/full", W_OK) != 0)
                return;
        CHECK(pcap_sink_open(&sink, "/dev/full", h, err) == CST_EFATAL);
        CHECK_STR(err, "failed to write PCAP global header: /dev/full: No space left on device");
}

/*
 * A record bigger than the snapshot length (and 256 KiB) ends the input as a
 * damaged tail: everything before it is delivered, no buffer is grown.
 */
static void test_oversized_record(void)
{
        char err[CST_ERRBUF];
        struct cst_source src;
        struct cst_packet recs[8];
        struct cst_source_tail t;
        struct bbuf b = {0};
        global_header(&b, 0, 65535, 1);
        record(&b, false, 1, 0, 60, 60);
        record(&b, false, 2, 0, 60, 60);
        size_t at = b.len;
        record(&b, false, 3, 0, 60, 60);
        bb_set32(&b, at + 8, 0x7FFFFFFFu, false); /* caplen */
        CHECK(open_bytes(b.p, b.len, &src, err) == CST_OK);
        CHECK(src.ops->next_batch(src.priv, recs, 8, err) == 2);
        CHECK(src.ops->next_batch(src.priv, recs, 8, err) == CST_ETAIL);
        CHECK_STR(err, "packet 3 at file offset 176: captured length 2147483647 is bigger than the "
                       "snapshot length (at most 262144); the file is damaged here and 76 trailing "
                       "byte(s) could not be processed");
        src.ops->tail(src.priv, &t);
        CHECK(t.present && t.oversized && t.trailing_bytes == 76 && t.missing_bytes == 0);
        src.ops->close(src.priv);
        free(b.p);
}

/* Stream mode: records larger than the read buffer, spanning reads, through a pipe. */
static void test_pipe_input(void)
{
        char err[CST_ERRBUF];
        struct bbuf b = {0};
        global_header(&b, 2, 16u << 20, 1); /* a snaplen that allows the 9 MiB record */
        unsigned nrec = 0;
        for (uint32_t len = 1; b.len < (12u << 20); len = len * 3 % 9000 + 1, nrec++)
                record(&b, false, nrec, 0, len, len);
        record(&b, false, nrec++, 0, 9u << 20, 9u << 20); /* bigger than the buffer */
        int fds[2];
        CHECK(pipe(fds) == 0);
        pid_t pid = fork();
        if (pid == 0) {
                close(fds[0]);
                for (size_t off = 0; off < b.len;) {
                        size_t chunk = b.len - off < 100000 ? b.len - off : 100000;
                        ssize_t w = write(fds[1], b.p + off, chunk);
                        if (w <= 0)
                                _exit(1);
                        off += (size_t)w;
                }
                _exit(0);
        }
        close(fds[1]);
        int saved = dup(0);
        dup2(fds[0], 0);
        close(fds[0]);
        struct cst_source src;
        struct cst_sink sink;
        struct cst_packet recs[256];
        const char *out = tmp_path("pipe_out.pcap");
        CHECK(pcap_source_open(&src, "-", err) == CST_OK);
        CHECK(pcap_sink_open(&sink, out, src.pcap_header, err) == CST_OK);
        int n;
        unsigned seen = 0;
        while ((n = src.ops->next_batch(src.priv, recs, 256, err)) > 0) {
                for (int i = 0; i < n; i++, seen++) {
                        CHECK_EQ_U(recs[i].ts_hi, seen);
                        sink.ops->write(sink.priv, &recs[i], recs[i].caplen, err);
                }
        }
        CHECK_EQ_U(n, 0);
        CHECK_EQ_U(seen, nrec);
        src.ops->close(src.priv);
        CHECK(sink.ops->close(sink.priv, err) == CST_OK);
        dup2(saved, 0);
        close(saved);
        int status;
        waitpid(pid, &status, 0);
        size_t len;
        uint8_t *o = read_file(out, &len);
        CHECK(o && len == b.len && memcmp(o, b.p, len) == 0);
        free(o);
        free(b.p);
}

int main(void)
{
        test_round_trips();
        test_cut();
        test_open_errors();
        test_tails();
        test_caplen_above_origlen();
        test_writer_errors();
        test_pipe_input();
        test_oversized_record();
        return check_summary("test_pcap");
}
