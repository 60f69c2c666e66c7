/*
 * Configuration loader: every message of SPEC 2.2 with its line number, the
 * integer/boolean syntax of both dialects, the live dialect of SPEC 3.1,
 * the seed example config and the golden fixture configs.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "check.h"

static char tmpdir[1024];

static const char *write_file(const char *name, const char *text)
{
        static char path[1200];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        f = fopen(path, "wb");
        if (!f) {
                perror(path);
                exit(1);
        }
        fputs(text, f);
        fclose(f);
        return path;
}

/* Load `text` (offline dialect) over the defaults; returns rc, err in err. */
static int load_text(struct cst_config *c, const char *text, enum cst_config_dialect d, char *err)
{
        err[0] = '\0';
        if (d == CST_DIALECT_OFFLINE)
                cst_config_defaults(c);
        else
                cst_config_live_defaults(c);
        return cst_config_load(c, write_file("t.ini", text), d, err);
}

static struct cst_config cfg;

/* Offline: `text` must fail with exactly `want`. */
#define EXPECT_ERR(text, want)                                                                     \
        do {                                                                                       \
                char e_[CST_ERRBUF];                                                               \
                CHECK(load_text(&cfg, text, CST_DIALECT_OFFLINE, e_) == CST_EFATAL);               \
                CHECK_STR(e_, want);                                                               \
        } while (0)
#define EXPECT_OK(text)                                                                            \
        do {                                                                                       \
                char e_[CST_ERRBUF];                                                               \
                CHECK(load_text(&cfg, text, CST_DIALECT_OFFLINE, e_) == 0);                        \
                CHECK_STR(e_, "");                                                                 \
        } while (0)

static void test_defaults(void)
{
        cst_config_defaults(&cfg);
        CHECK_EQ_U(cfg.min_saved_bytes_per_packet, 16);
        CHECK_EQ_U(cfg.app_data_keep_record_bytes, 8);
        CHECK_EQ_U(cfg.app_data_continuation_keep_bytes, 8);
        CHECK_EQ_U(cfg.tls_policy, CST_TLS_FINAL_ONLY);
        CHECK_EQ_U(cfg.short_header_keep_packet_bytes, 32);
        CHECK(cfg.require_dcid_match);
        CHECK(!cfg.allow_short_header_without_known_dcid);
        CHECK(!cfg.fill_random);
        CHECK_EQ_U(cfg.fill_byte, 0xAB);
        CHECK(!cfg.checksum_recompute);
        CHECK_EQ_U(cfg.max_flows, 262144);
        CHECK_EQ_U(cfg.flow_idle_timeout_sec, 300);
        CHECK(cfg.tls_enabled && cfg.quic_enabled);
        CHECK(cfg.tls_ports.any && cfg.quic_ports.any);
        CHECK(cst_port_in(&cfg.tls_ports, 12345));
        CHECK(!cfg.keep_encrypted_handshake);
        CHECK(!cfg.learn_all_long_headers);

        cst_config_live_defaults(&cfg);
        CHECK_EQ_U(cfg.app_data_keep_record_bytes, 256);
        CHECK_EQ_U(cfg.app_data_continuation_keep_bytes, 64);
        CHECK_EQ_U(cfg.short_header_keep_packet_bytes, 128);
        CHECK(!cfg.require_dcid_match);
        CHECK(cfg.allow_short_header_without_known_dcid);
        CHECK(!cfg.tls_ports.any && !cfg.quic_ports.any);
        CHECK(cst_port_in(&cfg.tls_ports, 443) && cst_port_in(&cfg.tls_ports, 8443));
        CHECK(!cst_port_in(&cfg.tls_ports, 80));
        CHECK(cst_port_in(&cfg.quic_ports, 443) && !cst_port_in(&cfg.quic_ports, 8443));
        CHECK_EQ_U(cfg.backend, CST_BACKEND_RECVMSG);
        CHECK_STR(cfg.output, "output.pcap");
        CHECK_STR(cfg.interface, "");
        CHECK_EQ_U(cfg.default_snaplen, 65535);
        CHECK_EQ_U(cfg.max_capture_len, 65535);
        CHECK_EQ_U(cfg.ring_block_size, 1048576);
        CHECK_EQ_U(cfg.ring_block_count, 64);
        CHECK_EQ_U(cfg.ring_frame_size, 2048);
        CHECK_EQ_U(cfg.block_timeout_ms, 64);
        CHECK(cfg.stats_enabled);
        CHECK_EQ_U(cfg.max_packets, 0);
        CHECK_EQ_U(cfg.duration_sec, 0);
}

/* Every value message of the SPEC 2.2 table, with its line number. */
static void test_value_messages(void)
{
        EXPECT_ERR("[general]\nmin_saved_bytes_per_packet = x\n",
                   "config line 2: invalid value for general.min_saved_bytes_per_packet");
        EXPECT_ERR("[tls]\n\napp_data_keep_record_bytes = 4\n",
                   "config line 3: invalid value for tls.app_data_keep_record_bytes; expected "
                   "integer >= 5");
        EXPECT_ERR("[tls]\napp_data_continuation_keep_bytes = -1\n",
                   "config line 2: invalid value for tls.app_data_continuation_keep_bytes; "
                   "expected integer >= 0");
        EXPECT_ERR("[tls]\napp_data_continuation_policy = Stream\n",
                   "config line 2: invalid value for tls.app_data_continuation_policy; expected "
                   "final_only, stream, or bulk");
        EXPECT_ERR("[quic]\nshort_header_keep_packet_bytes = 0\n",
                   "config line 2: invalid value for quic.short_header_keep_packet_bytes; "
                   "expected integer >= 1");
        EXPECT_ERR("[quic]\nrequire_dcid_match = truth\n",
                   "config line 2: invalid value for quic.require_dcid_match; expected true or "
                   "false");
        EXPECT_ERR("[quic]\nrequire_dcid_match = 2\n",
                   "config line 2: invalid value for quic.require_dcid_match; expected true or "
                   "false");
        EXPECT_ERR("[quic]\nallow_short_header_without_known_dcid = y\n",
                   "config line 2: invalid value for quic.allow_short_header_without_known_dcid; "
                   "expected true or false");
        EXPECT_ERR("[reinflate]\nfill_byte = 256\n",
                   "config line 2: invalid value for reinflate.fill_byte; expected byte value "
                   "0..255 or random");
        EXPECT_ERR("[reinflate]\nfill_byte = 0x100\n",
                   "config line 2: invalid value for reinflate.fill_byte; expected byte value "
                   "0..255 or random");
        EXPECT_ERR("[reinflate]\nfill_byte = Random\n",
                   "config line 2: invalid value for reinflate.fill_byte; expected byte value "
                   "0..255 or random");
        EXPECT_ERR("[reinflate]\nchecksum_policy = Preserve\n",
                   "config line 2: invalid value for reinflate.checksum_policy; expected "
                   "preserve or recompute");
}

/* The line rules of SPEC 2.2. */
static void test_line_messages(void)
{
        EXPECT_ERR("[general]\n[tls] x\n", "config line 2: invalid section header");
        EXPECT_ERR("[tls\n", "config line 1: invalid section header");
        EXPECT_ERR("[TLSX]\n", "config line 1: unknown config section: TLSX");
        EXPECT_ERR("\n\n[outputs]\n", "config line 3: unknown config section: outputs");
        EXPECT_ERR("[]\n", "config line 1: unknown config section: ");
        EXPECT_ERR("[general]\nmin_saved_bytes_per_packet\n",
                   "config line 2: expected key = value");
        EXPECT_ERR("[general]\nmin_saved_bytes_per_packet =\n",
                   "config line 2: expected non-empty key and value");
        EXPECT_ERR("[general]\n= 5\n", "config line 2: expected non-empty key and value");
        EXPECT_ERR("[general]\nx = ; only a comment\n",
                   "config line 2: expected non-empty key and value");
        EXPECT_ERR("min_saved_bytes_per_packet = 5\n",
                   "config line 1: key appears before any section");
        EXPECT_ERR("# c\n; c\nmin_saved_bytes_per_packet = 5\n",
                   "config line 3: key appears before any section");
        EXPECT_ERR("[tls]\nfoo = 1\n", "config line 2: unknown config key: tls.foo");
        EXPECT_ERR("[general]\nMin_saved_bytes_per_packets = 1\n",
                   "config line 2: unknown config key: general.Min_saved_bytes_per_packets");
        EXPECT_ERR("[quic]\nmin_saved_bytes_per_packet = 1\n",
                   "config line 2: unknown config key: quic.min_saved_bytes_per_packet");
        /* A BOM is skipped at the start of the file only. */
        EXPECT_ERR("\n\xEF\xBB\xBF[general]\n", "config line 2: expected key = value");
        /* The first error wins. */
        EXPECT_ERR("[general]\nbad\n[nope]\n", "config line 2: expected key = value");
        /* Comments anywhere, sections and keys repeat, last assignment wins, CRLF. */
        EXPECT_OK("[ tls ]\r\napp_data_keep_record_bytes = 9 ; note\r\n[general]\r\n"
                  "min_saved_bytes_per_packet = 1#0\r\n[tls]\napp_data_keep_record_bytes=7\n"
                  "   # indented comment\n\t\n");
        CHECK_EQ_U(cfg.app_data_keep_record_bytes, 7);
        CHECK_EQ_U(cfg.min_saved_bytes_per_packet, 1);
        /* A comment character cuts even a value. */
        EXPECT_ERR("[reinflate]\nchecksum_policy = re;compute\n",
                   "config line 2: invalid value for reinflate.checksum_policy; expected "
                   "preserve or recompute");
        /* Empty file, no trailing newline. */
        EXPECT_OK("");
        EXPECT_OK("[general]\nmin_saved_bytes_per_packet = 3");
        CHECK_EQ_U(cfg.min_saved_bytes_per_packet, 3);
}

static void test_file_errors(void)
{
        char err[CST_ERRBUF];
        char path[1200];

        cst_config_defaults(&cfg);
        snprintf(path, sizeof(path), "%s/does-not-exist.ini", tmpdir);
        CHECK(cst_config_load(&cfg, path, CST_DIALECT_OFFLINE, err) == CST_EFATAL);
        /* SPEC 2.2's wording first, then the path and the cause (issue 17 item 3) */
        CHECK(strncmp(err, "failed to open config file: ", 28) == 0);
        CHECK(strstr(err, "does-not-exist.ini: No such file or directory") != NULL);
        /* A directory opens but cannot be read. */
        CHECK(cst_config_load(&cfg, tmpdir, CST_DIALECT_OFFLINE, err) == CST_EFATAL);
        CHECK_STR(err, "failed while reading config file");
}

/* Integer syntax of SPEC 2.2 through min_saved_bytes_per_packet (u32). */
static void check_u32(const char *value, long long want)
{
        char text[256], err[CST_ERRBUF];
        int rc;

        snprintf(text, sizeof(text), "[general]\nmin_saved_bytes_per_packet = %s\n", value);
        rc = load_text(&cfg, text, CST_DIALECT_OFFLINE, err);
        if (want < 0) {
                CHECK(rc == CST_EFATAL);
                CHECK_STR(err,
                          "config line 2: invalid value for general.min_saved_bytes_per_packet");
        } else {
                CHECK(rc == 0);
                CHECK_EQ_U(cfg.min_saved_bytes_per_packet, want);
        }
        if ((want < 0) != (rc != 0))
                fprintf(stderr, "  (value \"%s\")\n", value);
}

static void test_integer_syntax(void)
{
        check_u32("0", 0);
        check_u32("16", 16);
        check_u32("010", 10);
        check_u32("0x10", 16);
        check_u32("0X1f", 31);
        check_u32("0xFFFFFFFF", 4294967295LL);
        check_u32("4294967295", 4294967295LL);
        check_u32("4294967296", -1);
        check_u32("0x100000000", -1);
        check_u32("99999999999999999999999", -1);
        check_u32("+5", -1);
        check_u32("-5", -1);
        check_u32("-0", -1);
        check_u32("1e3", -1);
        check_u32("1 6", -1);
        check_u32("0x", -1);
        check_u32("0X", -1);
        check_u32("0xg", -1);
        check_u32("0x+5", -1);
        check_u32("5x", -1);
        check_u32("abc", -1);
        check_u32("0x0", 0);
        /* fill_byte: same rule, then <= 255. */
        EXPECT_OK("[reinflate]\nfill_byte = 0xff\n");
        CHECK_EQ_U(cfg.fill_byte, 255);
        CHECK(!cfg.fill_random);
        EXPECT_OK("[reinflate]\nfill_byte = 010\n");
        CHECK_EQ_U(cfg.fill_byte, 10);
        EXPECT_OK("[reinflate]\nfill_byte = random\nseed = 18446744073709551615\n");
        CHECK(cfg.fill_random);
        CHECK(cfg.seed_set);
        CHECK_EQ_U(cfg.seed, 18446744073709551615ULL);
        EXPECT_ERR("[reinflate]\nseed = 18446744073709551616\n",
                   "config line 2: invalid value for reinflate.seed; expected integer "
                   "0..18446744073709551615");
        EXPECT_OK("[reinflate]\nfill_byte = random\nfill_byte = 0\nchecksum_policy = recompute\n");
        CHECK(!cfg.fill_random);
        CHECK_EQ_U(cfg.fill_byte, 0);
        CHECK(cfg.checksum_recompute);
}

static void test_constrictor_keys(void)
{
        EXPECT_OK("[tls]\napp_data_continuation_policy = track\n");
        CHECK_EQ_U(cfg.tls_policy, CST_TLS_TRACK);
        CHECK(cfg.keep_encrypted_handshake); /* default on under track */
        EXPECT_OK(
            "[tls]\napp_data_continuation_policy = track\nkeep_encrypted_handshake = false\n");
        CHECK(!cfg.keep_encrypted_handshake);
        EXPECT_OK("[tls]\napp_data_continuation_policy = bulk\n");
        CHECK_EQ_U(cfg.tls_policy, CST_TLS_BULK);
        CHECK(!cfg.keep_encrypted_handshake);
        EXPECT_OK("[tls]\nports = 443, 8443,0, 65535\nenabled = false\n[quic]\nports=443\n"
                  "enabled = false\nlearn_all_long_headers = true\n");
        CHECK(!cfg.tls_ports.any);
        CHECK(cst_port_in(&cfg.tls_ports, 443) && cst_port_in(&cfg.tls_ports, 8443));
        CHECK(cst_port_in(&cfg.tls_ports, 0) && cst_port_in(&cfg.tls_ports, 65535));
        CHECK(!cst_port_in(&cfg.tls_ports, 444) && !cst_port_in(&cfg.tls_ports, 80));
        CHECK(cst_port_in(&cfg.quic_ports, 443) && !cst_port_in(&cfg.quic_ports, 8443));
        CHECK(!cfg.tls_enabled && !cfg.quic_enabled && cfg.learn_all_long_headers);
        EXPECT_OK("[tls]\nports = 1\nports = 2\n"); /* a later list replaces the earlier */
        CHECK(!cst_port_in(&cfg.tls_ports, 1) && cst_port_in(&cfg.tls_ports, 2));
        EXPECT_ERR("[tls]\nports = 443,,8443\n",
                   "config line 2: invalid value for tls.ports; expected comma-separated ports "
                   "0..65535");
        EXPECT_ERR("[quic]\nports = 65536\n",
                   "config line 2: invalid value for quic.ports; expected comma-separated ports "
                   "0..65535");
        EXPECT_ERR("[quic]\nports = 443,\n",
                   "config line 2: invalid value for quic.ports; expected comma-separated ports "
                   "0..65535");
        EXPECT_OK("[general]\nmax_flows = 1000\nflow_idle_timeout_sec = 0\n");
        CHECK_EQ_U(cfg.max_flows, 1000);
        CHECK_EQ_U(cfg.flow_idle_timeout_sec, 0);
        EXPECT_ERR("[general]\nmax_flows = 0\n",
                   "config line 2: invalid value for general.max_flows; expected integer >= 1");
        EXPECT_ERR("[tls]\nenabled = yess\n",
                   "config line 2: invalid value for tls.enabled; expected true or false");
        EXPECT_ERR("[capture]\nbackend = libpcap\n",
                   "config line 2: invalid value for capture.backend; expected recvmsg, "
                   "tpacket_v3, pcap or ebpf");
        EXPECT_OK("[capture]\nbackend = pcap\n"); /* issue 19 item 3 */
        CHECK_EQ_U(cfg.backend, CST_BACKEND_PCAP);
        EXPECT_OK("[capture]\nbackend = ebpf\n"); /* issue 19 item 4 */
        CHECK_EQ_U(cfg.backend, CST_BACKEND_EBPF);
        EXPECT_ERR("[capture]\ninterface = abcdefghijklmnop\n",
                   "config line 2: invalid value for capture.interface; expected an interface "
                   "name of at most 15 characters");
        EXPECT_ERR("[capture]\ndefault_snaplen = 0\n",
                   "config line 2: invalid value for capture.default_snaplen; expected integer "
                   ">= 1");
        EXPECT_ERR("[stats]\nenabled = -1\n",
                   "config line 2: invalid value for stats.enabled; expected true or false");
        EXPECT_OK("[capture]\nbackend = recvmsg\ninterface = abcdefghijklmno\nmax_packets = "
                  "0x10\nduration_sec = 5\npromiscuous = true\n[stats]\nenabled = false\n");
        CHECK_EQ_U(cfg.backend, CST_BACKEND_RECVMSG);
        CHECK_STR(cfg.interface, "abcdefghijklmno");
        CHECK_EQ_U(cfg.max_packets, 16);
        CHECK_EQ_U(cfg.duration_sec, 5);
        CHECK(cfg.promiscuous && !cfg.stats_enabled);
}

static void test_policy_names(void)
{
        enum cst_tls_policy p;
        const char *names[] = {"final_only", "stream", "bulk", "track"};

        for (unsigned i = 0; i < 4; i++) {
                CHECK(cst_tls_policy_parse(names[i], &p) == 0);
                CHECK_EQ_U(p, i);
                CHECK_STR(cst_tls_policy_name((enum cst_tls_policy)i), names[i]);
        }
        CHECK(cst_tls_policy_parse("Track", &p) != 0);
        CHECK(cst_tls_policy_parse("", &p) != 0);
        CHECK(cst_tls_policy_parse("final", &p) != 0);
        cst_config_defaults(&cfg);
        cst_config_set_policy(&cfg, CST_TLS_TRACK);
        CHECK(cfg.keep_encrypted_handshake);
        cst_config_set_policy(&cfg, CST_TLS_STREAM);
        CHECK(!cfg.keep_encrypted_handshake);
}

/* The example config of the AFPacket recorder's README (seed 000), unchanged. */
static const char seed_example[] = "[general]\n"
                                   "min_saved_bytes_per_packet = 16\n"
                                   "\n"
                                   "[capture]\n"
                                   "backend = recvmsg\n"
                                   "# backend = tpacket_v3\n"
                                   "interface = eth0\n"
                                   "output = output.pcap\n"
                                   "promiscuous = false\n"
                                   "default_snaplen = 65535\n"
                                   "max_capture_len = 65535\n"
                                   "max_packets = 0\n"
                                   "duration_sec = 0\n"
                                   "ring_block_size = 1048576\n"
                                   "ring_block_count = 64\n"
                                   "ring_frame_size = 2048\n"
                                   "block_timeout_ms = 64\n"
                                   "\n"
                                   "[tls]\n"
                                   "enabled = true\n"
                                   "ports = 443, 8443\n"
                                   "app_data_keep_record_bytes = 256\n"
                                   "app_data_continuation_keep_bytes = 64\n"
                                   "app_data_continuation_policy = final_only\n"
                                   "\n"
                                   "[quic]\n"
                                   "enabled = true\n"
                                   "ports = 443\n"
                                   "short_header_keep_packet_bytes = 128\n"
                                   "require_dcid_match = false\n"
                                   "allow_short_header_without_known_dcid = true\n"
                                   "\n"
                                   "[stats]\n"
                                   "enabled = true\n";

static void check_seed_values(void)
{
        CHECK_EQ_U(cfg.min_saved_bytes_per_packet, 16);
        CHECK_EQ_U(cfg.backend, CST_BACKEND_RECVMSG);
        CHECK_STR(cfg.interface, "eth0");
        CHECK_STR(cfg.output, "output.pcap");
        CHECK(!cfg.promiscuous);
        CHECK_EQ_U(cfg.default_snaplen, 65535);
        CHECK_EQ_U(cfg.ring_block_size, 1048576);
        CHECK_EQ_U(cfg.app_data_keep_record_bytes, 256);
        CHECK_EQ_U(cfg.app_data_continuation_keep_bytes, 64);
        CHECK(cst_port_in(&cfg.tls_ports, 8443) && !cst_port_in(&cfg.tls_ports, 80));
        CHECK(cst_port_in(&cfg.quic_ports, 443) && !cst_port_in(&cfg.quic_ports, 8443));
        CHECK_EQ_U(cfg.short_header_keep_packet_bytes, 128);
        CHECK(!cfg.require_dcid_match && cfg.allow_short_header_without_known_dcid);
        CHECK(cfg.stats_enabled);
}

static void test_seed_example(void)
{
        char err[CST_ERRBUF];

        CHECK(load_text(&cfg, seed_example, CST_DIALECT_LIVE, err) == 0);
        CHECK_STR(err, "");
        check_seed_values();
        /* The offline dialect reads the same file (and starts from other defaults). */
        CHECK(load_text(&cfg, seed_example, CST_DIALECT_OFFLINE, err) == 0);
        CHECK_STR(err, "");
        check_seed_values();
}

#define EXPECT_LIVE_ERR(text, want)                                                                \
        do {                                                                                       \
                char e_[CST_ERRBUF], w_[CST_ERRBUF + 1300];                                        \
                snprintf(w_, sizeof(w_), "%s/t.ini:%s", tmpdir, want);                             \
                CHECK(load_text(&cfg, text, CST_DIALECT_LIVE, e_) == CST_EFATAL);                  \
                CHECK_STR(e_, w_);                                                                 \
        } while (0)
#define EXPECT_LIVE_OK(text)                                                                       \
        do {                                                                                       \
                char e_[CST_ERRBUF];                                                               \
                CHECK(load_text(&cfg, text, CST_DIALECT_LIVE, e_) == 0);                           \
                CHECK_STR(e_, "");                                                                 \
        } while (0)

static void test_live_dialect(void)
{
        EXPECT_LIVE_OK("\xEF\xBB\xBF[CAPTURE]\nInterface = lo\nOUTPUT = a;b#c.pcap ; comment\n"
                       "Promiscuous = TRUE\n[Tls]\nEnabled = 0\nports = 8443\n[quic]\n"
                       "require_dcid_match = 1\n  ; indented\n#x\n");
        CHECK_STR(cfg.interface, "lo");
        CHECK_STR(cfg.output, "a;b#c.pcap");
        CHECK(cfg.promiscuous && !cfg.tls_enabled && cfg.require_dcid_match);
        CHECK(cst_port_in(&cfg.tls_ports, 8443) && !cst_port_in(&cfg.tls_ports, 443));
        EXPECT_LIVE_OK("[capture]\ninterface =\n");
        CHECK_STR(cfg.interface, "");
        EXPECT_LIVE_ERR("[capture]\nbackend = afxdp\n", "2: unknown capture.backend value");
        EXPECT_LIVE_ERR("[capture]\nmax_packets = 0x\n",
                        "2: invalid value for capture.max_packets; expected integer >= 0");
        EXPECT_LIVE_ERR("[capture]\nmax_packets = +1\n",
                        "2: invalid value for capture.max_packets; expected integer >= 0");
        EXPECT_LIVE_ERR("[quic]\nrequire_dcid_match = yes please\n",
                        "2: invalid value for quic.require_dcid_match; expected true or false");
        EXPECT_LIVE_ERR("[tls]\nports = 443,,8443\n",
                        "2: invalid value for tls.ports; expected comma-separated ports 0..65535");
        EXPECT_LIVE_ERR("[tls]\nports =\n", "2: expected non-empty key and value");
        EXPECT_LIVE_ERR("[tls]\nbogus = 1\n", "2: unknown config key: tls.bogus");
        EXPECT_LIVE_ERR("[bogus]\n", "1: unknown config section: bogus");
        EXPECT_LIVE_ERR("x = 1\n", "1: key appears before any section");
        EXPECT_LIVE_ERR("[general]\nnothing\n", "2: expected key = value");
        EXPECT_LIVE_ERR("[capture]\nring_block_size = 1000\n",
                        "0: capture.ring_block_size (1000) must be a multiple of "
                        "capture.ring_frame_size (2048)");
        EXPECT_LIVE_OK("[capture]\nring_block_size = 4096\nring_frame_size = 4096\n");
        EXPECT_LIVE_OK("[tls]\napp_data_continuation_policy = stream\n");
        CHECK_EQ_U(cfg.tls_policy, CST_TLS_STREAM);
        {
                char err[CST_ERRBUF], path[1200];
                snprintf(path, sizeof(path), "%s/missing.ini", tmpdir);
                cst_config_live_defaults(&cfg);
                CHECK(cst_config_load(&cfg, path, CST_DIALECT_LIVE, err) == CST_EFATAL);
                CHECK(strncmp(err, path, strlen(path)) == 0);
                CHECK(strstr(err, ":0: failed to open config file") != NULL);
        }
}

/* A failed load leaves the configuration untouched. */
static void test_failed_load_keeps_config(void)
{
        char err[CST_ERRBUF];

        cst_config_defaults(&cfg);
        CHECK(cst_config_load(&cfg,
                              write_file("t.ini", "[general]\nmin_saved_bytes_per_packet = 99\n"
                                                  "[nope]\n"),
                              CST_DIALECT_OFFLINE, err) == CST_EFATAL);
        CHECK_EQ_U(cfg.min_saved_bytes_per_packet, 16);
}

static void test_golden_configs(void)
{
        const char *fix = getenv("CST_FIXTURES");
        const char *names[] = {"constrict.ini", "reinflate_preserve.ini",
                               "reinflate_recompute.ini"};
        char path[2048], err[CST_ERRBUF];

        if (!fix) {
                printf("CST_FIXTURES not set: golden configs not checked\n");
                return;
        }
        for (unsigned i = 0; i < 3; i++) {
                snprintf(path, sizeof(path), "%s/tls_test_2/%s", fix, names[i]);
                cst_config_defaults(&cfg);
                if (access(path, R_OK) != 0) {
                        printf("%s missing: not checked\n", path);
                        continue;
                }
                CHECK(cst_config_load(&cfg, path, CST_DIALECT_OFFLINE, err) == 0);
                CHECK_EQ_U(cfg.min_saved_bytes_per_packet, i == 0 ? 16 : 32);
                CHECK_EQ_U(cfg.fill_byte, 0xAB);
                CHECK(cfg.require_dcid_match && !cfg.allow_short_header_without_known_dcid);
                CHECK(cfg.checksum_recompute == (i == 2));
        }
}

/*
 * One grammar (issue 16): what either old dialect accepted loads in both,
 * with the same values.
 */
static void test_one_grammar(void)
{
        static const char *const texts[] = {
            /* the live recorder's forms */
            "\xEF\xBB\xBF[TLS]\nEnabled = TRUE\nApp_Data_Keep_Record_Bytes = 9 ; note\n"
            "[Quic]\nrequire_dcid_match = 0\nallow_short_header_without_known_dcid = 1\n"
            "[capture]\noutput = a;b#c.pcap # note\ninterface =\n",
            /* the offline tool's forms */
            "[tls]\nenabled = true;x\napp_data_keep_record_bytes = 0x9#note\n[quic]\n"
            "require_dcid_match = false ; x\nallow_short_header_without_known_dcid = yes\n"
            "[capture]\noutput = a;b#c.pcap # note\n",
        };
        for (unsigned d = 0; d < 2; d++) {
                for (unsigned i = 0; i < 2; i++) {
                        char err[CST_ERRBUF];
                        CHECK(load_text(&cfg, texts[i], (enum cst_config_dialect)d, err) == 0);
                        CHECK_STR(err, "");
                        CHECK(cfg.tls_enabled);
                        CHECK_EQ_U(cfg.app_data_keep_record_bytes, 9);
                        CHECK(!cfg.require_dcid_match && cfg.allow_short_header_without_known_dcid);
                        CHECK_STR(cfg.output, "a;b#c.pcap");
                }
        }
        /* Booleans: every spelling, any case. */
        {
                static const char *const yes[] = {"true", "TRUE", "Yes", "on", "1"};
                static const char *const no[] = {"false", "False", "NO", "off", "0"};
                for (unsigned i = 0; i < 5; i++) {
                        char text[128], err[CST_ERRBUF];
                        snprintf(text, sizeof(text), "[quic]\nrequire_dcid_match = %s\n", no[i]);
                        CHECK(load_text(&cfg, text, CST_DIALECT_OFFLINE, err) == 0);
                        CHECK(!cfg.require_dcid_match);
                        snprintf(text, sizeof(text), "[capture]\npromiscuous = %s\n", yes[i]);
                        CHECK(load_text(&cfg, text, CST_DIALECT_LIVE, err) == 0);
                        CHECK(cfg.promiscuous);
                }
        }
        /* Both readings invalid: the SPEC 2.2 message. */
        EXPECT_ERR("[tls]\nports = 44x3;1\n",
                   "config line 2: invalid value for tls.ports; expected comma-separated ports "
                   "0..65535");
        EXPECT_ERR("[tls];x\nfoo\n", "config line 2: expected key = value");
        EXPECT_OK("[tls];x\n");
        /* "any" restores every port. */
        EXPECT_OK("[tls]\nports = 443\nports = any\n");
        CHECK(cfg.tls_ports.any);
}

/* Every shipped example loads in both dialects (where --config is accepted). */
static void test_shipped_examples(void)
{
        static const char *const names[] = {"capture.ini", "constrict.ini", "reinflate.ini"};
        char dir[1024], path[1200], err[CST_ERRBUF];
        const char *slash;

        /* __FILE__ is tests/unit/test_config.c of the source tree. */
        snprintf(dir, sizeof(dir), "%s", __FILE__);
        slash = strstr(dir, "/tests/unit/");
        if (!slash) {
                printf("source tree not found from %s: examples not checked\n", __FILE__);
                CHECK(0);
                return;
        }
        dir[slash - dir] = '\0';
        for (unsigned i = 0; i < 3; i++) {
                snprintf(path, sizeof(path), "%s/docs/examples/%s", dir, names[i]);
                for (unsigned d = 0; d < 2; d++) {
                        cst_config_defaults(&cfg);
                        err[0] = '\0';
                        CHECK(cst_config_load(&cfg, path, (enum cst_config_dialect)d, err) == 0);
                        CHECK_STR(err, "");
                }
        }
        snprintf(path, sizeof(path), "%s/docs/examples/constrict.ini", dir);
        CHECK(cst_config_load(&cfg, path, CST_DIALECT_LIVE, err) == 0);
        CHECK_EQ_U(cfg.fill_byte, 0xAB);
}

/* The by-name API: set, typed get, typed errors naming the key. */
static void test_by_name(void)
{
        struct cst_config *c = cst_config_new(), *live = cst_config_new_live(), *copy;
        char err[CST_ERRBUF], text[256];
        uint64_t u = 0;
        bool b = false;

        CHECK(c && live);
        CHECK(cst_config_set(c, "tls.app_data_keep_record_bytes", "0x10", err) == CST_OK);
        CHECK(cst_config_get_uint(c, "tls.app_data_keep_record_bytes", &u, err) == CST_OK);
        CHECK_EQ_U(u, 16);
        CHECK(cst_config_set(c, "TLS.App_Data_Keep_Record_Bytes", "8", err) == CST_OK);
        CHECK_EQ_U(c->app_data_keep_record_bytes, 8);
        CHECK(cst_config_set(c, "tls.app_data_keep_record_bytes", "4", err) == CST_EVALUE);
        CHECK_STR(err, "invalid value for tls.app_data_keep_record_bytes; expected integer >= 5");
        CHECK_EQ_U(c->app_data_keep_record_bytes, 8);
        CHECK(cst_config_set(c, "tls.app_data_keep_record_bytes", "", err) == CST_EVALUE);
        CHECK(cst_config_set(c, "tls.foo", "1", err) == CST_EKEY);
        CHECK_STR(err, "unknown config key: tls.foo");
        CHECK(cst_config_set(c, "nodot", "1", err) == CST_EKEY);
        CHECK_STR(err, "unknown config key: nodot");
        CHECK(cst_config_get_uint(c, "tls.ports", &u, err) == CST_ETYPE);
        CHECK_STR(err, "config key tls.ports holds a port list, not an integer");
        CHECK(cst_config_get_bool(c, "general.max_flows", &b, err) == CST_ETYPE);
        CHECK_STR(err, "config key general.max_flows holds an integer, not a boolean");
        CHECK(cst_config_set_bool(c, "general.max_flows", true, err) == CST_ETYPE);
        CHECK(cst_config_set_uint(c, "quic.enabled", 1, err) == CST_ETYPE);
        CHECK(cst_config_set_uint(c, "capture.max_packets", 18446744073709551615ull, err) ==
              CST_OK);
        CHECK_EQ_U(c->max_packets, 18446744073709551615ull);
        CHECK(cst_config_set_uint(c, "capture.default_snaplen", 4294967296ull, err) == CST_EVALUE);
        CHECK_STR(err, "invalid value for capture.default_snaplen; expected integer >= 1");
        CHECK(cst_config_set_bool(c, "quic.require_dcid_match", false, err) == CST_OK);
        CHECK(cst_config_get_bool(c, "quic.require_dcid_match", &b, err) == CST_OK && !b);

        /* Strings: the INI text that sets the value back. */
        CHECK(cst_config_get_string(live, "tls.ports", text, sizeof(text), err) == CST_OK);
        CHECK_STR(text, "443,8443");
        CHECK(cst_config_get_string(c, "tls.ports", text, sizeof(text), err) == CST_OK);
        CHECK_STR(text, "any");
        CHECK(cst_config_get_string(c, "reinflate.fill_byte", text, sizeof(text), err) == CST_OK);
        CHECK_STR(text, "0xAB");
        CHECK(cst_config_get_uint(c, "reinflate.fill_byte", &u, err) == CST_OK);
        CHECK_EQ_U(u, 0xAB);
        CHECK(cst_config_set(c, "reinflate.fill_byte", "random", err) == CST_OK);
        CHECK(cst_config_get_uint(c, "reinflate.fill_byte", &u, err) == CST_ETYPE);
        CHECK(cst_config_get_string(c, "tls.app_data_continuation_policy", text, sizeof(text),
                                    err) == CST_OK);
        CHECK_STR(text, "final_only");
        CHECK(cst_config_get_string(live, "capture.output", text, 4, err) == CST_EVALUE);
        CHECK(cst_config_get_string(live, "capture.output", text, sizeof(text), err) == CST_OK);
        CHECK_STR(text, "output.pcap");
        CHECK(cst_config_port_in(live, "tls.ports", 8443) == 1);
        CHECK(cst_config_port_in(live, "tls.ports", 80) == 0);
        CHECK(cst_config_port_in(c, "quic.ports", 80) == 1);

        /* Policy through the name: track turns keep_encrypted_handshake on. */
        CHECK(cst_config_set(c, "tls.app_data_continuation_policy", "track", err) == CST_OK);
        CHECK(cst_config_policy(c) == CST_TLS_TRACK);
        CHECK(c->keep_encrypted_handshake);

        /* Every key: a type, and its text sets the same value again. */
        CHECK(cst_config_key_count() > 30);
        CHECK(cst_config_key_name(cst_config_key_count()) == NULL);
        CHECK(cst_config_key_type("tls.nope") == 0);
        copy = cst_config_copy(live);
        CHECK(copy != NULL);
        for (size_t i = 0; i < cst_config_key_count(); i++) {
                const char *name = cst_config_key_name(i);
                char again[256];
                CHECK(cst_config_key_type(name) != 0);
                CHECK(cst_config_get_string(live, name, text, sizeof(text), err) == CST_OK);
                CHECK(cst_config_set(copy, name, text, err) == CST_OK);
                CHECK(cst_config_get_string(copy, name, again, sizeof(again), err) == CST_OK);
                CHECK_STR(again, text);
        }
        /* ... and the copy then equals the original, except for the "was set" marks. */
        copy->keep_encrypted_handshake_set = live->keep_encrypted_handshake_set;
        copy->seed_set = live->seed_set;
        copy->quic_require_initial_proof_set = live->quic_require_initial_proof_set;
        CHECK(memcmp(copy, live, sizeof(*live)) == 0);
        cst_config_free(copy);
        cst_config_free(live);
        cst_config_free(c);
        cst_config_free(NULL);
        CHECK_STR(cst_strerror(CST_EKEY), "unknown configuration key or counter name");
        CHECK_STR(cst_strerror(CST_ETYPE), "configuration key has another type");
        CHECK_STR(cst_strerror(12345), "unknown status code");
}

int main(void)
{
        const char *tmp = getenv("CST_TMP");

        snprintf(tmpdir, sizeof(tmpdir), "%s/test_config", tmp ? tmp : "/tmp");
        mkdir(tmp ? tmp : "/tmp", 0755);
        if (mkdir(tmpdir, 0755) != 0 && errno != EEXIST) {
                perror(tmpdir);
                return 1;
        }
        test_defaults();
        test_value_messages();
        test_line_messages();
        test_file_errors();
        test_integer_syntax();
        test_constrictor_keys();
        test_policy_names();
        test_seed_example();
        test_live_dialect();
        test_failed_load_keeps_config();
        test_golden_configs();
        test_one_grammar();
        test_shipped_examples();
        test_by_name();
        return check_summary("test_config");
}
