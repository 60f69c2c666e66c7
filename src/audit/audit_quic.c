/*
 * audit_quic — QUIC datagrams (RFC 9000 §17, RFC 9369 for v2 type codes,
 * RFC 8999 invariants for unknown versions).
 *
 * Pass 1 learns QUIC servers: the destination of a proven client Initial (a
 * full datagram of at least 1200 bytes, RFC 9000 §14.1, whose first packet
 * is a v1/v2 client Initial whose packet protection removes with the keys
 * derived from its DCID, RFC 9001 §5.2, decode/quic_initial.c) is a server
 * endpoint (address, port); the CID lengths each side announces in its long
 * headers are remembered per server.  A datagram that merely looks like an
 * Initial (a stranger's valid long header with random contents) proves
 * nothing, so the UDP it belongs to stays "other UDP", all needed.
 * Pass 2 classifies every UDP datagram: to or from a known server endpoint
 * (whatever the client's address, so migration and NAT rebinding are
 * covered) it is QUIC — long-header packets whole, a short-header packet's
 * first byte and DCID; everything else is "other UDP", all needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "audit/audit_int.h"
#include "decode/quic_initial.h"
#include "util/rd.h"

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu

enum lh_type { LH_INITIAL, LH_0RTT, LH_HANDSHAKE, LH_RETRY, LH_OTHER };

struct long_header {
        uint32_t version;
        uint8_t type; /* enum lh_type, normalised across v1/v2 */
        uint8_t dcid_len, scid_len;
        size_t total; /* bytes of this packet in the datagram */
};

struct server {
        struct aud_endpoint ep;
        uint8_t server_cid_len, client_cid_len;
};

struct servers {
        struct server *v;
        size_t n, cap;
};

static bool known_version(uint32_t v)
{
        return v == QUIC_V1 || v == QUIC_V2 || (v & 0xFFFFFF00u) == 0xFF000000u;
}

static uint64_t varint(struct rd *r)
{
        uint8_t first = rd_u8(r);
        uint64_t v = first & 0x3Fu;
        for (int k = 1; k < (1 << (first >> 6)); k++)
                v = v << 8 | rd_u8(r);
        return v;
}

static uint8_t normalised_type(uint32_t version, uint8_t bits)
{
        if (!known_version(version))
                return LH_OTHER;
        if (version == QUIC_V2) /* RFC 9369 §3.2: types rotated by one */
                return (uint8_t)((bits + 3) & 3);
        return bits;
}

/* Parse the long header at the start of p[0, len); false if it is not one. */
static bool parse_long(const uint8_t *p, size_t len, struct long_header *h)
{
        struct rd r = rd_init(p, len);
        uint8_t first = rd_u8(&r);
        h->version = rd_be32(&r);
        h->dcid_len = rd_u8(&r);
        rd_skip(&r, h->dcid_len);
        h->scid_len = rd_u8(&r);
        rd_skip(&r, h->scid_len);
        if (r.err || !(first & 0x80))
                return false;
        h->type = normalised_type(h->version, (first >> 4) & 3);
        h->total = len; /* version negotiation, Retry, unknown versions: the rest */
        if (h->version == 0 || h->type == LH_OTHER || h->type == LH_RETRY)
                return true;
        if (h->dcid_len > 20 || h->scid_len > 20)
                return false;
        if (h->type == LH_INITIAL)
                rd_skip(&r, varint(&r)); /* token */
        uint64_t length = varint(&r);
        if (r.err || length > rd_left(&r))
                return false;
        h->total = r.off + length;
        return true;
}

/* The servers, found by (address, port) through an open-addressing index:
 * a capture may hold thousands of QUIC servers and every datagram asks. */
struct aud_quic {
        struct servers sv;
        uint32_t *index; /* 1 + position in sv.v; 0 = empty */
        size_t index_cap;
};

static uint32_t ep_hash(const struct aud_endpoint *e)
{
        uint32_t h = 2166136261u;
        for (unsigned i = 0; i < e->len; i++)
                h = (h ^ e->addr[i]) * 16777619u;
        return (h ^ e->port) * 16777619u;
}

/* The index slot of ep: its server's, or the empty one where it would go. */
static size_t slot_of(const struct aud_quic *q, const struct aud_endpoint *ep)
{
        size_t i = ep_hash(ep) & (q->index_cap - 1);
        while (q->index[i] && aud_endpoint_cmp(&q->sv.v[q->index[i] - 1].ep, ep) != 0)
                i = (i + 1) & (q->index_cap - 1);
        return i;
}

static struct server *find_server(struct aud_quic *q, const struct aud_endpoint *ep)
{
        if (!q->index_cap)
                return NULL;
        uint32_t k = q->index[slot_of(q, ep)];
        return k ? &q->sv.v[k - 1] : NULL;
}

static int index_grow(struct aud_quic *q)
{
        size_t cap = q->index_cap ? q->index_cap * 2 : 64;
        uint32_t *fresh = calloc(cap, sizeof(*fresh));
        if (!fresh)
                return CST_ENOMEM;
        free(q->index);
        q->index = fresh;
        q->index_cap = cap;
        for (size_t k = 0; k < q->sv.n; k++)
                q->index[slot_of(q, &q->sv.v[k].ep)] = (uint32_t)k + 1;
        return 0;
}

static int add_server(struct aud_quic *q, const struct aud_endpoint *ep, uint8_t client_cid_len)
{
        struct servers *s = &q->sv;
        if (s->n >= UINT32_MAX - 1 ||
            !util_grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v), 16) ||
            (2 * (s->n + 1) > q->index_cap && index_grow(q)))
                return CST_ENOMEM;
        s->v[s->n++] = (struct server){*ep, 0, client_cid_len};
        q->index[slot_of(q, ep)] = (uint32_t)s->n;
        return 0;
}

int aud_quic_new(struct aud_ctx *c)
{
        c->quic = calloc(1, sizeof(*c->quic));
        if (!c->quic) {
                snprintf(c->err, CST_ERRBUF, "out of memory for the QUIC servers");
                return CST_ENOMEM;
        }
        return 0;
}

void aud_quic_free(struct aud_ctx *c)
{
        if (c->quic) {
                free(c->quic->sv.v);
                free(c->quic->index);
        }
        free(c->quic);
        c->quic = NULL;
}

/* Pass 1 for one datagram: learn a server or the CID lengths of its peers. */
int aud_quic_learn(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pkt)
{
        struct aud_quic *sv = c->quic;
        const uint8_t *pl = pkt + l->payload_off;
        struct long_header h;
        if (l->payload_len == 0 || !parse_long(pl, l->payload_len, &h) || h.version == 0)
                return 0;
        struct aud_endpoint src, dst;
        aud_endpoints(l, &src, &dst);
        struct server *from = find_server(sv, &src), *to = find_server(sv, &dst);
        if (from) {
                from->server_cid_len = h.scid_len;
        } else if (to) {
                to->client_cid_len = h.scid_len;
        } else if (h.type == LH_INITIAL && l->payload_len >= 1200) {
                if (quic_initial_prove(c->qi, pl, l->payload_len, NULL, NULL, 0) != QI_PROVEN) {
                        c->rep->quic_initials_unproven++; /* a look-alike proves nothing */
                        return 0;
                }
                c->rep->quic_initials_proven++;
                c->rep->quic_server_endpoints++;
                if (add_server(sv, &dst, h.scid_len)) {
                        snprintf(c->err, CST_ERRBUF, "out of memory learning QUIC servers");
                        return CST_ENOMEM;
                }
        }
        return 0;
}

/* Next position >= from where a short header with the same DCID starts: the
 * next segment of a UDP GSO super-frame (several datagrams captured as one,
 * the UDP length covering them all).  Only tried with a DCID of 4 bytes or
 * more, so a false match inside encrypted bytes is negligible. */
static size_t next_segment(const uint8_t *pl, size_t from, size_t len, const uint8_t *dcid,
                           size_t dlen)
{
        if (dlen < 4)
                return len;
        for (size_t q = from; q + 1 + dlen <= len; q++)
                if (!(pl[q] & 0x80) && pl[q + 1] == dcid[0] && memcmp(pl + q + 1, dcid, dlen) == 0)
                        return q;
        return len;
}

/* Short-header packets from pos to the end of the datagram. */
static void classify_short(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pl,
                           struct aud_pkt *p, size_t pos, size_t dlen)
{
        size_t len = l->payload_len;
        size_t need = c->opt->quic_short_keep >= 0 ? (size_t)c->opt->quic_short_keep : 1 + dlen;
        const uint8_t *dcid = pl + pos + 1;
        if (pos + 1 + dlen > len)
                dlen = 0;
        for (size_t start = pos; start < len;) {
                size_t next = next_segment(pl, start + 1 + dlen, len, dcid, dlen);
                size_t n = need < next - start ? need : next - start;
                aud_mark(c, p, l->payload_off + (uint32_t)start, (uint32_t)n,
                         CST_AC_QUIC_SHORT_FIRST);
                c->rep->quic_short_packets++;
                c->rep->quic_short_body_bytes += next - start - n;
                start = next;
        }
}

static void classify_quic(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pl,
                          struct aud_pkt *p, const struct server *s, bool to_server)
{
        size_t pos = 0, len = l->payload_len;
        struct long_header h;
        while (pos < len && (pl[pos] & 0x80)) {
                if (!parse_long(pl + pos, len - pos, &h))
                        h.total = len - pos; /* unparsable: keep the rest */
                aud_mark(c, p, l->payload_off + (uint32_t)pos, (uint32_t)h.total, CST_AC_QUIC_LONG);
                c->rep->quic_long_packets++;
                pos += h.total;
        }
        if (pos < len)
                classify_short(c, l, pl, p, pos, to_server ? s->server_cid_len : s->client_cid_len);
}

void aud_quic_classify(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pkt,
                       struct aud_pkt *p)
{
        struct aud_quic *sv = c->quic;
        struct aud_endpoint src, dst;
        aud_endpoints(l, &src, &dst);
        const struct server *to = find_server(sv, &dst), *from = find_server(sv, &src);
        if (to || from)
                classify_quic(c, l, pkt + l->payload_off, p, to ? to : from, to != NULL);
        else
                aud_mark(c, p, l->payload_off, l->payload_len, CST_AC_OTHER_UDP);
}
