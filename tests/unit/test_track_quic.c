/*
 * Learning QUIC (issue 12 item 4) under `track` and under
 * [quic] learn_all_long_headers: CIDs from every long header, QUIC v2 type
 * codes (RFC 9369), a greased fixed bit (RFC 9287), Version Negotiation,
 * zero-length CIDs, migration to a new 4-tuple (also greased), UDP GSO
 * super-frames, DNS and random data on 443
 * never cut, and decision-log rows for QUIC datagrams.  Issue 17 item 5:
 * under `track` a flow is proven only by a client Initial whose protection
 * removes with its DCID's keys (quic_seal.h builds them); look-alikes are
 * kept whole (keep.quic_not_proven), tried at most QL_PROOF_TRIES times.
 */
#include "check.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "flow_build.h"
#include "policy/track.h"
#include "quic_seal.h"

#include <unistd.h>

#define V1 0x00000001u
#define V2 0x6b3343cfu

static uint8_t dg[4000];
static struct quic_initial *qi;

/* proof: -1 the policy's default, 0/1 [quic] require_initial_proof named */
static cst_engine *engine_proof(bool track, bool learn, int proof)
{
        struct cst_config c;
        char err[CST_ERRBUF];
        cst_config_defaults(&c);
        if (proof >= 0) {
                c.quic_require_initial_proof = proof;
                c.quic_require_initial_proof_set = true;
        }
        if (track)
                cst_config_set_policy(&c, CST_TLS_TRACK);
        c.learn_all_long_headers = learn;
        cst_engine *e = cst_engine_new(&c, err);
        if (!e) {
                fprintf(stderr, "engine: %s\n", err);
                exit(1);
        }
        return e;
}

static cst_engine *engine_quic(bool track, bool learn)
{
        return engine_proof(track, learn, -1);
}

/* Long header of logical type lt (0 Initial, 2 Handshake) in version v. */
static uint32_t long_hdr(uint8_t *b, uint32_t v, unsigned lt, const uint8_t *dcid, uint8_t dl,
                         const uint8_t *scid, uint8_t sl, uint32_t body)
{
        static const uint8_t v2bits[4] = {1, 2, 3, 0};
        unsigned bits = v == V2 ? v2bits[lt] : lt;
        uint32_t n = 0;
        b[n++] = (uint8_t)(0xc0 | bits << 4 | 1);
        tf_be32(b + n, v);
        n += 4;
        b[n++] = dl;
        memcpy(b + n, dcid, dl);
        n += dl;
        b[n++] = sl;
        memcpy(b + n, scid, sl);
        n += sl;
        if (lt == 0)
                b[n++] = 0; /* token length */
        tf_be16(b + n, 0x4000 | body);
        n += 2;
        memset(b + n, 0x33, body);
        return n + body;
}

static uint32_t short_hdr(uint8_t *b, uint8_t first, const uint8_t *dcid, uint8_t dl, uint32_t body)
{
        b[0] = first;
        if (dl)
                memcpy(b + 1, dcid, dl);
        memset(b + 1 + dl, 0x77, body);
        return 1 + dl + body;
}

static const uint8_t CCID[8] = {1, 2, 3, 4, 5, 6, 7, 8}, SCID[8] = {9, 9, 8, 8, 7, 7, 6, 6},
                     ODCID[8] = {0xaa, 0xbb, 0xcc, 0xdd, 1, 1, 1, 1};

/* Client Initial (1200 bytes, sealed with ODCID's keys unless `fake`),
 * server Initial+Handshake, client Handshake. */
static void quic_open_as(struct tflow *f, uint32_t v, uint8_t ccid_len, bool fake)
{
        static const uint8_t ping[1] = {0x01};
        /* 1206 bytes whatever the CID length: a client pads to >= 1200 (RFC 9000 §14.1) */
        uint32_t n = long_hdr(dg, v, 0, ODCID, 8, CCID, ccid_len, 1188u - ccid_len);
        if (!fake)
                CHECK_EQ_U(quic_seal_initial(qi, v, ODCID, 8, CCID, ccid_len, 0, ping, 1, n, dg),
                           n);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), n);
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_QUIC_LONG_HEADER);
        n = long_hdr(dg, v, 0, CCID, ccid_len, SCID, 8, 100);
        n += long_hdr(dg + n, v, 2, CCID, ccid_len, SCID, 8, 900);
        CHECK_EQ_U(tf_udp(f, 1, dg, n), n);
        n = long_hdr(dg, v, 2, SCID, 8, CCID, ccid_len, 60);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), n);
}

static void quic_open(struct tflow *f, uint32_t v, uint8_t ccid_len)
{
        quic_open_as(f, v, ccid_len, false);
}

/* Issue 17 item 5: look-alike Initials (valid long headers, contents that
 * decrypt to nothing) and Handshake packets both ways prove nothing under
 * `track`: the flow's datagrams are kept whole, no server is learned for
 * migration.  With require_initial_proof = false, the old rule cuts them. */
static void test_initial_proof(void)
{
        for (int proof = 0; proof < 2; proof++) {
                struct tflow *f = calloc(1, sizeof(*f));
                tf_init(f, engine_proof(true, false, proof ? -1 : 0), false, 50010);
                quic_open_as(f, V1, 8, true);
                uint32_t n = short_hdr(dg, 0x41, SCID, 8, 1000);
                CHECK_EQ_U(tf_udp(f, 0, dg, n), proof ? n : 32);
                CHECK_EQ_U(f->v.reason,
                           proof ? CST_R_KEEP_QUIC_NOT_PROVEN : CST_R_TRUNCATE_QUIC_SHORT_HEADER);
                n = short_hdr(dg, 0x41, CCID, 8, 1000);
                CHECK_EQ_U(tf_udp(f, 1, dg, n), proof ? n : 32);
                f->cport = 50998; /* a new path next to that "server" */
                n = short_hdr(dg, 0x41, SCID, 8, 1000);
                CHECK_EQ_U(tf_udp(f, 0, dg, n), proof ? n : 32);
                struct cst_stats *st = cst_engine_stats(f->eng);
                CHECK_EQ_U(st->quic_initials_not_proven, proof ? 1 : 0);
                CHECK_EQ_U(st->quic_initials_proven, 0);
                CHECK_EQ_U(st->quic_kept_not_proven, proof ? 2 : 0);
                CHECK_EQ_U(st->quic_migrations_adopted, proof ? 0 : 1);
                CHECK_EQ_U(st->quic_truncated, proof ? 0 : 3);
                cst_engine_free(f->eng);
                free(f);
        }
        /* a flood of look-alikes on one flow: tried QL_PROOF_TRIES times, not per packet */
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), false, 50011);
        for (int k = 0; k < 20; k++) {
                uint32_t n = long_hdr(dg, V1, 0, ODCID, 8, CCID, 8, 1180);
                CHECK_EQ_U(tf_udp(f, 0, dg, n), n);
        }
        CHECK_EQ_U(cst_engine_stats(f->eng)->quic_initials_not_proven, QL_PROOF_TRIES);
        /* the real Initial of that flow after the tries: kept, never cut */
        quic_open(f, V1, 8);
        uint32_t n = short_hdr(dg, 0x41, SCID, 8, 1000);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), n);
        cst_engine_free(f->eng);
        free(f);
        /* the sealed Initial is proven once, and its flow is cut */
        f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), true, 50012);
        quic_open(f, V2, 8);
        n = short_hdr(dg, 0x41, SCID, 8, 1000);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), 32);
        CHECK_EQ_U(cst_engine_stats(f->eng)->quic_initials_proven, 1);
        CHECK_EQ_U(cst_engine_stats(f->eng)->quic_initials_not_proven, 0);
        cst_engine_free(f->eng);
        free(f);
}

static void test_v1_v2(void)
{
        for (int k = 0; k < 2; k++) {
                struct tflow *f = calloc(1, sizeof(*f));
                tf_init(f, engine_quic(true, false), k, 50000);
                quic_open(f, k ? V2 : V1, 8);
                uint32_t n = short_hdr(dg, 0x41, SCID, 8, 1000); /* client -> server */
                CHECK_EQ_U(tf_udp(f, 0, dg, n), 32);
                CHECK_EQ_U(f->v.reason, CST_R_TRUNCATE_QUIC_SHORT_HEADER);
                n = short_hdr(dg, 0x41, CCID, 8, 1000); /* server -> client */
                CHECK_EQ_U(tf_udp(f, 1, dg, n), 32);
                n = short_hdr(dg, 0x01, CCID, 8, 1000); /* greased fixed bit */
                CHECK_EQ_U(tf_udp(f, 1, dg, n), 32);
                n = short_hdr(dg, 0x41, ODCID, 8, 1000); /* wrong DCID */
                CHECK_EQ_U(tf_udp(f, 1, dg, n), n);
                CHECK_EQ_U(f->v.reason, CST_R_KEEP_QUIC_DCID_MISMATCH);
                cst_engine_free(f->eng);
                free(f);
        }
}

static void test_learn_all_without_track(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(false, true), false, 50001);
        quic_open(f, V2, 8);
        uint32_t n = short_hdr(dg, 0x41, SCID, 8, 1000);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), 32);
        cst_engine_free(f->eng);
        free(f);
        /* the SPEC analyser (no learning) does not know QUIC v2 types */
        f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(false, false), false, 50001);
        uint32_t m = long_hdr(dg, V2, 0, ODCID, 8, CCID, 8, 1180);
        tf_udp(f, 0, dg, m);
        m = long_hdr(dg, V2, 0, CCID, 8, SCID, 8, 100);
        tf_udp(f, 1, dg, m);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), n);
        cst_engine_free(f->eng);
        free(f);
}

static void test_version_negotiation(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), false, 50002);
        uint32_t n = long_hdr(dg, V1, 0, ODCID, 8, CCID, 8, 1180);
        tf_udp(f, 0, dg, n);
        n = 0;
        dg[n++] = 0x80 | 0x2a;
        tf_be32(dg + n, 0);
        n += 4;
        dg[n++] = 8;
        memcpy(dg + n, CCID, 8);
        n += 8;
        dg[n++] = 8;
        memcpy(dg + n, ODCID, 8);
        n += 8;
        tf_be32(dg + n, V1);
        tf_be32(dg + n + 4, 0x1a2a3a4a);
        n += 8;
        CHECK_EQ_U(tf_udp(f, 1, dg, n), n);
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_QUIC_VERSION_NEGOTIATION);
        struct cst_stats *st = cst_engine_stats(f->eng);
        CHECK_EQ_U(st->quic_version_negotiation, 1);
        CHECK_EQ_U(st->quic_kept_uncertain, 0);
        cst_engine_free(f->eng);
        free(f);
}

static void test_zero_length_cid(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), false, 50003);
        quic_open(f, V1, 0); /* the client uses a zero-length CID */
        uint32_t n = short_hdr(dg, 0x41, NULL, 0, 1000);
        CHECK_EQ_U(tf_udp(f, 1, dg, n), 32); /* matched by its 4-tuple */
        CHECK_EQ_U(f->v.reason, CST_R_TRUNCATE_QUIC_SHORT_HEADER);
        cst_engine_free(f->eng);
        free(f);
}

static void test_migration(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), false, 50004);
        quic_open(f, V1, 8);
        f->cport = 50999; /* NAT rebinding: new client port, new CID of the same length */
        static const uint8_t NEWCID[8] = {0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58};
        uint32_t n = short_hdr(dg, 0x41, NEWCID, 8, 1000);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), 32);
        CHECK_EQ_U(f->v.reason, CST_R_TRUNCATE_QUIC_SHORT_HEADER);
        n = short_hdr(dg, 0x41, CCID, 8, 1000);
        CHECK_EQ_U(tf_udp(f, 1, dg, n), 32);
        CHECK_EQ_U(cst_engine_stats(f->eng)->quic_migrations_adopted, 1);
        /* a short header next to a server that never completed a handshake */
        f->sport = 8443;
        n = short_hdr(dg, 0x41, NEWCID, 8, 1000);
        CHECK_EQ_U(tf_udp(f, 0, dg, n), n);
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_QUIC_UNKNOWN_FLOW);
        cst_engine_free(f->eng);
        free(f);
}

/* ngtcp2 style: the fixed bit greased everywhere, then a new client port. */
static void test_greased_migration(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), false, 50007);
        quic_open(f, V1, 8);
        uint32_t n = short_hdr(dg, 0x01, SCID, 8, 1000); /* greased, known flow */
        CHECK_EQ_U(tf_udp(f, 0, dg, n), 32);
        f->cport = 51111;
        static const uint8_t NEWCID[8] = {0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68};
        n = short_hdr(dg, 0x1f, NEWCID, 8, 1000); /* greased on the new path */
        CHECK_EQ_U(tf_udp(f, 0, dg, n), 32);
        CHECK_EQ_U(cst_engine_stats(f->eng)->quic_migrations_adopted, 1);
        cst_engine_free(f->eng);
        free(f);
}

/* A UDP GSO super-frame: three 1200-byte datagrams captured as one. */
static void test_gso_super_frame(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), false, 50008);
        quic_open(f, V1, 8);
        uint32_t n = 0;
        for (int k = 0; k < 3; k++)
                n += short_hdr(dg + n, 0x41, CCID, 8, 1200 - 9);
        /* every segment's first byte + DCID is kept: cut after the third one's */
        CHECK_EQ_U(tf_udp(f, 1, dg, n), 2400 + 32);
        CHECK_EQ_U(f->v.reason, CST_R_TRUNCATE_QUIC_SHORT_HEADER);
        cst_engine_free(f->eng);
        free(f);
}

static void test_not_quic(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_quic(true, false), false, 50005);
        /* DNS query on 443 with the top ID bit set, then its answer */
        static const uint8_t dns[29] = {0x81, 0x23, 0x01, 0x00, 0,   1,   0,   0,   0,   0,
                                        0,    0,    7,    'e',  'x', 'a', 'm', 'p', 'l', 'e',
                                        3,    'c',  'o',  'm',  0,   0,   1,   0,   1};
        CHECK_EQ_U(tf_udp(f, 0, dns, sizeof(dns)), sizeof(dns));
        CHECK_EQ_U(tf_udp(f, 1, dns, sizeof(dns)), sizeof(dns));
        for (unsigned i = 0; i < 1200; i++)
                dg[i] = (uint8_t)(i * 151 + 17);
        dg[0] = 0x45; /* looks like a short header */
        CHECK_EQ_U(tf_udp(f, 0, dg, 1200), 1200);
        dg[0] = 0xc5; /* looks like a long header of no known version */
        CHECK_EQ_U(tf_udp(f, 1, dg, 1200), 1200);
        struct cst_stats *st = cst_engine_stats(f->eng);
        CHECK_EQ_U(st->quic_truncated, 0);
        CHECK_EQ_U(st->quic_kept_uncertain, 0);
        cst_engine_free(f->eng);
        free(f);
}

static void test_decision_log(void)
{
        char path[] = "/tmp/cst_track_quic_XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        close(fd);
        struct tflow *f = calloc(1, sizeof(*f));
        char err[CST_ERRBUF];
        tf_init(f, engine_quic(true, false), false, 50006);
        CHECK_EQ_U(cst_engine_open_decision_log(f->eng, path, err), 0);
        quic_open(f, V1, 8);
        uint32_t n = short_hdr(dg, 0x41, SCID, 8, 1000);
        tf_udp(f, 0, dg, n);
        CHECK_EQ_U(cst_engine_close_decision_log(f->eng, err), 0);
        FILE *fp = fopen(path, "r");
        char line[2048];
        int rows = 0, cut = 0;
        while (fp && fgets(line, sizeof(line), fp)) {
                rows++;
                cut += strstr(line, "\"truncate.quic_short_header\"") != NULL &&
                       strstr(line, "\"quic_short_header\"") != NULL;
        }
        if (fp)
                fclose(fp);
        unlink(path);
        CHECK_EQ_U(rows, 1 + 4); /* header + 3 long-header datagrams + 1 short */
        CHECK_EQ_U(cut, 1);
        cst_engine_free(f->eng);
        free(f);
}

/* The compatible analyser (final_only/stream/bulk) with the proof as an
 * option: off by default (byte for byte as before), on: look-alikes teach
 * nothing, a sealed Initial does. */
static void test_compat_option(void)
{
        for (int mode = 0; mode < 3; mode++) { /* default, proof on + fake, proof on + sealed */
                struct tflow *f = calloc(1, sizeof(*f));
                tf_init(f, engine_proof(false, false, mode ? 1 : -1), false, 50020);
                uint32_t n = long_hdr(dg, V1, 0, ODCID, 8, CCID, 8, 1180);
                if (mode == 2) {
                        static const uint8_t ping[1] = {0x01};
                        CHECK_EQ_U(quic_seal_initial(qi, V1, ODCID, 8, CCID, 8, 0, ping, 1, n, dg),
                                   n);
                }
                tf_udp(f, 0, dg, n);
                n = long_hdr(dg, V1, 0, CCID, 8, SCID, 8, 100);
                tf_udp(f, 1, dg, n);
                n = short_hdr(dg, 0x41, SCID, 8, 1000);
                bool cut = mode != 1;
                CHECK_EQ_U(tf_udp(f, 0, dg, n), cut ? 32 : n);
                CHECK_EQ_U(f->v.reason,
                           cut ? CST_R_TRUNCATE_QUIC_SHORT_HEADER : CST_R_KEEP_QUIC_UNKNOWN_FLOW);
                struct cst_stats *st = cst_engine_stats(f->eng);
                CHECK_EQ_U(st->quic_initials_proven, mode == 2);
                CHECK_EQ_U(st->quic_initials_not_proven, mode == 1 ? 2 : 0);
                cst_engine_free(f->eng);
                free(f);
        }
}

int main(void)
{
        qi = quic_initial_or_exit();
        test_initial_proof();
        test_compat_option();
        test_v1_v2();
        test_learn_all_without_track();
        test_version_negotiation();
        test_zero_length_cid();
        test_migration();
        test_greased_migration();
        test_gso_super_frame();
        test_not_quic();
        test_decision_log();
        quic_initial_free(qi);
        return check_summary("test_track_quic");
}
