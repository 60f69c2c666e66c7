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

struct dump_sink {
        cst_dumper *d;
        int (*stats)(void *ctx, struct cst_capture_stats *ks, char *err);
        void *stats_ctx;
};

static int ds_write(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct dump_sink *s = priv;
        if (pkt->kind != CST_REC_PACKET)
                return dump_input_block(s->d, pkt, err);
        return cst_dump_packet(s->d, pkt, keep_len, err);
}

static int ds_write_noted(void *priv, const struct cst_packet *pkt, const struct sink_note *n,
                          char *err)
{
        struct dump_sink *s = priv;
        if (pkt->kind != CST_REC_PACKET)
                return dump_input_block(s->d, pkt, err);
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
