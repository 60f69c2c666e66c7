/*
 * quic_wire — the QUIC long header (RFC 9000 §17.2) and version numbers.
 *
 * Quirks kept for byte identity of the compatible analyser (SPEC 6 item 7):
 * the fixed bit of a long header is not checked, and without map_v2 every
 * non-zero version is read with the QUIC v1 type codes.
 */
#include "decode/quic_wire.h"

bool quic_version_known(uint32_t v)
{
        if (v == 0 || v == QUIC_V1 || v == QUIC_V2 || v == 0x709a50c4u)
                return true;
        if ((v >> 8) == 0xff0000u || (v >> 8) == 0xfaceb0u) /* IETF drafts, mvfst */
                return true;
        if ((v & 0x0f0f0f0fu) == 0x0a0a0a0au) /* RFC 9000 §15 reserved (grease) */
                return true;
        uint32_t hi = v >> 16; /* gQUIC "Q0nn" / "T0nn" */
        return hi == 0x5130u || hi == 0x5430u;
}

/* Token (Initial only) and Length: the packet's extent from its first byte. */
static enum wire_status long_extent(struct rd *r, uint32_t s, struct quic_long_hdr *h)
{
        if (h->type == QUIC_LH_RETRY) {
                h->total = (uint32_t)(r->len - s);
                return WIRE_OK;
        }
        if (h->type == QUIC_LH_INITIAL) {
                uint64_t tok = quic_wire_varint(r);
                if (r->err || tok > rd_left(r))
                        return WIRE_TRUNCATED;
                rd_skip(r, (size_t)tok);
        }
        uint64_t plen = quic_wire_varint(r);
        if (r->err || plen > rd_left(r))
                return WIRE_TRUNCATED;
        h->total = (uint32_t)(r->off + plen - s);
        return WIRE_OK;
}

enum wire_status quic_wire_long(const struct rd *pl, uint32_t s, bool map_v2,
                                struct quic_long_hdr *h)
{
        static const uint8_t v2_types[4] = {QUIC_LH_RETRY, QUIC_LH_INITIAL, QUIC_LH_0RTT,
                                            QUIC_LH_HANDSHAKE};
        struct rd r = rd_init(pl->p, pl->len);
        rd_skip(&r, s);
        if (!rd_has(&r, 7))
                return WIRE_TRUNCATED;
        uint8_t b = rd_u8(&r);
        h->type = (b >> 4) & 3u;
        h->version = rd_be32(&r);
        if (h->version == 0)
                return WIRE_INVALID;
        if (map_v2 && h->version == QUIC_V2)
                h->type = v2_types[h->type];
        h->dcid_len = rd_u8(&r);
        if (h->dcid_len > QUIC_CID_MAX)
                return WIRE_INVALID;
        h->dcid = rd_ptr(&r, h->dcid_len);
        h->scid_len = rd_u8(&r);
        if (h->scid_len > QUIC_CID_MAX)
                return WIRE_INVALID;
        h->scid = rd_ptr(&r, h->scid_len);
        if (r.err)
                return WIRE_TRUNCATED;
        return long_extent(&r, s, h);
}
