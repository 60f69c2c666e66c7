/*
 * quic — SPEC 2.8 exactly: the long-header walk, CID learning from Initials
 * and the short-header cut (RFC 9000 §17.2, §17.3, §16 variable-length
 * integers).
 *
 * Quirks kept for byte identity (SPEC 6 item 7): the fixed bit of a long
 * header is not checked, every non-zero version is read with the QUIC v1
 * type codes, Version Negotiation (version 0) fails the parse and counts as
 * uncertain, only Initials teach CIDs, and only non-empty SCIDs are stored.
 */
#include "policy/quic.h"

#include <string.h>

#include <constrictor/engine.h>

#include "util/rd.h"

bool quic_version_known(uint32_t v)
{
        if (v == 0 || v == 0x00000001u || v == 0x6b3343cfu || v == 0x709a50c4u)
                return true;
        if ((v >> 8) == 0xff0000u || (v >> 8) == 0xfaceb0u) /* IETF drafts, mvfst */
                return true;
        if ((v & 0x0f0f0f0fu) == 0x0a0a0a0au) /* RFC 9000 §15 reserved (grease) */
                return true;
        uint32_t hi = v >> 16; /* gQUIC "Q0nn" / "T0nn" */
        return hi == 0x5130u || hi == 0x5430u;
}

/* Parse the long header at s (SPEC 2.8 "long-header parse"). */
bool quic_parse_long(const uint8_t *pl, uint32_t len, uint32_t s, bool map_v2,
                     struct quic_long_hdr *h)
{
        static const uint8_t v2_types[4] = {QUIC_LH_RETRY, QUIC_LH_INITIAL, QUIC_LH_0RTT,
                                            QUIC_LH_HANDSHAKE};
        struct rd r = rd_init(pl, len);
        rd_skip(&r, s);
        if (!rd_has(&r, 7))
                return false;
        uint8_t b = rd_u8(&r);
        h->type = (b >> 4) & 3u;
        h->version = rd_be32(&r);
        if (h->version == 0)
                return false;
        if (map_v2 && h->version == 0x6b3343cfu)
                h->type = v2_types[h->type];
        h->dcid_len = rd_u8(&r);
        if (h->dcid_len > QUIC_CID_MAX)
                return false;
        rd_skip(&r, h->dcid_len);
        h->scid_len = rd_u8(&r);
        if (h->scid_len > QUIC_CID_MAX)
                return false;
        h->scid = rd_ptr(&r, h->scid_len);
        if (r.err)
                return false;
        if (h->type == QUIC_LH_RETRY) {
                h->total = len - s;
                return true;
        }
        if (h->type == QUIC_LH_INITIAL) {
                uint64_t tok = rd_quic_varint(&r);
                if (r.err || tok > rd_left(&r))
                        return false;
                rd_skip(&r, (size_t)tok);
        }
        uint64_t plen = rd_quic_varint(&r);
        if (r.err || plen > rd_left(&r))
                return false;
        h->total = (uint32_t)(r.off + plen - s);
        return true;
}

/* Byte `at` of the payload (the caller has checked at < len). */
static inline uint8_t byte_at(const uint8_t *pl, uint32_t len, uint32_t at)
{
        struct rd r = rd_init(pl, len);
        return rd_peek_u8(&r, at);
}

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

uint32_t quic_gso_last(const uint8_t *pl, uint32_t len, uint32_t pos, uint32_t dlen, uint32_t seg)
{
        if (seg == 0 || len <= seg)
                return pos;
        if (pos >= seg || (uint64_t)pos + 1 + dlen > seg)
                return UINT32_MAX; /* the matched header is not in the first datagram */
        uint32_t k = seg;
        for (; k < len; k += seg) {
                struct rd r = rd_init(pl, len);
                rd_skip(&r, k);
                uint8_t first = rd_u8(&r);
                const uint8_t *dcid = rd_ptr(&r, dlen);
                if (r.err || (first & 0xC0u) != 0x40u ||
                    (dlen && memcmp(dcid, pl + pos + 1, dlen) != 0))
                        return UINT32_MAX;
                if (len - k <= seg)
                        break;
        }
        return k;
}

/* The short header at pos of a known connection: match and cut. */
static void short_header(const struct quic_params *p, const struct quic_conn *c, unsigned dir,
                         const struct decoded *d, const uint8_t *pl, uint32_t pos, uint32_t caplen,
                         uint32_t gso, struct cst_stats *st, struct quic_out *out)
{
        uint32_t len = d->payload_len;
        bool from_client = dir == c->client_dir;
        uint8_t elen = from_client ? c->server_scid_len : c->client_scid_len;
        const uint8_t *exp = from_client ? c->server_scid : c->client_scid;
        uint32_t dlen = 0;
        if (elen == 0) {
                if (!p->allow_unknown_dcid) {
                        st->quic_kept_uncertain++;
                        out->reason = CST_R_KEEP_QUIC_UNCERTAIN;
                        return;
                }
        } else {
                dlen = elen;
                if (p->require_dcid_match) {
                        struct rd r = rd_init(pl, len);
                        rd_skip(&r, pos + 1);
                        const uint8_t *dcid = rd_ptr(&r, dlen);
                        if (!dcid) {
                                st->quic_kept_uncertain++;
                                out->reason = CST_R_KEEP_QUIC_UNCERTAIN;
                                return;
                        }
                        if (memcmp(dcid, exp, dlen) != 0) {
                                st->quic_kept_dcid_mismatch++;
                                out->reason = CST_R_KEEP_QUIC_DCID_MISMATCH;
                                return;
                        }
                }
        }
        uint32_t keep = p->short_keep > 1 + dlen ? p->short_keep : 1 + dlen;
        pos = quic_gso_last(pl, len, pos, dlen, gso);
        if (pos == UINT32_MAX) {
                st->quic_kept_uncertain++;
                out->reason = CST_R_KEEP_QUIC_UNCERTAIN;
                return;
        }
        uint64_t cut = (uint64_t)d->payload_off + pos + (len - pos < keep ? len - pos : keep);
        if (cut >= caplen || caplen - cut < p->min_saved) {
                out->reason = CST_R_KEEP_MIN_SAVINGS; /* QUIC has no min-savings counter */
                return;
        }
        out->keep_len = (uint32_t)cut;
        out->reason = CST_R_TRUNCATE_QUIC_SHORT_HEADER;
        st->quic_truncated++;
        st->quic_bytes_saved += caplen - cut;
}

void quic_process(const struct quic_params *p, const struct quic_flow_ref *fr,
                  const struct decoded *d, const uint8_t *pl, uint32_t caplen, struct cst_stats *st,
                  struct quic_out *out)
{
        uint32_t len = d->payload_len, pos = 0;
        bool saw_long = false, counted = true;
        out->keep_len = caplen;
        out->reason = CST_R_KEEP_NOT_ANALYSED;
        if (p->strict && len >= 5 && (byte_at(pl, len, 0) & 0x80u)) {
                struct rd r = rd_init(pl, len);
                rd_skip(&r, 1);
                counted = quic_version_known(rd_be32(&r));
        }
        while (pos < len && (byte_at(pl, len, pos) & 0x80u)) {
                struct quic_long_hdr h;
                if (!quic_parse_long(pl, len, pos, false, &h)) {
                        if (counted) {
                                st->quic_kept_uncertain++;
                                out->reason = CST_R_KEEP_QUIC_UNCERTAIN;
                        }
                        return;
                }
                saw_long = true;
                if (h.type == QUIC_LH_INITIAL && counted)
                        learn_initial(fr, &h);
                pos += h.total;
        }
        if (pos == len) {
                if (saw_long)
                        out->reason = CST_R_KEEP_QUIC_LONG_HEADER;
                return;
        }
        uint8_t b = byte_at(pl, len, pos);
        if ((b & 0x80u) || !(b & 0x40u)) {
                if (saw_long && counted) {
                        st->quic_kept_uncertain++;
                        out->reason = CST_R_KEEP_QUIC_UNCERTAIN;
                }
                return;
        }
        struct flow *f = flow_of(fr);
        if (!f) {
                out->reason = CST_R_KEEP_QUIC_UNKNOWN_FLOW;
                return;
        }
        short_header(p, &f->u.quic, fr->dir, d, pl, pos, caplen, fr->gso_size, st, out);
}
