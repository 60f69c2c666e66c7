/*
 * PCAPNG writer (SPEC 2.4): raw blocks verbatim; every packet re-encoded as
 * an EPB (pcapng draft §4.3) in the byte order of the current section, with
 * zero padding and the packet's raw options; with annotations (issue 20) a
 * cut packet's options also carry an opt_comment (§3.5) saying why.
 */
#include "format/pcapng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/output.h"
#include "util/rd.h"

struct pcapng_writer {
        struct output out;
        bool big_endian; /* of the last SHB written */
};

static inline void put32(uint8_t *b, uint32_t v, bool big_endian)
{
        if (big_endian)
                st_be32(b, v);
        else
                st_le32(b, v);
}

static inline void put16(uint8_t *b, uint16_t v, bool big_endian)
{
        if (big_endian) {
                st_be16(b, v);
        } else {
                b[0] = (uint8_t)v;
                b[1] = (uint8_t)(v >> 8);
        }
}

static int write_block(struct pcapng_writer *w, const struct cst_packet *pkt, char *err)
{
        if ((pkt->flags & CST_PKT_SHB) && pkt->caplen >= 12) {
                struct rd c = rd_init(pkt->data + 8, 4);
                w->big_endian = rd_be32(&c) == 0x1A2B3C4Du;
        }
        output_record_begin(&w->out);
        if (output_append(&w->out, pkt->data, pkt->caplen) != 0)
                return output_error_msg(&w->out, "failed to write PCAPNG block", err);
        output_record_end(&w->out);
        return CST_OK;
}

/*
 * An opt_comment (pcapng draft §3.5, code 1) added to a packet's options:
 * the packet's own options up to their opt_endofopt (walked in the
 * section's byte order; all of them when there is none), the comment, then
 * opt_endofopt.  `head` is the length of the kept prefix.
 */
struct epb_comment {
        const char *text;
        uint16_t len;
        uint32_t head;
};

#define OPT_COMMENT 1u

static uint32_t options_head(const uint8_t *o, uint32_t len, bool be)
{
        struct rd r = rd_init(o, len);
        while (rd_left(&r) >= 4) {
                size_t at = len - rd_left(&r);
                uint16_t code = rd_u16_order(&r, be), olen = rd_u16_order(&r, be);
                if (code == 0)
                        return (uint32_t)at;
                rd_skip(&r, ((size_t)olen + 3u) & ~(size_t)3u);
                if (r.err)
                        break;
        }
        return len; /* no end marker (or options that do not parse): keep them all */
}

/* The option bytes after the packet's own: the comment and opt_endofopt. */
static uint32_t comment_bytes(const struct epb_comment *c)
{
        return c ? 4u + ((c->len + 3u) & ~3u) + 4u : 0;
}

static int append_comment(struct pcapng_writer *w, const struct epb_comment *c)
{
        static const uint8_t zeros[8];
        uint8_t *h = output_reserve(&w->out, 4);
        if (!h)
                return -1;
        put16(h, OPT_COMMENT, w->big_endian);
        put16(h + 2, c->len, w->big_endian);
        if (output_append(&w->out, (const uint8_t *)c->text, c->len) != 0 ||
            output_append(&w->out, zeros, (((c->len + 3u) & ~3u) - c->len) + 4u) != 0)
                return -1;
        return 0;
}

static int write_epb(struct pcapng_writer *w, const struct cst_packet *pkt, uint32_t keep,
                     const struct epb_comment *com, char *err)
{
        static const uint8_t zeros[4];
        uint32_t padded = (keep + 3u) & ~3u;
        uint32_t opts = com ? com->head : pkt->opts_len;
        uint32_t total = 32 + padded + opts + comment_bytes(com);
        bool be = w->big_endian;
        output_record_begin(&w->out);
        uint8_t *h = output_reserve(&w->out, 28);
        if (!h)
                goto header_failed;
        put32(h, PCAPNG_BT_EPB, be);
        put32(h + 4, total, be);
        put32(h + 8, pkt->ifid, be);
        put32(h + 12, pkt->ts_hi, be);
        put32(h + 16, pkt->ts_lo, be);
        put32(h + 20, keep, be);
        put32(h + 24, pkt->origlen, be);
        if (output_append(&w->out, pkt->data, keep) != 0 ||
            output_append(&w->out, zeros, padded - keep) != 0 ||
            output_append(&w->out, pkt->opts, opts) != 0 || (com && append_comment(w, com) != 0))
                goto data_failed;
        uint8_t *t = output_reserve(&w->out, 4);
        if (!t)
                goto data_failed;
        put32(t, total, be);
        output_record_end(&w->out);
        return CST_OK;
header_failed:
        return output_error_msg(&w->out, "failed to write packet header", err);
data_failed:
        return output_error_msg(&w->out, "failed to write packet data", err);
}

static int pcapng_write(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct pcapng_writer *w = priv;
        if (pkt->kind == CST_REC_BLOCK)
                return write_block(w, pkt, err);
        if (keep_len > pkt->caplen)
                keep_len = pkt->caplen;
        return write_epb(w, pkt, keep_len, NULL, err);
}

static int pcapng_write_noted(void *priv, const struct cst_packet *pkt, const struct sink_note *n,
                              char *err)
{
        struct pcapng_writer *w = priv;
        uint32_t keep = n->keep_len < pkt->caplen ? n->keep_len : pkt->caplen;
        if (pkt->kind == CST_REC_BLOCK)
                return write_block(w, pkt, err);
        if (!n->comment)
                return write_epb(w, pkt, keep, NULL, err);
        struct epb_comment c = {n->comment, n->comment_len,
                                options_head(pkt->opts, pkt->opts_len, w->big_endian)};
        return write_epb(w, pkt, keep, &c, err);
}

static int pcapng_flush(void *priv, char *err)
{
        struct pcapng_writer *w = priv;
        return output_flush_msg(&w->out, err);
}

static int pcapng_close_sink(void *priv, char *err)
{
        struct pcapng_writer *w = priv;
        int rc = output_close_msg(&w->out, err);
        free(w);
        return rc;
}

static void pcapng_abort_sink(void *priv, bool remove)
{
        struct pcapng_writer *w = priv;
        output_abandon_keep(&w->out, !remove, remove);
        free(w);
}

static const char *pcapng_sink_path(void *priv)
{
        return output_path(&((struct pcapng_writer *)priv)->out);
}

static int pcapng_write_ahead(void *priv, const uint8_t *block, size_t len, char *err)
{
        struct pcapng_writer *w = priv;
        if (output_write_ahead(&w->out, block, len) != 0)
                return output_error_msg(&w->out, "failed to write PCAPNG block", err);
        return CST_OK;
}

static const struct cst_sink_ops pcapng_sink_ops = {
    .write = pcapng_write,
    .flush = pcapng_flush,
    .close = pcapng_close_sink,
    .abort = pcapng_abort_sink,
    .path = pcapng_sink_path,
    .write_ahead = pcapng_write_ahead,
    .write_noted = pcapng_write_noted,
};

struct output *pcapng_sink_le_output(const struct cst_sink *sink)
{
        if (sink->ops != &pcapng_sink_ops)
                return NULL;
        struct pcapng_writer *w = sink->priv;
        return w->big_endian ? NULL : &w->out;
}

int pcapng_sink_open(struct cst_sink *sink, const char *path, char *err)
{
        return pcapng_sink_open_flags(sink, path, 0, err);
}

int pcapng_sink_open_flags(struct cst_sink *sink, const char *path, unsigned flags, char *err)
{
        struct pcapng_writer *w = calloc(1, sizeof(*w));
        if (!w) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        if (output_open_flags(&w->out, path, flags) != 0) {
                snprintf(err, CST_ERRBUF, "failed to open output file: %.400s: %s", path,
                         strerror(errno));
                free(w);
                return CST_EFATAL;
        }
        sink->ops = &pcapng_sink_ops;
        sink->priv = w;
        return CST_OK;
}

size_t pcapng_make_shb(uint8_t *b, size_t cap)
{
        if (cap < 28)
                return 0;
        put32(b, PCAPNG_BT_SHB, false);
        put32(b + 4, 28, false);
        put32(b + 8, 0x1A2B3C4Du, false);
        put16(b + 12, 1, false); /* version 1.0 */
        put16(b + 14, 0, false);
        memset(b + 16, 0xFF, 8); /* section length unknown (-1) */
        put32(b + 24, 28, false);
        return 28;
}

size_t pcapng_make_idb(uint8_t *b, size_t cap, uint16_t linktype, uint32_t snaplen, uint8_t tsresol,
                       const char *if_name)
{
        size_t name_len = if_name ? strlen(if_name) : 0;
        if (name_len > 255)
                name_len = 255;
        size_t name_opt = name_len ? 4 + ((name_len + 3) & ~(size_t)3) : 0;
        size_t total = 16 + name_opt + 8 /* tsresol */ + 4 /* opt_endofopt */ + 4;
        if (cap < total)
                return 0;
        memset(b, 0, total);
        put32(b, PCAPNG_BT_IDB, false);
        put32(b + 4, (uint32_t)total, false);
        put16(b + 8, linktype, false);
        put32(b + 12, snaplen, false);
        uint8_t *o = b + 16;
        if (name_len) {
                put16(o, 2, false); /* if_name */
                put16(o + 2, (uint16_t)name_len, false);
                memcpy(o + 4, if_name, name_len);
                o += name_opt;
        }
        put16(o, 9, false); /* if_tsresol */
        put16(o + 2, 1, false);
        o[4] = tsresol;
        o += 8;
        o += 4; /* opt_endofopt: zeros */
        put32(o, (uint32_t)total, false);
        return total;
}
