/*
 * ipv6 — the IPv6 header (RFC 8200 §3) and its extension-header chain
 * (§4.3 Hop-by-Hop, §4.4 Routing, §4.5 Fragment, §4.6 Destination Options;
 * RFC 4302 AH) exactly as SPEC 2.6 decodes them.
 *
 * The datagram ends at min(capture, 40 + payload_length).  HBH/Routing/
 * DstOpts need 2 bytes and (hdr_ext_len+1)*8 bytes inside it, Fragment 8;
 * otherwise malformed.  A non-atomic fragment and AH stop decoding (not
 * malformed); an atomic fragment (offset 0, M 0, RFC 6946) is skipped.
 *
 * Fix of SPEC 6 item 6 (default, off with DECODE_COMPAT): payload_length 0
 * with a Hop-by-Hop Jumbo Payload option (RFC 2675) is a jumbogram and runs
 * to the end of the capture (DEC_F_IPV6_JUMBO).
 */
#include "decode/decode_int.h"

#include <string.h>

#define IPV6_HDR          40
#define IPV6_OPT_PAD1     0x00
#define IPV6_OPT_JUMBO    0xC2
#define IPV6_JUMBO_LEN    4
#define IPV6_FRAG_NONATOM 0xFFF9u /* offset (13 bits) + M flag; reserved bits ignored */

/* Does the Hop-by-Hop header at the start of `r` (the rest of the capture)
 * carry a Jumbo Payload option?  Read-only look-ahead on a copy. */
static bool has_jumbo_option(const struct rd *r)
{
        struct rd x = *r;
        struct rd peek = x;
        rd_skip(&peek, 1);
        size_t len = ((size_t)rd_u8(&peek) + 1) * 8;
        struct rd hbh = rd_sub(&x, len);
        if (peek.err || hbh.err)
                return false;
        rd_skip(&hbh, 2);
        while (rd_left(&hbh) > 0) {
                uint8_t type = rd_u8(&hbh);
                if (type == IPV6_OPT_PAD1)
                        continue;
                uint8_t olen = rd_u8(&hbh);
                if (type == IPV6_OPT_JUMBO && olen == IPV6_JUMBO_LEN && rd_has(&hbh, olen))
                        return true;
                rd_skip(&hbh, olen);
        }
        return false;
}

/* Walk the extension headers inside `pl` (the payload region, starting at
 * absolute offset `base`) and dispatch the upper layer. */
static void walk_extensions(struct rd *pl, uint32_t base, uint8_t nh, struct decoded *d)
{
        for (;;) {
                if (nh == IPPROTO_NUM_HOPOPTS || nh == IPPROTO_NUM_ROUTING ||
                    nh == IPPROTO_NUM_DSTOPTS) {
                        struct rd peek = *pl;
                        uint8_t next = rd_u8(&peek);
                        size_t len = ((size_t)rd_u8(&peek) + 1) * 8;
                        rd_skip(pl, len);
                        if (peek.err || pl->err)
                                break;
                        nh = next;
                } else if (nh == IPPROTO_NUM_FRAGMENT) {
                        struct rd f = rd_sub(pl, 8);
                        uint8_t next = rd_u8(&f);
                        rd_skip(&f, 1);
                        uint16_t off_m = rd_be16(&f);
                        if (f.err)
                                break;
                        if (off_m & IPV6_FRAG_NONATOM) {
                                d->ip_proto = next;
                                d->flags |= DEC_F_FRAGMENT;
                                dec_set(d, DEC_NOT_DECODED);
                                return;
                        }
                        nh = next;
                } else if (nh == IPPROTO_NUM_AH) {
                        d->ip_proto = nh;
                        dec_set(d, DEC_NOT_DECODED);
                        return;
                } else {
                        uint32_t at = base + (uint32_t)pl->off;
                        struct rd upper = rd_sub(pl, rd_left(pl));
                        dec_transport(nh, &upper, at, d);
                        return;
                }
        }
        dec_set(d, DEC_MALFORMED);
}

void dec_ipv6(struct rd *r, uint32_t base, unsigned mode, struct decoded *d)
{
        d->ip_version = 6;
        d->l3_off = base;

        const uint8_t *h = rd_ptr(r, IPV6_HDR);
        if (!h || h[0] >> 4 != 6) {
                dec_set(d, DEC_MALFORMED);
                return;
        }
        struct rd f = rd_init(h, IPV6_HDR);
        uint16_t plen = rd_peek_be16(&f, 4);
        uint8_t nh = h[6];
        memcpy(d->src, h + 8, 16);
        memcpy(d->dst, h + 24, 16);
        d->addr_len = 16;
        d->flags |= DEC_F_HAVE_ADDR;
        d->ip_proto = nh;

        size_t avail = rd_left(r);
        size_t end = plen < avail ? plen : avail;
        if (plen == 0 && nh == IPPROTO_NUM_HOPOPTS && !(mode & DECODE_COMPAT) &&
            has_jumbo_option(r)) {
                end = avail;
                d->flags |= DEC_F_IPV6_JUMBO;
        }
        d->ip_end = base + IPV6_HDR + (uint32_t)end;
        struct rd pl = rd_sub(r, end);
        walk_extensions(&pl, base + IPV6_HDR, nh, d);
}
