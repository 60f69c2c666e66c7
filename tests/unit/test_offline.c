/* Offline pipeline through the public API: order of work, tails, counters, detection. */
#include <fcntl.h>

#include <constrictor/constrictor.h>

#include "check.h"
#include "test_pcap_util.h"

static void pcap_header(struct bbuf *b)
{
        static const uint8_t h[24] = {0xD4, 0xC3, 0xB2, 0xA1, 2,    0,    4, 0, 0, 0, 0, 0,
                                      0,    0,    0,    0,    0xFF, 0xFF, 0, 0, 1, 0, 0, 0};
        bb_put(b, h, 24);
}

static void pcap_record(struct bbuf *b, uint32_t caplen, uint32_t origlen)
{
        bb_u32(b, 1, false);
        bb_u32(b, 2, false);
        bb_u32(b, caplen, false);
        bb_u32(b, origlen, false);
        for (uint32_t i = 0; i < caplen; i++)
                bb_u8(b, (uint8_t)i);
}

static bool file_exists(const char *p)
{
        return access(p, F_OK) == 0;
}

static void test_pcap_tail(void)
{
        struct cst_config cfg;
        struct cst_stats st;
        char err[CST_ERRBUF];
        struct bbuf b = {0};
        cst_config_defaults(&cfg);
        pcap_header(&b);
        pcap_record(&b, 60, 60);
        pcap_record(&b, 80, 40); /* caplen > origlen: kept, the run goes on */
        pcap_record(&b, 30, 100);
        size_t full = b.len;
        pcap_record(&b, 500, 500);
        const char *in = tmp_path("tail.pcap"), *out = tmp_path("tail_out.pcap");
        write_file(in, b.p, full + 16 + 123);
        CHECK(cst_constrict_file(in, out, &cfg, NULL, &st, err) == CST_ETAIL);
        CHECK_STR(err, "packet 4 at file offset 242: unexpected EOF while reading packet payload; "
                       "expected 500 byte(s), available 123 byte(s), missing 377 byte(s)");
        CHECK_EQ_U(st.total_packets, 3);
        CHECK_EQ_U(st.total_captured_bytes_read, 170);
        CHECK_EQ_U(st.total_original_bytes_read, 200);
        CHECK_EQ_U(st.total_captured_bytes_written, 170);
        CHECK_EQ_U(st.input_incomplete_tail, 1);
        CHECK_EQ_U(st.input_incomplete_packet_records, 1);
        CHECK_EQ_U(st.input_trailing_unprocessed_bytes, 123);
        CHECK_EQ_U(st.input_missing_packet_payload_bytes, 377);
        CHECK_EQ_U(st.input_linktype, 1);
        CHECK_EQ_U(st.input_snaplen, 65535);
        CHECK(!st.input_pcapng && !st.input_big_endian && !st.input_nsec);
        size_t n;
        uint8_t *o = read_file(out, &n);
        CHECK(o && n == full && memcmp(o, b.p, full) == 0);
        free(o);
        /* header case */
        write_file(in, b.p, full + 5);
        CHECK(cst_constrict_file(in, out, &cfg, NULL, &st, err) == CST_ETAIL);
        CHECK_STR(err, "file offset 242: unexpected EOF while reading packet header; 5 trailing "
                       "byte(s) could not be processed");
        CHECK_EQ_U(st.input_trailing_unprocessed_bytes, 5);
        CHECK_EQ_U(st.input_missing_packet_payload_bytes, 0);
        /* open errors: the output is not created */
        unlink(out);
        write_file(in, b.p, 20);
        CHECK(cst_constrict_file(in, out, &cfg, NULL, &st, err) == CST_EFATAL);
        CHECK_STR(err, "file offset 0: unexpected EOF while reading PCAP global header");
        CHECK(!file_exists(out));
        CHECK(cst_constrict_file(in, "/nonexistent/dir/o.pcap", &cfg, NULL, &st, err) ==
              CST_EFATAL);
        free(b.p);
}

static size_t ng_block(struct bbuf *b, uint32_t type, const uint8_t *body, uint32_t len, bool be)
{
        size_t at = b->len;
        bb_u32(b, type, be);
        bb_u32(b, 12 + len, be);
        bb_put(b, body, len);
        bb_u32(b, 12 + len, be);
        return at;
}

static void ng_file(struct bbuf *b, bool be)
{
        uint8_t shb[16] = {0}, idb[8] = {0}, epb[20 + 8 + 4] = {0}, nrb[4] = {0};
        bb_set32(&(struct bbuf){shb, 16, 16}, 0, 0x1A2B3C4Du, be);
        shb[be ? 5 : 4] = 1;
        memset(shb + 8, 0xFF, 8);
        idb[be ? 1 : 0] = 1;
        struct bbuf e = {epb, 0, sizeof(epb)};
        bb_u32(&e, 0, be); /* ifid */
        bb_u32(&e, 0, be);
        bb_u32(&e, 9, be);
        bb_u32(&e, 8, be); /* caplen */
        bb_u32(&e, 8, be);
        ng_block(b, 0x0A0D0D0Au, shb, 16, be);
        ng_block(b, 1, idb, 8, be);
        ng_block(b, 6, epb, sizeof(epb), be);
        ng_block(b, 4, nrb, 4, be);
        epb[be ? 3 : 0] = 3; /* interface 3 is unknown */
        ng_block(b, 6, epb, sizeof(epb), be);
}

static void test_pcapng(void)
{
        struct cst_config cfg;
        struct cst_stats st;
        char err[CST_ERRBUF];
        cst_config_defaults(&cfg);
        for (int be = 0; be < 2; be++) {
                struct bbuf b = {0};
                ng_file(&b, be);
                const char *in = tmp_path("ng.pcapng"), *out = tmp_path("ng_out.pcapng");
                write_file(in, b.p, b.len);
                CHECK(cst_constrict_file(in, out, &cfg, NULL, &st, err) == CST_OK);
                CHECK(st.input_pcapng);
                CHECK_EQ_U(st.input_big_endian, be);
                CHECK_EQ_U(st.total_packets, 2);
                CHECK_EQ_U(st.pcapng_enhanced_packets, 2);
                CHECK_EQ_U(st.pcapng_unknown_blocks_copied, 1);
                CHECK_EQ_U(st.pcapng_unsupported_packets, 1);
                size_t n;
                uint8_t *o = read_file(out, &n);
                CHECK(o && n == b.len && memcmp(o, b.p, n) == 0);
                free(o);
                /* a tail: 7 bytes of a further block */
                bb_put(&b, b.p, 7);
                write_file(in, b.p, b.len);
                CHECK(cst_constrict_file(in, out, &cfg, NULL, &st, err) == CST_ETAIL);
                CHECK_EQ_U(st.input_incomplete_tail, 1);
                CHECK_EQ_U(st.input_incomplete_packet_records, 0);
                CHECK_EQ_U(st.input_trailing_unprocessed_bytes, 7);
                /*
                 * a fatal block error leaves the earlier output untouched (the
                 * run wrote a temporary file, removed on the error)
                 */
                size_t before_n = 0;
                uint8_t *before = read_file(out, &before_n);
                b.p[92 + 12] ^= 0xFF; /* NRB closing length */
                write_file(in, b.p, b.len);
                CHECK(cst_constrict_file(in, out, &cfg, NULL, &st, err) == CST_EFATAL);
                CHECK_STR(err, "file offset 92: PCAPNG block closing length does not match "
                               "opening length");
                o = read_file(out, &n);
                CHECK(o && before && n == before_n && memcmp(o, before, n) == 0);
                free(o);
                free(before);
                b.p[8] ^= 0xFF; /* byte-order magic */
                write_file(in, b.p, b.len);
                unlink(out);
                CHECK(cst_constrict_file(in, out, &cfg, NULL, &st, err) == CST_EFATAL);
                CHECK_STR(err, "file offset 0: invalid PCAPNG byte-order magic");
                CHECK(access(out, F_OK) != 0); /* no output, no temporary file */
                free(b.p);
        }
}

/* The same-file check is the CLI's now (cli/paths.c, tests/cli/args.test.sh). */
static void test_detect_and_same_file(void)
{
        char err[CST_ERRBUF];
        enum cst_file_format fmt;
        const char *p = tmp_path("detect.bin"), *q = tmp_path("detect2.bin");
        const char *l = tmp_path("detect_link.bin");
        CHECK(cst_detect_format("/nonexistent/in.pcap", &fmt, err) == CST_EFATAL);
        CHECK_STR(err, "failed to open input file");
        write_file(p, "\x0A\x0D\x0D", 3);
        CHECK(cst_detect_format(p, &fmt, err) == CST_EFATAL);
        CHECK_STR(err, "input file is too small to detect capture format");
        write_file(p, "GIF89a", 6);
        CHECK(cst_detect_format(p, &fmt, err) == CST_EFATAL);
        CHECK_STR(err, "unsupported input capture format");
        write_file(p, "\x0A\x0D\x0D\x0A", 4);
        CHECK(cst_detect_format(p, &fmt, err) == CST_OK && fmt == CST_FORMAT_PCAPNG);
        write_file(p, "\xA1\xB2\x3C\x4D", 4);
        CHECK(cst_detect_format(p, &fmt, err) == CST_OK && fmt == CST_FORMAT_PCAP);
        (void)q;
        (void)l;
}

static void test_reinflate(void)
{
        struct cst_config cfg;
        struct cst_stats st;
        char err[CST_ERRBUF];
        struct bbuf b = {0}, want = {0};
        cst_config_defaults(&cfg);
        pcap_header(&b);
        pcap_record(&b, 10, 20);
        pcap_record(&b, 12, 6); /* caplen > origlen: unchanged */
        pcap_header(&want);
        bb_put(&want, b.p + 24, 8);
        bb_u32(&want, 20, false);
        bb_u32(&want, 20, false);
        bb_put(&want, b.p + 40, 10);
        for (int i = 0; i < 10; i++)
                bb_u8(&want, 0xAB);
        bb_put(&want, b.p + 50, 28);
        const char *in = tmp_path("ri.pcap"), *out = tmp_path("ri_out.pcap");
        write_file(in, b.p, b.len);
        CHECK(cst_reinflate_file(in, out, &cfg, &st, err) == CST_OK);
        CHECK_EQ_U(st.total_packets, 2);
        CHECK_EQ_U(st.packets_reinflated, 1);
        CHECK_EQ_U(st.filler_bytes_written, 10);
        CHECK_EQ_U(st.caplen_exceeds_origlen_packets, 1);
        CHECK_EQ_U(st.total_captured_bytes_written, 32);
        size_t n;
        uint8_t *o = read_file(out, &n);
        CHECK(o && n == want.len && memcmp(o, want.p, n) == 0);
        free(o);
        /* the original-length bound names the packet and its file offset */
        pcap_record(&b, 4, 300000);
        write_file(in, b.p, b.len);
        CHECK(cst_reinflate_file(in, out, &cfg, &st, err) == CST_EFATAL);
        CHECK_STR(err, "packet 3 at file offset 78: original length 300000 exceeds the maximum of "
                       "262144 bytes");
        /* pcapng: EPB on an unknown interface is re-written unchanged */
        struct bbuf g = {0};
        ng_file(&g, true);
        write_file(in, g.p, g.len);
        CHECK(cst_reinflate_file(in, out, &cfg, &st, err) == CST_OK);
        CHECK_EQ_U(st.pcapng_unsupported_packets, 1);
        CHECK_EQ_U(st.pcapng_enhanced_packets, 2);
        o = read_file(out, &n);
        CHECK(o && n == g.len && memcmp(o, g.p, n) == 0);
        free(o);
        free(g.p);
        free(b.p);
        free(want.p);
}

int main(void)
{
        test_reinflate();
        test_pcap_tail();
        test_pcapng();
        test_detect_and_same_file();
        return check_summary("test_offline");
}
