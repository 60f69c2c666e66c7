/*
 * ipv4 — the IPv4 header (RFC 791 §3.1) exactly as SPEC 2.6 decodes it.
 *
 * Need 20 bytes, version 4, IHL×4 ≥ 20 and captured; total_length below the
 * header length is malformed; the datagram ends at min(capture, total_length)
 * (a total length beyond the capture is tolerated, trailing padding is not
 * part of the datagram).  Fragments (MF or offset ≠ 0) are not decoded.
 * Options are skipped via IHL.
 *
 * Fix of SPEC 6 item 6 (default, off with DECODE_COMPAT): total_length 0 is
 * how TSO/GSO frames captured before segmentation appear, so the datagram
 * is taken to run to the end of the capture (DEC_F_TSO).
 */
#include "decode/decode_int.h"

#include <string.h>

#define IPV4_MIN_HDR   20
#define IPV4_FRAG_MASK 0x3FFFu /* MF flag + fragment offset */

/* SPEC 2.11 decode_note input: needs only the 4 first IP bytes. */
static void note_total_length(const struct rd *r, unsigned mode, struct decoded *d)
{
        if (r->len < 4)
                return;
        struct rd t = *r;
        rd_skip(&t, 2);
        uint16_t total = rd_be16(&t);
        d->ipv4_total_len = total;
        bool tso = total == 0 && !(mode & DECODE_COMPAT);
        if (total < r->len && !tso)
                d->flags |= DEC_F_IPV4_LEN_SHORT;
}

void dec_ipv4(struct rd *r, uint32_t base, unsigned mode, struct decoded *d)
{
        d->ip_version = 4;
        d->l3_off = base;
        note_total_length(r, mode, d);

        /* One length check for the fixed header, then plain loads from it. */
        const uint8_t *h = rd_ptr(r, IPV4_MIN_HDR);
        if (!h)
                goto malformed;
        uint8_t ver_ihl = h[0];
        struct rd f = rd_init(h, IPV4_MIN_HDR);
        uint16_t total = rd_peek_be16(&f, 2);
        uint16_t frag = rd_peek_be16(&f, 6);
        uint8_t proto = h[9];
        size_t ihl = (size_t)(ver_ihl & 0x0F) * 4;
        if (ver_ihl >> 4 != 4 || ihl < IPV4_MIN_HDR)
                goto malformed;
        rd_skip(r, ihl - IPV4_MIN_HDR); /* options */
        if (r->err)
                goto malformed;

        size_t end; /* datagram length within the capture */
        if (total == 0 && !(mode & DECODE_COMPAT)) {
                end = r->len;
                d->flags |= DEC_F_TSO;
        } else if (total < ihl) {
                goto malformed;
        } else {
                end = total < r->len ? total : r->len;
        }

        memcpy(d->src, h + 12, 4);
        memcpy(d->dst, h + 16, 4);
        d->addr_len = 4;
        d->flags |= DEC_F_HAVE_ADDR;
        d->ip_proto = proto;
        d->ip_end = base + (uint32_t)end;
        if (frag & IPV4_FRAG_MASK) {
                d->flags |= DEC_F_FRAGMENT;
                dec_set(d, DEC_NOT_DECODED);
                return;
        }
        struct rd body = rd_sub(r, end - ihl);
        dec_transport(proto, &body, base + (uint32_t)ihl, d);
        return;
malformed:
        dec_set(d, DEC_MALFORMED);
}
