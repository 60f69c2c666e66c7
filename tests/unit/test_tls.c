/*
 * TLS tracker (SPEC 2.7) on crafted TCP flows driven through the engine:
 * every continuation policy on a 16 KiB record across 12 segments, record
 * headers split at every offset, [AppData][Alert], retransmission,
 * reordering, a capture starting mid-connection, TLS 1.2 and 1.3, and the
 * fixes of SPEC 6 items 1 and 4 (compat mode shows the old behaviour).
 */
#include "check.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "flow_build.h"

static const enum cst_tls_policy POLICIES[3] = {CST_TLS_FINAL_ONLY, CST_TLS_STREAM, CST_TLS_BULK};

static cst_engine *engine(enum cst_tls_policy pol, bool compat)
{
        struct cst_config c;
        char err[CST_ERRBUF];
        cst_config_defaults(&c);
        c.tls_policy = pol;
        cst_engine *e = cst_engine_new(&c, err);
        if (!e) {
                fprintf(stderr, "engine: %s\n", err);
                exit(1);
        }
        cst_engine_set_compat(e, compat);
        return e;
}

static uint8_t buf[70000];

/* TLS 1.3 opening: ClientHello; ServerHello+CCS+AppData(1000); client CCS+AppData(53). */
static void tls13_open(struct tflow *f)
{
        uint32_t n = 0;
        tf_handshake(f);
        tls_hs(buf, &n, 1, 512);
        CHECK_EQ_U(tf_tcp(f, 0, buf, n), n); /* ClientHello kept whole */
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_NO_CANDIDATE);
        n = 0;
        tls_hs(buf, &n, 2, 90);
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        uint32_t ad = n;
        tls_rec(buf, &n, 0x17, 0x0303, 1000);
        CHECK_EQ_U(tf_tcp(f, 1, buf, n), ad + 8);
        n = 0;
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        tls_rec(buf, &n, 0x17, 0x0303, 53);
        CHECK_EQ_U(tf_tcp(f, 0, buf, n), 6 + 8);
}

/* A 16 KiB AppData record in 12 segments, then one more small record. */
static void test_16k_record(void)
{
        for (int pi = 0; pi < 3; pi++) {
                cst_engine *e = engine(POLICIES[pi], false);
                struct tflow f;
                tf_init(&f, e, pi == 1, 40000);
                tls13_open(&f);
                uint32_t n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 16384);
                uint32_t off = 0;
                for (int s = 0; s < 12; s++) {
                        uint32_t len = s < 11 ? 1366 : n - off;
                        uint32_t kept = tf_tcp(&f, 1, buf + off, len);
                        off += len;
                        if (s == 0)
                                CHECK_EQ_U(kept, 8);
                        else if (s == 11)
                                CHECK_EQ_U(f.v.reason, CST_R_TRUNCATE_TLS_FINAL_CONTINUATION);
                        else if (POLICIES[pi] == CST_TLS_FINAL_ONLY)
                                CHECK(kept == len && f.v.reason == CST_R_KEEP_MIDDLE_CONTINUATION);
                        else
                                CHECK(kept == 8 &&
                                      f.v.reason == CST_R_TRUNCATE_TLS_STREAM_CONTINUATION);
                        if (s == 11)
                                CHECK_EQ_U(kept, 8);
                }
                CHECK_EQ_U(off, 16389);
                n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 200);
                CHECK_EQ_U(tf_tcp(&f, 1, buf, n), 8);
                struct cst_stats *st = cst_engine_stats(e);
                CHECK_EQ_U(st->tls_kept_middle_continuation, POLICIES[pi] ? 0 : 10);
                CHECK_EQ_U(st->tls_truncated_stream_continuation, POLICIES[pi] ? 10 : 0);
                CHECK_EQ_U(st->tls_truncated_final_continuation, 1);
                CHECK_EQ_U(st->tls_kept_uncertain, 0);
                cst_engine_free(e);
        }
}

/*
 * [AppData 100][record B: AppData 100] with the segment boundary k bytes into
 * B's header (k = 0..5), then a third segment with a fresh record.
 */
static void split_header_case(enum cst_tls_policy pol, bool compat, uint32_t k)
{
        cst_engine *e = engine(pol, compat);
        struct tflow f;
        tf_init(&f, e, false, 40100);
        tls13_open(&f);
        uint32_t n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 100);
        tls_rec(buf, &n, 0x17, 0x0303, 100);
        uint32_t cut = 105 + k;
        uint32_t k1 = tf_tcp(&f, 1, buf, cut);
        uint32_t len2 = n - cut;
        uint32_t k2 = tf_tcp(&f, 1, buf + cut, len2);
        uint16_t r2 = f.v.reason;
        n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 300);
        uint32_t k3 = tf_tcp(&f, 1, buf, n);
        struct cst_stats *st = cst_engine_stats(e);
        if (k == 0) { /* boundary between records: two clean starts */
                CHECK_EQ_U(k1, 8);
                CHECK_EQ_U(k2, 8);
        } else if (k == 5) { /* header complete, body next: last record decides (no candidate) */
                CHECK_EQ_U(k1, cut);
                CHECK_EQ_U(k2, 8);
                CHECK_EQ_U(r2, CST_R_TRUNCATE_TLS_FINAL_CONTINUATION);
        } else { /* a partial header cannot be parsed: malformed, kept whole */
                CHECK_EQ_U(k1, cut);
                CHECK_EQ_U(st->tls_kept_malformed_record, compat ? 2 : 1);
                if (compat)
                        CHECK_EQ_U(r2, CST_R_KEEP_MALFORMED_TLS_RECORD);
                else if (pol == CST_TLS_BULK) /* lost but confirmed: bulk cut */
                        CHECK(r2 == CST_R_TRUNCATE_TLS_BULK_CONTINUATION && k2 == 8);
                else
                        CHECK(r2 == CST_R_KEEP_NO_CANDIDATE && k2 == len2);
        }
        CHECK_EQ_U(k3, 8); /* a segment starting with a record header recovers */
        cst_engine_free(e);
}

static void test_split_header(void)
{
        for (int pi = 0; pi < 3; pi++)
                for (uint32_t k = 0; k <= 5; k++) {
                        split_header_case(POLICIES[pi], false, k);
                        split_header_case(POLICIES[pi], true, k);
                }
}

/* Last record decides: [AppData][Alert] kept whole, [Alert][AppData] cut. */
static void test_appdata_alert(void)
{
        for (int pi = 0; pi < 3; pi++) {
                cst_engine *e = engine(POLICIES[pi], false);
                struct tflow f;
                tf_init(&f, e, false, 40200);
                tls13_open(&f);
                uint32_t n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 500);
                tls_rec(buf, &n, 0x15, 0x0303, 2);
                CHECK_EQ_U(tf_tcp(&f, 1, buf, n), n);
                CHECK_EQ_U(f.v.reason, CST_R_KEEP_NO_CANDIDATE);
                n = 0;
                tls_rec(buf, &n, 0x15, 0x0303, 2);
                tls_rec(buf, &n, 0x17, 0x0303, 500);
                CHECK_EQ_U(tf_tcp(&f, 1, buf, n), 7 + 8);
                cst_engine_free(e);
        }
}

/* A retransmitted record start: seq mismatch counted, then resynchronised and cut. */
static void test_retransmission(void)
{
        cst_engine *e = engine(CST_TLS_FINAL_ONLY, false);
        struct tflow f;
        tf_init(&f, e, false, 40300);
        tls13_open(&f);
        uint32_t n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 700);
        uint32_t seq = f.seq[1];
        CHECK_EQ_U(tf_tcp(&f, 1, buf, n), 8);
        CHECK_EQ_U(tf_tcp_at(&f, 1, seq, 0x18, buf, n), 8); /* the retransmission */
        struct cst_stats *st = cst_engine_stats(e);
        CHECK_EQ_U(st->tls_kept_tcp_seq_mismatch, 1);
        CHECK_EQ_U(st->tls_state_reset_on_seq_mismatch, 1);
        CHECK_EQ_U(tf_tcp(&f, 1, buf, n), 8); /* in order again */
        CHECK_EQ_U(st->tls_kept_tcp_seq_mismatch, 1);
        cst_engine_free(e);
}

/* Segments of one record arrive A, C, B: C is a seq mismatch, B a silent keep. */
static void test_reordering(void)
{
        for (int pi = 0; pi < 3; pi++) {
                cst_engine *e = engine(POLICIES[pi], false);
                struct tflow f;
                tf_init(&f, e, false, 40400);
                tls13_open(&f);
                uint32_t n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 2995); /* 3000 bytes: 3 segments of 1000 */
                uint32_t s0 = f.seq[1];
                CHECK_EQ_U(tf_tcp_at(&f, 1, s0, 0x18, buf, 1000), 8);
                uint32_t kc = tf_tcp_at(&f, 1, s0 + 2000, 0x18, buf + 2000, 1000);
                bool bulk = POLICIES[pi] == CST_TLS_BULK;
                if (bulk) /* confirmed, seen AppData, lost: bulk cuts even the mismatch */
                        CHECK(kc == 8 && f.v.reason == CST_R_TRUNCATE_TLS_BULK_CONTINUATION);
                else
                        CHECK(kc == 1000 && f.v.reason == CST_R_KEEP_TCP_SEQ_MISMATCH);
                uint32_t kb = tf_tcp_at(&f, 1, s0 + 1000, 0x18, buf + 1000, 1000);
                if (bulk)
                        CHECK(kb == 8 && f.v.reason == CST_R_TRUNCATE_TLS_BULK_CONTINUATION);
                else
                        CHECK(kb == 1000 && f.v.reason == CST_R_KEEP_NO_CANDIDATE);
                f.seq[1] = s0 + 3000;
                n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 400);
                CHECK_EQ_U(tf_tcp(&f, 1, buf, n), 8); /* resynchronised */
                struct cst_stats *st = cst_engine_stats(e);
                CHECK_EQ_U(st->tls_kept_tcp_seq_mismatch, 1);
                CHECK_EQ_U(st->tls_kept_uncertain, bulk ? 0 : 1);
                CHECK_EQ_U(st->tls_resynchronized, 2); /* the server's first segment + this */
                CHECK_EQ_U(st->tls_resynchronized_app_data_start, 1);
                cst_engine_free(e);
        }
}

/* A capture that starts mid-connection: nothing is confirmed, nothing is cut. */
static void test_mid_connection(void)
{
        for (int pi = 0; pi < 3; pi++) {
                cst_engine *e = engine(POLICIES[pi], false);
                struct tflow f;
                tf_init(&f, e, true, 40500);
                uint32_t n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 3000);
                CHECK_EQ_U(tf_tcp(&f, 1, buf + 1000, 1200), 1200); /* continuation bytes */
                CHECK_EQ_U(tf_tcp(&f, 1, buf, 1200), 1200);        /* a record start */
                CHECK_EQ_U(f.v.reason, CST_R_KEEP_UNSYNCHRONIZED_NON_HANDSHAKE);
                CHECK_EQ_U(tf_tcp(&f, 1, buf + 1500, 1200), 1200);
                struct cst_stats *st = cst_engine_stats(e);
                CHECK_EQ_U(st->tls_kept_unsynchronized_non_handshake, 1);
                CHECK_EQ_U(st->tls_truncated, 0);
                CHECK_EQ_U(st->flows_active, 0); /* nothing worth remembering */
                cst_engine_free(e);
        }
}

/* TLS 1.2: plaintext handshake flights kept whole, encrypted Finished kept, AppData cut. */
static void test_tls12(void)
{
        cst_engine *e = engine(CST_TLS_FINAL_ONLY, false);
        struct tflow f;
        tf_init(&f, e, false, 40600);
        tf_handshake(&f);
        uint32_t n = 0;
        tls_hs(buf, &n, 1, 300);
        buf[2] = 0x01; /* record version 3.1 on the ClientHello */
        CHECK_EQ_U(tf_tcp(&f, 0, buf, n), n);
        n = 0;
        tls_hs(buf, &n, 2, 80);
        tls_hs(buf, &n, 11, 3200); /* Certificate: spans three segments */
        tls_hs(buf, &n, 12, 300);
        tls_hs(buf, &n, 14, 0);
        uint32_t off = 0;
        while (off < n) {
                uint32_t len = n - off < 1400 ? n - off : 1400;
                CHECK_EQ_U(tf_tcp(&f, 1, buf + off, len), len);
                off += len;
        }
        n = 0;
        tls_hs(buf, &n, 16, 66);
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        tls_rec(buf, &n, 0x16, 0x0303, 40); /* encrypted Finished */
        CHECK_EQ_U(tf_tcp(&f, 0, buf, n), n);
        n = 0;
        tls_rec(buf, &n, 0x14, 0x0303, 1);
        tls_rec(buf, &n, 0x16, 0x0303, 40);
        CHECK_EQ_U(tf_tcp(&f, 1, buf, n), n);
        n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 900);
        CHECK_EQ_U(tf_tcp(&f, 0, buf, n), 8);
        CHECK_EQ_U(tf_tcp(&f, 1, buf, n), 8);
        struct cst_stats *st = cst_engine_stats(e);
        CHECK_EQ_U(st->tls_truncated, 2);
        CHECK_EQ_U(st->tls_kept_uncertain, 0);
        CHECK_EQ_U(st->tls_kept_malformed_record, 0);
        cst_engine_free(e);
}

/* Shared prelude of the fix tests: a confirmed server direction that lost sync. */
static void lose_sync(struct tflow *f)
{
        tls13_open(f);
        f->seq[1] += 5000; /* a gap: the next server segment is a seq mismatch */
        uint32_t n = 0;
        tls_rec(buf, &n, 0x17, 0x0303, 3000);
        CHECK_EQ_U(tf_tcp(f, 1, buf + 1000, 1000), 1000);
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_TCP_SEQ_MISMATCH);
}

/*
 * SPEC 6 item 1: random bytes that start like a record header (implausible
 * minor version / length) falsely resynchronise the old tool, which then
 * keeps the rest of the flow as "malformed".  constrictor rejects them.
 */
static void test_fix_false_resync(void)
{
        for (int compat = 0; compat <= 1; compat++) {
                cst_engine *e = engine(CST_TLS_FINAL_ONLY, compat);
                struct tflow f;
                tf_init(&f, e, false, 40700);
                lose_sync(&f);
                uint32_t n = 0;
                tls_rec(buf, &n, 0x16, 0x0377, 300); /* bogus version 3.119 ... */
                tf_be16(buf + 3, 22001);             /* ... and length above 2^14 + 2048 */
                CHECK_EQ_U(tf_tcp(&f, 1, buf, 300), 300);
                n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 400);
                uint32_t kept = tf_tcp(&f, 1, buf, n);
                struct cst_stats *st = cst_engine_stats(e);
                if (compat) { /* stuck inside a 22 KB "record" that does not exist */
                        CHECK_EQ_U(kept, n);
                        CHECK_EQ_U(f.v.reason, CST_R_KEEP_NO_CANDIDATE);
                        CHECK_EQ_U(st->tls_resynchronized, 2);
                } else {
                        CHECK_EQ_U(kept, 8);
                        CHECK_EQ_U(st->tls_kept_malformed_record, 0);
                }
                cst_engine_free(e);
        }
}

/* The unchecked record length: an AppData "record" of 65535 bytes is not a record. */
static void test_fix_record_length(void)
{
        for (int compat = 0; compat <= 1; compat++) {
                cst_engine *e = engine(CST_TLS_FINAL_ONLY, compat);
                struct tflow f;
                tf_init(&f, e, false, 40800);
                tls13_open(&f);
                uint32_t n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 1200);
                tf_be16(buf + 3, 0xffff);
                uint32_t kept = tf_tcp(&f, 1, buf, n);
                if (compat)
                        CHECK(kept == 8 && f.v.reason == CST_R_TRUNCATE_TLS_APP_DATA_START);
                else
                        CHECK(kept == n && f.v.reason == CST_R_KEEP_MALFORMED_TLS_RECORD);
                cst_engine_free(e);
        }
}

/*
 * SPEC 6 item 4 (TLS side): a binary payload that starts 16 03 on a non-TLS
 * flow confirmed "TLS" in the old tool; constrictor needs a plaintext
 * handshake message type in an unconfirmed direction.
 */
static void test_fix_binary_16_03(void)
{
        for (int compat = 0; compat <= 1; compat++) {
                cst_engine *e = engine(CST_TLS_FINAL_ONLY, compat);
                struct tflow f;
                tf_init(&f, e, false, 40900);
                f.sport = 8080;
                tf_handshake(&f);
                uint32_t n = 0;
                tls_hs(buf, &n, 0xc7, 60); /* message type 199: not a handshake message */
                CHECK_EQ_U(tf_tcp(&f, 1, buf, n), n);
                n = 0;
                tls_rec(buf, &n, 0x17, 0x0303, 500);
                uint32_t kept = tf_tcp(&f, 1, buf, n);
                struct cst_stats *st = cst_engine_stats(e);
                if (compat) {
                        CHECK_EQ_U(kept, 8);
                } else {
                        CHECK_EQ_U(kept, n);
                        CHECK_EQ_U(st->tls_kept_unsynchronized_non_handshake, 2);
                }
                cst_engine_free(e);
        }
}

int main(void)
{
        test_16k_record();
        test_split_header();
        test_appdata_alert();
        test_retransmission();
        test_reordering();
        test_mid_connection();
        test_tls12();
        test_fix_false_resync();
        test_fix_record_length();
        test_fix_binary_16_03();
        return check_summary("test_tls");
}
