/*
 * reinflate / restore of a whole file (SPEC 2.9): the offline pipeline with
 * reinflate_packet() in place of the engine (which writes EPBs on unknown
 * interfaces and records with caplen > origlen unchanged, and counts them).
 */
#include <stdio.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "offline/pipeline.h"
#include "reinflate/reinflate.h"

/* "packet <i>: msg" from reinflate_packet → "packet <i> at file offset <o>: msg". */
static void add_offset(char *err, uint64_t off)
{
        const char *colon = strchr(err, ':');
        if (strncmp(err, "packet ", 7) != 0 || !colon)
                return;
        char tmp[CST_ERRBUF];
        snprintf(tmp, sizeof(tmp), "%.*s at file offset %llu%s", (int)(colon - err), err,
                 (unsigned long long)off, colon);
        memcpy(err, tmp, CST_ERRBUF);
}

static int reinflate_one(struct offline_run *r, struct reinflater *rf, const struct cst_packet *p,
                         char *err)
{
        struct cst_stats *st = r->st;
        struct cst_packet q = *p;
        const uint8_t *out;
        uint32_t out_len;
        /* reinflate_packet owns the per-packet counters (unknown interface, caplen > origlen). */
        int rc = reinflate_packet(rf, p, r->index, &out, &out_len, st, err);
        if (rc != CST_OK) {
                add_offset(err, r->in_off);
                return rc;
        }
        q.data = out;
        q.caplen = out_len;
        st->total_packets++;
        st->total_captured_bytes_read += p->caplen;
        st->total_original_bytes_read += p->origlen;
        st->total_captured_bytes_written += q.caplen;
        st->total_original_bytes_written += q.origlen;
        if (r->src.format == CST_FORMAT_PCAPNG)
                st->pcapng_enhanced_packets++;
        offline_advance(r, p);
        return r->sink.ops->write(r->sink.priv, &q, q.caplen, err);
}

static int reinflate_loop(struct offline_run *r, struct reinflater *rf, char *err)
{
        struct cst_packet recs[OFFLINE_BATCH];
        for (;;) {
                int n = r->src.ops->next_batch(r->src.priv, recs, OFFLINE_BATCH, err);
                if (n <= 0)
                        return n;
                for (int i = 0; i < n; i++) {
                        int rc;
                        if (recs[i].kind == CST_REC_PACKET) {
                                rc = reinflate_one(r, rf, &recs[i], err);
                        } else {
                                offline_count_block(r, &recs[i]);
                                rc =
                                    r->sink.ops->write(r->sink.priv, &recs[i], recs[i].caplen, err);
                        }
                        if (rc != CST_OK)
                                return rc;
                }
        }
}

int cst_reinflate_file(const char *in, const char *out, const struct cst_config *cfg,
                       struct cst_stats *st, char *err)
{
        struct offline_run r;
        struct reinflater rf;
        memset(st, 0, sizeof(*st));
        int rc = reinflate_init(&rf, cfg, err);
        if (rc != CST_OK)
                return rc;
        rc = offline_open(&r, in, out, st, cfg, err);
        if (rc == CST_OK)
                rc = reinflate_loop(&r, &rf, err);
        rc = offline_close(&r, rc, err);
        reinflate_free(&rf);
        return rc;
}
