/*
 * The `track` policy (issue 12) on crafted TCP flows: 16 KiB records over
 * 1448-byte segments, a header split at every offset, retransmission,
 * reordering, a lost header and resync, a mid-connection start proven by a
 * chain of 3 AppData headers, non-TLS data on 443 that starts 16 03, and
 * the TLS 1.3 encrypted handshake.  Every segment's cut is compared with an
 * independent needed-bytes oracle (track_build.h).
 */
#include "check.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "track_build.h"

static struct tstream S, C;
static uint8_t buf[2048];

static void reset_streams(void)
{
        memset(&S, 0, sizeof(S));
        memset(&C, 0, sizeof(C));
}

/* Handshake + ClientHello; returns the server's sequence base. */
static uint32_t open_tls(struct tflow *f, bool tls13)
{
        tf_handshake(f);
        ts_hello(&C, false, false);
        CHECK_EQ_U(ts_send(f, 0, f->seq[0], &C, 0, C.n), C.n);
        ts_hello(&S, true, tls13);
        return f->seq[1];
}

/* Send S[from, to) in MSS segments, checking each cut against the oracle. */
static int send_checked(struct tflow *f, uint32_t base, uint32_t from, uint32_t to, uint32_t mss)
{
        int bad = 0;
        for (uint32_t off = from; off < to; off += mss) {
                uint32_t n = to - off < mss ? to - off : mss;
                uint32_t kept = ts_send(f, 1, base, &S, off, n);
                if (kept != ts_need(&S, off, n)) {
                        fprintf(stderr, "segment at %u: kept %u, needed %u\n", off, kept,
                                ts_need(&S, off, n));
                        bad++;
                }
        }
        return bad;
}

static void test_download(void)
{
        reset_streams();
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_track(), false, 40000);
        uint32_t base = open_tls(f, false);
        ts_record(&S, 0x14, 1, false);
        for (int i = 0; i < 12; i++)
                ts_record(&S, 0x17, 16384, false);
        CHECK_EQ_U(send_checked(f, base, 0, S.n, 1448), 0);
        struct cst_stats *st = cst_engine_stats(f->eng);
        CHECK_EQ_U(st->tls_track_proven_hello, 1);
        CHECK(st->tls_truncated > 100);
        CHECK_EQ_U(st->tls_track_sync_lost, 0);
        cst_engine_free(f->eng);
        free(f);
}

/* Two segments cut at every offset of a record-dense stream. */
static void test_split_every_offset(void)
{
        reset_streams();
        ts_hello(&S, true, false);
        uint32_t hello = S.n;
        for (int i = 0; i < 6; i++)
                ts_record(&S, i == 3 ? 0x15 : 0x17, 20 + 7 * (uint32_t)i, false);
        int bad = 0;
        for (uint32_t cut = hello + 1; cut < S.n; cut++) {
                struct tflow *f = calloc(1, sizeof(*f));
                tf_init(f, engine_track(), cut & 1, 40000);
                memset(&C, 0, sizeof(C));
                tf_handshake(f);
                ts_hello(&C, false, false);
                ts_send(f, 0, f->seq[0], &C, 0, C.n);
                uint32_t base = f->seq[1];
                bad += ts_send(f, 1, base, &S, 0, cut) != ts_need(&S, 0, cut);
                bad += ts_send(f, 1, base, &S, cut, S.n - cut) != ts_need(&S, cut, S.n - cut);
                cst_engine_free(f->eng);
                free(f);
        }
        CHECK_EQ_U(bad, 0);
}

static void test_retransmission_and_reordering(void)
{
        reset_streams();
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_track(), true, 40001);
        uint32_t base = open_tls(f, false);
        for (int i = 0; i < 40; i++)
                ts_record(&S, 0x17, i % 3 ? 3000 : 700, false);
        uint32_t mss = 1448, nseg = (S.n + mss - 1) / mss;
        int bad = 0;
        for (uint32_t k = 0; k < nseg; k++) {
                uint32_t off = k * mss, n = S.n - off < mss ? S.n - off : mss;
                if (k % 10 == 4 && k + 1 < nseg) { /* reorder: k+1 before k */
                        uint32_t o2 = off + mss, n2 = S.n - o2 < mss ? S.n - o2 : mss;
                        bad += ts_send(f, 1, base, &S, o2, n2) < ts_need(&S, o2, n2);
                        bad += ts_send(f, 1, base, &S, off, n) < ts_need(&S, off, n);
                        k++;
                        continue;
                }
                bad += ts_send(f, 1, base, &S, off, n) != ts_need(&S, off, n);
                if (k % 7 == 6) /* retransmission of the previous segment: exact */
                        bad +=
                            ts_send(f, 1, base, &S, off - mss, mss) != ts_need(&S, off - mss, mss);
        }
        CHECK_EQ_U(bad, 0);
        /* an old retransmission beyond the window is kept at least as needed */
        CHECK(ts_send(f, 1, base, &S, mss * 2, mss) >= ts_need(&S, mss * 2, mss));
        /* a retransmission inside a record body is cut to its headers */
        uint32_t body = S.rec_off[S.nrec - 1] + 100;
        CHECK_EQ_U(ts_send(f, 1, base, &S, body, 500), 0);
        cst_engine_free(f->eng);
        free(f);
}

static void test_lost_header_resync(void)
{
        reset_streams();
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_track(), false, 40002);
        uint32_t base = open_tls(f, false);
        for (int i = 0; i < 12; i++)
                ts_record(&S, 0x17, 16384, false);
        uint32_t lost = S.rec_off[3] - 100; /* this segment carries record 3's header */
        CHECK_EQ_U(send_checked(f, base, 0, lost, 1448), 0);
        int short_kept = 0, bad_after = 0;
        for (uint32_t off = lost + 1448; off < S.n; off += 1448) {
                uint32_t n = S.n - off < 1448 ? S.n - off : 1448;
                uint32_t kept = ts_send(f, 1, base, &S, off, n), need = ts_need(&S, off, n);
                short_kept += kept < need;
                bad_after += off > S.rec_off[6] && kept != need;
        }
        CHECK_EQ_U(short_kept, 0); /* no needed byte lost while unsynchronised */
        CHECK_EQ_U(bad_after, 0);  /* exact again after the resync */
        struct cst_stats *st = cst_engine_stats(f->eng);
        CHECK_EQ_U(st->tls_track_sync_lost, 1);
        CHECK_EQ_U(st->tls_track_resyncs, 1);
        CHECK(st->tls_track_unsynced_bytes_kept > 0);
        cst_engine_free(f->eng);
        free(f);
}

static void test_midstream_chain(void)
{
        reset_streams();
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_track(), false, 40003);
        for (int i = 0; i < 10; i++)
                ts_record(&S, 0x17, 2000, false);
        uint32_t base = 777777, start = 1000; /* the capture starts mid-record */
        int whole_before = 0, bad_after = 0;
        for (uint32_t off = start; off < S.n; off += 1448) {
                uint32_t n = S.n - off < 1448 ? S.n - off : 1448;
                uint32_t kept = ts_send(f, 1, base, &S, off, n);
                if (off + n <= S.rec_off[3])
                        whole_before += kept == n;
                else if (off > S.rec_off[3])
                        bad_after += kept != ts_need(&S, off, n);
        }
        CHECK(whole_before >= 3); /* not proven yet: kept whole */
        CHECK_EQ_U(bad_after, 0);
        CHECK_EQ_U(cst_engine_stats(f->eng)->tls_track_proven_chain, 1);
        cst_engine_free(f->eng);
        free(f);
}

static void test_non_tls_443(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_track(), false, 40004);
        tf_handshake(f);
        uint8_t b[1448];
        for (unsigned i = 0; i < sizeof(b); i++)
                b[i] = (uint8_t)(i * 31 + 7);
        memcpy(b, "\x16\x03\x01\x00\x40\x63\x00", 7); /* 16 03 but not a hello */
        int whole = 0;
        for (int k = 0; k < 20; k++) {
                whole += tf_tcp(f, 0, b, sizeof(b)) == sizeof(b);
                whole += tf_tcp(f, 1, b, sizeof(b)) == sizeof(b);
        }
        CHECK_EQ_U(whole, 40);
        CHECK_EQ_U(f->v.reason, CST_R_KEEP_NOT_PROVEN_TLS);
        CHECK_EQ_U(cst_engine_stats(f->eng)->tls_truncated, 0);
        cst_engine_free(f->eng);
        free(f);
}

static void test_tls13_encrypted_handshake(void)
{
        reset_streams();
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_track(), false, 40005);
        uint32_t base = open_tls(f, true);
        ts_record(&S, 0x14, 1, false);
        ts_record(&S, 0x17, 3000, true); /* EncryptedExtensions..CertificateVerify */
        ts_record(&S, 0x17, 53, true);   /* Finished */
        CHECK_EQ_U(send_checked(f, base, 0, S.n, 1448), 0);
        uint32_t cbase = f->seq[0] + C.n, c0 = C.n;
        ts_record(&C, 0x14, 1, false);
        ts_record(&C, 0x17, 53, true); /* client Finished: kept whole */
        ts_record(&C, 0x17, 600, false);
        uint32_t n = C.n - c0;
        CHECK_EQ_U(ts_send(f, 0, cbase - c0, &C, c0, n), ts_need(&C, c0, n));
        CHECK(ts_need(&C, c0, n) < n);
        uint32_t s0 = S.n;
        ts_record(&S, 0x17, 16384, false); /* the response: cut */
        CHECK_EQ_U(send_checked(f, base, s0, S.n, 1448), 0);
        struct cst_stats *st = cst_engine_stats(f->eng);
        CHECK_EQ_U(st->tls_encrypted_handshake_bytes_kept, 3005 + 58 + 58 - 3 * TS_KR);
        cst_engine_free(f->eng);
        free(f);
}

/*
 * Robustness: random segments (sequence numbers near and far, SYN/FIN/RST,
 * payloads rich in header-like bytes) and random UDP datagrams through a
 * `track` engine.  Checked: every verdict is within the packet; under
 * ASan/UBSan no out-of-bounds access.
 */
static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
        rng_state = rng_state * 1103515245u + 12345u;
        return rng_state >> 8;
}

static void test_random_segments(void)
{
        struct tflow *f = calloc(1, sizeof(*f));
        tf_init(f, engine_track(), false, 40100);
        static const uint8_t alphabet[8] = {0x14, 0x15, 0x16, 0x17, 0x03, 0x01, 0x00, 0x40};
        int bad = 0;
        for (int i = 0; i < 30000; i++) {
                uint32_t len = rnd() % 1600;
                for (uint32_t k = 0; k < len; k++)
                        buf[k] = (rnd() & 3) ? alphabet[rnd() & 7] : (uint8_t)rnd();
                int dir = rnd() & 1;
                if ((rnd() & 7) == 0) {
                        f->cport = (uint16_t)(40100 + rnd() % 4);
                        f->sport = (rnd() & 1) ? 443 : 4433;
                }
                if (rnd() & 1) {
                        uint32_t jitter = rnd() % 4 == 0 ? rnd() : rnd() % 5000;
                        uint8_t flags = (uint8_t)(0x10 | ((rnd() % 16 == 0) ? 0x02 : 0) |
                                                  ((rnd() % 32 == 0) ? 0x01 : 0) |
                                                  ((rnd() % 64 == 0) ? 0x04 : 0));
                        uint32_t kept =
                            tf_tcp_at(f, dir, f->seq[dir] - 2500 + jitter, flags, buf, len);
                        bad += kept > len;
                        f->seq[dir] += len / 2;
                } else {
                        buf[0] = (uint8_t)(rnd() & 1 ? 0xc0 | (rnd() & 0x3f) : rnd() & 0x7f);
                        if (len > 5 && (rnd() & 1)) {
                                buf[1] = 0, buf[2] = 0, buf[3] = 0, buf[4] = (uint8_t)(rnd() & 1);
                        }
                        bad += tf_udp(f, dir, buf, len) > len;
                }
        }
        CHECK_EQ_U(bad, 0);
        cst_engine_free(f->eng);
        free(f);
}

int main(void)
{
        test_download();
        test_split_every_offset();
        test_retransmission_and_reordering();
        test_lost_header_resync();
        test_midstream_chain();
        test_non_tls_443();
        test_tls13_encrypted_handshake();
        test_random_segments();
        return check_summary("test_track");
}
