/*
 * quic_learn — QUIC "done properly" (issue 12 item 4), used under `track`
 * or [quic] learn_all_long_headers = true.
 *
 *  - every long-header packet (Initial, 0-RTT, Handshake, Retry; RFC 9000
 *    §17.2) of a known version teaches its sender's Source Connection ID,
 *    both directions; QUIC v2 type codes (RFC 9369 §3.2) are normalised;
 *  - Version Negotiation (version 0, RFC 9000 §17.2.1) is recognised and
 *    kept whole, not "uncertain";
 *  - a flow is QUIC (cuttable) once a client Initial in a datagram of at
 *    least 1200 bytes (RFC 9000 §14.1) or Handshake packets in both
 *    directions were seen; UDP that is not (DNS on 443, random data) is
 *    never cut;
 *  - with [quic] require_initial_proof (the default under `track`, issue 17
 *    item 5) only a client Initial whose packet protection removes with the
 *    keys of its DCID (RFC 9001 §5.2, decode/quic_initial.c) proves a flow:
 *    a stranger's look-alike long headers (valid header, random contents)
 *    prove nothing, and its later datagrams are kept whole
 *    (keep.quic_not_proven).  The proof runs once per flow (at most
 *    QL_PROOF_TRIES failed tries), its result kept in the flow's flags;
 *  - a short header on a known flow: DCID = the peer's learned SCID; a
 *    zero-length SCID is matched by the 4-tuple; the fixed bit may be
 *    greased (RFC 9287 §3);
 *  - migration / NAT rebinding (RFC 9000 §9): a short header on a new
 *    4-tuple with one endpoint a server that completed a handshake is
 *    adopted with that server's CID lengths.
 */
#include "policy/track.h"
#include "policy/quic.h"

#include <string.h>

#include "decode/quic_initial.h"
#include "policy/verdict.h"
#include "util/rd.h"

static bool version_cuttable(uint32_t v)
{
        return v == QUIC_V1 || v == QUIC_V2 || (v >> 8) == 0xff0000u;
}

/* ---- server endpoints (migration rule) */

static uint32_t ep_hash(const uint8_t *addr, uint8_t alen, uint16_t port)
{
        uint32_t h = 2166136261u ^ port;
        for (unsigned i = 0; i < alen; i++)
                h = (h ^ addr[i]) * 16777619u;
        return h;
}

static struct ql_server *server_find(struct track *t, const uint8_t *addr, uint8_t alen,
                                     uint16_t port, bool create, uint32_t now)
{
        uint32_t h = ep_hash(addr, alen, port);
        struct ql_server *empty = NULL, *oldest = NULL;
        for (unsigned i = 0; i < 8; i++) {
                struct ql_server *s = &t->servers[(h + i) % QL_SERVERS];
                if (s->addr_len == alen && s->port == port && !memcmp(s->addr, addr, alen))
                        return s;
                if (s->addr_len == 0 && !empty)
                        empty = s;
                else if (s->addr_len && (!oldest || s->last_seen < oldest->last_seen))
                        oldest = s;
        }
        struct ql_server *victim = empty ? empty : oldest;
        if (!create)
                return NULL;
        memset(victim, 0, sizeof(*victim));
        memcpy(victim->addr, addr, alen);
        victim->addr_len = alen;
        victim->port = port;
        victim->last_seen = now;
        return victim;
}

struct qctx {
        struct track *t;
        struct flowtable *ft;
        const struct pkt_ctx *pk;
        struct cst_stats *st;
        unsigned dir;
        struct ql_flow *q; /* NULL: no flow */
        const char *event;
};

/* Handshake packets went both ways: the server endpoint is known.  Under
 * require_initial_proof they prove nothing (anyone can write long headers):
 * only the proven Initial did, and only then is the server registered. */
static void handshake_done(struct track *t, const struct pkt_ctx *pk, struct ql_flow *q,
                           unsigned dir)
{
        if (!t->p.require_initial_proof)
                q->flags |= QL_PROVEN;
        unsigned cdir; /* direction the client sends in */
        if (q->flags & QL_INITIAL0)
                cdir = 0;
        else if (q->flags & QL_INITIAL1)
                cdir = 1;
        else
                return;
        const struct decoded *d = &pk->d;
        bool to_server = dir == cdir;
        struct ql_server *s = server_find(t, to_server ? d->dst : d->src, d->addr_len,
                                          to_server ? d->dport : d->sport, true, pk->now);
        s->server_cid_len = q->scid_len[cdir ^ 1u];
        s->client_cid_len = q->scid_len[cdir];
        s->last_seen = pk->now;
}

/* Does the datagram start with a client Initial that decrypts?  Always yes
 * without require_initial_proof; else tried at most QL_PROOF_TRIES times per
 * flow (the flow's flags keep a success, proof_failures the failures). */
static bool initial_proven(struct qctx *x, uint32_t pos)
{
        struct track *t = x->t;
        if (!t->p.require_initial_proof)
                return true;
        if (pos != 0 || x->q->proof_failures >= QL_PROOF_TRIES)
                return false;
        uint32_t len = x->pk->d.payload_len;
        const uint8_t *p = rd_at(&x->pk->pl, 0, len);
        struct quic_initial *qi = track_proof(t);
        if (p && qi && quic_initial_prove(qi, p, len, NULL, NULL, 0) == QI_PROVEN) {
                x->st->quic_initials_proven++;
                return true;
        }
        x->q->proof_failures++;
        x->st->quic_initials_not_proven++;
        x->event = "quic_initial_not_proven";
        return false;
}

/* A long header of a known version at pos: learn its sender's SCID. */
static void learn(struct qctx *x, const struct quic_long_hdr *h, uint32_t pos)
{
        struct track *t = x->t;
        const struct pkt_ctx *pk = x->pk;
        struct ql_flow *q = x->q;
        unsigned dir = x->dir;
        uint32_t dgram_len = pk->d.payload_len;
        if (h->type != QUIC_LH_RETRY || !(q->flags & (dir ? QL_LEARNED1 : QL_LEARNED0)) ||
            h->scid_len) {
                q->scid_len[dir] = h->scid_len;
                if (h->scid_len)
                        memcpy(q->scid[dir], h->scid, h->scid_len);
                q->flags |= (uint8_t)(dir ? QL_LEARNED1 : QL_LEARNED0);
        }
        if (h->type == QUIC_LH_INITIAL && dgram_len >= 1200 &&
            !(q->flags & (QL_INITIAL0 | QL_INITIAL1)) && initial_proven(x, pos))
                q->flags |= (uint8_t)(QL_PROVEN | (dir ? QL_INITIAL1 : QL_INITIAL0));
        if (h->type == QUIC_LH_HANDSHAKE) {
                q->flags |= (uint8_t)(dir ? QL_HS1 : QL_HS0);
                if ((q->flags & (QL_HS0 | QL_HS1)) == (QL_HS0 | QL_HS1))
                        handshake_done(t, pk, q, dir);
        }
}

static struct ql_flow *flow_get(struct qctx *x, bool create)
{
        const struct pkt_ctx *pk = x->pk;
        struct flow *f = ft_lookup(x->ft, &pk->k, pk->hash, pk->now);
        bool fresh = !f;
        if (!f && (!create || !(f = ft_insert(x->ft, &pk->k, pk->hash, pk->now))))
                return NULL;
        union trk_slot *s = fresh ? trk_slot_fresh(f, TRK_KIND_QUIC) : trk_slot_of(f);
        return s ? &s->quic : NULL;
}

/* A short header on a new 4-tuple next to a known server: adopt it. */
static struct ql_flow *migrated(struct qctx *x, bool greased)
{
        const struct decoded *d = &x->pk->d;
        bool to_server = true;
        struct ql_server *s = server_find(x->t, d->dst, d->addr_len, d->dport, false, 0);
        if (!s) {
                s = server_find(x->t, d->src, d->addr_len, d->sport, false, 0);
                to_server = false;
        }
        if (!s || (greased && !s->greases))
                return NULL;
        struct ql_flow *q = flow_get(x, true);
        if (!q)
                return NULL;
        /* the peer's SCID length is what this direction's DCID carries */
        unsigned peer = x->dir ^ 1u;
        q->flags = (uint8_t)(QL_PROVEN | QL_MIGRATED | QL_LEARNED0 | QL_LEARNED1);
        q->scid_len[peer] = to_server ? s->server_cid_len : s->client_cid_len;
        q->scid_len[x->dir] = to_server ? s->client_cid_len : s->server_cid_len;
        x->st->quic_migrations_adopted++;
        x->event = "quic_migration";
        return q;
}

/* A proven flow greases the fixed bit: its server's migrated paths may too. */
static void note_grease(struct qctx *x)
{
        const struct decoded *d = &x->pk->d;
        struct ql_flow *q = x->q;
        unsigned cdir = (q->flags & QL_INITIAL1) ? 1u : 0u;
        if (!(q->flags & (QL_INITIAL0 | QL_INITIAL1)))
                return;
        bool to_server = x->dir == cdir;
        struct ql_server *s = server_find(x->t, to_server ? d->dst : d->src, d->addr_len,
                                          to_server ? d->dport : d->sport, false, 0);
        if (s) { /* else the handshake is not complete yet: noted later */
                s->greases = 1;
                q->grease_noted = 1;
        }
}

/*
 * A UDP GSO super-frame captured before segmentation holds several
 * datagrams; each later segment starts with a short header carrying the same
 * DCID.  Returns the offset of the last such segment (pos if none); only for
 * DCIDs of 4 bytes or more, so a false match in encrypted bytes is negligible.
 */
static uint32_t last_gso_segment(const struct rd *pl, uint32_t pos, uint32_t dlen)
{
        uint32_t last = pos, len = (uint32_t)pl->len;
        const uint8_t *dcid = rd_at(pl, (size_t)pos + 1, dlen);
        if (dlen < 4 || !dcid)
                return last;
        for (uint32_t q = pos + 1 + dlen; q + 1 + dlen <= len;) {
                /* a match needs its DCID at q + 1 .. q + dlen, inside the payload */
                const uint8_t *from = rd_at(pl, (size_t)q + 1, len - dlen - q);
                const uint8_t *p = from ? memchr(from, dcid[0], len - dlen - q) : NULL;
                if (!p)
                        break;
                uint32_t at = q + (uint32_t)(p - from);
                struct rd r = rd_window(pl, at, 1u + dlen);
                uint8_t first = rd_u8(&r);
                const uint8_t *cid = rd_ptr(&r, dlen);
                if (!r.err && !(first & 0x80u) && memcmp(cid, dcid, dlen) == 0)
                        last = at;
                q = at + 1;
        }
        return last;
}

bool ql_short_dcid(const struct track *t, const void *state, unsigned dir, uint8_t *dlen, bool *any)
{
        const struct ql_flow *q = &((const union trk_slot *)state)->quic;
        unsigned peer = dir ^ 1u;
        if (q->kind != TRK_KIND_QUIC || !(q->flags & QL_PROVEN))
                return false;
        *any = !t->p.require_dcid_match || (q->flags & QL_MIGRATED);
        if (!(q->flags & (peer ? QL_LEARNED1 : QL_LEARNED0))) {
                *dlen = 0;
                return t->p.allow_unknown_dcid;
        }
        *dlen = q->scid_len[peer];
        return true;
}

/* Short header at pos: match the DCID and propose the cut. */
static void short_header(struct qctx *x, uint32_t pos, struct proposal *v)
{
        const struct pkt_ctx *pk = x->pk;
        const struct trk_params *p = &x->t->p;
        struct ql_flow *q = x->q;
        uint32_t len = pk->d.payload_len;
        unsigned peer = x->dir ^ 1u;
        uint32_t dlen = 0;
        if (!(q->flags & (peer ? QL_LEARNED1 : QL_LEARNED0))) {
                if (!p->allow_unknown_dcid) {
                        v->why = CST_R_KEEP_QUIC_UNCERTAIN;
                        return;
                }
        } else {
                dlen = q->scid_len[peer];
                const uint8_t *dcid = rd_at(&pk->pl, (size_t)pos + 1, dlen);
                if (!dcid) {
                        v->why = CST_R_KEEP_QUIC_UNCERTAIN;
                        return;
                }
                if (p->require_dcid_match && !(q->flags & QL_MIGRATED) &&
                    memcmp(dcid, q->scid[peer], dlen) != 0) {
                        v->why = CST_R_KEEP_QUIC_DCID_MISMATCH;
                        return;
                }
        }
        uint32_t keep = p->short_keep > 1 + dlen ? p->short_keep : 1 + dlen;
        pos = pk->pkt->gso_size ? quic_gso_last(&pk->pl, pos, dlen, pk->pkt->gso_size)
                                : last_gso_segment(&pk->pl, pos, dlen);
        if (pos == UINT32_MAX) {
                v->why = CST_R_KEEP_QUIC_UNCERTAIN;
                return;
        }
        v->keep_len = pk->d.payload_off + pos + (len - pos < keep ? len - pos : keep);
        v->why = CST_R_TRUNCATE_QUIC_SHORT_HEADER;
}

/* A long header that does not parse as a known version: Version Negotiation or uncertain. */
static void long_failed(struct qctx *x, uint32_t pos, bool cut_short, uint32_t version,
                        struct proposal *v)
{
        if (!cut_short && version == 0 && pos == 0) {
                v->why = CST_R_KEEP_QUIC_VERSION_NEGOTIATION;
                x->event = "quic_version_negotiation";
        } else if (pos > 0 || (x->q && (x->q->flags & QL_PROVEN))) {
                v->why = CST_R_KEEP_QUIC_UNCERTAIN;
                x->event = "quic_uncertain";
        }
}

/* Walk the coalesced long headers; returns the offset of what follows, or UINT32_MAX. */
static uint32_t walk_long(struct qctx *x, struct proposal *v)
{
        const struct rd *pl = &x->pk->pl;
        uint32_t len = x->pk->d.payload_len, pos = 0;
        struct rd b = *pl;
        while (pos < len && (rd_peek_u8(&b, pos) & 0x80u)) {
                struct rd r = rd_window(pl, pos, len - pos);
                rd_skip(&r, 1);
                uint32_t version = rd_be32(&r);
                struct quic_long_hdr h;
                if (r.err || !version_cuttable(version) ||
                    quic_wire_long(pl, pos, true, &h) != WIRE_OK) {
                        long_failed(x, pos, r.err, version, v);
                        return UINT32_MAX;
                }
                if (!x->q)
                        x->q = flow_get(x, true);
                x->event = "quic_long_header";
                if (x->q)
                        learn(x, &h, pos);
                pos += h.total;
                v->why = CST_R_KEEP_QUIC_LONG_HEADER;
        }
        return pos;
}

/* RFC 9000 §12.2 / §14.1: only zero bytes (padding) after the long headers. */
static bool all_zero(const struct rd *pl, uint32_t from)
{
        struct rd r = rd_window(pl, from, pl->len - from);
        while (rd_left(&r))
                if (rd_u8(&r))
                        return false;
        return true;
}

/* What follows the long headers at pos (< len): a short header, or not QUIC. */
static void after_long(struct qctx *x, uint32_t pos, struct proposal *v)
{
        struct rd r = x->pk->pl;
        uint8_t b = rd_peek_u8(&r, pos);
        bool known = x->q && (x->q->flags & QL_PROVEN);
        /* long headers were seen, but no Initial proved the flow */
        bool unproven = !known && x->t->p.require_initial_proof && x->q &&
                        (x->q->flags & (QL_LEARNED0 | QL_LEARNED1));
        if (!known && pos == 0)
                known = (x->q = migrated(x, !(b & 0x40u))) != NULL;
        else if (known && !(b & 0x40u) && !x->q->grease_noted)
                note_grease(x);
        if (!known) {
                v->why = pos        ? VR_QUIC_UNCERTAIN_QUIET
                         : unproven ? CST_R_KEEP_QUIC_NOT_PROVEN
                                    : CST_R_KEEP_QUIC_UNKNOWN_FLOW;
                x->event = pos        ? "quic_uncertain"
                           : unproven ? "quic_not_proven"
                                      : "quic_unknown_flow";
                return;
        }
        if (!*x->event || pos)
                x->event = (b & 0x40u) ? "quic_short_header" : "quic_short_header_greased";
        short_header(x, pos, v);
}

static void quic_learn_packet(void *self, const struct an_env *env, const struct pkt_ctx *pk,
                              struct proposal *v, struct an_trace *tr)
{
        struct qctx x = {.t = self, .ft = env->ft, .pk = pk, .st = env->st, .event = ""};
        x.dir = pk->dir;
        x.q = flow_get(&x, false);
        v->why = CST_R_KEEP_NOT_ANALYSED;
        uint32_t pos = walk_long(&x, v);
        uint32_t len = pk->d.payload_len;
        if (pos > 0 && pos < len && all_zero(&pk->pl, pos))
                pos = len;
        if (pos < len)
                after_long(&x, pos, v);
        if (tr) {
                const char *state = !x.q                       ? "none"
                                    : (x.q->flags & QL_PROVEN) ? "quic"
                                                               : "quic_unproven";
                tr->before = tr->after = state;
                tr->event = x.event;
        }
}

const struct analyser_ops quic_learn_ops = {
    .name = "quic_learn",
    .packet = quic_learn_packet,
    .row_per_packet = true,
};
