/*
 * PCAPNG reader (SPEC 2.4, plus big-endian sections): one record per block.
 * Block layout (pcapng draft §3.1): type u32, total length u32, body,
 * total length u32 again; all in the byte order of the section, which the
 * SHB's byte-order magic (0x1A2B3C4D, body offset 0) shows.
 */
#include "format/pcapng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/input.h"
#include "util/rd.h"

struct pcapng_if {
        uint32_t linktype;
        uint8_t tsresol;
};

struct pcapng_reader {
        struct input in;
        uint64_t off; /* offset of the next block */
        uint64_t epb_index;
        bool have_section;
        bool big_endian; /* of the current section */
        struct pcapng_if *ifs;
        uint32_t n_ifs, cap_ifs;
        struct cst_source_tail tail;
};

static inline uint64_t pad4(uint64_t n)
{
        return (n + 3) & ~(uint64_t)3;
}

uint64_t pcapng_ts_to_ns(uint64_t ts, uint8_t tsresol)
{
        unsigned v = tsresol & 0x7F;
        if (tsresol & 0x80) { /* units of 2^-v s */
                if (v > 63)
                        return 0;
                return (uint64_t)(((unsigned __int128)ts * 1000000000u) >> v);
        }
        uint64_t mul = 1;
        if (v <= 9) {
                for (unsigned i = v; i < 9; i++)
                        mul *= 10;
                return ts * mul;
        }
        for (unsigned i = 9; i < v && i < 29; i++)
                mul *= 10;
        return v >= 29 ? 0 : ts / mul;
}

static int block_err(struct pcapng_reader *r, char *err, const char *msg)
{
        snprintf(err, CST_ERRBUF, "file offset %llu: %s", (unsigned long long)r->off, msg);
        return CST_EFATAL;
}

static int tail(struct pcapng_reader *r, uint64_t trailing, char *err)
{
        r->tail = (struct cst_source_tail){true, false, trailing, 0, false};
        input_failure_prefix(&r->in, err); /* a damaged compressed input says so first */
        return CST_ETAIL;
}

/* Section byte order from an SHB's first 12 bytes; 0 or an error. */
static int read_bom(struct pcapng_reader *r, const uint8_t *h, char *err)
{
        static const uint8_t le[4] = {0x4D, 0x3C, 0x2B, 0x1A};
        static const uint8_t be[4] = {0x1A, 0x2B, 0x3C, 0x4D};
        if (memcmp(h + 8, le, 4) == 0)
                r->big_endian = false;
        else if (memcmp(h + 8, be, 4) == 0)
                r->big_endian = true;
        else
                return block_err(r, err, "invalid PCAPNG byte-order magic");
        return CST_OK;
}

/* if_tsresol (option 9) of an IDB's options; 6 (µs) when absent. */
static uint8_t idb_tsresol(const struct pcapng_reader *r, const uint8_t *b, uint32_t total)
{
        struct rd c = rd_init(b, total - 4);
        rd_skip(&c, 16);
        while (rd_has(&c, 4)) {
                uint16_t code = rd_u16_order(&c, r->big_endian);
                uint16_t len = rd_u16_order(&c, r->big_endian);
                if (code == 0)
                        break;
                if (code == 9 && len == 1)
                        return rd_peek_u8(&c, c.off);
                rd_skip(&c, pad4(len));
        }
        return 6;
}

static int add_interface(struct pcapng_reader *r, const uint8_t *b, uint32_t total, char *err)
{
        if (total < 20)
                return block_err(r, err, "PCAPNG Interface Description Block is too small");
        if (r->n_ifs == r->cap_ifs) {
                uint32_t cap = r->cap_ifs ? r->cap_ifs * 2 : 8;
                struct pcapng_if *n = realloc(r->ifs, cap * sizeof(*n));
                if (!n) {
                        snprintf(err, CST_ERRBUF, "out of memory");
                        return CST_ENOMEM;
                }
                r->ifs = n;
                r->cap_ifs = cap;
        }
        struct rd c = rd_init(b + 8, 2);
        r->ifs[r->n_ifs].linktype = rd_u16_order(&c, r->big_endian);
        r->ifs[r->n_ifs].tsresol = idb_tsresol(r, b, total);
        r->n_ifs++;
        return CST_OK;
}

static int fill_epb(struct pcapng_reader *r, const uint8_t *b, uint32_t total, struct cst_packet *p,
                    char *err)
{
        if (total < 32)
                return block_err(r, err, "PCAPNG Enhanced Packet Block is too small");
        struct rd c = rd_init(b + 8, 20);
        p->ifid = rd_u32_order(&c, r->big_endian);
        p->ts_hi = rd_u32_order(&c, r->big_endian);
        p->ts_lo = rd_u32_order(&c, r->big_endian);
        p->caplen = rd_u32_order(&c, r->big_endian);
        p->origlen = rd_u32_order(&c, r->big_endian);
        uint64_t opt_off = 28 + pad4(p->caplen);
        if (opt_off + 4 > total)
                return block_err(r, err,
                                 "PCAPNG Enhanced Packet Block packet data exceeds block size");
        p->data = b + 28;
        p->opts = b + opt_off;
        p->opts_len = (uint32_t)(total - 4 - opt_off);
        p->kind = CST_REC_PACKET;
        uint64_t ts = (uint64_t)p->ts_hi << 32 | p->ts_lo;
        if (p->ifid < r->n_ifs) {
                p->linktype = r->ifs[p->ifid].linktype;
                p->ts_ns = pcapng_ts_to_ns(ts, r->ifs[p->ifid].tsresol);
        } else {
                p->flags = CST_PKT_UNKNOWN_IF;
                p->ts_ns = pcapng_ts_to_ns(ts, 6);
        }
        r->epb_index++;
        return CST_OK;
}

/* Interpret one complete, length-checked block. */
static int take_block(struct pcapng_reader *r, uint32_t type, const uint8_t *b, uint32_t total,
                      struct cst_packet *p, char *err)
{
        memset(p, 0, sizeof(*p));
        if (type == PCAPNG_BT_EPB)
                return fill_epb(r, b, total, p, err);
        if (type == PCAPNG_BT_SHB) {
                if (total < 28)
                        return block_err(r, err, "PCAPNG Section Header Block is too small");
                r->n_ifs = 0;
                p->flags = CST_PKT_SHB;
        } else if (type == PCAPNG_BT_IDB) {
                int rc = add_interface(r, b, total, err);
                if (rc != CST_OK)
                        return rc;
                p->flags = CST_PKT_IDB;
        }
        p->kind = CST_REC_BLOCK;
        p->data = b;
        p->caplen = total;
        p->origlen = total;
        return CST_OK;
}

/* A block longer than PCAPNG_MAX_BLOCK is damage: no buffer is grown for it; the input ends. */
static int tail_oversized(struct pcapng_reader *r, uint32_t total, char *err)
{
        uint64_t avail = r->in.mapped && r->in.size > r->off ? r->in.size - r->off : 0;
        snprintf(err, CST_ERRBUF,
                 "file offset %llu: PCAPNG block length %u is bigger than the %u-byte limit; the "
                 "file is damaged here and %llu trailing byte(s) could not be processed",
                 (unsigned long long)r->off, total, PCAPNG_MAX_BLOCK, (unsigned long long)avail);
        r->tail = (struct cst_source_tail){true, false, avail, 0, true};
        return CST_ETAIL;
}

/* Type and total length of the block at r->off (header in h, 12 bytes). */
static int block_header(struct pcapng_reader *r, const uint8_t *h, uint32_t *type, uint32_t *total,
                        char *err)
{
        bool is_shb = memcmp(h, "\x0A\x0D\x0D\x0A", 4) == 0;
        if (is_shb) {
                int rc = read_bom(r, h, err);
                if (rc != CST_OK)
                        return rc;
                r->have_section = true;
        } else if (!r->have_section) {
                return block_err(r, err, "PCAPNG file does not begin with a Section Header Block");
        }
        struct rd c = rd_init(h, 8);
        *type = rd_u32_order(&c, r->big_endian);
        *total = rd_u32_order(&c, r->big_endian);
        if (*total < 12 || *total % 4 != 0)
                return block_err(r, err, "invalid PCAPNG block total length");
        return CST_OK;
}

/* One block into *p: 1, 0 (end), 2 (end the batch first), CST_SOURCE_INTERRUPTED or an error. */
static int read_block(struct pcapng_reader *r, struct cst_packet *p, bool first, char *err)
{
        uint64_t avail = 0;
        input_prefetch(&r->in, r->off);
        const uint8_t *h = input_peek(&r->in, r->off, 12, first, &avail);
        if (!h) {
                if (!first)
                        return 2;
                if (input_interrupted(&r->in))
                        return CST_SOURCE_INTERRUPTED;
                if (r->in.read_fail)
                        return block_err(r, err, "failed to read input file");
                if (avail == 0 && input_failure(&r->in)) {
                        snprintf(err, CST_ERRBUF, "file offset %llu: no more data",
                                 (unsigned long long)r->off);
                        return tail(r, 0, err);
                }
                if (avail == 0)
                        return 0;
                snprintf(err, CST_ERRBUF,
                         "file offset %llu: unexpected EOF while reading PCAPNG block header; "
                         "%llu trailing byte(s) could not be processed",
                         (unsigned long long)r->off, (unsigned long long)avail);
                return tail(r, avail, err);
        }
        uint32_t type, total;
        bool was_be = r->big_endian, had = r->have_section;
        int rc = block_header(r, h, &type, &total, err);
        if (rc != CST_OK)
                return rc;
        if (total > PCAPNG_MAX_BLOCK)
                return first ? tail_oversized(r, total, err) : 2;
        const uint8_t *b = input_peek(&r->in, r->off, total, first, &avail);
        if (!b) {
                r->big_endian = was_be; /* the SHB is read again on the next call */
                r->have_section = had;
                if (!first)
                        return 2;
                if (input_interrupted(&r->in))
                        return CST_SOURCE_INTERRUPTED;
                if (r->in.read_fail)
                        return block_err(r, err, "failed to read input file");
                snprintf(err, CST_ERRBUF,
                         "file offset %llu: unexpected EOF while reading PCAPNG block; expected "
                         "block length %u byte(s), available %llu byte(s), missing %llu byte(s)",
                         (unsigned long long)r->off, total, (unsigned long long)avail,
                         (unsigned long long)(total - avail));
                return tail(r, avail, err);
        }
        struct rd c = rd_init(b + total - 4, 4);
        if (rd_u32_order(&c, r->big_endian) != total)
                return block_err(r, err,
                                 "PCAPNG block closing length does not match opening length");
        rc = take_block(r, type, b, total, p, err);
        if (rc != CST_OK)
                return rc;
        r->off += total;
        return 1;
}

static int pcapng_next_batch(void *priv, struct cst_packet *recs, unsigned max, char *err)
{
        struct pcapng_reader *r = priv;
        if (r->tail.present)
                return 0;
        input_release(&r->in, r->off);
        unsigned n = 0;
        while (n < max) {
                int rc = read_block(r, &recs[n], n == 0, err);
                if (rc == 1) {
                        n++;
                        continue;
                }
                if (rc == 2 || n > 0)
                        break;
                return rc;
        }
        return (int)n;
}

static void pcapng_close(void *priv)
{
        struct pcapng_reader *r = priv;
        input_close(&r->in);
        free(r->ifs);
        free(r);
}

static void pcapng_tail(void *priv, struct cst_source_tail *t)
{
        *t = ((struct pcapng_reader *)priv)->tail;
}

static const struct cst_source_ops pcapng_source_ops = {
    .next_batch = pcapng_next_batch,
    .close = pcapng_close,
    .tail = pcapng_tail,
};

int pcapng_source_open_input(struct cst_source *src, struct input *in, char *err)
{
        memset(src, 0, sizeof(*src));
        struct pcapng_reader *r = calloc(1, sizeof(*r));
        if (!r) {
                input_close(in);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        r->in = *in;
        r->in.interruptible = true; /* opened: a stop signal may end a wait for blocks */
        src->ops = &pcapng_source_ops;
        src->priv = r;
        src->format = CST_FORMAT_PCAPNG;
        return CST_OK;
}

int pcapng_source_open(struct cst_source *src, const char *path, char *err)
{
        struct input in;
        memset(src, 0, sizeof(*src));
        int rc = input_open(&in, path, err);
        if (rc != CST_OK)
                return rc;
        return pcapng_source_open_input(src, &in, err);
}
