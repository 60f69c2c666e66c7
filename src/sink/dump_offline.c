/*
 * dump_offline — what constrict adds to the dumper when it rotates its
 * output or converts it (-C/-G/-W, -F; issue 18 items 1 and 3):
 *
 *   PCAP -> PCAP     every file starts with the input's own global header,
 *                    packets keep their stored timestamp halves (byte for
 *                    byte what the unrotated output would hold, split);
 *   PCAPNG -> PCAPNG blocks verbatim, packets keep interface id, stored
 *                    timestamp and options; each new file starts with the
 *                    section's SHB, IDBs and DSBs (pcapng draft §4.1, §4.2,
 *                    §4.7: interface ids and decryption secrets are
 *                    per section), so every file reads on its own;
 *   PCAP -> PCAPNG   an SHB and one IDB with the input's link type, snaplen
 *                    and if_tsresol (9 for a nanosecond PCAP, else 6);
 *   PCAPNG -> PCAP   one link type only (the first IDB's; another is an
 *                    error naming the input), the first IDB's snaplen,
 *                    nanoseconds when its if_tsresol is finer than µs; other
 *                    blocks (comments, DSBs, name resolution, statistics)
 *                    and packet options have no place there and are counted.
 *
 * Blocks are kept in small growable buffers, prefixed with their length and
 * reader flags; they grow only when a block arrives, never per packet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/pcap.h"
#include "format/pcapng.h"
#include "sink/dump_int.h"
#include "util/rd.h"

#define BLK_HDR 5u /* our prefix: u32 length (host order), u8 reader flags */

static int blocks_add(struct dump_blocks *bb, const uint8_t *b, uint32_t len, uint8_t flags,
                      char *err)
{
        if (bb->cap - bb->len < BLK_HDR + (size_t)len) {
                size_t cap = bb->cap ? bb->cap : 4096;
                while (cap - bb->len < BLK_HDR + (size_t)len)
                        cap *= 2;
                uint8_t *n = realloc(bb->b, cap);
                if (!n)
                        return snprintf(err, CST_ERRBUF, "out of memory"), CST_ENOMEM;
                bb->b = n;
                bb->cap = cap;
        }
        memcpy(bb->b + bb->len, &len, 4);
        bb->b[bb->len + 4] = flags;
        memcpy(bb->b + bb->len + BLK_HDR, b, len);
        bb->len += BLK_HDR + (size_t)len;
        return CST_OK;
}

/* Every block of bb into file f, in order. */
static int blocks_write(struct dump_file *f, const struct dump_blocks *bb, char *err)
{
        size_t off = 0;
        while (off + BLK_HDR <= bb->len) {
                uint32_t len;
                memcpy(&len, bb->b + off, 4);
                if (dump_block(f, bb->b + off + BLK_HDR, len, bb->b[off + 4], err) < 0)
                        return CST_EFATAL;
                off += BLK_HDR + (size_t)len;
        }
        return CST_OK;
}

int doff_init(struct cst_dumper *d, const struct dump_offline *cfg, char *err)
{
        (void)err;
        d->off.on = true;
        d->off.cfg = *cfg;
        snprintf(d->off.input_name, sizeof(d->off.input_name), "%s",
                 cfg->input_name ? cfg->input_name : "input");
        if (cfg->pcap_header) {
                memcpy(d->off.pcap_header, cfg->pcap_header, sizeof(d->off.pcap_header));
                d->off.cfg.pcap_header = d->off.pcap_header;
        }
        return CST_OK;
}

void doff_free(struct cst_dumper *d)
{
        free(d->off.pending.b);
        free(d->off.replay.b);
        memset(&d->off, 0, sizeof(d->off));
}

/* Block type in the byte order of the current section. */
static uint32_t block_type(const struct cst_dumper *d, const struct cst_packet *blk)
{
        struct rd c = rd_init(blk->data, blk->caplen);
        uint32_t t = d->off.section_be ? rd_be32(&c) : rd_le32(&c);
        return c.err ? 0 : t;
}

static void note_section(struct cst_dumper *d, const struct cst_packet *blk)
{
        struct rd c = rd_init(blk->data, blk->caplen);
        rd_skip(&c, 8);
        d->off.section_be = rd_be32(&c) == 0x1A2B3C4Du;
}

/* PCAPNG -> PCAPNG: written (or kept for the first file), and kept for the next files. */
static int copy_block(struct cst_dumper *d, const struct cst_packet *blk, char *err)
{
        if (blk->flags & CST_PKT_SHB) {
                note_section(d, blk);
                d->off.replay.len = 0; /* a new section: earlier interfaces are void */
        }
        uint32_t type = block_type(d, blk);
        bool section_state = (blk->flags & (CST_PKT_SHB | CST_PKT_IDB)) || type == PCAPNG_BT_DSB;
        if (section_state &&
            blocks_add(&d->off.replay, blk->data, blk->caplen, blk->flags, err) != CST_OK)
                return CST_ENOMEM;
        if (!d->f.sink.ops) /* the first file opens with the first packet */
                return blocks_add(&d->off.pending, blk->data, blk->caplen, blk->flags, err);
        uint64_t before = d->f.bytes;
        if (dump_block(&d->f, blk->data, blk->caplen, blk->flags, err) < 0)
                return CST_EFATAL;
        d->bytes_total += d->f.bytes - before;
        return CST_OK;
}

/* if_tsresol of an IDB (option 9); 6 when absent. */
static uint8_t idb_tsresol(const struct cst_dumper *d, const struct cst_packet *blk)
{
        struct rd c = rd_init(blk->data, blk->caplen >= 4 ? blk->caplen - 4 : 0);
        rd_skip(&c, 16);
        while (!c.err && rd_has(&c, 4)) {
                uint16_t code = d->off.section_be ? rd_be16(&c) : rd_le16(&c);
                uint16_t len = d->off.section_be ? rd_be16(&c) : rd_le16(&c);
                if (code == 0)
                        break;
                if (code == 9 && len == 1)
                        return rd_u8(&c);
                rd_skip(&c, ((uint32_t)len + 3u) & ~3u);
        }
        return 6;
}

/* Finer than microseconds: 10^-v with v > 6, or 2^-v with 2^v > 10^6. */
static bool finer_than_us(uint8_t tsresol)
{
        unsigned v = tsresol & 0x7Fu;
        return (tsresol & 0x80u) ? v > 19 : v > 6;
}

/* PCAPNG -> PCAP: the first IDB gives the header; another link type is an error. */
static int idb_to_pcap(struct cst_dumper *d, const struct cst_packet *blk, char *err)
{
        struct rd c = rd_init(blk->data, blk->caplen);
        rd_skip(&c, 8);
        uint32_t lt = d->off.section_be ? rd_be16(&c) : rd_le16(&c);
        rd_skip(&c, 2);
        uint32_t snap = d->off.section_be ? rd_be32(&c) : rd_le32(&c);
        if (c.err)
                return CST_OK; /* the reader checked it; nothing to learn */
        if (!d->off.have_if) {
                d->off.have_if = true;
                d->off.if_linktype = lt;
                if (!d->f.sink.ops) {
                        d->o.linktype = lt;
                        d->o.snaplen = snap ? snap : 262144;
                        d->nsec = finer_than_us(idb_tsresol(d, blk));
                }
                return CST_OK;
        }
        if (lt == d->off.if_linktype)
                return CST_OK;
        snprintf(err, CST_ERRBUF,
                 "%.300s: PCAPNG input has interfaces of link types %u and %u; classic PCAP "
                 "holds one link type (write PCAPNG: -F pcapng)",
                 d->off.input_name, d->off.if_linktype, lt);
        return CST_EFATAL;
}

int doff_block(struct cst_dumper *d, const struct cst_packet *blk, char *err)
{
        if (d->off.cfg.copy_blocks)
                return copy_block(d, blk, err);
        if (!d->off.cfg.from_pcapng)
                return CST_OK;
        if (blk->flags & CST_PKT_SHB) {
                note_section(d, blk);
                return CST_OK;
        }
        if (blk->flags & CST_PKT_IDB)
                return idb_to_pcap(d, blk, err);
        d->off.dropped_blocks++;
        return CST_OK;
}

int doff_header(struct cst_dumper *d, struct dump_file *f, char *err)
{
        if (!d->off.cfg.copy_blocks)
                return CST_OK;  /* PCAP: the input's header was written at open */
        if (d->off.pending.b) { /* the first file: every block so far, in order */
                int rc = blocks_write(f, &d->off.pending, err);
                free(d->off.pending.b);
                memset(&d->off.pending, 0, sizeof(d->off.pending));
                return rc;
        }
        return blocks_write(f, &d->off.replay, err);
}

void doff_record(struct cst_dumper *d, const struct cst_packet *pkt, struct cst_packet *rec)
{
        if (d->off.cfg.copy_blocks || d->off.cfg.pcap_header)
                return; /* as stored */
        uint64_t ts = d->nsec ? pkt->ts_ns : pkt->ts_ns / 1000u;
        if (d->pcapng) { /* from PCAP: one interface, no options */
                rec->ifid = 0;
                rec->ts_hi = (uint32_t)(ts >> 32);
                rec->ts_lo = (uint32_t)ts;
                rec->opts = NULL;
                rec->opts_len = 0;
                return;
        }
        uint64_t unit = d->nsec ? 1000000000u : 1000000u;
        rec->ts_hi = (uint32_t)(ts / unit);
        rec->ts_lo = (uint32_t)(ts % unit);
        if (pkt->opts_len > 4) /* more than opt_endofopt: comments, flags, hashes */
                d->off.dropped_opts++;
}

uint32_t doff_rec_len(const struct cst_dumper *d, const struct cst_packet *pkt, uint32_t keep)
{
        if (!d->pcapng)
                return PCAP_RECORD_HEADER_LEN + keep;
        uint32_t opts = d->off.cfg.copy_blocks ? pkt->opts_len : 0;
        return 32u + ((keep + 3u) & ~3u) + opts;
}

void dump_dropped(const cst_dumper *d, uint64_t *blocks, uint64_t *packet_opts)
{
        *blocks = d->off.dropped_blocks;
        *packet_opts = d->off.dropped_opts;
}
