/*
 * decision_log (src/policy/decision_log.c): the CSV rows of SPEC 2.11 —
 * exact header, string columns double-quoted with inner quotes doubled,
 * numeric columns bare, IPv6 as eight lowercase groups without `::`, the
 * decode_note column last — and a write error surfaced by dlog_close().
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#include "check.h"
#include "policy/decision_log.h"

static const char HEADER[] =
    "packet_index,src_ip,src_port,dst_ip,dst_port,transport,tcp_seq,tcp_ack,tcp_flags,"
    "captured_length_before,captured_length_after,original_length,transport_payload_size,"
    "decision,reason,bytes_saved,tls_state_before,tls_state_after,"
    "tls_active_record_remaining_before,tls_active_record_remaining_after,tls_record_event,"
    "decode_note\n";

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        static char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static struct decoded tcp4(void)
{
        struct decoded d;
        memset(&d, 0, sizeof(d));
        d.status = DEC_OK;
        d.transport = 6;
        d.ip_version = 4;
        d.addr_len = 4;
        d.flags = DEC_F_HAVE_ADDR;
        d.sport = 51234;
        d.dport = 443;
        d.seq = 4000000000u;
        d.ack = 7;
        d.tcp_flags = 0x18;
        d.payload_off = 54;
        d.payload_len = 50;
        memcpy(d.src, (const uint8_t[]){10, 0, 0, 1}, 4);
        memcpy(d.dst, (const uint8_t[]){192, 168, 100, 254}, 4);
        return d;
}

static struct decoded udp6(void)
{
        struct decoded d;
        memset(&d, 0, sizeof(d));
        d.status = DEC_OK;
        d.transport = 17;
        d.ip_version = 6;
        d.addr_len = 16;
        d.flags = DEC_F_HAVE_ADDR;
        d.sport = 443;
        d.dport = 5353;
        d.payload_off = 62;
        d.payload_len = 30;
        static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const uint8_t b[16] = {0xfe, 0x80, 0, 0, 0, 0, 0,    0,
                                      0xab, 0xcd, 0, 0, 0, 0, 0x0f, 0};
        memcpy(d.src, a, 16);
        memcpy(d.dst, b, 16);
        return d;
}

static void test_rows(const char *dir)
{
        char path[512], err[CST_ERRBUF];
        snprintf(path, sizeof(path), "%s/sub/dir/log.csv", dir); /* parents are created */
        struct dlog *l = NULL;
        CHECK_EQ_U(dlog_open(&l, path, err), 0);
        if (!l)
                return;
        struct decoded t = tcp4(), u = udp6(), m = tcp4();
        m.status = DEC_MALFORMED;
        m.flags |= DEC_F_IPV4_LEN_SHORT;
        struct dlog_row rows[] = {
            {.index = 1,
             .d = &t,
             .caplen_before = 110, /* 6 bytes past the TCP payload: a decode note */
             .caplen_after = 60,
             .origlen = 110,
             .reason = CST_R_TRUNCATE_TLS_APP_DATA_START,
             .tls_seen = true,
             .state_before = "confirmed/synchronized",
             .state_after = "say \"hi\"",
             .remaining_before = 3,
             .remaining_after = 4000000000u,
             .event = "app_data_start"},
            {.index = 2,
             .d = &u,
             .caplen_before = 92,
             .caplen_after = 92,
             .origlen = 92,
             .reason = CST_R_KEEP_QUIC_LONG_HEADER,
             .tls_seen = false,
             .state_before = "ignored",
             .state_after = "ignored",
             .remaining_before = 9,
             .event = "ignored"},
            {.index = 3,
             .d = NULL,
             .caplen_before = 60,
             .caplen_after = 60,
             .origlen = 1500,
             .reason = CST_R_KEEP_ALREADY_TRUNCATED},
            {.index = 18446744073709551615ull,
             .d = &m,
             .caplen_before = 200,
             .caplen_after = 200,
             .origlen = 200,
             .reason = CST_R_KEEP_DECODE_MALFORMED},
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                dlog_write(l, &rows[i]);
        CHECK_EQ_U(dlog_error(l, err), 0);
        CHECK_EQ_U(dlog_close(l, err), 0);
        const char *got = slurp(path);
        CHECK(got != NULL);
        if (!got)
                return;
        static const char want[] =
            "1,\"10.0.0.1\",51234,\"192.168.100.254\",443,\"tcp\",4000000000,7,\"0x18\",110,60,110,"
            "50,\"truncate\",\"truncate.tls_app_data_start\",50,\"confirmed/synchronized\","
            "\"say \"\"hi\"\"\",3,4000000000,\"app_data_start\","
            "\"transport_payload_truncated_by_length_fields\"\n"
            "2,\"2001:db8:0:0:0:0:0:1\",443,\"fe80:0:0:0:abcd:0:0:f00\",5353,\"udp\",0,0,\"\",92,"
            "92,92,30,\"keep\",\"keep.quic_long_header\",0,\"\",\"\",0,0,\"\",\"\"\n"
            "3,\"\",0,\"\",0,\"\",0,0,\"\",60,60,1500,0,\"keep\",\"keep.already_truncated\",0,\"\","
            "\"\",0,0,\"\",\"\"\n"
            "18446744073709551615,\"10.0.0.1\",0,\"192.168.100.254\",0,\"\",0,0,\"\",200,200,200,0,"
            "\"keep\",\"keep.decode_malformed\",0,\"\",\"\",0,0,\"\","
            "\"ipv4_total_length_smaller_than_captured_ip_bytes|"
            "captured_bytes_after_ipv4_total_length_ignored\"\n";
        CHECK(strncmp(got, HEADER, sizeof(HEADER) - 1) == 0);
        CHECK_STR(got + strlen(HEADER), want);
}

/* A file system refusing the rows (RLIMIT_FSIZE): the error comes back, once, with a message. */
static void test_write_error(const char *dir)
{
        char path[512], err[CST_ERRBUF] = "";
        snprintf(path, sizeof(path), "%s/full.csv", dir);
        signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
        struct rlimit old, lim;
        getrlimit(RLIMIT_FSIZE, &old);
        lim = old;
        lim.rlim_cur = 1024; /* room for the header, not for the rows */
        CHECK_EQ_U(setrlimit(RLIMIT_FSIZE, &lim), 0);
        struct dlog *l = NULL;
        CHECK_EQ_U(dlog_open(&l, path, err), 0);
        struct decoded t = tcp4();
        struct dlog_row row = {.d = &t, .caplen_before = 104, .caplen_after = 104, .origlen = 104};
        for (unsigned i = 0; l && i < 4000; i++) { /* ~600 KiB: more than the 256 KiB buffer */
                row.index = i + 1;
                dlog_write(l, &row);
        }
        CHECK(l && dlog_error(l, err) == CST_EFATAL);
        CHECK(strstr(err, "decision log") != NULL);
        err[0] = '\0';
        CHECK(l && dlog_close(l, err) == CST_EFATAL);
        CHECK(strstr(err, "decision log") != NULL);
        setrlimit(RLIMIT_FSIZE, &old);
}

/* Unwritable place: the open fails with a message, nothing is returned. */
static void test_open_error(void)
{
        char err[CST_ERRBUF] = "";
        struct dlog *l = (struct dlog *)1;
        CHECK(dlog_open(&l, "/proc/self/no/such/dir/log.csv", err) != 0);
        CHECK(l == NULL);
        CHECK(err[0] != '\0');
        CHECK_EQ_U(dlog_close(NULL, err), 0);
}

int main(void)
{
        char dir[] = "/tmp/cst-dlog-XXXXXX";
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        test_rows(dir);
        test_write_error(dir);
        test_open_error();
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", dir);
        return check_summary("decision_log");
}
