/*
 * quic — SPEC 2.8 exactly: the long-header walk, CID learning from Initials
 * and the short-header cut (RFC 9000 §17.2, §17.3, §16 variable-length
 * integers).
 *
 * Quirks kept for byte identity (SPEC 6 item 7): the fixed bit of a long
 * header is not checked, every non-zero version is read with the QUIC v1
 * type codes (quic_wire.c), Version Negotiation (version 0) fails the parse
 * and counts as uncertain, only Initials teach CIDs, and only non-empty
 * SCIDs are stored.
 */
#include "policy/quic.h"

#include <string.h>

#include <constrictor/engine.h>

#include "decode/quic_initial.h"
#include "policy/analyser.h"
#include "policy/verdict.h"

/* Byte `at` of the payload (the caller has checked at < len). */
static inline uint8_t byte_at(const struct rd *pl, uint32_t at)
{
        struct rd r = *pl;
        return rd_peek_u8(&r, at);
}

/* Where this datagram's flow lives in the table. */
struct quic_flow_ref {
        struct flowtable *ft;
        const struct flow_key *key;
        uint64_t hash;
        unsigned dir; /* direction of this datagram within the flow */
        uint32_t now;
};

static struct flow *flow_of(const struct quic_flow_ref *fr)
{
        return ft_lookup(fr->ft, fr->key, fr->hash, fr->now);
}

/* An Initial: create the connection on first sight, learn a non-empty SCID. */
static void learn_initial(const struct quic_flow_ref *fr, const struct quic_long_hdr *h)
{
        struct flow *f = flow_of(fr);
        if (!f) {
                f = ft_insert(fr->ft, fr->key, fr->hash, fr->now);
                if (!f)
                        return; /* out of memory growing the table: learn nothing */
                f->u.quic.client_dir = (uint8_t)fr->dir;
        }
        if (h->scid_len == 0)
                return;
        struct quic_conn *c = &f->u.quic;
        if (fr->dir == c->client_dir) {
                c->client_scid_len = h->scid_len;
                memcpy(c->client_scid, h->scid, h->scid_len);
        } else {
                c->server_scid_len = h->scid_len;
                memcpy(c->server_scid, h->scid, h->scid_len);
        }
}

uint32_t quic_gso_last(const struct rd *pl, uint32_t pos, uint32_t dlen, uint32_t seg)
{
        uint32_t len = (uint32_t)pl->len;
        if (seg == 0 || len <= seg)
                return pos;
        if (pos >= seg || (uint64_t)pos + 1 + dlen > seg)
                return UINT32_MAX; /* the matched header is not in the first datagram */
        const uint8_t *want = rd_at(pl, (size_t)pos + 1, dlen); /* inside the first datagram */
        uint32_t k = seg;
        for (; k < len; k += seg) {
                struct rd r = rd_window(pl, k, len - k);
                uint8_t first = rd_u8(&r);
                const uint8_t *dcid = rd_ptr(&r, dlen);
                if (r.err || !want || (first & 0xC0u) != 0x40u ||
                    (dlen && memcmp(dcid, want, dlen) != 0))
                        return UINT32_MAX;
                if (len - k <= seg)
                        break;
        }
        return k;
}

/* The short header at pos of a known connection: match and propose the cut. */
static void short_header(const struct quic_params *p, const struct quic_conn *c, unsigned dir,
                         const struct pkt_ctx *x, uint32_t pos, struct proposal *out)
{
        const struct rd *pl = &x->pl;
        uint32_t len = x->d.payload_len;
        bool from_client = dir == c->client_dir;
        uint8_t elen = from_client ? c->server_scid_len : c->client_scid_len;
        const uint8_t *exp = from_client ? c->server_scid : c->client_scid;
        uint32_t dlen = 0;
        if (elen == 0) {
                if (!p->allow_unknown_dcid) {
                        out->why = CST_R_KEEP_QUIC_UNCERTAIN;
                        return;
                }
        } else {
                dlen = elen;
                if (p->require_dcid_match) {
                        const uint8_t *dcid = rd_at(pl, (size_t)pos + 1, dlen);
                        if (!dcid) {
                                out->why = CST_R_KEEP_QUIC_UNCERTAIN;
                                return;
                        }
                        if (memcmp(dcid, exp, dlen) != 0) {
                                out->why = CST_R_KEEP_QUIC_DCID_MISMATCH;
                                return;
                        }
                }
        }
        uint32_t keep = p->short_keep > 1 + dlen ? p->short_keep : 1 + dlen;
        pos = quic_gso_last(pl, pos, dlen, x->pkt->gso_size);
        if (pos == UINT32_MAX) {
                out->why = CST_R_KEEP_QUIC_UNCERTAIN;
                return;
        }
        out->keep_len = x->d.payload_off + pos + (len - pos < keep ? len - pos : keep);
        out->why = CST_R_TRUNCATE_QUIC_SHORT_HEADER;
}

/* require_initial_proof: an Initial teaches only a connection that exists
 * (created by a proven Initial) or a datagram that starts with a client
 * Initial that decrypts; every other Initial-typed header teaches nothing. */
static bool initial_teaches(const struct quic_params *p, const struct quic_flow_ref *fr,
                            const struct an_env *env, const struct pkt_ctx *x, uint32_t pos)
{
        if (!p->require_initial_proof || flow_of(fr))
                return true;
        uint32_t len = x->d.payload_len;
        const uint8_t *b = pos == 0 ? rd_at(&x->pl, 0, len) : NULL;
        if (b && quic_initial_prove(p->qi, b, len, NULL, NULL, 0) == QI_PROVEN) {
                env->st->quic_initials_proven++;
                return true;
        }
        env->st->quic_initials_not_proven++;
        return false;
}

/* The first long header's version decides whether the datagram counts as QUIC (strict). */
static bool counts_as_quic(const struct quic_params *p, const struct rd *pl)
{
        if (!p->strict || pl->len < 5 || !(byte_at(pl, 0) & 0x80u))
                return true;
        struct rd r = *pl;
        rd_skip(&r, 1);
        return quic_version_known(rd_be32(&r));
}

static void quic_compat_packet(void *self, const struct an_env *env, const struct pkt_ctx *x,
                               struct proposal *out, struct an_trace *tr)
{
        (void)tr; /* the compatible QUIC analyser writes no decision-log rows (SPEC 2.11) */
        const struct quic_params *p = self;
        const struct rd *pl = &x->pl;
        struct quic_flow_ref fr = {env->ft, &x->k, x->hash, x->dir, x->now};
        uint32_t len = x->d.payload_len, pos = 0;
        bool saw_long = false, counted = counts_as_quic(p, pl);
        out->why = CST_R_KEEP_NOT_ANALYSED;
        while (pos < len && (byte_at(pl, pos) & 0x80u)) {
                struct quic_long_hdr h;
                if (quic_wire_long(pl, pos, false, &h) != WIRE_OK) {
                        if (counted)
                                out->why = CST_R_KEEP_QUIC_UNCERTAIN;
                        return;
                }
                saw_long = true;
                if (h.type == QUIC_LH_INITIAL && counted && initial_teaches(p, &fr, env, x, pos))
                        learn_initial(&fr, &h);
                pos += h.total;
        }
        if (pos == len) {
                if (saw_long)
                        out->why = CST_R_KEEP_QUIC_LONG_HEADER;
                return;
        }
        uint8_t b = byte_at(pl, pos);
        if ((b & 0x80u) || !(b & 0x40u)) {
                if (saw_long && counted)
                        out->why = CST_R_KEEP_QUIC_UNCERTAIN;
                return;
        }
        struct flow *f = flow_of(&fr);
        if (!f) {
                out->why = CST_R_KEEP_QUIC_UNKNOWN_FLOW;
                return;
        }
        short_header(p, &f->u.quic, fr.dir, x, pos, out);
}

const struct analyser_ops quic_compat_ops = {
    .name = "quic",
    .packet = quic_compat_packet,
};
