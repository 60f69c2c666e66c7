/*
 * audit_layers — the audit's own layer walk: link (Ethernet with any VLAN
 * stack, Linux SLL/SLL2, raw IP, BSD null), IPv4 (RFC 791), IPv6 with its
 * extension headers (RFC 8200 §4), TCP (RFC 9293 §3.1) and UDP (RFC 768).
 *
 * It is deliberately separate from src/decode so that the audit does not
 * share a bug with the engine it judges.  Anything it cannot walk to a TCP or
 * UDP payload is AUD_WHOLE: every byte of such a packet is needed.
 */
#include <string.h>

#include "audit/audit_int.h"
#include "util/rd.h"

#define ETH_IPV4 0x0800u
#define ETH_IPV6 0x86DDu

static bool is_vlan(uint16_t t)
{
        return t == 0x8100u || t == 0x88A8u || t == 0x9100u;
}

/* Network-layer offset and EtherType, or false. */
static bool link_layer(uint32_t linktype, const uint8_t *p, uint32_t caplen, uint32_t *off,
                       uint16_t *proto)
{
        struct rd r = rd_init(p, caplen);
        switch (linktype) {
        case CST_LINK_ETHERNET: {
                rd_skip(&r, 12);
                uint16_t t = rd_be16(&r);
                for (int depth = 0; is_vlan(t) && depth < 8; depth++) {
                        rd_skip(&r, 2);
                        t = rd_be16(&r);
                }
                *proto = t;
                break;
        }
        case CST_LINK_LINUX_SLL:
                rd_skip(&r, 14);
                *proto = rd_be16(&r);
                break;
        case CST_LINK_LINUX_SLL2:
                *proto = rd_be16(&r);
                rd_skip(&r, 18);
                break;
        case CST_LINK_NULL: {
                uint32_t fam = rd_le32(&r);
                if (fam > 0xFFFFu) /* written in big-endian by the capturing host */
                        fam = __builtin_bswap32(fam);
                *proto = fam == 2 ? ETH_IPV4 : (fam == 24 || fam == 28 || fam == 30) ? ETH_IPV6 : 0;
                break;
        }
        case CST_LINK_RAW:
        case CST_LINK_IPV4:
        case CST_LINK_IPV6: {
                uint8_t v = rd_peek_u8(&r, 0) >> 4;
                *proto = v == 4 ? ETH_IPV4 : v == 6 ? ETH_IPV6 : 0;
                break;
        }
        default:
                return false;
        }
        if (r.err)
                return false;
        *off = (uint32_t)r.off;
        return true;
}

/* IPv4: transport offset/protocol; false for fragments and malformed headers. */
static bool ipv4(const uint8_t *p, uint32_t caplen, uint32_t off, struct aud_layers *l,
                 uint32_t *l4, uint8_t *proto)
{
        struct rd r = rd_init(p + off, caplen - off);
        uint8_t vihl = rd_u8(&r);
        rd_skip(&r, 1);
        uint16_t total = rd_be16(&r);
        rd_skip(&r, 2);
        uint16_t frag = rd_be16(&r);
        rd_skip(&r, 1);
        *proto = rd_u8(&r);
        rd_skip(&r, 2);
        const uint8_t *src = rd_ptr(&r, 4), *dst = rd_ptr(&r, 4);
        uint32_t ihl = (vihl & 0x0Fu) * 4u;
        if (r.err || vihl >> 4 != 4 || ihl < 20 || ihl > caplen - off)
                return false;
        if (frag & 0x3FFFu) /* MF or a fragment offset */
                return false;
        if (total != 0 && total < ihl)
                return false;
        /* total length 0: segmentation offload super-frame, to the end */
        l->ip_end = total == 0 || total > caplen - off ? caplen : off + total;
        memcpy(l->src, src, 4);
        memcpy(l->dst, dst, 4);
        l->addr_len = 4;
        *l4 = off + ihl;
        return true;
}

static bool ipv6(const uint8_t *p, uint32_t caplen, uint32_t off, struct aud_layers *l,
                 uint32_t *l4, uint8_t *proto)
{
        struct rd r = rd_init(p + off, caplen - off);
        uint8_t v = rd_u8(&r) >> 4;
        rd_skip(&r, 3);
        uint16_t plen = rd_be16(&r);
        uint8_t nh = rd_u8(&r);
        rd_skip(&r, 1);
        const uint8_t *src = rd_ptr(&r, 16), *dst = rd_ptr(&r, 16);
        if (r.err || v != 6)
                return false;
        uint32_t end = plen == 0 || plen > caplen - off - 40 ? caplen : off + 40 + plen;
        struct rd x = rd_init(p, end);
        x.off = off + 40;
        for (int hops = 0; hops < 16; hops++) {
                if (nh == 0 || nh == 43 || nh == 60) {
                        size_t at = x.off;
                        uint8_t next = rd_u8(&x);
                        uint8_t hlen = rd_u8(&x);
                        x.off = at;
                        rd_skip(&x, ((size_t)hlen + 1) * 8);
                        nh = next;
                } else if (nh == 44) {
                        size_t at = x.off;
                        uint8_t next = rd_u8(&x);
                        rd_skip(&x, 1);
                        uint16_t fo = rd_be16(&x);
                        x.off = at;
                        rd_skip(&x, 8);
                        if (fo & 0xFFF9u) /* offset or M flag: a real fragment */
                                return false;
                        nh = next;
                } else {
                        break;
                }
                if (x.err)
                        return false;
        }
        l->ip_end = end;
        memcpy(l->src, src, 16);
        memcpy(l->dst, dst, 16);
        l->addr_len = 16;
        *l4 = (uint32_t)x.off;
        *proto = nh;
        return true;
}

static bool transport(const uint8_t *p, uint32_t l4, uint8_t proto, struct aud_layers *l)
{
        struct rd r = rd_init(p, l->ip_end);
        r.off = l4;
        if (l4 > l->ip_end)
                return false;
        l->sport = rd_be16(&r);
        l->dport = rd_be16(&r);
        if (proto == 6) {
                l->seq = rd_be32(&r);
                rd_skip(&r, 4);
                uint8_t doff = rd_u8(&r) >> 4;
                l->tcp_flags = rd_u8(&r);
                uint32_t hlen = doff * 4u;
                if (r.err || hlen < 20 || hlen > l->ip_end - l4)
                        return false;
                l->payload_off = l4 + hlen;
                l->payload_len = l->ip_end - l->payload_off;
                l->kind = AUD_TCP;
                return true;
        }
        uint16_t ulen = rd_be16(&r);
        if (r.err || ulen < 8)
                return false;
        l->payload_off = l4 + 8;
        /* udp length 0 (GSO super-frame) or beyond the capture: to the IP end */
        uint32_t end = ulen > l->ip_end - l4 ? l->ip_end : l4 + ulen;
        l->payload_len = end - l->payload_off;
        l->kind = AUD_UDP;
        return true;
}

void aud_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen, uint32_t origlen,
                struct aud_layers *l)
{
        memset(l, 0, sizeof(*l));
        l->kind = AUD_WHOLE;
        uint32_t off = 0, l4 = 0;
        uint16_t eth = 0;
        uint8_t proto = 0;
        l->truncated = caplen < origlen; /* passed through whole, still feeds the state */
        if (!link_layer(linktype, p, caplen, &off, &eth) || off > caplen)
                return;
        bool ok = false;
        if (eth == ETH_IPV4)
                ok = ipv4(p, caplen, off, l, &l4, &proto);
        else if (eth == ETH_IPV6)
                ok = ipv6(p, caplen, off, l, &l4, &proto);
        if (!ok || (proto != 6 && proto != 17) || !transport(p, l4, proto, l))
                l->kind = AUD_WHOLE;
}

void aud_endpoints(const struct aud_layers *l, struct aud_endpoint *src, struct aud_endpoint *dst)
{
        memset(src, 0, sizeof(*src));
        memset(dst, 0, sizeof(*dst));
        memcpy(src->addr, l->src, l->addr_len);
        memcpy(dst->addr, l->dst, l->addr_len);
        src->len = dst->len = l->addr_len;
        src->port = l->sport;
        dst->port = l->dport;
}

int aud_endpoint_cmp(const struct aud_endpoint *a, const struct aud_endpoint *b)
{
        if (a->len != b->len)
                return a->len < b->len ? -1 : 1;
        int d = memcmp(a->addr, b->addr, a->len);
        if (d)
                return d;
        if (a->port != b->port)
                return a->port < b->port ? -1 : 1;
        return 0;
}
