/*
 * `track` on connections already open when the capture starts (issue 21):
 * the proving chain of three AppData headers is placed by sequence number,
 * so a header that arrives late (retransmission, reordering) completes it;
 * an unproven direction is scanned within a budget that renews after each
 * gap and every MiB, so a proof found late in a flow still counts; a
 * direction with few records is cut once its peer proves the connection.
 */
#include "check.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "track_build.h"

#define SEG 1448u

static struct tstream S, C;

static struct tflow *new_flow(uint16_t port)
{
        struct tflow *f = calloc(1, sizeof(*f));
        if (!f)
                exit(1);
        tf_init(f, engine_track(), false, port);
        memset(&S, 0, sizeof(S));
        memset(&C, 0, sizeof(C));
        return f;
}

static void end_flow(struct tflow *f)
{
        cst_engine_free(f->eng);
        free(f);
}

static const struct cst_stats *stats(struct tflow *f)
{
        return cst_engine_stats(f->eng);
}

/* Headers 2 and 3 seen, the segment with header 1 arrives after them. */
static void test_late_header_completes_chain(void)
{
        struct tflow *f = new_flow(41001);
        for (int i = 0; i < 8; i++)
                ts_record(&S, 0x17, 3000, false);
        uint32_t base = 0xfffff000u, start = 700; /* mid-record; sequence numbers wrap */
        uint32_t late = start + (S.rec_off[1] - start) / SEG * SEG, off = start;
        for (; off < S.rec_off[3] + 5; off += SEG) /* up to the segment with header 3 */
                if (off != late)
                        CHECK_EQ_U(ts_send(f, 1, base, &S, off, SEG), SEG); /* unproven: whole */
        CHECK_EQ_U(stats(f)->tls_track_proven_chain, 0);
        ts_send(f, 1, base, &S, late, SEG); /* brings header 1: 1-2-3 chained */
        CHECK_EQ_U(stats(f)->tls_track_proven_chain, 1);
        CHECK(f->v.reason != CST_R_KEEP_NOT_PROVEN_TLS);
        /* from here on cut: headers + KR, and nothing of a segment inside a body */
        uint32_t body = S.rec_off[5] + 100;
        CHECK_EQ_U(ts_send(f, 1, base, &S, off, body - off), ts_need(&S, off, body - off));
        CHECK_EQ_U(ts_send(f, 1, base, &S, body, 1000), 0);
        end_flow(f);
}

/* Pseudo-random bytes without the version byte 3 (nothing to chain). */
static void garbage(uint8_t *b, uint32_t n, uint32_t salt)
{
        for (uint32_t i = 0; i < n; i++) {
                uint8_t v = (uint8_t)((i + salt) * 2654435761u >> 13);
                b[i] = v == 3 ? 4 : v;
        }
}

/* One AppData record filling a segment exactly: segments chain record to record. */
static void record_seg(uint8_t *b)
{
        uint32_t n = 0;
        tls_rec(b, &n, 0x17, 0x0303, SEG - 5);
}

/*
 * GAP_KIB of unprovable data, then (after a capture hole when `hole`) a chain
 * of records: proven when the chain falls inside the scanning budget.
 * Returns the number of chain segments kept whole.
 */
static unsigned garbage_then_chain(uint16_t port, uint32_t garbage_bytes, bool hole)
{
        struct tflow *f = new_flow(port);
        static uint8_t b[SEG];
        uint32_t seq = 1000, off = 0;
        for (; off < garbage_bytes; off += SEG) {
                garbage(b, SEG, off);
                tf_tcp_at(f, 1, seq + off, 0x10, b, SEG);
        }
        if (hole)
                off += SEG; /* one segment never captured */
        unsigned whole = 0;
        for (int i = 0; i < 12; i++, off += SEG) {
                record_seg(b);
                whole += tf_tcp_at(f, 1, seq + off, 0x10, b, SEG) == SEG;
        }
        end_flow(f);
        return whole;
}

static void test_scan_budget(void)
{
        /* inside the first 64 KiB: proven at the third record, the rest cut */
        CHECK_EQ_U(garbage_then_chain(41002, 20 * SEG, false), 2);
        /* 150 KiB of data that does not prove, then a hole: the budget renews */
        CHECK_EQ_U(garbage_then_chain(41003, 106 * SEG, true), 2);
        /* the same without the hole: outside the budget until the next MiB */
        CHECK_EQ_U(garbage_then_chain(41004, 106 * SEG, false), 12);
        /* past 1 MiB of unprovable data: scanned again */
        CHECK_EQ_U(garbage_then_chain(41005, 725 * SEG, false), 2);
}

/* The client sends two small records; the server's chain proves the connection. */
static void test_peer_proves(void)
{
        struct tflow *f = new_flow(41006);
        ts_record(&C, 0x17, 300, false);
        ts_record(&C, 0x17, 280, false);
        ts_record(&C, 0x17, 2000, false);
        for (int i = 0; i < 6; i++)
                ts_record(&S, 0x17, 3000, false);
        uint32_t cb = 5000, sb = 900000;
        CHECK_EQ_U(ts_send(f, 0, cb, &C, 0, C.rec_off[1]), C.rec_off[1]);
        CHECK_EQ_U(ts_send(f, 0, cb, &C, C.rec_off[1], C.rec_off[2] - C.rec_off[1]),
                   C.rec_off[2] - C.rec_off[1]);
        for (uint32_t off = 0; off < S.n; off += SEG)
                ts_send(f, 1, sb, &S, off, S.n - off < SEG ? S.n - off : SEG);
        CHECK_EQ_U(stats(f)->tls_track_proven_chain, 1);
        /* the client's third record: header + KR kept, the rest cut */
        CHECK_EQ_U(ts_send(f, 0, cb, &C, C.rec_off[2], C.n - C.rec_off[2]), TS_KR);
        end_flow(f);
}

int main(void)
{
        test_late_header_completes_chain();
        test_scan_budget();
        test_peer_proves();
        return check_summary("test_track_midstream");
}
