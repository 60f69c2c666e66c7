/*
 * track — the context of the `track` policy and of the learning QUIC
 * analyser: parameters, the side array of per-flow state parallel to the
 * flow table's entries, and the QUIC server endpoints.
 *
 * The side array grows (doubling, like the table) only when the table has
 * grown; no allocation happens per packet.
 */
#include "policy/track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

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
        };
        if (t->p.keep_record < 5)
                t->p.keep_record = 5;
        return t;
}

void track_free(struct track *t)
{
        if (!t)
                return;
        free(t->slots);
        free(t->ext);
        free(t);
}

union trk_slot *trk_slot_of(struct track *t, const struct flowtable *ft, const struct flow *f)
{
        uint32_t idx = (uint32_t)(f - ft->flows);
        if (idx >= t->slots_cap) {
                uint32_t cap = ft->flows_cap > idx ? ft->flows_cap : idx + 1;
                union trk_slot *n = realloc(t->slots, (size_t)cap * sizeof(*n));
                if (!n)
                        return NULL;
                memset(n + t->slots_cap, 0, (size_t)(cap - t->slots_cap) * sizeof(*n));
                t->slots = n;
                t->slots_cap = cap;
        }
        return &t->slots[idx];
}

/* Release the pool entries of a slot's previous owner (a TCP flow). */
static void slot_release(struct track *t, union trk_slot *s)
{
        if (s->kind != TRK_KIND_TCP)
                return;
        trk_ext_release(t, &s->tcp.d[0]);
        trk_ext_release(t, &s->tcp.d[1]);
}

union trk_slot *trk_slot_fresh(struct track *t, const struct flowtable *ft, const struct flow *f,
                               uint8_t kind)
{
        union trk_slot *s = trk_slot_of(t, ft, f);
        if (!s)
                return NULL;
        slot_release(t, s);
        memset(s, 0, sizeof(*s));
        s->kind = kind;
        return s;
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
