/*
 * dump_sink — the live dumper (dump.c: synthesized headers, PCAPNG
 * direction flags and ISBs, rotation, complete-file names, -z) behind the
 * sink operations table, so the pipeline writes live captures and files
 * alike through one interface.  constrict uses it too when it rotates or
 * converts (dump_offline.c).
 */
#include "sink/dump_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/pcapng.h"
#include "sink/pcapng_blocks.h"
#include "util/rd.h"

struct dump_sink {
        cst_dumper *d;
        bool live; /* the dumper writes its own headers (not dump_offline.c's copy) */
        int (*stats)(void *ctx, struct cst_capture_stats *ks, char *err);
        void *stats_ctx;
};

/*
 * A Decryption Secrets Block (draft-ietf-opsawg-pcapng §4.7) of a PCAPNG
 * input read as a capture (`capture -r`: capture/file.c passes no other
 * block) into a dumper that writes its own headers, little endian: it goes
 * ahead of the records still buffered (before the packets that need it).
 * One from a big-endian section is wrapped again around the same secrets
 * (its options, if any, are dropped); a classic PCAP output has no place
 * for it (dump_write_ahead).
 */
static int ds_live_dsb(struct dump_sink *s, const struct cst_packet *blk, char *err)
{
        struct rd r = rd_init(blk->data, blk->caplen);
        uint32_t bt = rd_le32(&r);
        if (bt == PCAPNG_BT_DSB) /* little endian as it stands */
                return dump_write_ahead(s->d, blk->data, blk->caplen, err);
        if (r.err || bt != PCAPNG_BT_DSB << 24) /* not a DSB in either order */
                return dump_input_block(s->d, blk, err);
        rd_skip(&r, 4); /* block length */
        uint32_t type = rd_be32(&r), len = rd_be32(&r);
        const uint8_t *secrets = rd_ptr(&r, len);
        if (r.err)
                return CST_OK; /* the reader checked the block's length: not reached */
        uint8_t *b = malloc((size_t)PCAPNG_DSB_HEAD_LEN + len + PCAPNG_DSB_TAIL_MAX);
        if (!b) {
                snprintf(err, CST_ERRBUF, "out of memory for a decryption secrets block");
                return CST_ENOMEM;
        }
        memcpy(b + PCAPNG_DSB_HEAD_LEN, secrets, len);
        size_t n = pcapng_dsb_wrap(b, type, len, false);
        int rc = dump_write_ahead(s->d, b, n, err);
        free(b);
        return rc;
}

static int ds_block(struct dump_sink *s, const struct cst_packet *blk, char *err)
{
        if (s->live)
                return ds_live_dsb(s, blk, err);
        return dump_input_block(s->d, blk, err);
}

static int ds_write(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct dump_sink *s = priv;
        if (pkt->kind != CST_REC_PACKET)
                return ds_block(s, pkt, err);
        return cst_dump_packet(s->d, pkt, keep_len, err);
}

static int ds_write_noted(void *priv, const struct cst_packet *pkt, const struct sink_note *n,
                          char *err)
{
        struct dump_sink *s = priv;
        if (pkt->kind != CST_REC_PACKET)
                return ds_block(s, pkt, err);
        return dump_packet_noted(s->d, pkt, n->keep_len, n->comment, n->comment_len, err);
}

static int ds_flush(void *priv, char *err)
{
        return cst_dump_flush(((struct dump_sink *)priv)->d, err);
}

/* The ISB of the last file carries the counters as they are at close. */
static int ds_close(void *priv, char *err)
{
        struct dump_sink *s = priv;
        struct cst_capture_stats ks = {0};
        char serr[CST_ERRBUF];
        bool have = s->stats && s->stats(s->stats_ctx, &ks, serr) == CST_OK;
        int rc = cst_dump_close(s->d, have ? &ks : NULL, err);
        free(s);
        return rc;
}

static int ds_rotate(void *priv, char *err)
{
        return dump_rotate_now(((struct dump_sink *)priv)->d, err);
}

static const char *ds_path(void *priv)
{
        return cst_dump_path(((struct dump_sink *)priv)->d);
}

static int ds_write_ahead(void *priv, const uint8_t *block, size_t len, char *err)
{
        return dump_write_ahead(((struct dump_sink *)priv)->d, block, len, err);
}

static void ds_poll(void *priv)
{
        dump_poll(((struct dump_sink *)priv)->d);
}

static void ds_abort(void *priv, bool remove)
{
        struct dump_sink *s = priv;
        dump_abandon(s->d, remove);
        free(s);
}

static const struct cst_sink_ops dump_sink_ops = {
    .abort = ds_abort,
    .write = ds_write,
    .flush = ds_flush,
    .close = ds_close,
    .rotate = ds_rotate,
    .path = ds_path,
    .write_ahead = ds_write_ahead,
    .write_noted = ds_write_noted,
    .poll = ds_poll,
};

int dump_sink_open_offline(struct cst_sink *sink, const char *path, const struct cst_dump_opts *o,
                           const struct dump_offline *off, char *err)
{
        struct dump_sink *s = calloc(1, sizeof(*s));
        if (!s) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        s->stats = o->stats;
        s->stats_ctx = o->stats_ctx;
        s->live = off == NULL;
        int rc = dump_open_offline(&s->d, path, o, off, err);
        if (rc != CST_OK) {
                free(s);
                return rc;
        }
        sink->ops = &dump_sink_ops;
        sink->priv = s;
        return CST_OK;
}

int dump_sink_open(struct cst_sink *sink, const char *path, const struct cst_dump_opts *o,
                   char *err)
{
        return dump_sink_open_offline(sink, path, o, NULL, err);
}

void dump_sink_dropped(const struct cst_sink *sink, uint64_t *blocks, uint64_t *packet_opts)
{
        dump_dropped(((const struct dump_sink *)sink->priv)->d, blocks, packet_opts);
}

const char *dump_sink_final(const struct cst_sink *sink)
{
        return dump_final_path(((const struct dump_sink *)sink->priv)->d);
}
