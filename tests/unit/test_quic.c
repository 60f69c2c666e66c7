/*
 * QUIC analyser (SPEC 2.8) on crafted datagrams through the engine:
 * coalesced packets, zero-length CIDs, CIDs learned from both directions,
 * unknown connections, version negotiation, DNS on port 443 (SPEC 6 item 4
 * fix, compat mode shows the old count).
 */
#include "check.h"
#include "flow_build.h"
#include "policy/quic.h"

static const uint8_t CLI_SCID[3] = {0xaf, 0x02, 0x14};
static const uint8_t SRV_SCID[8] = {0x0f, 0xe8, 0x78, 0x97, 0x09, 0x00, 0xce, 0x24};
static const uint8_t ODCID[8] = {0xfc, 0x66, 0x4b, 0xb0, 0x15, 0x63, 0xcf, 0x93};

static uint8_t buf[4096];

static cst_engine *engine(bool compat, bool allow_unknown, bool require_match)
{
        struct cst_config c;
        char err[CST_ERRBUF];
        cst_config_defaults(&c);
        c.allow_short_header_without_known_dcid = allow_unknown;
        c.require_dcid_match = require_match;
        cst_engine *e = cst_engine_new(&c, err);
        if (!e)
                exit(1);
        cst_engine_set_compat(e, compat);
        return e;
}

/* Append one long-header packet (RFC 9000 §17.2) with `body` payload bytes. */
static void quic_long(uint32_t *n, uint8_t type, uint32_t version, const uint8_t *dcid, uint8_t dl,
                      const uint8_t *scid, uint8_t sl, uint32_t body)
{
        uint8_t *b = buf + *n;
        uint32_t o = 0;
        b[o++] = (uint8_t)(0xc0 | type << 4 | 0x01);
        tf_be32(b + o, version);
        o += 4;
        b[o++] = dl;
        if (dl)
                memcpy(b + o, dcid, dl);
        o += dl;
        b[o++] = sl;
        if (sl)
                memcpy(b + o, scid, sl);
        o += sl;
        if (type == 0)
                b[o++] = 0; /* token length 0 */
        tf_be16(b + o, 0x4000 | body);
        o += 2;
        memset(b + o, 0x33, body);
        *n += o + body;
}

/* Append a short-header packet with the given DCID and `body` more bytes. */
static void quic_short(uint32_t *n, const uint8_t *dcid, uint8_t dl, uint32_t body)
{
        buf[(*n)++] = 0x41;
        if (dl)
                memcpy(buf + *n, dcid, dl);
        *n += dl;
        memset(buf + *n, 0x77, body);
        *n += body;
}

/* Client Initial (+ zero padding), server Initial+Handshake: CIDs learned both ways. */
static void quic_open(struct tflow *f, const uint8_t *cscid, uint8_t csl)
{
        uint32_t n = 0;
        quic_long(&n, 0, 1, ODCID, 8, cscid, csl, 300);
        memset(buf + n, 0, 1200 - n); /* Chrome-style padding after the packet */
        CHECK_EQ_U(tf_udp(f, 0, buf, 1200), 1200);
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_QUIC_UNCERTAIN);
        n = 0;
        quic_long(&n, 0, 1, cscid, csl, SRV_SCID, 8, 200);
        quic_long(&n, 2, 1, cscid, csl, SRV_SCID, 8, 900);
        CHECK_EQ_U(tf_udp(f, 1, buf, n), n); /* coalesced long headers only: kept */
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_QUIC_LONG_HEADER);
}

static void test_main_path(void)
{
        cst_engine *e = engine(false, false, true);
        struct tflow f;
        tf_init(&f, e, false, 60746);
        quic_open(&f, CLI_SCID, 3);
        uint32_t n = 0;
        quic_long(&n, 2, 1, SRV_SCID, 8, CLI_SCID, 3, 60); /* client Handshake + 1-RTT */
        uint32_t hs = n;
        quic_short(&n, SRV_SCID, 8, 500);
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), hs + 32); /* coalesced prefix kept whole */
        n = 0;
        quic_short(&n, SRV_SCID, 8, 1200);
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), 32);
        n = 0;
        quic_short(&n, CLI_SCID, 3, 1200); /* server -> client: DCID = client SCID */
        CHECK_EQ_U(tf_udp(&f, 1, buf, n), 32);
        n = 0;
        quic_short(&n, ODCID, 8, 1200); /* wrong DCID */
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), n);
        CHECK_EQ_U(f.v.reason, CST_R_KEEP_QUIC_DCID_MISMATCH);
        n = 0;
        quic_short(&n, SRV_SCID, 8, 20); /* below the keep size: untouched */
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), n);
        struct cst_stats *st = cst_engine_stats(e);
        CHECK_EQ_U(st->quic_truncated, 3);
        CHECK_EQ_U(st->quic_kept_dcid_mismatch, 1);
        CHECK_EQ_U(st->quic_kept_uncertain, 1);
        CHECK_EQ_U(st->flows_active, 1);
        cst_engine_free(e);
}

/* Zero-length client SCID: server->client short headers have no learned DCID. */
static void test_zero_length_cid(void)
{
        for (int allow = 0; allow <= 1; allow++) {
                cst_engine *e = engine(false, allow, true);
                struct tflow f;
                tf_init(&f, e, true, 50000);
                quic_open(&f, NULL, 0);
                uint32_t n = 0;
                quic_short(&n, NULL, 0, 1200);
                uint32_t kept = tf_udp(&f, 1, buf, n);
                if (allow)
                        CHECK(kept == 32 && f.v.reason == CST_R_TRUNCATE_QUIC_SHORT_HEADER);
                else
                        CHECK(kept == n && f.v.reason == CST_R_KEEP_QUIC_UNCERTAIN);
                n = 0;
                quic_short(&n, SRV_SCID, 8, 1200); /* client -> server still matches */
                CHECK_EQ_U(tf_udp(&f, 0, buf, n), 32);
                cst_engine_free(e);
        }
}

/* require_dcid_match = false: the learned length is used, the bytes are not compared. */
static void test_no_dcid_match(void)
{
        cst_engine *e = engine(false, false, false);
        struct tflow f;
        tf_init(&f, e, false, 50001);
        quic_open(&f, CLI_SCID, 3);
        uint32_t n = 0;
        quic_short(&n, ODCID, 8, 1200);
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), 32);
        cst_engine_free(e);
}

/* Short headers on a 4-tuple without an Initial: untouched, no counter. */
static void test_unknown_connection(void)
{
        cst_engine *e = engine(false, true, true);
        struct tflow f;
        tf_init(&f, e, false, 50002);
        uint32_t n = 0;
        quic_short(&n, SRV_SCID, 8, 1200);
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), n);
        CHECK_EQ_U(f.v.reason, CST_R_KEEP_QUIC_UNKNOWN_FLOW);
        struct cst_stats *st = cst_engine_stats(e);
        CHECK_EQ_U(st->quic_kept_uncertain + st->quic_truncated, 0);
        CHECK_EQ_U(st->flows_active, 0);
        cst_engine_free(e);
}

/* Version Negotiation (version 0) fails the parse: uncertain, in both modes (SPEC 6.7). */
static void test_version_negotiation(void)
{
        for (int compat = 0; compat <= 1; compat++) {
                cst_engine *e = engine(compat, false, true);
                struct tflow f;
                tf_init(&f, e, false, 50003);
                uint32_t n = 0;
                quic_long(&n, 0, 0, CLI_SCID, 3, SRV_SCID, 8, 8);
                CHECK_EQ_U(tf_udp(&f, 1, buf, n), n);
                CHECK_EQ_U(cst_engine_stats(e)->quic_kept_uncertain, 1);
                cst_engine_free(e);
        }
}

/* A DNS response on port 443 whose ID has the top bit set (SPEC 6 item 4). */
static void test_dns_on_443(void)
{
        static const uint8_t dns[] = {0x81, 0x23, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00,
                                      0x00, 0x00, 0x00, 0x07, 'e',  'x',  'a',  'm',  'p',
                                      'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01,
                                      0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00,
                                      0x00, 0x0e, 0x10, 0x00, 0x04, 93,   184,  216,  34};
        for (int compat = 0; compat <= 1; compat++) {
                cst_engine *e = engine(compat, false, true);
                struct tflow f;
                tf_init(&f, e, false, 53000);
                CHECK_EQ_U(tf_udp(&f, 1, dns, sizeof(dns)), sizeof(dns));
                CHECK_EQ_U(cst_engine_stats(e)->quic_kept_uncertain, compat ? 1 : 0);
                /* the old tool even parses it as an Initial and opens a "connection" */
                CHECK_EQ_U(cst_engine_stats(e)->flows_active, compat ? 1 : 0);
                cst_engine_free(e);
        }
}

static void test_versions(void)
{
        CHECK(quic_version_known(1));
        CHECK(quic_version_known(0x6b3343cfu)); /* v2 */
        CHECK(quic_version_known(0xff00001du)); /* draft-29 */
        CHECK(quic_version_known(0x1a2a3a4au)); /* grease */
        CHECK(quic_version_known(0xfaceb002u));
        CHECK(quic_version_known(0x51303530u));  /* "Q050" */
        CHECK(!quic_version_known(0x23818000u)); /* a DNS response header */
        CHECK(!quic_version_known(0x12345678u));
}

/*
 * The SPEC 3.2 snaplen cap (capture): base = min(caplen, origlen, cap); a
 * cut undone against base counts quic_short_kept_snaplen, a packet ending
 * at base below caplen counts snaplen_capped_packets.  Frames: 42 header
 * bytes, the short-header cut at 42 + 32 = 74; min_saved 16.
 */
static void test_snaplen_cap(void)
{
        cst_engine *e = engine(false, false, true);
        struct tflow f;
        tf_init(&f, e, false, 60746);
        quic_open(&f, CLI_SCID, 3);
        uint32_t n = 0;
        quic_short(&n, SRV_SCID, 8, 1200); /* frame of 1251 bytes */
        cst_engine_set_snaplen_cap(e, 80); /* 6 bytes saved against 80: undone */
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), 80 - 42);
        CHECK_EQ_U(f.v.reason, CST_R_KEEP_MIN_SAVINGS);
        cst_engine_set_snaplen_cap(e, 60); /* below the cut: the snaplen decides */
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), 60 - 42);
        CHECK_EQ_U(f.v.reason, CST_R_TRUNCATE_SNAPLEN);
        cst_engine_set_snaplen_cap(e, 2000); /* above caplen: the policy's cut */
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), 32);
        CHECK_EQ_U(f.v.reason, CST_R_TRUNCATE_QUIC_SHORT_HEADER);
        n = 0;
        quic_short(&n, SRV_SCID, 8, 30); /* 81 bytes: 7 saved, undone against caplen */
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), n);
        CHECK_EQ_U(f.v.reason, CST_R_KEEP_MIN_SAVINGS);
        cst_engine_set_snaplen_cap(e, 60);
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), 60 - 42);
        CHECK_EQ_U(f.v.reason, CST_R_TRUNCATE_SNAPLEN);
        cst_engine_set_snaplen_cap(e, 0); /* off again (constrict) */
        CHECK_EQ_U(tf_udp(&f, 0, buf, n), n);
        struct cst_stats *st = cst_engine_stats(e);
        CHECK_EQ_U(st->quic_truncated, 3); /* cuts that held against caplen */
        CHECK_EQ_U(st->quic_short_kept_snaplen, 1);
        CHECK_EQ_U(st->snaplen_capped_packets, 3);
        CHECK_EQ_U(st->reason_packets[CST_R_TRUNCATE_SNAPLEN], 2);
        CHECK_EQ_U(st->reason_packets[CST_R_KEEP_MIN_SAVINGS], 3);
        CHECK_EQ_U(st->reason_packets[CST_R_TRUNCATE_QUIC_SHORT_HEADER], 1);
        CHECK_EQ_U(st->reason_packets[CST_R_KEEP_QUIC_LONG_HEADER], 1);
        CHECK_EQ_U(st->reason_packets[CST_R_KEEP_QUIC_UNCERTAIN], 1);
        cst_engine_free(e);
}

int main(void)
{
        test_main_path();
        test_zero_length_cid();
        test_no_dcid_match();
        test_unknown_connection();
        test_version_negotiation();
        test_dns_on_443();
        test_versions();
        test_snaplen_cap();
        return check_summary("test_quic");
}
