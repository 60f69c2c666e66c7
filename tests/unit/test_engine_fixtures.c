/*
 * The engine on the upstream fixtures (SPEC 4): per-packet payload sizes and
 * the stats numbers of the old tool, read through libpcap.  The PCAPNG
 * fixture is checked twice: in compatibility mode (the old tool's numbers
 * exactly) and with constrictor's fixes (TSO ClientHello decoded, DNS not
 * counted as QUIC; docs/compatibility.md).
 */
#include "check.h"
#include "engine_replay.h"

static struct cst_config defaults(void)
{
        struct cst_config c;
        cst_config_defaults(&c);
        return c;
}

static void test_tls_test_1(void)
{
        char path[4096];
        struct cst_config cfg = defaults();
        struct replay r;
        CHECK(replay_file(fixture_path("single/tls_test_1.pcap", path, sizeof(path)), &cfg, false,
                          NULL, &r) == 0);
        replay_dump("tls_test_1", &r);
        CHECK_EQ_U(r.n, 17);
        /* SPEC 4: #4 ClientHello whole, #7 AppData start, #8/#9 middle, #10 final ... */
        CHECK_EQ_U(kept_payload(&r, 4), 1900);
        CHECK_EQ_U(kept_payload(&r, 7), 1229);
        CHECK_EQ_U(kept_payload(&r, 8), 2800);
        CHECK_EQ_U(kept_payload(&r, 9), 2800);
        CHECK_EQ_U(kept_payload(&r, 10), 8);
        CHECK_EQ_U(kept_payload(&r, 15), 14);
        CHECK_EQ_U(kept_payload(&r, 16), 8);
        CHECK_EQ_U(kept_payload(&r, 17), 1025);
        CHECK_EQ_U(r.reason[7], CST_R_KEEP_MIDDLE_CONTINUATION);
        CHECK_EQ_U(r.reason[9], CST_R_TRUNCATE_TLS_FINAL_CONTINUATION);
        uint64_t written = 0;
        for (int i = 0; i < r.n; i++)
                written += r.keep[i];
        CHECK_EQ_U(written, 10922);
        CHECK_EQ_U(r.st.tls_truncated, 5);
        CHECK_EQ_U(r.st.tls_truncated_app_data_start, 4);
        CHECK_EQ_U(r.st.tls_truncated_final_continuation, 1);
        CHECK_EQ_U(r.st.tls_bytes_saved, 3752);
        CHECK_EQ_U(r.st.tls_kept_middle_continuation, 2);
        CHECK_EQ_U(r.st.tls_kept_no_candidate, 1);
        CHECK_EQ_U(r.st.tls_resynchronized, 1);
        CHECK_EQ_U(r.st.tls_state_reset_on_syn_or_rst, 2);
        CHECK_EQ_U(r.st.tls_kept_uncertain, 0);
        CHECK_EQ_U(r.st.decoded_tcp_packets, 17);
}

static void test_quic_test_1(void)
{
        char path[4096];
        struct cst_config cfg = defaults();
        struct replay r;
        CHECK(replay_file(fixture_path("single/quic_test_1.pcap", path, sizeof(path)), &cfg, false,
                          NULL, &r) == 0);
        replay_dump("quic_test_1", &r);
        CHECK_EQ_U(r.n, 16);
        static const uint32_t want[16] = {1252, 1252, 43,  1252, 1252, 1252, 1252, 1252,
                                          197,  85,   124, 32,   317,  1185, 32,   31};
        for (int i = 0; i < 16; i++)
                CHECK_EQ_U(kept_payload(&r, i + 1), want[i]);
        CHECK_EQ_U(r.st.quic_truncated, 3);
        CHECK_EQ_U(r.st.quic_bytes_saved, 306);
        CHECK_EQ_U(r.st.quic_kept_uncertain, 2);
        CHECK_EQ_U(r.st.quic_kept_dcid_mismatch, 0);
        CHECK_EQ_U(r.st.decoded_udp_packets, 16);
}

/* The PCAPNG fixture: old numbers in compatibility mode, documented ones with the fixes. */
static void test_pcapng(void)
{
        char path[4096];
        struct cst_config cfg = defaults();
        struct replay old, r;
        fixture_path("single/tls_quic_test_1.pcapng", path, sizeof(path));
        CHECK(replay_file(path, &cfg, true, NULL, &old) == 0);
        CHECK(replay_file(path, &cfg, false, NULL, &r) == 0);
        replay_dump("pcapng", &r);
        CHECK_EQ_U(old.n, 65);
        /* SPEC 4, the old tool's numbers */
        CHECK_EQ_U(old.st.tls_truncated, 4);
        CHECK_EQ_U(old.st.tls_truncated_app_data_start, 3);
        CHECK_EQ_U(old.st.tls_truncated_final_continuation, 1);
        CHECK_EQ_U(old.st.tls_bytes_saved, 911);
        CHECK_EQ_U(old.st.tls_kept_uncertain, 1);
        CHECK_EQ_U(old.st.tls_kept_unsynchronized_non_handshake, 1);
        CHECK_EQ_U(old.st.tls_kept_middle_continuation, 1);
        CHECK_EQ_U(old.st.tls_kept_no_candidate, 0);
        CHECK_EQ_U(old.st.tls_resynchronized, 1);
        CHECK_EQ_U(old.st.tls_state_reset_on_syn_or_rst, 4);
        CHECK_EQ_U(old.st.malformed_packets, 1);
        CHECK_EQ_U(old.st.quic_kept_uncertain, 7);
        CHECK_EQ_U(old.st.quic_truncated, 0);
        CHECK_EQ_U(old.reason[53], CST_R_KEEP_DECODE_MALFORMED);
        /* constrictor: #54 (TSO ClientHello) decoded and seen by TLS (a handshake record, no
         * candidate); the 4 DNS responses with the top ID bit set are not QUIC. */
        CHECK_EQ_U(r.st.malformed_packets, 0);
        CHECK_EQ_U(r.st.decoded_tcp_packets, old.st.decoded_tcp_packets + 1);
        CHECK_EQ_U(r.st.tls_kept_no_candidate, 1);
        CHECK_EQ_U(r.reason[53], CST_R_KEEP_NO_CANDIDATE);
        CHECK_EQ_U(r.st.quic_kept_uncertain, 3);
        CHECK_EQ_U(r.st.tls_truncated, 4);
        CHECK_EQ_U(r.st.tls_bytes_saved, 911);
        CHECK_EQ_U(r.st.tls_resynchronized, 1);
        /* ... and the same bytes kept for every packet */
        for (int i = 0; i < 65; i++)
                CHECK_EQ_U(r.keep[i], old.keep[i]);
}

/* The truncated-tail fixture: libpcap delivers the 3 complete records. */
static void test_truncated_tail(void)
{
        char path[4096];
        struct cst_config cfg = defaults();
        struct replay r;
        CHECK(replay_file(fixture_path("single/truncated_tail_test_1.pcap", path, sizeof(path)),
                          &cfg, false, NULL, &r) == 0);
        CHECK_EQ_U(r.n, 3);
        CHECK_EQ_U(r.st.quic_kept_uncertain, 2);
        for (int i = 0; i < r.n; i++)
                CHECK_EQ_U(r.keep[i], r.caplen[i]);
}

int main(void)
{
        test_pcapng();
        test_truncated_tail();
        test_tls_test_1();
        test_quic_test_1();
        return check_summary("test_engine_fixtures");
}
