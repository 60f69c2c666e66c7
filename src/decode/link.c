/*
 * link — link-layer headers: find where the network layer starts.
 *
 * Ethernet II (DLT_EN10MB 1) with IEEE 802.1Q / 802.1ad / 0x9100 VLAN
 * stacks exactly as SPEC 2.6; constrictor additions: Linux cooked capture
 * v1 (DLT_LINUX_SLL 113, 16-byte header, protocol at offset 14) and v2
 * (DLT_LINUX_SLL2 276, 20 bytes, protocol at offset 0), raw IP (101: the
 * version nibble decides; 228 IPv4; 229 IPv6) and BSD loopback/null (0:
 * a 4-byte address family in the capturing host's byte order).
 */
#include "decode/decode_int.h"

#define LINKTYPE_NULL      0
#define LINKTYPE_ETHERNET  1
#define LINKTYPE_RAW       101
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4      228
#define LINKTYPE_IPV6      229
#define LINKTYPE_SLL2      276

/* BSD AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD),
 * 28 (FreeBSD) or 30 (macOS). */
#define BSD_AF_INET 2

static inline bool is_vlan_type(uint16_t t)
{
        return t == 0x8100 || t == 0x88A8 || t == 0x9100;
}

/* Walk a VLAN stack: each tag is TCI(2) + inner type(2).  `r` is just
 * after the outer type field; on return *type is the first non-VLAN type. */
static bool vlan_walk(struct rd *r, uint16_t *type, struct decoded *d)
{
        while (is_vlan_type(*type)) {
                struct rd tag = rd_sub(r, 4); /* TCI, then the inner type */
                rd_skip(&tag, 2);
                uint16_t inner = rd_be16(&tag);
                if (tag.err || d->vlan_depth == DEC_VLAN_MAX)
                        return false;
                *type = inner;
                d->vlan_depth++;
        }
        return true;
}

/* Shared tail of the EtherType-carrying links: the type was read from a
 * header of `hdr_len` bytes; VLAN tags may follow. */
static bool link_ethertype(struct rd *r, size_t hdr_len, size_t type_at, uint16_t *type,
                           struct decoded *d)
{
        struct rd h = rd_sub(r, hdr_len);
        *type = rd_peek_be16(&h, type_at);
        if (h.err)
                goto malformed;
        if (!vlan_walk(r, type, d))
                goto malformed;
        return true;
malformed:
        dec_set(d, DEC_MALFORMED);
        return false;
}

static bool link_null(struct rd *r, uint16_t *type, struct decoded *d)
{
        uint32_t fam = rd_le32(r);
        if (r->err) {
                dec_set(d, DEC_MALFORMED);
                return false;
        }
        /* Written in the capturing host's order: accept either. */
        uint32_t swapped = __builtin_bswap32(fam);
        if (fam == BSD_AF_INET || swapped == BSD_AF_INET) {
                *type = ETHERTYPE_IPV4;
                return true;
        }
        if (fam > 0xFFFF)
                fam = swapped;
        if (fam == 24 || fam == 28 || fam == 30) {
                *type = ETHERTYPE_IPV6;
                return true;
        }
        dec_set(d, DEC_NOT_DECODED);
        return false;
}

/* Raw IP: the version nibble of the first byte names the protocol. */
static bool link_raw(struct rd *r, uint16_t *type, struct decoded *d)
{
        uint8_t v = rd_peek_u8(r, 0) >> 4;
        if (v == 4) {
                *type = ETHERTYPE_IPV4;
                return true;
        }
        if (v == 6) {
                *type = ETHERTYPE_IPV6;
                return true;
        }
        dec_set(d, DEC_MALFORMED);
        return false;
}

bool dec_link(uint32_t linktype, struct rd *r, uint16_t *type, struct decoded *d)
{
        switch (linktype) {
        case LINKTYPE_ETHERNET:
                return link_ethertype(r, 14, 12, type, d);
        case LINKTYPE_LINUX_SLL:
                return link_ethertype(r, 16, 14, type, d);
        case LINKTYPE_SLL2:
                return link_ethertype(r, 20, 0, type, d);
        case LINKTYPE_RAW:
                return link_raw(r, type, d);
        case LINKTYPE_IPV4:
                *type = ETHERTYPE_IPV4;
                return true;
        case LINKTYPE_IPV6:
                *type = ETHERTYPE_IPV6;
                return true;
        case LINKTYPE_NULL:
                return link_null(r, type, d);
        default:
                dec_set(d, DEC_UNSUPPORTED_LINK);
                return false;
        }
}
