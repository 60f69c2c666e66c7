/*
 * source — a capture handle (live AF_PACKET backend or a capture file read
 * as a capture) seen as a pipeline source (format/format.h): wait_batch
 * with a timeout, release of the ring views, the kernel counters.
 */
#include "capture/source.h"

#include "capture/afp.h"

static int cap_wait_batch(void *priv, struct cst_packet *recs, unsigned max, int timeout_ms,
                          char *err)
{
        return cst_capture_next_batch(priv, recs, max, timeout_ms, err);
}

/* Blocking form for readers that know no timeouts: 0 only at the end (or on a signal). */
static int cap_next_batch(void *priv, struct cst_packet *recs, unsigned max, char *err)
{
        int n = cst_capture_next_batch(priv, recs, max, 1000, err);
        return n == CST_CAPTURE_EOF ? 0 : n;
}

static void cap_release(void *priv)
{
        cst_capture_release(priv);
}

static int cap_stats(void *priv, struct cst_capture_stats *ks, char *err)
{
        return cst_capture_stats(priv, ks, err);
}

static void cap_close(void *priv)
{
        cst_capture_close(priv);
}

static const struct cst_source_ops capture_source_ops = {
    .next_batch = cap_next_batch,
    .close = cap_close,
    .tail = NULL,
    .wait_batch = cap_wait_batch,
    .release = cap_release,
    .stats = cap_stats,
};

void capture_source_init(struct cst_source *src, cst_capture *c)
{
        memset(src, 0, sizeof(*src));
        src->ops = &capture_source_ops;
        src->priv = c;
        src->linktype = c->linktype;
        src->snaplen = c->snaplen;
}

bool capture_source_is_live(const cst_capture *c)
{
        return !afp_is_file(c);
}
