/*
 * track — the context of the `track` policy and of the learning QUIC
 * analyser: parameters, the pool of boundary windows (struct trk_ext) and
 * the QUIC server endpoints.  Per-flow state lives in the flow table's
 * entries (track.h).
 *
 * The pool grows by doubling; no allocation happens per packet once it has
 * the size the busiest moment needed.
 */
#include "policy/track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "decode/quic_initial.h"

struct track *track_new(const struct cst_config *cfg, char *err)
{
        struct track *t = calloc(1, sizeof(*t));
        if (!t) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return NULL;
        }
        t->p = (struct trk_params){
            .keep_record = cfg->app_data_keep_record_bytes,
            .enc_handshake = cfg->keep_encrypted_handshake,
            .tls_track = cfg->tls_policy == CST_TLS_TRACK,
            .short_keep = cfg->short_header_keep_packet_bytes,
            .require_dcid_match = cfg->require_dcid_match,
            .allow_unknown_dcid = cfg->allow_short_header_without_known_dcid,
            .require_initial_proof = cfg->quic_require_initial_proof,
        };
        if (t->p.keep_record < 5)
                t->p.keep_record = 5;
        return t;
}

struct quic_initial *track_proof(struct track *t)
{
        if (!t->qi && !t->qi_failed) {
                char err[CST_ERRBUF];
                t->qi = quic_initial_new(err);
                t->qi_failed = t->qi == NULL; /* nothing is proven: kept whole */
        }
        return t->qi;
}

void track_free(struct track *t)
{
        if (!t)
                return;
        free(t->ext);
        quic_initial_free(t->qi);
        free(t);
}

/* A flow leaves the table: a `track` TCP flow's pool entries go back to the pool. */
static void track_on_drop(void *ctx, struct flow *f)
{
        struct track *t = ctx;
        if (!t->p.tls_track || f->key.proto != 6)
                return; /* QUIC state has no pool entries; compatible TLS flows have none */
        union trk_slot *s = trk_slot_of(f);
        trk_ext_release(t, &s->tcp.d[0]);
        trk_ext_release(t, &s->tcp.d[1]);
}

void track_attach(struct track *t, struct flowtable *ft)
{
        ft->on_drop = track_on_drop;
        ft->drop_ctx = t;
}

struct trk_ext *trk_ext_of(struct track *t, struct trk_dir *D, bool create)
{
        if (D->ext)
                return &t->ext[D->ext - 1];
        if (!create)
                return NULL;
        uint32_t idx = t->ext_free;
        if (idx) {
                t->ext_free = t->ext[idx - 1].win_lo;
        } else {
                if (t->ext_used == t->ext_cap) { /* grow by doubling: no allocation per packet */
                        uint32_t cap = t->ext_cap ? t->ext_cap * 2 : 64;
                        struct trk_ext *n = realloc(t->ext, (size_t)cap * sizeof(*n));
                        if (!n)
                                return NULL;
                        t->ext = n;
                        t->ext_cap = cap;
                }
                idx = ++t->ext_used;
        }
        memset(&t->ext[idx - 1], 0, sizeof(t->ext[0]));
        D->ext = idx;
        return &t->ext[idx - 1];
}

void trk_ext_release(struct track *t, struct trk_dir *D)
{
        if (!D->ext)
                return;
        t->ext[D->ext - 1].win_lo = t->ext_free;
        t->ext_free = D->ext;
        D->ext = 0;
}
