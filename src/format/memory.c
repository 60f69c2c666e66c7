/*
 * memory — a source over a capture file image in memory (PCAP or PCAPNG),
 * or over an array of packet views, for tests, benchmarks and programs that
 * embed the library (as slimcap's mock and replay sources).  The records are
 * read by the format readers over the caller's buffer (no copy of the bytes).  The image may be
 * replayed several times: each pass reopens the reader and moves ts_ns on by the span of the image,
 * so the engine sees time advance as in one long capture.  A packet rate
 * paces the batches (one clock read per batch, a sleep when ahead).
 */
#include "format/memory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/input.h"

struct mem_source {
        struct cst_source rd; /* the format (or views) reader of the current pass */
        const uint8_t *data;
        size_t len;
        const struct cst_packet *views; /* packet views instead of a file image */
        size_t n_views;
        uint64_t loops_left; /* passes after the current one */
        uint64_t rate_pps;
        uint64_t ts_shift; /* added to ts_ns in this pass */
        uint64_t first_ts, last_ts;
        bool have_first;
        uint64_t delivered; /* packets, for the rate */
        uint64_t start_ns;
        struct cst_source_tail tail;
};

static uint64_t mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A pass over the caller's packet views: copies of the views, in order. */
struct views_reader {
        const struct cst_packet *pkts;
        size_t n, pos;
};

static int views_next_batch(void *priv, struct cst_packet *recs, unsigned max, char *err)
{
        struct views_reader *v = priv;
        unsigned n = 0;
        (void)err;
        while (n < max && v->pos < v->n)
                recs[n++] = v->pkts[v->pos++];
        return (int)n;
}

static void views_close(void *priv)
{
        free(priv);
}

static const struct cst_source_ops views_ops = {
    .next_batch = views_next_batch,
    .close = views_close,
};

static int open_pass(struct mem_source *m, char *err)
{
        if (m->views) {
                struct views_reader *v = calloc(1, sizeof(*v));
                if (!v) {
                        snprintf(err, CST_ERRBUF, "out of memory");
                        return CST_ENOMEM;
                }
                v->pkts = m->views;
                v->n = m->n_views;
                memset(&m->rd, 0, sizeof(m->rd));
                m->rd.ops = &views_ops;
                m->rd.priv = v;
                m->rd.linktype = m->n_views ? m->views[0].linktype : 0;
                return CST_OK;
        }
        struct input in;
        input_open_memory(&in, m->data, m->len);
        return format_source_open_input(&m->rd, &in, err);
}

/* How many records the rate allows now (sleeps until at least one is due). */
static unsigned rate_room(struct mem_source *m, unsigned max)
{
        if (!m->rate_pps)
                return max;
        uint64_t now = mono_ns();
        if (!m->start_ns)
                m->start_ns = now;
        for (;;) {
                uint64_t due =
                    (uint64_t)((unsigned __int128)(now - m->start_ns) * m->rate_pps / 1000000000u);
                if (due > m->delivered) {
                        uint64_t room = due - m->delivered;
                        return room < max ? (unsigned)room : max;
                }
                uint64_t next = m->start_ns + (uint64_t)((unsigned __int128)(m->delivered + 1) *
                                                         1000000000u / m->rate_pps);
                struct timespec ts = {(time_t)((next - now) / 1000000000u),
                                      (long)((next - now) % 1000000000u)};
                if (nanosleep(&ts, NULL) != 0 && errno == EINTR)
                        return 1; /* a signal: let the caller look at its flags */
                now = mono_ns();
        }
}

static void shift_batch(struct mem_source *m, struct cst_packet *recs, int n)
{
        for (int i = 0; i < n; i++) {
                if (recs[i].kind != CST_REC_PACKET)
                        continue;
                if (!m->have_first) {
                        m->first_ts = recs[i].ts_ns;
                        m->have_first = true;
                }
                if (m->ts_shift == 0 && recs[i].ts_ns > m->last_ts)
                        m->last_ts = recs[i].ts_ns;
                recs[i].ts_ns += m->ts_shift;
                m->delivered++;
        }
}

/* The pass ended cleanly: the next one, or 0. */
static int next_pass(struct mem_source *m, char *err)
{
        if (m->loops_left == 0)
                return 0;
        if (m->loops_left != UINT64_MAX)
                m->loops_left--;
        m->rd.ops->close(m->rd.priv);
        m->rd.ops = NULL;
        if (open_pass(m, err) != CST_OK)
                return CST_EFATAL;
        m->ts_shift += m->last_ts - m->first_ts + 1000u;
        return 1;
}

static int mem_next_batch(void *priv, struct cst_packet *recs, unsigned max, char *err)
{
        struct mem_source *m = priv;
        max = rate_room(m, max);
        for (;;) {
                int n = m->rd.ops->next_batch(m->rd.priv, recs, max, err);
                if (n > 0) {
                        shift_batch(m, recs, n);
                        return n;
                }
                if (n == CST_ETAIL && m->rd.ops->tail)
                        m->rd.ops->tail(m->rd.priv, &m->tail);
                if (n < 0)
                        return n;
                int rc = next_pass(m, err);
                if (rc <= 0)
                        return rc;
        }
}

static void mem_close(void *priv)
{
        struct mem_source *m = priv;
        if (m->rd.ops)
                m->rd.ops->close(m->rd.priv);
        free(m);
}

static void mem_tail(void *priv, struct cst_source_tail *t)
{
        *t = ((struct mem_source *)priv)->tail;
}

static const struct cst_source_ops mem_source_ops = {
    .next_batch = mem_next_batch,
    .close = mem_close,
    .tail = mem_tail,
};

int memory_source_open(struct cst_source *src, const struct cst_memory_opts *o, char *err)
{
        memset(src, 0, sizeof(*src));
        struct mem_source *m = calloc(1, sizeof(*m));
        if (!m) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        m->data = o->data;
        m->len = o->len;
        m->views = o->packets;
        m->n_views = o->n_packets;
        m->loops_left = o->loops == 0 ? 0 : o->loops == UINT64_MAX ? UINT64_MAX : o->loops - 1;
        m->rate_pps = o->rate_pps;
        int rc = open_pass(m, err);
        if (rc != CST_OK) {
                free(m);
                return rc;
        }
        *src = m->rd; /* the description (format, link type, header) of the image */
        src->ops = &mem_source_ops;
        src->priv = m;
        return CST_OK;
}
