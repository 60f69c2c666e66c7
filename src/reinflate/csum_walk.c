/*
 * csum_walk — locate the checksum fields of one frame for reinflate's
 * "checksum_policy = recompute" (SPEC 2.9), or name why they are skipped.
 *
 * The offline tool decodes the frame (SPEC 2.6) and, when that fails,
 * re-walks the headers to pick a reason.  Both steps are folded here into
 * one walk whose checks run in the offline tool's order:
 *   link/VLAN/IP header truncated        -> incomplete
 *   IP version wrong, non-IP, IPv6 AH    -> decode_failed
 *   IPv4 IHL < 20                        -> malformed
 *   IPv4 total length 0                  -> ipv4_total_length_zero
 *   IPv4 total length < IHL              -> length_mismatch
 *   IP datagram not fully captured       -> incomplete
 *   IPv4 fragment, any IPv6 Fragment hdr -> fragment
 *   protocol not TCP/UDP                 -> not_tcp_udp
 *   TCP/UDP header inconsistent          -> malformed
 *   UDP length != transport length       -> length_mismatch
 * Link layers: Ethernet (RFC 894) with 802.1Q/802.1ad/0x9100 stacks; Linux
 * SLL and SLL2, raw IPv4/IPv6 and BSD null are constrictor additions.
 * IPv4: RFC 791 §3.1; IPv6: RFC 8200 §3-4; TCP: RFC 9293 §3.1; UDP: RFC 768.
 */
#include "reinflate/csum_walk.h"

#include <constrictor/packet.h>
#include "util/rd.h"

#define ETHERTYPE_IPV4     0x0800u
#define ETHERTYPE_IPV6     0x86DDu
#define ETHERTYPE_8021Q    0x8100u
#define ETHERTYPE_8021AD   0x88A8u
#define ETHERTYPE_QINQ_OLD 0x9100u

#define IPPROTO_HOPOPTS_ 0u
#define IPPROTO_TCP_     6u
#define IPPROTO_UDP_     17u
#define IPPROTO_ROUTING_ 43u
#define IPPROTO_FRAG_    44u
#define IPPROTO_AH_      51u
#define IPPROTO_DSTOPTS_ 60u

#define SLL_HDR_LEN  16u
#define SLL2_HDR_LEN 20u

const char *csum_skip_name(unsigned skip)
{
        static const char *const names[] = {
            [CSUM_OK] = "ok",
            [CSUM_SKIP_UNSUPPORTED_LINK] = "unsupported_link_type",
            [CSUM_SKIP_DECODE_FAILED] = "decode_failed",
            [CSUM_SKIP_MALFORMED] = "malformed",
            [CSUM_SKIP_FRAGMENT] = "fragment",
            [CSUM_SKIP_NOT_TCP_UDP] = "not_tcp_udp",
            [CSUM_SKIP_INCOMPLETE] = "incomplete",
            [CSUM_SKIP_LENGTH_MISMATCH] = "length_mismatch",
            [CSUM_SKIP_IPV4_TOTAL_LENGTH_ZERO] = "ipv4_total_length_zero",
        };
        return skip < sizeof(names) / sizeof(names[0]) ? names[skip] : "unknown";
}

static bool is_vlan_tpid(uint16_t type)
{
        return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ_OLD;
}

/* Skip any stack of VLAN tags; r stands on the EtherType after the tag. */
static uint16_t skip_vlan_tags(struct rd *r, uint16_t type)
{
        while (!r->err && is_vlan_tpid(type)) {
                rd_skip(r, 2); /* TCI */
                type = rd_be16(r);
        }
        return type;
}

/* BSD null/loopback: a 4-byte address family in the capturing host's order. */
static uint16_t null_family_to_ethertype(uint32_t family_le)
{
        uint32_t fam = family_le;
        if (fam > 0xFFFFu)
                fam = (fam >> 24) | ((fam >> 8) & 0xFF00u);
        switch (fam) {
        case 2: /* AF_INET everywhere */
                return ETHERTYPE_IPV4;
        case 10: /* AF_INET6: Linux */
        case 24: /* OpenBSD, NetBSD */
        case 28: /* FreeBSD */
        case 30: /* Darwin */
                return ETHERTYPE_IPV6;
        default:
                return 0;
        }
}

static uint16_t raw_version_to_ethertype(struct rd *r)
{
        uint8_t version = (uint8_t)(rd_peek_u8(r, r->off) >> 4);
        if (version == 4)
                return ETHERTYPE_IPV4;
        if (version == 6)
                return ETHERTYPE_IPV6;
        return 0;
}

/*
 * Walk the link layer.  On return r stands on the network header and the
 * result is its EtherType, 0 for a non-IP payload; r->err set = truncated.
 * Returns CSUM_SKIP_UNSUPPORTED_LINK through *skip for other link types.
 */
static uint16_t walk_link(uint32_t linktype, struct rd *r, uint8_t *skip)
{
        uint16_t type;
        switch (linktype) {
        case CST_LINK_ETHERNET:
                rd_skip(r, 12);
                return skip_vlan_tags(r, rd_be16(r));
        case CST_LINK_LINUX_SLL:
                rd_skip(r, SLL_HDR_LEN - 2);
                return skip_vlan_tags(r, rd_be16(r));
        case CST_LINK_LINUX_SLL2:
                type = rd_be16(r);
                rd_skip(r, SLL2_HDR_LEN - 2);
                return skip_vlan_tags(r, type);
        case CST_LINK_RAW:
                return raw_version_to_ethertype(r);
        case CST_LINK_IPV4:
                return ETHERTYPE_IPV4;
        case CST_LINK_IPV6:
                return ETHERTYPE_IPV6;
        case CST_LINK_NULL:
                return null_family_to_ethertype(rd_le32(r));
        default:
                *skip = CSUM_SKIP_UNSUPPORTED_LINK;
                return 0;
        }
}

/* TCP or UDP header; r covers exactly the transport region [l4_off, +l4_len). */
static void walk_transport(struct rd r, struct csum_plan *pl)
{
        if (pl->proto == IPPROTO_TCP_) {
                rd_skip(&r, 12);
                uint32_t doff = (uint32_t)(rd_u8(&r) >> 4) * 4u;
                rd_skip(&r, 7);
                if (r.err || doff < 20 || doff > pl->l4_len)
                        pl->skip = CSUM_SKIP_MALFORMED;
                return;
        }
        rd_skip(&r, 4);
        uint16_t udp_len = rd_be16(&r);
        rd_skip(&r, 2);
        if (r.err || udp_len < 8)
                pl->skip = CSUM_SKIP_MALFORMED;
        else if (udp_len != pl->l4_len)
                pl->skip = CSUM_SKIP_LENGTH_MISMATCH;
}

/* RFC 791 §3.1; r stands on the IPv4 header, frame length len. */
static void walk_ipv4(const uint8_t *p, struct rd *r, uint32_t len, struct csum_plan *pl)
{
        uint32_t l3 = (uint32_t)r->off;
        if (!rd_has(r, 20)) {
                pl->skip = CSUM_SKIP_INCOMPLETE;
                return;
        }
        uint8_t vihl = rd_u8(r);
        uint32_t ihl = (vihl & 0x0Fu) * 4u;
        rd_skip(r, 1);
        uint32_t total = rd_be16(r);
        rd_skip(r, 2);
        uint16_t frag = rd_be16(r);
        rd_skip(r, 1);
        uint8_t proto = rd_u8(r);

        if (vihl >> 4 != 4)
                pl->skip = CSUM_SKIP_DECODE_FAILED;
        else if (ihl < 20)
                pl->skip = CSUM_SKIP_MALFORMED;
        else if (ihl > len - l3)
                pl->skip = CSUM_SKIP_INCOMPLETE;
        else if (total == 0)
                pl->skip = CSUM_SKIP_IPV4_TOTAL_LENGTH_ZERO;
        else if (total < ihl)
                pl->skip = CSUM_SKIP_LENGTH_MISMATCH;
        else if (total > len - l3)
                pl->skip = CSUM_SKIP_INCOMPLETE;
        else if (frag & 0x3FFFu) /* MF flag or a fragment offset */
                pl->skip = CSUM_SKIP_FRAGMENT;
        else if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_)
                pl->skip = CSUM_SKIP_NOT_TCP_UDP;
        if (pl->skip != CSUM_OK)
                return;
        pl->ip_version = 4;
        pl->proto = proto;
        pl->l3_off = l3;
        pl->ihl = ihl;
        pl->l4_off = l3 + ihl;
        pl->l4_len = total - ihl;
        struct rd frame = rd_init(p, len);
        rd_skip(&frame, pl->l4_off);
        walk_transport(rd_sub(&frame, pl->l4_len), pl);
}

/*
 * RFC 8200 §4: walk extension headers inside the payload [r->off, end).
 * Returns the upper-layer protocol with r on its header, or sets pl->skip.
 */
static uint8_t walk_ipv6_chain(struct rd *r, uint8_t nh, struct csum_plan *pl)
{
        for (;;) {
                switch (nh) {
                case IPPROTO_TCP_:
                case IPPROTO_UDP_:
                        return nh;
                case IPPROTO_FRAG_:
                        pl->skip = CSUM_SKIP_FRAGMENT; /* even an atomic fragment */
                        return 0;
                case IPPROTO_AH_:
                        pl->skip = CSUM_SKIP_DECODE_FAILED;
                        return 0;
                case IPPROTO_HOPOPTS_:
                case IPPROTO_ROUTING_:
                case IPPROTO_DSTOPTS_:
                        break;
                default:
                        pl->skip = CSUM_SKIP_NOT_TCP_UDP;
                        return 0;
                }
                uint8_t next = rd_u8(r);
                size_t ext_len = ((size_t)rd_u8(r) + 1u) * 8u;
                rd_skip(r, ext_len - 2);
                if (r->err) {
                        pl->skip = CSUM_SKIP_MALFORMED;
                        return 0;
                }
                nh = next;
        }
}

static void walk_ipv6(struct rd *r, uint32_t len, struct csum_plan *pl)
{
        uint32_t l3 = (uint32_t)r->off;
        if (!rd_has(r, 40)) {
                pl->skip = CSUM_SKIP_INCOMPLETE;
                return;
        }
        uint8_t version = (uint8_t)(rd_u8(r) >> 4);
        rd_skip(r, 3);
        uint32_t payload_len = rd_be16(r);
        uint8_t nh = rd_u8(r);
        rd_skip(r, 33);
        if (version != 6) {
                pl->skip = CSUM_SKIP_DECODE_FAILED;
                return;
        }
        if (payload_len > len - l3 - 40) {
                pl->skip = CSUM_SKIP_INCOMPLETE;
                return;
        }
        struct rd payload = rd_sub(r, payload_len);
        uint8_t proto = walk_ipv6_chain(&payload, nh, pl);
        if (pl->skip != CSUM_OK)
                return;
        pl->ip_version = 6;
        pl->proto = proto;
        pl->l3_off = l3;
        pl->ihl = 0;
        pl->l4_off = l3 + 40 + (uint32_t)payload.off;
        pl->l4_len = payload_len - (uint32_t)payload.off;
        walk_transport(rd_sub(&payload, pl->l4_len), pl);
}

void csum_walk(uint32_t linktype, const uint8_t *p, uint32_t len, struct csum_plan *pl)
{
        struct csum_plan zero = {0};
        *pl = zero;
        struct rd r = rd_init(p, len);
        uint8_t skip = CSUM_OK;
        uint16_t type = walk_link(linktype, &r, &skip);
        if (skip != CSUM_OK)
                pl->skip = skip;
        else if (r.err)
                pl->skip = CSUM_SKIP_INCOMPLETE;
        else if (type == ETHERTYPE_IPV4)
                walk_ipv4(p, &r, len, pl);
        else if (type == ETHERTYPE_IPV6)
                walk_ipv6(&r, len, pl);
        else
                pl->skip = CSUM_SKIP_DECODE_FAILED;
}
