/*
 * Unit tests of the pipeline handle (include/constrictor/pipeline.h): the
 * in-memory source (passes, time shift, rate), run limits, the per-packet
 * callback, stop requests, the same-format and dump sinks, the live keep
 * rule, and capture files (PCAP and PCAPNG) read through the format readers
 * behind the capture handle.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <constrictor/constrictor.h>

#include "check.h"
#include "test_pcap_util.h"

#define NPKT 5

/* A classic little-endian µs PCAP of NPKT Ethernet frames of 60 + 20*i bytes. */
static void build_pcap(struct bbuf *b, uint32_t snaplen)
{
        memset(b, 0, sizeof(*b));
        bb_u32(b, 0xA1B2C3D4u, false);
        bb_u16(b, 2, false);
        bb_u16(b, 4, false);
        bb_u32(b, 0, false);
        bb_u32(b, 0, false);
        bb_u32(b, snaplen, false);
        bb_u32(b, CST_LINK_ETHERNET, false);
        for (uint32_t i = 0; i < NPKT; i++) {
                uint32_t len = 60 + 20 * i;
                bb_u32(b, 1000 + i, false);
                bb_u32(b, 500, false);
                bb_u32(b, len, false);
                bb_u32(b, len, false);
                for (uint32_t j = 0; j < len; j++)
                        bb_u8(b, (uint8_t)(j < 12 ? 0x02 : j == 12 ? 0x88 : j == 13 ? 0xB5 : j));
        }
}

/* The same packets as PCAPNG: SHB, IDB (link type lt), EPBs. */
static void build_pcapng(struct bbuf *b, uint16_t lt)
{
        memset(b, 0, sizeof(*b));
        bb_u32(b, 0x0A0D0D0Au, false);
        bb_u32(b, 28, false);
        bb_u32(b, 0x1A2B3C4Du, false);
        bb_u16(b, 1, false);
        bb_u16(b, 0, false);
        bb_u32(b, 0xFFFFFFFFu, false);
        bb_u32(b, 0xFFFFFFFFu, false);
        bb_u32(b, 28, false);
        bb_u32(b, 1, false); /* IDB */
        bb_u32(b, 20, false);
        bb_u16(b, lt, false);
        bb_u16(b, 0, false);
        bb_u32(b, 262144, false);
        bb_u32(b, 20, false);
        for (uint32_t i = 0; i < NPKT; i++) {
                uint32_t len = 60 + 20 * i, total = 32 + ((len + 3) & ~3u);
                bb_u32(b, 6, false);
                bb_u32(b, total, false);
                bb_u32(b, 0, false);
                bb_u32(b, 0, false);
                bb_u32(b, (1000 + i) * 1000000u, false);
                bb_u32(b, len, false);
                bb_u32(b, len, false);
                for (uint32_t j = 0; j < ((len + 3) & ~3u); j++)
                        bb_u8(b, (uint8_t)(j < len ? j : 0));
                bb_u32(b, total, false);
        }
}

struct seen {
        unsigned n;
        unsigned stop_at; /* return 1 at this packet (1-based); 0 = never */
        uint64_t last_ts;
        bool ts_increasing;
        uint32_t keep[64];
        uint16_t reason[64];
};

static int on_packet(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v)
{
        struct seen *s = ctx;
        if (s->n && pkt->ts_ns <= s->last_ts)
                s->ts_increasing = false;
        s->last_ts = pkt->ts_ns;
        if (s->n < 64) {
                s->keep[s->n] = v->keep_len;
                s->reason[s->n] = v->reason;
        }
        s->n++;
        return s->stop_at && s->n == s->stop_at;
}

static cst_pipeline *open_mem(const struct bbuf *b, uint64_t loops, uint64_t rate)
{
        char err[CST_ERRBUF];
        cst_pipeline *p = NULL;
        struct cst_memory_opts m = {.data = b->p, .len = b->len, .loops = loops, .rate_pps = rate};
        if (cst_pipeline_open_memory(&p, &m, err) != CST_OK) {
                fprintf(stderr, "open_memory: %s\n", err);
                return NULL;
        }
        return p;
}

static void test_memory_loops(void)
{
        char err[CST_ERRBUF];
        struct bbuf b;
        struct cst_pipeline_stats st;
        build_pcap(&b, 65535);
        cst_pipeline *p = open_mem(&b, 3, 0);
        CHECK(p != NULL);
        struct seen s = {.ts_increasing = true};
        struct cst_run_opts ro = {.on_packet = on_packet, .ctx = &s};
        CHECK_EQ_U(cst_pipeline_linktype(p), CST_LINK_ETHERNET);
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        cst_pipeline_get_stats(p, &st);
        CHECK_EQ_U(s.n, 3 * NPKT);
        CHECK(s.ts_increasing); /* every pass moves time on */
        CHECK_EQ_U(st.packets_total, 3 * NPKT);
        CHECK_EQ_U(st.packets_written, 3 * NPKT);
        CHECK_EQ_U(st.stop, CST_STOP_END_OF_INPUT);
        CHECK_EQ_U(st.bytes_input, 3 * (60 + 80 + 100 + 120 + 140));
        CHECK_EQ_U(s.keep[4], 140); /* no engine: kept whole */
        CHECK(cst_pipeline_close(p, err) == CST_OK);
        free(b.p);
}

static void test_limits_and_stop(void)
{
        char err[CST_ERRBUF];
        struct bbuf b;
        struct cst_pipeline_stats st;
        build_pcap(&b, 65535);
        /* max_packets across passes */
        cst_pipeline *p = open_mem(&b, UINT64_MAX, 0);
        struct seen s = {.ts_increasing = true};
        struct cst_run_opts ro = {.max_packets = 12, .on_packet = on_packet, .ctx = &s};
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        cst_pipeline_get_stats(p, &st);
        CHECK_EQ_U(s.n, 12);
        CHECK_EQ_U(st.stop, CST_STOP_MAX_PACKETS);
        cst_pipeline_close(p, err);

        /* the callback stops the run after its packet */
        p = open_mem(&b, 1, 0);
        s = (struct seen){.stop_at = 2, .ts_increasing = true};
        ro = (struct cst_run_opts){.on_packet = on_packet, .ctx = &s};
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        cst_pipeline_get_stats(p, &st);
        CHECK_EQ_U(st.stop, CST_STOP_CALLBACK);
        CHECK_EQ_U(st.packets_written, 2);

        /* a stop request before the run: nothing read; the next run goes on */
        cst_pipeline_request(p, CST_REQ_STOP);
        s.stop_at = 0;
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        cst_pipeline_get_stats(p, &st);
        CHECK_EQ_U(st.stop, CST_STOP_REQUEST);
        CHECK_EQ_U(s.n, 2);
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        cst_pipeline_get_stats(p, &st);
        CHECK_EQ_U(st.stop, CST_STOP_END_OF_INPUT);
        CHECK_EQ_U(s.n, NPKT);
        cst_pipeline_close(p, err);
        free(b.p);
}

/* Packet views instead of a file image: replayed, time moving on, into a dump sink. */
static void test_views(void)
{
        char err[CST_ERRBUF];
        static uint8_t frame[3][100];
        struct cst_packet pkts[3];
        struct cst_pipeline_stats st;
        for (int i = 0; i < 3; i++) {
                memset(frame[i], 0x11 * (i + 1), sizeof(frame[i]));
                pkts[i] = (struct cst_packet){.data = frame[i],
                                              .caplen = 100,
                                              .origlen = 100,
                                              .ts_ns = 1000000000ull * (10 + i),
                                              .linktype = CST_LINK_ETHERNET,
                                              .kind = CST_REC_PACKET};
        }
        cst_pipeline *p = NULL;
        struct cst_memory_opts m = {.loops = 2, .packets = pkts, .n_packets = 3};
        CHECK(cst_pipeline_open_memory(&p, &m, err) == CST_OK);
        CHECK_EQ_U(cst_pipeline_linktype(p), CST_LINK_ETHERNET);
        CHECK(cst_pipeline_output_file(p, tmp_path("views.pcap"), err) == CST_EFATAL);
        const char *out = tmp_path("views_dump.pcap");
        struct cst_dump_opts d = {.format = CST_FORMAT_PCAP, .nsec = true};
        CHECK(cst_pipeline_output_dump(p, out, &d, err) == CST_OK);
        struct seen s = {.ts_increasing = true};
        struct cst_run_opts ro = {.on_packet = on_packet, .ctx = &s};
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        cst_pipeline_get_stats(p, &st);
        CHECK_EQ_U(s.n, 6);
        CHECK(s.ts_increasing);
        CHECK_EQ_U(st.bytes_output, 600);
        CHECK(cst_pipeline_close(p, err) == CST_OK);
        size_t n = 0;
        uint8_t *f = read_file(out, &n);
        CHECK_EQ_U(n, 24 + 6 * (16 + 100));
        CHECK(f && f[24 + 16] == 0x11 && f[24 + 3 * 116 + 16] == 0x11); /* second pass */
        free(f);
        unlink(out);
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_rate(void)
{
        char err[CST_ERRBUF];
        struct bbuf b;
        build_pcap(&b, 65535);
        cst_pipeline *p = open_mem(&b, 4, 100); /* 20 packets at 100 pps: about 0.2 s */
        struct seen s = {.ts_increasing = true};
        struct cst_run_opts ro = {.on_packet = on_packet, .ctx = &s};
        double t0 = now_s();
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        double dt = now_s() - t0;
        CHECK_EQ_U(s.n, 20);
        CHECK(dt >= 0.18);
        CHECK(dt < 2.0);
        cst_pipeline_close(p, err);
        free(b.p);
}

/* No engine and a same-format sink: the output is the input, byte for byte. */
static void same_format_copy(const struct bbuf *b, const char *name)
{
        char err[CST_ERRBUF];
        const char *out = tmp_path(name);
        cst_pipeline *p = open_mem(b, 1, 0);
        struct cst_run_opts ro = {0};
        CHECK(cst_pipeline_output_file(p, out, err) == CST_OK);
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        CHECK(cst_pipeline_close(p, err) == CST_OK);
        size_t n = 0;
        uint8_t *got = read_file(out, &n);
        CHECK(got && n == b->len && memcmp(got, b->p, n) == 0);
        free(got);
        unlink(out);
}

static void test_sinks(void)
{
        char err[CST_ERRBUF];
        struct bbuf b, ng;
        build_pcap(&b, 65535);
        build_pcapng(&ng, CST_LINK_ETHERNET);
        same_format_copy(&b, "copy.pcap");
        same_format_copy(&ng, "copy.pcapng");

        /* dump sink: synthesized ns header, packets readable back through a file source */
        const char *out = tmp_path("dump.pcap");
        cst_pipeline *p = open_mem(&ng, 2, 0);
        struct cst_dump_opts d = {.format = CST_FORMAT_PCAP, .nsec = true};
        struct cst_run_opts ro = {0};
        CHECK(cst_pipeline_output_dump(p, out, &d, err) == CST_OK);
        CHECK_STR(cst_pipeline_output_path(p), out);
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        CHECK(cst_pipeline_close(p, err) == CST_OK);
        CHECK(cst_pipeline_open_file(&p, out, err) == CST_OK);
        struct seen s = {.ts_increasing = true};
        ro = (struct cst_run_opts){.on_packet = on_packet, .ctx = &s};
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        CHECK_EQ_U(s.n, 2 * NPKT);
        CHECK(s.ts_increasing);
        CHECK_EQ_U(cst_pipeline_file_stats(p)->input_nsec, 1);
        CHECK_EQ_U(cst_pipeline_file_stats(p)->total_packets, 2 * NPKT);
        cst_pipeline_close(p, err);
        unlink(out);

        /* a same-format sink needs a file source */
        CHECK(cst_pipeline_open_file(&p, "/nonexistent/in.pcap", err) == CST_EFATAL);
        CHECK_STR(err,
                  "failed to open input file: /nonexistent/in.pcap: No such file or directory");
        free(b.p);
        free(ng.p);
}

/* SPEC 3.2 through CST_KEEP_SNAPLEN: the snaplen cap and its reason. */
static void test_keep_snaplen(void)
{
        char err[CST_ERRBUF];
        struct bbuf b;
        struct cst_config cfg;
        struct cst_pipeline_stats st;
        build_pcap(&b, 65535);
        cst_config_defaults(&cfg);
        cfg.default_snaplen = 100;
        cfg.max_capture_len = 262144;
        cst_pipeline *p = open_mem(&b, 1, 0);
        CHECK(cst_pipeline_set_engine(p, &cfg, err) == CST_OK);
        CHECK(cst_pipeline_engine(p) != NULL);
        struct seen s = {.ts_increasing = true};
        struct cst_run_opts ro = {.keep_rule = CST_KEEP_SNAPLEN, .on_packet = on_packet, .ctx = &s};
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        cst_pipeline_get_stats(p, &st);
        CHECK_EQ_U(s.keep[0], 60);
        CHECK_EQ_U(s.keep[2], 100);
        CHECK_EQ_U(s.keep[4], 100);
        CHECK_EQ_U(s.reason[4], CST_R_TRUNCATE_SNAPLEN);
        CHECK_EQ_U(st.cut_by_snaplen, 2);
        CHECK_EQ_U(st.bytes_output, 60 + 80 + 100 + 100 + 100);
        CHECK_EQ_U(st.reasons[CST_R_TRUNCATE_SNAPLEN], 2);
        cst_pipeline_close(p, err);

        /* the offline rule does not cap */
        p = open_mem(&b, 1, 0);
        CHECK(cst_pipeline_set_engine(p, &cfg, err) == CST_OK);
        s = (struct seen){.ts_increasing = true};
        ro.keep_rule = CST_KEEP_VERDICT;
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        CHECK_EQ_U(s.keep[4], 140);
        cst_pipeline_close(p, err);
        free(b.p);
}

/* Capture files behind the capture handle: PCAPNG now, truncated records, filters. */
static void test_capture_files(void)
{
        char err[CST_ERRBUF];
        struct bbuf b, ng;
        struct cst_packet pkts[8];
        cst_capture *c;
        int rc;
        unsigned n = 0;
        build_pcap(&b, 65535);
        build_pcapng(&ng, CST_LINK_RAW);
        const char *png = tmp_path("cap.pcapng"), *pc = tmp_path("cap.pcap");
        write_file(png, ng.p, ng.len);
        CHECK(cst_capture_open_file(&c, png, NULL, err) == CST_OK);
        CHECK_EQ_U(cst_capture_linktype(c), CST_LINK_RAW);
        while ((rc = cst_capture_next_batch(c, pkts, 3, 0, err)) >= 0)
                n += (unsigned)rc;
        CHECK(rc == CST_CAPTURE_EOF);
        CHECK_EQ_U(n, NPKT);
        cst_capture_close(c);
        CHECK(cst_capture_open_feed(&c, png, err) < 0);
        CHECK_STR(err, "pcapng is not supported by this offline feed mode");

        /* a filter in user space: frames longer than 100 bytes */
        write_file(pc, b.p, b.len);
        CHECK(cst_capture_open_file(&c, pc, "greater 101", err) == CST_OK);
        n = 0;
        while ((rc = cst_capture_next_batch(c, pkts, 8, 0, err)) >= 0)
                n += (unsigned)rc;
        CHECK_EQ_U(n, 2);
        cst_capture_close(c);

        /* the feed: a record cut short is an error naming packet (from 1) and offset */
        write_file(pc, b.p, b.len - 30);
        CHECK(cst_capture_open_feed(&c, pc, err) == CST_OK);
        n = 0;
        while ((rc = cst_capture_next_batch(c, pkts, 8, 0, err)) > 0)
                n += (unsigned)rc;
        CHECK(rc == CST_EFATAL);
        CHECK_EQ_U(n, NPKT - 1);
        CHECK_STR(err, "packet 5 at offset 448: truncated packet data: need 140 bytes, have 110");
        cst_capture_close(c);
        write_file(pc, b.p, 24 + 7);
        CHECK(cst_capture_open_feed(&c, pc, err) == CST_OK);
        CHECK(cst_capture_next_batch(c, pkts, 8, 0, err) == CST_EFATAL);
        CHECK_STR(err, "packet 1 at offset 24: truncated record header: need 16 bytes, have 7");
        cst_capture_close(c);

        /* the same file through a pipeline with a dump sink */
        cst_pipeline *p;
        write_file(png, ng.p, ng.len);
        CHECK(cst_capture_open_file(&c, png, NULL, err) == CST_OK);
        CHECK(cst_pipeline_open_capture(&p, c, err) == CST_OK);
        CHECK(cst_pipeline_capture(p) == c);
        CHECK_EQ_U(cst_pipeline_linktype(p), CST_LINK_RAW);
        struct seen s = {.ts_increasing = true};
        struct cst_run_opts ro = {.on_packet = on_packet, .ctx = &s};
        CHECK(cst_pipeline_run(p, &ro, err) == CST_OK);
        CHECK_EQ_U(s.n, NPKT);
        cst_pipeline_close(p, err);
        unlink(png);
        unlink(pc);
        free(b.p);
        free(ng.p);
}

static uint32_t le32_at(const uint8_t *f, size_t off)
{
        return f[off] | f[off + 1] << 8 | f[off + 2] << 16 | (uint32_t)f[off + 3] << 24;
}

/*
 * A write that fails part-way (a file-size limit: EFBIG, as a full disk)
 * leaves the live file cut back to its last whole record (PCAPNG: block).
 */
static void write_error_truncates(int format)
{
        const char *out = tmp_path("efbig.cap");
        unlink(out);
        pid_t pid = fork();
        if (pid == 0) {
                char err[CST_ERRBUF];
                struct bbuf b;
                struct rlimit rl = {5000, 5000};
                signal(SIGXFSZ, SIG_IGN);
                setrlimit(RLIMIT_FSIZE, &rl);
                build_pcap(&b, 65535);
                cst_pipeline *p = open_mem(&b, 100, 0);
                struct cst_dump_opts d = {.format = format, .nsec = false};
                struct cst_run_opts ro = {.flush_each_batch = true};
                if (cst_pipeline_output_dump(p, out, &d, err) != CST_OK)
                        _exit(3);
                int rc = cst_pipeline_run(p, &ro, err);
                bool failed = cst_pipeline_sink_failed(p);
                cst_pipeline_close(p, err);
                _exit(rc == CST_EFATAL && failed && strstr(err, "File too large") ? 0 : 4);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        size_t n = 0;
        uint8_t *f = read_file(out, &n);
        CHECK(f != NULL && n > 24 && n <= 5000);
        /* walk the records: the file ends exactly on a record (block) boundary */
        size_t off = format == CST_FORMAT_PCAP ? 24 : 0;
        while (f && format == CST_FORMAT_PCAP && off + 16 <= n)
                off += 16 + (size_t)le32_at(f, off + 8);
        while (f && format == CST_FORMAT_PCAPNG && off + 12 <= n && le32_at(f, off + 4) >= 12)
                off += le32_at(f, off + 4);
        CHECK_EQ_U(off, n);
        free(f);
        unlink(out);
}

static void test_write_error_truncates(void)
{
        write_error_truncates(CST_FORMAT_PCAP);
        write_error_truncates(CST_FORMAT_PCAPNG);
}

int main(void)
{
        test_memory_loops();
        test_limits_and_stop();
        test_rate();
        test_views();
        test_sinks();
        test_keep_snaplen();
        test_capture_files();
        test_write_error_truncates();
        return check_summary("test_pipeline");
}
