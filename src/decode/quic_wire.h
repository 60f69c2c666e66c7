/*
 * quic_wire — QUIC header fields as they are on the wire: variable-length
 * integers (RFC 9000 §16), the long header (RFC 9000 §17.2, RFC 8999 §5.1)
 * and the version numbers constrictor recognises.  Parsers only: no state,
 * every byte read through struct rd.
 */
#ifndef CST_DECODE_QUIC_WIRE_H
#define CST_DECODE_QUIC_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/wire.h"
#include "util/rd.h"

#define QUIC_CID_MAX 20 /* RFC 9000 §17.2: connection IDs of at most 20 bytes */

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu /* RFC 9369 */

/* RFC 9000 §16: 2-bit length prefix, 1/2/4/8 bytes; sets r->err when cut. */
static inline uint64_t quic_wire_varint(struct rd *r)
{
        uint8_t b = rd_u8(r);
        uint64_t v = b & 0x3fu;
        for (unsigned i = 1; i < (1u << (b >> 6)); i++)
                v = v << 8 | rd_u8(r);
        return v;
}

/* Long-header packet types in QUIC v1 numbering (RFC 9000 §17.2). */
enum quic_lh_type {
        QUIC_LH_INITIAL = 0,
        QUIC_LH_0RTT = 1,
        QUIC_LH_HANDSHAKE = 2,
        QUIC_LH_RETRY = 3
};

struct quic_long_hdr {
        uint8_t type; /* enum quic_lh_type */
        uint32_t version;
        uint8_t dcid_len, scid_len;
        const uint8_t *dcid, *scid;
        uint32_t total; /* bytes of this packet from its first byte */
};

/*
 * Parse the long header at offset s of a datagram payload (SPEC 2.8): first
 * byte, version, DCID, SCID, then (Initial) the token and (all but Retry) the
 * Length field, which must fit in the datagram; a Retry runs to the end.
 * With map_v2, QUIC v2's type bits (RFC 9369 §3.2) are mapped to v1
 * numbering; without it every version is read with v1 codes, as the old
 * tool does.  Version 0 (Version Negotiation) and CIDs longer than 20 bytes
 * are WIRE_INVALID; fields or a Length past the end are WIRE_TRUNCATED.
 */
enum wire_status quic_wire_long(const struct rd *pl, uint32_t s, bool map_v2,
                                struct quic_long_hdr *h);

/* Versions recognised by the strict mode (v1, v2, drafts, grease, mvfst, gQUIC). */
bool quic_version_known(uint32_t version);

#endif
