/*
 * Engine pipeline (SPEC 2.5) and decision log (SPEC 2.11): length checks,
 * unknown interfaces, port selection and enabled flags, CSV header, rows,
 * quoting, IPv6 without compression, parent directory creation and the
 * exact error messages.
 */
#include "check.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "flow_build.h"

#include <sys/stat.h>
#include <unistd.h>

static uint8_t buf[4096];

static cst_engine *engine_with(struct cst_config *c)
{
        char err[CST_ERRBUF];
        cst_engine *e = cst_engine_new(c, err);
        if (!e)
                exit(1);
        return e;
}

static struct cst_config defaults(void)
{
        struct cst_config c;
        cst_config_defaults(&c);
        return c;
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return strdup("");
        static char text[1 << 16];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        return strdup(text);
}

static void tmp_path(char *out, size_t cap, const char *name)
{
        const char *t = getenv("CST_TMP");
        snprintf(out, cap, "%s/engine_%d/%s", t ? t : "/tmp", (int)getpid(), name);
}

/* Length checks and unknown interfaces never reach decode. */
static void test_length_rules(void)
{
        struct cst_config c = defaults();
        cst_engine *e = engine_with(&c);
        struct tflow f;
        tf_init(&f, e, false, 1234);
        uint32_t n = tf_build(
            &f, 1, 6, 1, 0x18,
            (const uint8_t *)"\x17\x03\x03\x01\x00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 45);
        struct cst_packet p = {.data = f.frame, .caplen = n, .origlen = n + 10, .linktype = 1};
        struct cst_verdict v;
        cst_engine_process(e, &p, &v);
        CHECK(v.keep_len == n && v.reason == CST_R_KEEP_ALREADY_TRUNCATED);
        p.origlen = n - 1;
        cst_engine_process(e, &p, &v);
        CHECK(v.keep_len == n && v.reason == CST_R_KEEP_CAPLEN_EXCEEDS_ORIGLEN);
        p.origlen = n;
        p.flags = CST_PKT_UNKNOWN_IF;
        cst_engine_process(e, &p, &v);
        CHECK(v.keep_len == n);
        p.flags = 0;
        p.linktype = 147; /* a user DLT: unsupported */
        cst_engine_process(e, &p, &v);
        CHECK(v.reason == CST_R_KEEP_UNSUPPORTED_LINK_TYPE);
        struct cst_stats *st = cst_engine_stats(e);
        CHECK_EQ_U(st->already_truncated_input_packets, 1);
        CHECK_EQ_U(st->caplen_exceeds_origlen_packets, 1);
        CHECK_EQ_U(st->pcapng_unsupported_packets, 1);
        CHECK_EQ_U(st->unsupported_link_type_packets, 1);
        CHECK_EQ_U(st->decoded_tcp_packets, 0);
        cst_engine_free(e);
}

/* A TLS 1.3 server flight on `port`; returns the payload bytes kept of the AppData segment. */
static uint32_t appdata_on(cst_engine *e, uint16_t port)
{
        struct tflow f;
        tf_init(&f, e, false, 5555);
        f.sport = port;
        uint32_t n = 0;
        tls_hs(buf, &n, 1, 200);
        tf_tcp(&f, 0, buf, n);
        n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 600);
        return tf_tcp(&f, 1, buf, n);
}

static void test_ports_and_enabled(void)
{
        struct cst_config c = defaults();
        c.tls_ports.any = false;
        c.tls_ports.bits[443 >> 3] |= 1u << (443 & 7);
        cst_engine *e = engine_with(&c);
        CHECK_EQ_U(appdata_on(e, 443), 8);
        CHECK_EQ_U(appdata_on(e, 8443), 605); /* not a TLS port: not analysed */
        CHECK_EQ_U(cst_engine_stats(e)->flows_active, 1);
        cst_engine_free(e);
        c = defaults();
        c.tls_enabled = false;
        e = engine_with(&c);
        CHECK_EQ_U(appdata_on(e, 443), 605);
        CHECK_EQ_U(cst_engine_stats(e)->tls_state_reset_on_syn_or_rst, 0);
        cst_engine_free(e);
        c = defaults();
        e = engine_with(&c);
        CHECK_EQ_U(appdata_on(e, 8443), 8); /* offline default: every port */
        cst_engine_free(e);
}

/* FIN from both sides closes the flow; RST erases it (as the old tool's map). */
static void test_flow_close(void)
{
        struct cst_config c = defaults();
        cst_engine *e = engine_with(&c);
        CHECK_EQ_U(appdata_on(e, 443), 8);
        struct tflow f;
        tf_init(&f, e, false, 5555);
        f.seq[0] = 1000 + 205, f.seq[1] = 500000 + 605;
        CHECK_EQ_U(cst_engine_stats(e)->flows_active, 1);
        tf_tcp_at(&f, 0, f.seq[0], 0x11, NULL, 0);
        CHECK_EQ_U(cst_engine_stats(e)->flows_active, 1);
        tf_tcp_at(&f, 1, f.seq[1], 0x11, NULL, 0);
        CHECK_EQ_U(cst_engine_stats(e)->flows_active, 0);
        CHECK_EQ_U(cst_engine_stats(e)->flows_closed, 1);
        CHECK_EQ_U(appdata_on(e, 444), 8);
        tf_init(&f, e, false, 5555);
        f.sport = 444;
        tf_tcp_at(&f, 1, 7, 0x14, NULL, 0);
        CHECK_EQ_U(cst_engine_stats(e)->flows_active, 0);
        cst_engine_free(e);
}

static const char HEADER[] =
    "packet_index,src_ip,src_port,dst_ip,dst_port,transport,tcp_seq,tcp_ack,tcp_flags,"
    "captured_length_before,captured_length_after,original_length,transport_payload_size,"
    "decision,reason,bytes_saved,tls_state_before,tls_state_after,"
    "tls_active_record_remaining_before,tls_active_record_remaining_after,tls_record_event,"
    "decode_note\n";

static void test_decision_log_rows(void)
{
        char path[512], err[CST_ERRBUF];
        tmp_path(path, sizeof(path), "deep/er/log.csv"); /* parents are created */
        struct cst_config c = defaults();
        cst_engine *e = engine_with(&c);
        CHECK(cst_engine_open_decision_log(e, path, err) == 0);
        struct tflow f;
        tf_init(&f, e, true, 40000);
        tf_handshake(&f); /* 3 packets: no rows (no payload) */
        uint32_t n = 0;
        tls_hs(buf, &n, 1, 100);
        tf_tcp(&f, 0, buf, n); /* #4 */
        n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 3000);
        tf_tcp(&f, 1, buf, 1000); /* #5: AppData start, active record */
        tf_udp(&f, 0, buf, 100);  /* #6: UDP: no row */
        struct cst_packet p = {.data = f.frame, .caplen = 60, .origlen = 80, .linktype = 1};
        struct cst_verdict v;
        cst_engine_process(e, &p, &v); /* #7: already truncated */
        CHECK(cst_engine_decision_log_error(e, err) == 0);
        CHECK(cst_engine_close_decision_log(e, err) == 0);
        char *text = slurp(path);
        const char *want_rows =
            "4,\"2001:db8:a:0:0:0:0:1\",40000,\"2a00:1450:400f:805:0:0:0:200e\",443,\"tcp\","
            "1001,500001,\"0x18\",179,179,179,105,\"keep\",\"keep.no_candidate\",0,\"none\","
            "\"confirmed/synchronized\",0,0,\"visible_handshake\",\"\"\n"
            "5,\"2a00:1450:400f:805:0:0:0:200e\",443,\"2001:db8:a:0:0:0:0:1\",40000,\"tcp\","
            "500001,1106,\"0x18\",1074,82,1074,1000,\"truncate\",\"truncate.tls_app_data_start\","
            "992,\"confirmed/unsynchronized\","
            "\"confirmed/synchronized/seen_app_data/active_app_data\",0,2005,\"app_data_start\","
            "\"\"\n"
            "7,\"\",0,\"\",0,\"\",0,0,\"\",60,60,80,0,\"keep\",\"keep.already_truncated\",0,\"\","
            "\"\",0,0,\"\",\"\"\n";
        CHECK(strncmp(text, HEADER, strlen(HEADER)) == 0);
        CHECK_STR(text + (strncmp(text, HEADER, strlen(HEADER)) == 0 ? strlen(HEADER) : 0),
                  want_rows);
        free(text);
        cst_engine_free(e);
}

static void test_decision_log_errors(void)
{
        char dir[512], path[1024], err[CST_ERRBUF];
        struct cst_config c = defaults();
        cst_engine *e = engine_with(&c);
        tmp_path(dir, sizeof(dir), "errs");
        snprintf(path, sizeof(path), "%s/x.csv", dir);
        CHECK(cst_engine_open_decision_log(e, path, err) == 0); /* creates errs/ */
        CHECK(cst_engine_close_decision_log(e, err) == 0);
        CHECK(cst_engine_open_decision_log(e, dir, err) == CST_EFATAL); /* a directory */
        CHECK_STR(err, "failed to open decision log file");
        snprintf(path, sizeof(path), "%s/x.csv/sub/y.csv", dir); /* parent is a file */
        CHECK(cst_engine_open_decision_log(e, path, err) == CST_EFATAL);
        CHECK_STR(err, "failed to create decision log directory");
        if (access("/dev/full", W_OK) == 0) {
                CHECK(cst_engine_open_decision_log(e, "/dev/full", err) == CST_EFATAL);
                CHECK_STR(err, "failed to write decision log header");
        }
        cst_engine_free(e);
}

int main(void)
{
        test_length_rules();
        test_ports_and_enabled();
        test_flow_close();
        test_decision_log_rows();
        test_decision_log_errors();
        return check_summary("test_engine");
}
