/*
 * ng_convert — classic PCAP records written as PCAPNG (ng_convert.h;
 * draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB).  Per packet only
 * a struct copy on the stack: the bytes go to the writer as they are.
 */
#include "sink/ng_convert.h"

#include <stdio.h>
#include <stdlib.h>

#include "format/pcapng.h"
#include "sink/pcapng_blocks.h"

struct ng_convert {
        struct cst_sink inner; /* the PCAPNG writer */
        bool nsec;
};

static int nc_write(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct ng_convert *c = priv;
        if (pkt->kind != CST_REC_PACKET)
                return c->inner.ops->write(c->inner.priv, pkt, keep_len, err);
        struct cst_packet q = *pkt;
        uint64_t ts = c->nsec ? pkt->ts_ns : pkt->ts_ns / 1000u;
        q.ts_hi = (uint32_t)(ts >> 32);
        q.ts_lo = (uint32_t)ts;
        q.ifid = 0;
        q.opts = NULL;
        q.opts_len = 0;
        return c->inner.ops->write(c->inner.priv, &q, keep_len, err);
}

static int nc_flush(void *priv, char *err)
{
        struct ng_convert *c = priv;
        return c->inner.ops->flush(c->inner.priv, err);
}

static int nc_close(void *priv, char *err)
{
        struct ng_convert *c = priv;
        int rc = c->inner.ops->close(c->inner.priv, err);
        free(c);
        return rc;
}

static void nc_abort(void *priv, bool remove)
{
        struct ng_convert *c = priv;
        c->inner.ops->abort(c->inner.priv, remove);
        free(c);
}

static const char *nc_path(void *priv)
{
        struct ng_convert *c = priv;
        return c->inner.ops->path(c->inner.priv);
}

static int nc_write_ahead(void *priv, const uint8_t *block, size_t len, char *err)
{
        struct ng_convert *c = priv;
        return c->inner.ops->write_ahead(c->inner.priv, block, len, err);
}

static const struct cst_sink_ops ng_convert_ops = {
    .write = nc_write,
    .flush = nc_flush,
    .close = nc_close,
    .abort = nc_abort,
    .path = nc_path,
    .write_ahead = nc_write_ahead,
};

/* The SHB and the IDB, as raw blocks through the writer. */
static int nc_header(struct ng_convert *c, uint32_t linktype, uint32_t snaplen, char *err)
{
        uint8_t b[PCAPNG_SHB_MAX_LEN];
        struct cst_packet blk = {.kind = CST_REC_BLOCK, .flags = CST_PKT_SHB, .data = b};
        blk.caplen = blk.origlen = (uint32_t)pcapng_shb(b, sizeof(b), NULL, NULL);
        int rc = c->inner.ops->write(c->inner.priv, &blk, blk.caplen, err);
        if (rc != CST_OK)
                return rc;
        blk.flags = CST_PKT_IDB;
        blk.caplen = blk.origlen =
            (uint32_t)pcapng_idb(b, sizeof(b), (uint16_t)linktype, snaplen, NULL, c->nsec ? 9 : 6);
        return c->inner.ops->write(c->inner.priv, &blk, blk.caplen, err);
}

int ng_convert_open(struct cst_sink *sink, const char *path, unsigned flags, uint32_t linktype,
                    uint32_t snaplen, bool nsec, char *err)
{
        struct ng_convert *c = calloc(1, sizeof(*c));
        if (!c) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        c->nsec = nsec;
        int rc = pcapng_sink_open_flags(&c->inner, path, flags, err);
        if (rc != CST_OK) {
                free(c);
                return rc;
        }
        rc = nc_header(c, linktype, snaplen, err);
        if (rc != CST_OK) {
                c->inner.ops->abort(c->inner.priv, true);
                free(c);
                return rc;
        }
        sink->ops = &ng_convert_ops;
        sink->priv = c;
        return CST_OK;
}
