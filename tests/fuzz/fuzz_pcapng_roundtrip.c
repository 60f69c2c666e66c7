/*
 * fuzz_pcapng_roundtrip — what the PCAPNG writers write, the PCAPNG reader
 * reads back identical (pcapng draft §3.1 blocks, §4.2 IDB, §4.3 EPB).
 * Two writers:
 *   - the offline sink (format/pcapng_write.c), as constrict drives it: raw
 *     blocks verbatim (SHB of either byte order, IDB, other blocks) and
 *     packets re-encoded as EPBs, cut to their keep length, with their raw
 *     options;
 *   - the live dumper (cst_dump_*, sink/dump.c): SHB, one IDB (or one per
 *     interface seen), EPBs with the epb_flags direction, an ISB on close.
 * The file goes to a scratch file and is read back through
 * pcapng_source_open; every record must be the one written: block bytes,
 * EPB interface, link type, timestamp as stored and in ns, cut length, wire
 * length, data, options; and nothing after the last one.
 *
 * Input layout:
 *   byte 0   bit 0 writer (0 offline sink, 1 live dumper), bit 1 first
 *            section big-endian (offline), bit 2 ns timestamps (if_tsresol
 *            9, else 6), bit 3 one IDB per interface (dumper), bit 4 ISB on
 *            close (dumper)
 *   byte 1   link type (index into a table of 8)
 *   then records: op, a 16-byte head, the data, then (offline packets) the
 *   options
 *     op bits 0-1 (offline): 0 packet, 1 SHB (bit 2 big-endian), 2 IDB (bit
 *                 2 ns), 3 another block (type from bits 4-6)
 *     op bits 2-3 (dumper packets): direction
 *     head: data length u16, keep u16, wire length minus data length u16,
 *           options length in 4-byte words u8, interface u8, timestamp u64
 *           (little-endian)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <constrictor/capture.h>
#include <constrictor/constrictor.h>

#include "format/pcapng.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECS  1024
#define MAX_IFS   64
#define HEAD_LEN  16
#define ARENA_LEN (1u << 20)

/*
 * One record in file order: `pkt` as handed to the writer (with the ts_ns,
 * origlen, linktype and flags the reader must report), `keep` the bytes
 * written.
 */
struct want {
        struct cst_packet pkt;
        uint32_t keep;
        bool check_bytes; /* raw block: compare the bytes (not the dumper's own SHB/IDB/ISB) */
};

struct section_if {
        uint32_t linktype;
        uint8_t tsresol;
};

struct rt {
        struct want w[MAX_RECS];
        unsigned n;
        struct section_if ifs[MAX_IFS]; /* of the current section (offline) */
        uint32_t n_ifs;
        bool be;
        size_t arena_used;
};

static struct rt g;
static uint8_t g_arena[ARENA_LEN]; /* blocks built here */

static const uint32_t link_types[8] = {1, 101, 113, 276, 228, 229, 0, 147};
static const uint32_t other_types[8] = {2, 3, 4, 5, 0x0A, 0xBAD, 0x40000BAD, 0x00000007};

static uint64_t le_at(const uint8_t *p, unsigned n)
{
        uint64_t v = 0;
        for (unsigned i = n; i-- > 0;)
                v = v << 8 | p[i];
        return v;
}

static void put32(uint8_t *b, uint32_t v, bool be)
{
        for (int i = 0; i < 4; i++)
                b[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *b, uint16_t v, bool be)
{
        b[be ? 1 : 0] = (uint8_t)v;
        b[be ? 0 : 1] = (uint8_t)(v >> 8);
}

/* A block of `type` with `body` (zero padded) in the arena; NULL when full. */
static uint8_t *make_block(uint32_t type, const uint8_t *body, uint32_t len, bool be,
                           uint32_t *total)
{
        *total = 12 + ((len + 3u) & ~3u);
        if (g.arena_used + *total > ARENA_LEN)
                return NULL;
        uint8_t *b = g_arena + g.arena_used;
        g.arena_used += *total;
        memset(b, 0, *total);
        put32(b, type, be);
        put32(b + 4, *total, be);
        if (len)
                memcpy(b + 8, body, len);
        put32(b + *total - 4, *total, be);
        return b;
}

static struct want *next_want(void)
{
        if (g.n == MAX_RECS)
                return NULL;
        struct want *w = &g.w[g.n++];
        memset(w, 0, sizeof(*w));
        return w;
}

static bool want_block(const uint8_t *b, uint32_t total, uint8_t flags)
{
        struct want *w = next_want();
        if (!b || !w)
                return false;
        w->pkt.kind = CST_REC_BLOCK;
        w->pkt.flags = flags;
        w->pkt.data = b;
        w->pkt.caplen = w->pkt.origlen = w->keep = total;
        w->check_bytes = true;
        return true;
}

/* SHB: byte-order magic, version 1.0, unknown section length, no options. */
static bool add_shb(bool be)
{
        uint8_t body[16];
        uint32_t total;
        put32(body, 0x1A2B3C4Du, be);
        put16(body + 4, 1, be);
        put16(body + 6, 0, be);
        memset(body + 8, 0xFF, 8);
        g.be = be;
        g.n_ifs = 0;
        uint8_t *b = make_block(PCAPNG_BT_SHB, body, sizeof(body), be, &total);
        return want_block(b, total, CST_PKT_SHB);
}

/* IDB with if_tsresol (9 or 6) and opt_endofopt. */
static bool add_idb(uint32_t linktype, bool nsec)
{
        uint8_t body[20] = {0};
        uint32_t total;
        put16(body, (uint16_t)linktype, g.be);
        put32(body + 4, 262144, g.be);
        put16(body + 8, 9, g.be);
        put16(body + 10, 1, g.be);
        body[12] = nsec ? 9 : 6;
        if (g.n_ifs == MAX_IFS)
                return true; /* enough interfaces: the record is left out */
        g.ifs[g.n_ifs++] = (struct section_if){linktype & 0xFFFF, nsec ? 9 : 6};
        uint8_t *b = make_block(PCAPNG_BT_IDB, body, sizeof(body), g.be, &total);
        return want_block(b, total, CST_PKT_IDB);
}

/* Another block type the reader passes on raw, with the record's data as body. */
static bool add_other(uint8_t op, const uint8_t *body, uint32_t len)
{
        uint32_t total;
        uint8_t *b = make_block(other_types[(op >> 4) & 7], body, len, g.be, &total);
        return want_block(b, total, 0);
}

/* One record of the input: its fields and where its bytes are. */
struct in_rec {
        uint8_t op;
        uint32_t dlen, keep, wire, iface;
        uint64_t ts;
        const uint8_t *data, *opts;
        uint32_t opts_len;
};

/* Parse the record at *off; false at the end of the input. */
static bool next_rec(const uint8_t *in, size_t size, size_t *off, struct in_rec *r)
{
        if (size - *off < 1 + HEAD_LEN)
                return false;
        const uint8_t *h = in + *off + 1;
        size_t left = size - *off - 1 - HEAD_LEN;
        r->op = in[*off];
        r->dlen = (uint32_t)le_at(h, 2);
        if (r->dlen > left)
                r->dlen = (uint32_t)left;
        r->keep = (uint32_t)le_at(h + 2, 2);
        if (r->keep > r->dlen)
                r->keep = r->dlen;
        r->wire = r->dlen + (uint32_t)le_at(h + 4, 2);
        r->opts_len = 4u * h[6];
        if (r->opts_len > ((left - r->dlen) & ~(size_t)3))
                r->opts_len = (uint32_t)((left - r->dlen) & ~(size_t)3);
        r->iface = h[7];
        r->ts = le_at(h + 8, 8);
        r->data = h + HEAD_LEN;
        r->opts = r->data + r->dlen;
        *off += 1 + HEAD_LEN + r->dlen;
        return true;
}

/* Offline: a packet on interface iface % (interfaces + 1): one past the last is unknown. */
static bool offline_packet(const struct in_rec *r)
{
        struct want *w = next_want();
        if (!w)
                return false;
        struct cst_packet *p = &w->pkt;
        p->kind = CST_REC_PACKET;
        p->data = r->data;
        p->caplen = r->dlen;
        p->origlen = r->wire;
        p->ifid = r->iface % (g.n_ifs + 1);
        p->ts_hi = (uint32_t)(r->ts >> 32);
        p->ts_lo = (uint32_t)r->ts;
        p->opts = r->opts;
        p->opts_len = r->opts_len;
        if (p->ifid < g.n_ifs) {
                p->linktype = g.ifs[p->ifid].linktype;
                p->ts_ns = pcapng_ts_to_ns(r->ts, g.ifs[p->ifid].tsresol);
        } else {
                p->flags = CST_PKT_UNKNOWN_IF;
                p->ts_ns = pcapng_ts_to_ns(r->ts, 6);
        }
        w->keep = r->keep;
        return true;
}

static bool offline_plan(const uint8_t *in, size_t size)
{
        size_t off = 2;
        struct in_rec r;
        if (!add_shb((in[0] & 2) != 0) || !add_idb(link_types[in[1] & 7], (in[0] & 4) != 0))
                return false;
        while (next_rec(in, size, &off, &r)) {
                bool ok = true;
                switch (r.op & 3) {
                case 0:
                        ok = offline_packet(&r);
                        off += r.opts_len;
                        break;
                case 1:
                        ok = add_shb((r.op & 4) != 0);
                        break;
                case 2:
                        ok = add_idb(link_types[r.iface & 7], (r.op & 4) != 0);
                        break;
                default:
                        ok = add_other(r.op, r.data, r.dlen);
                        break;
                }
                if (!ok)
                        break;
        }
        return true;
}

static bool offline_write(const char *path)
{
        struct cst_sink sink;
        char err[CST_ERRBUF];
        if (pcapng_sink_open(&sink, path, err) != CST_OK)
                return false;
        for (unsigned i = 0; i < g.n; i++)
                fuzz_require(sink.ops->write(sink.priv, &g.w[i].pkt, g.w[i].keep, err) == CST_OK);
        fuzz_require(sink.ops->close(sink.priv, err) == CST_OK);
        return true;
}

/* The dumper's epb_flags option (inbound 1, outbound 2) and opt_endofopt, little-endian. */
static const uint8_t *dumper_opts(unsigned direction)
{
        static uint8_t o[3][12];
        uint8_t *b = o[direction < 3 ? direction : 0];
        memset(b, 0, 12);
        put16(b, 2, false);
        put16(b + 2, 4, false);
        put32(b + 4,
              direction == CST_DIR_INBOUND    ? 1
              : direction == CST_DIR_OUTBOUND ? 2
                                              : 0,
              false);
        return b;
}

/* What the dumper writes for one packet: an IDB first when its interface is new. */
static bool dumper_want(const struct in_rec *r, const struct cst_dump_opts *o, int32_t *ifs,
                        uint32_t *n_ifs)
{
        uint32_t ifid = 0;
        if (o->per_interface) {
                while (ifid < *n_ifs && ifs[ifid] != (int32_t)r->iface)
                        ifid++;
                if (ifid == *n_ifs) {
                        if (!want_block(g_arena, 0, CST_PKT_IDB))
                                return false;
                        g.w[g.n - 1].check_bytes = false;
                        ifs[(*n_ifs)++] = (int32_t)r->iface;
                }
        }
        struct want *w = next_want();
        if (!w)
                return false;
        uint64_t ts = o->nsec ? r->ts : r->ts / 1000u;
        struct cst_packet *p = &w->pkt;
        p->kind = CST_REC_PACKET;
        p->data = r->data;
        p->caplen = r->dlen;
        p->origlen = r->wire > r->keep ? r->wire : r->keep;
        p->ifid = ifid;
        p->ts_hi = (uint32_t)(ts >> 32);
        p->ts_lo = (uint32_t)ts;
        p->ts_ns = o->nsec ? ts : ts * 1000u;
        p->linktype = o->linktype & 0xFFFF;
        p->direction = (r->op >> 2) & 3;
        p->opts = dumper_opts(p->direction);
        p->opts_len = 12;
        w->keep = r->keep;
        return true;
}

/* The live dumper: SHB, IDB(s), EPBs, ISB; the wants are planned as it writes. */
static bool dumper_run(const uint8_t *in, size_t size, const char *path)
{
        struct cst_dump_opts o = {0};
        static int32_t ifs[256];
        uint32_t n_ifs = 0;
        char err[CST_ERRBUF];
        cst_dumper *d;
        o.format = CST_FORMAT_PCAPNG;
        o.nsec = (in[0] & 4) != 0;
        o.linktype = link_types[in[1] & 7];
        o.snaplen = 262144;
        o.ifname = (in[1] & 8) ? "fuzz0" : NULL;
        o.userappl = (in[1] & 16) ? "fuzz_pcapng_roundtrip" : NULL;
        o.per_interface = (in[0] & 8) != 0;
        if (cst_dump_open(&d, path, &o, err) != CST_OK)
                return false;
        want_block(g_arena, 0, CST_PKT_SHB);
        if (!o.per_interface)
                want_block(g_arena, 0, CST_PKT_IDB);
        size_t off = 2;
        struct in_rec r;
        while (next_rec(in, size, &off, &r) && g.n + 2 < MAX_RECS) {
                dumper_want(&r, &o, ifs, &n_ifs);
                struct cst_packet pkt = g.w[g.n - 1].pkt;
                pkt.ifid = r.iface; /* the dumper gets the ifindex */
                pkt.origlen = r.wire;
                pkt.ts_ns = r.ts;
                fuzz_require(cst_dump_packet(d, &pkt, r.keep, err) == CST_OK);
        }
        struct cst_capture_stats ks = {
            .kernel_packets = g.n, .kernel_drops = 3, .have_kernel = true};
        bool isb = (in[0] & 16) != 0;
        if (isb && (!o.per_interface || n_ifs > 0))
                want_block(g_arena, 0, 0);
        fuzz_require(cst_dump_close(d, isb ? &ks : NULL, err) == CST_OK);
        for (unsigned i = 0; i < g.n; i++)
                if (g.w[i].pkt.kind == CST_REC_BLOCK)
                        g.w[i].check_bytes = false;
        return true;
}

static void check_record(const struct cst_packet *got, const struct want *w)
{
        const struct cst_packet *p = &w->pkt;
        fuzz_require(got->kind == p->kind);
        if (p->kind == CST_REC_BLOCK) {
                fuzz_require(got->flags == p->flags);
                fuzz_require(!w->check_bytes ||
                             (got->caplen == w->keep && memcmp(got->data, p->data, w->keep) == 0));
                return;
        }
        fuzz_require(got->caplen == w->keep && got->origlen == p->origlen);
        fuzz_require(got->ifid == p->ifid && got->flags == p->flags);
        fuzz_require(got->ts_hi == p->ts_hi && got->ts_lo == p->ts_lo && got->ts_ns == p->ts_ns);
        fuzz_require(got->linktype == p->linktype);
        fuzz_require(w->keep == 0 || memcmp(got->data, p->data, w->keep) == 0);
        fuzz_require(got->opts_len == p->opts_len);
        fuzz_require(p->opts_len == 0 || memcmp(got->opts, p->opts, p->opts_len) == 0);
}

/* Read the file back: exactly the planned records, then the end. */
static void read_back(const char *path)
{
        static struct cst_packet recs[PCAPNG_BATCH];
        struct cst_source src;
        char err[CST_ERRBUF] = "";
        fuzz_require(pcapng_source_open(&src, path, err) == CST_OK);
        unsigned seen = 0;
        int n;
        while ((n = src.ops->next_batch(src.priv, recs, PCAPNG_BATCH, err)) > 0)
                for (int i = 0; i < n; i++, seen++) {
                        fuzz_require(seen < g.n);
                        check_record(&recs[i], &g.w[seen]);
                }
        fuzz_require(n == 0 && seen == g.n);
        src.ops->close(src.priv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char path[256];
        if (size < 2 || size > FUZZ_MAX_INPUT || fuzz_tmp_path("out", path, sizeof(path)) != 0)
                return 0;
        g.n = 0;
        g.n_ifs = 0;
        g.arena_used = 0;
        g.be = false;
        bool ok = (data[0] & 1) ? dumper_run(data, size, path)
                                : offline_plan(data, size) && offline_write(path);
        if (ok)
                read_back(path);
        unlink(path);
        return 0;
}
