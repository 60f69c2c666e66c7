/*
 * Unit tests of the audit's TLS 1.3 encrypted handshake class (issue 12
 * item 3, docs/audit.md): a crafted TLS 1.3 connection whose server flight
 * (two AppData-typed records) precedes the client's Finished; the class is
 * wanted, not required: losing it keeps the verdict, is reported apart and
 * lowers the efficiency; --no-encrypted-handshake (no_encrypted_handshake)
 * turns it off; a TLS 1.2 ServerHello has no such flight.
 */
#include "check.h"
#include "test_audit_build.h"

#define KR 8u

/* A ServerHello record (RFC 8446 §4.1.3) whose supported_versions extension
 * says `version`, followed by a key_share; returns its size. */
static size_t server_hello(uint8_t *b, uint16_t version)
{
        uint8_t *m = b + 5;
        size_t n = 4;
        put16(m + n, 0x0303), n += 2;
        memset(m + n, 0x11, 32), n += 32; /* random */
        m[n++] = 32;
        memset(m + n, 0x22, 32), n += 32; /* legacy_session_id_echo */
        put16(m + n, 0x1301), n += 2;
        m[n++] = 0;
        put16(m + n, 6 + 40), n += 2;
        put16(m + n, 43), put16(m + n + 2, 2), put16(m + n + 4, version), n += 6;
        put16(m + n, 51), put16(m + n + 2, 36), put16(m + n + 4, 0x1d), put16(m + n + 6, 32);
        memset(m + n + 8, 0x33, 32), n += 40;
        m[0] = 2;
        m[1] = 0;
        put16(m + 2, (uint32_t)(n - 4));
        b[0] = 0x16, b[1] = 3, b[2] = 3;
        put16(b + 3, (uint32_t)n);
        return 5 + n;
}

static struct cap in;
static struct cst_packet out[CAP_MAX];
static struct cst_audit_report rep;

/* Packet indices of the connection. */
struct conn13 {
        size_t enc1, enc2, fin, ticket, request, data;
};

/*
 * client: SYN, ClientHello (205)                   server: SYN-ACK, ServerHello,
 * server: EE..Cert (AppData 1000), CV+Fin (AppData 300)
 * client: Finished (AppData 53)
 * server: ticket (AppData 200), data (AppData 1000)   client: request (AppData 100)
 */
static struct conn13 connection(uint16_t version)
{
        static uint8_t b[1200];
        struct conn13 k;
        uint32_t cs = 1001, ss = 7001;
        in.n = 0;
        tcp(&in, 0, 1000, 0x02, NULL, 0);
        tcp(&in, 1, 7000, 0x12, NULL, 0);
        size_t n = tls_hello(b, 1, 200);
        tcp(&in, 0, cs, 0x18, b, n), cs += (uint32_t)n;
        n = server_hello(b, version);
        tcp(&in, 1, ss, 0x18, b, n), ss += (uint32_t)n;
        n = tls_record(b, 0x17, 1000);
        k.enc1 = tcp(&in, 1, ss, 0x18, b, n), ss += (uint32_t)n;
        n = tls_record(b, 0x17, 300);
        k.enc2 = tcp(&in, 1, ss, 0x18, b, n), ss += (uint32_t)n;
        n = tls_record(b, 0x17, 53);
        k.fin = tcp(&in, 0, cs, 0x18, b, n), cs += (uint32_t)n;
        n = tls_record(b, 0x17, 200);
        k.ticket = tcp(&in, 1, ss, 0x18, b, n), ss += (uint32_t)n;
        n = tls_record(b, 0x17, 100);
        k.request = tcp(&in, 0, cs, 0x18, b, n), cs += (uint32_t)n;
        n = tls_record(b, 0x17, 1000);
        k.data = tcp(&in, 1, ss, 0x18, b, n);
        copy_cap(out, &in);
        return k;
}

#define FLIGHT ((1005u - KR) + (305u - KR) + (58u - KR))

static int audit_with(bool no_enc)
{
        char err[CST_ERRBUF] = "";
        struct cst_audit_options opt;
        cst_audit_options_default(&opt);
        CHECK(!opt.no_encrypted_handshake);
        opt.no_encrypted_handshake = no_enc;
        int rc = cst_audit_packets(CST_LINK_ETHERNET, in.p, in.n, out, in.n, &opt, &rep, err);
        if (rc)
                fprintf(stderr, "audit failed: %s\n", err);
        return rc;
}

/* Cut every AppData record of the output to its first KR bytes, except the
 * packets in keep[] (kept whole). */
static void cut_appdata(const size_t *keep, size_t n_keep)
{
        for (size_t i = 0; i < in.n; i++) {
                const uint8_t *pl = in.p[i].data + TCP_PAYLOAD;
                bool whole = false;
                for (size_t k = 0; k < n_keep; k++)
                        whole |= keep[k] == i;
                if (!whole && in.p[i].caplen > TCP_PAYLOAD + KR && pl[0] == 0x17)
                        out[i].caplen = TCP_PAYLOAD + KR;
        }
}

static void test_class_counted(void)
{
        struct conn13 k = connection(0x0304);
        CHECK(audit_with(false) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.tls13_connections, 1);
        const struct cst_audit_class_stats *e = &rep.cls[CST_AC_TLS13_ENC_HANDSHAKE];
        CHECK_EQ_U(e->needed, FLIGHT);
        CHECK_EQ_U(e->kept, FLIGHT);
        CHECK_EQ_U(e->lost, 0);
        CHECK(!cst_audit_class_required(CST_AC_TLS13_ENC_HANDSHAKE));
        CHECK(cst_audit_class_required(CST_AC_TLS_APPDATA_KEEP));
        CHECK_STR(cst_audit_class_name(CST_AC_TLS13_ENC_HANDSHAKE), "tls13_encrypted_handshake");
        /* record headers and first KR stay required; the ticket and data
         * (after the client's Finished) and the request are AppData body */
        CHECK_EQ_U(rep.cls[CST_AC_TLS_APPDATA_KEEP].needed, 6 * (KR - 5));
        CHECK_EQ_U(rep.tls_appdata_body_bytes, (205 - KR) + (105 - KR) + (1005 - KR));

        /* what track does: the flight whole, the rest cut to KR */
        const size_t flight[] = {k.enc1, k.enc2, k.fin};
        cut_appdata(flight, 3);
        CHECK(audit_with(false) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.cls[CST_AC_TLS13_ENC_HANDSHAKE].lost, 0);
        CHECK_EQ_U(rep.wanted_loss_packets, 0);
        CHECK(rep.efficiency_pct > 99.999 && rep.efficiency_pct < 100.001);
}

/* What final_only/stream/bulk do: the flight cut like any AppData record. */
static void test_lost_flight_keeps_the_verdict(void)
{
        struct conn13 k = connection(0x0304);
        cut_appdata(NULL, 0);
        CHECK(audit_with(false) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.loss_packets, 0);
        CHECK_EQ_U(rep.cls[CST_AC_TLS13_ENC_HANDSHAKE].lost, FLIGHT);
        CHECK_EQ_U(rep.wanted_loss_packets, 3);
        CHECK(rep.efficiency_pct > 100.0); /* the oracle keeps the flight */

        /* a required byte of a flight record (its header) still fails */
        out[k.enc2].caplen = TCP_PAYLOAD + 3;
        CHECK(audit_with(false) == 0);
        CHECK(!cst_audit_passed(&rep));
        CHECK_EQ_U(rep.loss_packets, 1);
        CHECK_EQ_U(rep.loss[0].packet, k.enc2);
        CHECK_STR(cst_audit_class_name(rep.loss[0].cls), "tls_record_header");
        CHECK_EQ_U(rep.loss[0].lost_bytes, 5);
}

static void test_no_encrypted_handshake(void)
{
        connection(0x0304);
        cut_appdata(NULL, 0);
        CHECK(audit_with(true) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.tls13_connections, 1);
        CHECK_EQ_U(rep.cls[CST_AC_TLS13_ENC_HANDSHAKE].needed, 0);
        CHECK_EQ_U(rep.wanted_loss_packets, 0);
        CHECK(rep.efficiency_pct > 99.999 && rep.efficiency_pct < 100.001);
        CHECK_EQ_U(rep.tls_appdata_body_bytes, FLIGHT + (205 - KR) + (105 - KR) + (1005 - KR));
}

/* TLS 1.2 (supported_versions says 0x0303): no encrypted handshake. */
static void test_tls12(void)
{
        connection(0x0303);
        cut_appdata(NULL, 0);
        CHECK(audit_with(false) == 0);
        CHECK(cst_audit_passed(&rep));
        CHECK_EQ_U(rep.tls13_connections, 0);
        CHECK_EQ_U(rep.cls[CST_AC_TLS13_ENC_HANDSHAKE].needed, 0);
        CHECK(rep.efficiency_pct > 99.999 && rep.efficiency_pct < 100.001);
}

/* The client's Finished captured before the server's second flight record
 * (reordered capture): only what the server sent before it is wanted. */
static void test_order_decides(void)
{
        struct conn13 k = connection(0x0304);
        CHECK_EQ_U(k.fin, k.enc2 + 1);
        struct cst_packet fin = in.p[k.fin]; /* swap packets enc2 and fin */
        in.p[k.fin] = in.p[k.enc2];
        in.p[k.enc2] = fin;
        copy_cap(out, &in);
        CHECK(audit_with(false) == 0);
        CHECK_EQ_U(rep.cls[CST_AC_TLS13_ENC_HANDSHAKE].needed, (1005u - KR) + (58u - KR));
}

/* A ServerHello whose extension list runs past the message: not TLS 1.3
 * (and read within bounds, checked under ASan). */
static void test_malformed_hello(void)
{
        connection(0x0304);
        uint8_t *m = in.buf[3] + TCP_PAYLOAD + 5; /* packet 3: the ServerHello */
        CHECK_EQ_U(m[0], 2);
        put16(m + 4 + 2 + 32 + 1 + 32 + 2 + 1, 0xFFFF);
        CHECK(audit_with(false) == 0);
        CHECK_EQ_U(rep.tls13_connections, 0);
        CHECK_EQ_U(rep.cls[CST_AC_TLS13_ENC_HANDSHAKE].needed, 0);
}

int main(void)
{
        test_class_counted();
        test_lost_flight_keeps_the_verdict();
        test_no_encrypted_handshake();
        test_tls12();
        test_order_decides();
        test_malformed_hello();
        return check_summary("test_audit_tls13");
}
