/*
 * transport — TCP (RFC 9293 §3.1) and UDP (RFC 768) headers as SPEC 2.6
 * decodes them: ports, TCP seq/ack/flags, and the payload region.
 *
 * `r` covers [transport header, ip_end).  TCP needs 20 bytes and a data
 * offset ×4 ≥ 20 inside the datagram, payload = [doff, ip_end); options are
 * not parsed.  UDP needs 8 bytes and a length ≥ 8, payload ends at
 * min(udp_length, ip_end).  Other protocols are not decoded.  On malformed
 * headers nothing of the transport is recorded (ports stay 0).
 */
#include "decode/decode_int.h"

#define TCP_MIN_HDR 20
#define UDP_HDR     8

static void dec_tcp(struct rd *r, uint32_t base, struct decoded *d)
{
        struct rd h = rd_sub(r, TCP_MIN_HDR); /* one length check, then the fields */
        if (h.err)
                goto malformed;
        uint16_t sport = rd_be16(&h), dport = rd_be16(&h);
        uint32_t seq = rd_be32(&h), ack = rd_be32(&h);
        size_t doff = (size_t)(rd_u8(&h) >> 4) * 4;
        uint8_t flags = rd_u8(&h);
        if (doff < TCP_MIN_HDR)
                goto malformed;
        rd_skip(r, doff - TCP_MIN_HDR); /* options */
        if (r->err)
                goto malformed;
        d->sport = sport;
        d->dport = dport;
        d->seq = seq;
        d->ack = ack;
        d->tcp_flags = flags;
        d->l4_off = base;
        d->payload_off = base + (uint32_t)doff;
        d->payload_len = (uint32_t)rd_left(r);
        d->transport = IPPROTO_NUM_TCP;
        dec_set(d, DEC_OK);
        return;
malformed:
        dec_set(d, DEC_MALFORMED);
}

static void dec_udp(struct rd *r, uint32_t base, struct decoded *d)
{
        struct rd h = rd_sub(r, UDP_HDR);
        uint16_t sport = 0, dport = 0, ulen = 0;
        if (!h.err) {
                sport = rd_be16(&h);
                dport = rd_be16(&h);
                ulen = rd_be16(&h);
        }
        if (ulen < UDP_HDR) { /* also when the header is cut */
                dec_set(d, DEC_MALFORMED);
                return;
        }
        size_t end = ulen < r->len ? ulen : r->len;
        d->sport = sport;
        d->dport = dport;
        d->l4_off = base;
        d->payload_off = base + UDP_HDR;
        d->payload_len = (uint32_t)(end - UDP_HDR);
        d->transport = IPPROTO_NUM_UDP;
        dec_set(d, DEC_OK);
}

void dec_transport(uint8_t proto, struct rd *r, uint32_t base, struct decoded *d)
{
        d->ip_proto = proto;
        if (proto == IPPROTO_NUM_TCP)
                dec_tcp(r, base, d);
        else if (proto == IPPROTO_NUM_UDP)
                dec_udp(r, base, d);
        else
                dec_set(d, DEC_NOT_DECODED);
}
