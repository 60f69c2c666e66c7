/* Unit tests of the audit's TCP reassembly and TLS classes on crafted captures. */
#include "check.h"
#include "test_audit_build.h"

/*
 * The server stream of every scenario (stream offsets):
 *   ServerHello [0,105)  AD1 [105,3110)  AD2 [3110,3215)  AD3 [3215,4220)
 *   AD4 [4220,5225)  AD5 [5225,6230)  AD6 [6230,8225)
 * sent in 1000-byte segments; the client sends a ClientHello (205 bytes) and
 * one 55-byte AppData record.
 */
#define S_LEN 8225
#define MSS   1000
static uint8_t server_stream[S_LEN], client_hello[205], client_ad[55];

static void build_streams(void)
{
        static const uint16_t ad[] = {3000, 100, 1000, 1000, 1000, 1990};
        size_t off = tls_hello(server_stream, 2, 100);
        for (size_t k = 0; k < sizeof(ad) / sizeof(ad[0]); k++)
                off += tls_record(server_stream + off, 0x17, ad[k]);
        CHECK_EQ_U(off, S_LEN);
        tls_hello(client_hello, 1, 200);
        tls_record(client_ad, 0x17, 50);
}

enum { SKIP_NONE = -1 };

/* A whole connection; seg `skip` of the server is not captured, seg `dup` is
 * captured twice (again at the end), segs `swap` and swap+1 trade places.
 * Returns the index of server segment 0 (or -1 if absent). */
static long connection(struct cap *c, uint32_t s_isn, int skip, int dup, int swap)
{
        const uint32_t c_isn = 1000;
        tcp(c, 0, c_isn, 0x02, NULL, 0);
        tcp(c, 1, s_isn, 0x12, NULL, 0);
        tcp(c, 0, c_isn + 1, 0x10, NULL, 0);
        tcp(c, 0, c_isn + 1, 0x18, client_hello, sizeof(client_hello));
        long first = (long)c->n;
        int nseg = (S_LEN + MSS - 1) / MSS;
        for (int k = 0; k < nseg; k++) {
                int seg = k == swap ? k + 1 : k == swap + 1 && swap >= 0 ? swap : k;
                if (seg == skip)
                        continue;
                size_t off = (size_t)seg * MSS, n = S_LEN - off < MSS ? S_LEN - off : MSS;
                tcp(c, 1, s_isn + 1 + (uint32_t)off, 0x18, server_stream + off, n);
        }
        if (dup >= 0)
                tcp(c, 1, s_isn + 1 + (uint32_t)dup * MSS, 0x18, server_stream + dup * MSS, MSS);
        tcp(c, 0, c_isn + 1 + sizeof(client_hello), 0x18, client_ad, sizeof(client_ad));
        return first;
}

static struct cap in;
static struct cst_packet out[CAP_MAX];
static struct cst_audit_report rep;

/* Oracle cut of server segment k of the clean connection (payload bytes). */
static uint32_t oracle_payload(int seg)
{
        static const uint32_t keep[] = {113, 0, 0, 223, 228, 233, 238, 0, 0};
        return keep[seg];
}

static void test_identity(void)
{
        in.n = 0;
        connection(&in, 5000, SKIP_NONE, -1, -1);
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.caplen_constricted, rep.caplen_original);
        CHECK(rep.saved_pct == 0.0);
        CHECK_EQ_U(rep.cls[CST_AC_HEADERS].needed, in.n * TCP_PAYLOAD);
        CHECK_EQ_U(rep.cls[CST_AC_TLS_RECORD_HEADER].needed, 45);
        CHECK_EQ_U(rep.cls[CST_AC_TLS_HANDSHAKE].needed, 300);
        CHECK_EQ_U(rep.cls[CST_AC_TLS_APPDATA_KEEP].needed, 21);
        for (int k = 0; k < CST_AC_COUNT; k++) {
                CHECK_EQ_U(rep.cls[k].kept, rep.cls[k].needed);
                CHECK_EQ_U(rep.cls[k].lost, 0);
        }
        CHECK_EQ_U(rep.tls_connections, 1);
        CHECK_EQ_U(rep.tls_proven_by_hello, 1);
        CHECK_EQ_U(rep.tls_records, 9);
        CHECK_EQ_U(rep.tls_resyncs, 0);
        CHECK_EQ_U(rep.tls_unsynced_bytes, 0);
        /* oracle: headers + needed payload of every packet */
        uint64_t oracle = in.n * TCP_PAYLOAD + 205 + 8;
        for (int k = 0; k < 9; k++)
                oracle += oracle_payload(k);
        CHECK_EQ_U(rep.caplen_oracle, oracle);
}

/* Output = the oracle cut: passes with 100 % efficiency. */
static long oracle_output(void)
{
        in.n = 0;
        long s0 = connection(&in, 5000, SKIP_NONE, -1, -1);
        copy_cap(out, &in);
        for (int k = 0; k < 9; k++)
                out[s0 + k].caplen = TCP_PAYLOAD + oracle_payload(k);
        out[in.n - 1].caplen = TCP_PAYLOAD + 8;
        return s0;
}

static void test_oracle_cut(void)
{
        oracle_output();
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK(rep.efficiency_pct > 99.999 && rep.efficiency_pct < 100.001);
        CHECK(rep.saved_pct > 75.0 && rep.saved_pct == rep.oracle_saved_pct);
}

/* Cut packet pkt to caplen; expect exactly one lossy packet of class cls at offset. */
static void expect_loss(size_t pkt, uint32_t caplen, enum cst_audit_class cls, uint32_t offset,
                        uint64_t lost)
{
        uint32_t saved = out[pkt].caplen;
        out[pkt].caplen = caplen;
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(!cst_audit_passed(&rep));
        CHECK_EQ_U(rep.invariant_violations, 0);
        CHECK_EQ_U(rep.loss_packets, 1);
        CHECK_EQ_U(rep.loss[0].packet, pkt);
        CHECK_STR(cst_audit_class_name(rep.loss[0].cls), cst_audit_class_name(cls));
        CHECK_EQ_U(rep.loss[0].offset, offset);
        CHECK_EQ_U(rep.loss[0].lost_bytes, lost);
        out[pkt].caplen = saved;
}

static void test_each_tls_class_lost(void)
{
        long s0 = oracle_output();
        /* AD2 header at 3110 = segment 3 payload offset 110 */
        expect_loss((size_t)s0 + 3, TCP_PAYLOAD + 112, CST_AC_TLS_RECORD_HEADER, TCP_PAYLOAD + 112,
                    3 + 3 + 5 + 3);
        expect_loss((size_t)s0 + 3, TCP_PAYLOAD + 116, CST_AC_TLS_APPDATA_KEEP, TCP_PAYLOAD + 116,
                    2 + 8);
        expect_loss((size_t)s0, TCP_PAYLOAD + 50, CST_AC_TLS_HANDSHAKE, TCP_PAYLOAD + 50, 113 - 50);
        expect_loss(1, 40, CST_AC_HEADERS, 40, 14);
        CHECK_EQ_U(rep.cls[CST_AC_HEADERS].lost, 14);
}

static void test_retransmission(void)
{
        in.n = 0;
        long s0 = connection(&in, 5000, SKIP_NONE, 3, -1);
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.tls_records, 9);
        CHECK_EQ_U(rep.tcp_retransmitted_bytes, MSS);
        CHECK_EQ_U(rep.cls[CST_AC_TLS_RECORD_HEADER].needed, 45 + 10); /* AD2, AD3 twice */
        /* the retransmitted copy needs its headers too */
        size_t re = (size_t)s0 + 9;
        expect_loss(re, TCP_PAYLOAD, CST_AC_TLS_RECORD_HEADER, TCP_PAYLOAD + 110, 16);
}

static void test_hole_in_body(void)
{
        in.n = 0;
        connection(&in, 5000, 1, -1, -1);
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK_EQ_U(rep.tls_records, 9);
        CHECK_EQ_U(rep.tls_resyncs, 0);
        CHECK_EQ_U(rep.tcp_hole_bytes, MSS);
        CHECK_EQ_U(rep.tls_unsynced_bytes, 0);
}

static void test_hole_swallows_headers(void)
{
        in.n = 0;
        long s0 = connection(&in, 5000, 3, -1, -1);
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        /* AD2 and AD3 headers were in the hole; sync returns at AD4 (4220) */
        CHECK_EQ_U(rep.tls_records, 7);
        CHECK_EQ_U(rep.tls_resyncs, 1);
        CHECK_EQ_U(rep.tls_unsynced_bytes, 220);
        CHECK_EQ_U(rep.cls[CST_AC_TLS_RECORD_HEADER].needed, 35);
        /* segment 4 (now packet s0+3) still needs AD4's header at offset 220 */
        expect_loss((size_t)s0 + 3, TCP_PAYLOAD + 200, CST_AC_TLS_RECORD_HEADER, TCP_PAYLOAD + 220,
                    8);
}

static void test_wraparound_and_reordering(void)
{
        in.n = 0;
        long s0 = connection(&in, 0xFFFFFFFFu - 2500u, SKIP_NONE, -1, 3);
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.tls_records, 9);
        CHECK_EQ_U(rep.tls_resyncs, 0);
        CHECK_EQ_U(rep.tcp_hole_bytes, 0);
        CHECK_EQ_U(rep.cls[CST_AC_TLS_RECORD_HEADER].needed, 45);
        CHECK_EQ_U(rep.cls[CST_AC_TLS_APPDATA_KEEP].needed, 21);
        /* segment 3 is captured after segment 4: packet s0+4 */
        expect_loss((size_t)s0 + 4, TCP_PAYLOAD + 100, CST_AC_TLS_RECORD_HEADER, TCP_PAYLOAD + 110,
                    16);
}

static void test_mid_connection(void)
{
        in.n = 0;
        uint32_t isn = 77777;
        for (size_t off = 2000; off < S_LEN; off += MSS) {
                size_t n = S_LEN - off < MSS ? S_LEN - off : MSS;
                tcp(&in, 1, isn + (uint32_t)off, 0x18, server_stream + off, n);
        }
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK_EQ_U(rep.tls_connections, 1);
        CHECK_EQ_U(rep.tls_proven_by_chain, 1);
        CHECK_EQ_U(rep.tls_resyncs, 1);
        CHECK_EQ_U(rep.tls_records, 5);
        CHECK_EQ_U(rep.tls_unsynced_bytes, 1110);
        CHECK_EQ_U(rep.cls[CST_AC_NON_TLS_TCP].needed, 0);
}

/* Issue 21 item 3: the proof is per connection.  The server direction of a
 * connection already open proves it by its AppData chain; the client sends
 * two records between non-record bytes (no chain of three, and not landing
 * on the end of its data): its two record headers are found all the same. */
static void test_peer_of_proven_direction(void)
{
        in.n = 0;
        for (size_t off = 2000; off < S_LEN; off += MSS) {
                size_t n = S_LEN - off < MSS ? S_LEN - off : MSS;
                tcp(&in, 1, 77777 + (uint32_t)off, 0x18, server_stream + off, n);
        }
        uint8_t cl[73];
        memset(cl, 0x42, 7); /* the tail of a record before the capture */
        size_t n = 7 + tls_record(cl + 7, 0x17, 20);
        n += tls_record(cl + n, 0x17, 30);
        memset(cl + n, 0x00, 6); /* not a header */
        size_t pkt = tcp(&in, 0, 5000, 0x18, cl, sizeof(cl));
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK_EQ_U(rep.tls_connections, 1);
        CHECK_EQ_U(rep.tls_proven_by_chain, 1);
        CHECK_EQ_U(rep.tls_records, 5 + 2);
        CHECK_EQ_U(rep.tls_resyncs, 2);
        CHECK_EQ_U(rep.tls_unsynced_bytes, 1110 + 7 + 6);
        /* the client's headers and first KR bytes are needed */
        expect_loss(pkt, TCP_PAYLOAD + 7 + 25 + 2, CST_AC_TLS_RECORD_HEADER,
                    TCP_PAYLOAD + 7 + 25 + 2, 3 + 3);
}

static void test_non_tls(void)
{
        in.n = 0;
        static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        uint8_t fake[64]; /* looks like a record header, is not a hello */
        tls_record(fake, 0x16, 59);
        fake[5] = 0x55;
        tcp(&in, 0, 1, 0x02, NULL, 0);
        size_t a = tcp(&in, 0, 2, 0x18, (const uint8_t *)http, sizeof(http) - 1);
        tcp(&in, 0, 2 + sizeof(http) - 1, 0x18, fake, sizeof(fake));
        copy_cap(out, &in);
        CHECK(run_audit(&in, out, in.n, &rep) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.tls_connections, 0);
        CHECK_EQ_U(rep.cls[CST_AC_NON_TLS_TCP].needed, sizeof(http) - 1 + sizeof(fake));
        CHECK_EQ_U(rep.caplen_oracle, rep.caplen_original);
        CHECK(rep.efficiency_pct < 0);
        expect_loss(a, TCP_PAYLOAD + 3, CST_AC_NON_TLS_TCP, TCP_PAYLOAD + 3, sizeof(http) - 1 - 3);
}

int main(void)
{
        build_streams();
        test_identity();
        test_oracle_cut();
        test_each_tls_class_lost();
        test_retransmission();
        test_hole_in_body();
        test_hole_swallows_headers();
        test_wraparound_and_reordering();
        test_mid_connection();
        test_peer_of_proven_direction();
        test_non_tls();
        return check_summary("test_audit");
}
