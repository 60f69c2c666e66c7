/*
 * decode — the per-packet dispatcher: link → network → transport (SPEC 2.6)
 * and the decision-log decode_note of SPEC 2.11.
 *
 * Offsets only: no allocation, no writes to the packet, never fails.  Each
 * layer sees only its own bytes through struct rd (see decode_int.h).
 */
#include "decode/decode_int.h"

#include <string.h>

void decode_packet(uint32_t linktype, const uint8_t *p, uint32_t caplen, unsigned mode,
                   struct decoded *d)
{
        memset(d, 0, sizeof(*d));
        struct rd r = rd_init(p, caplen);
        uint16_t type = 0;
        if (!dec_link(linktype, &r, &type, d))
                return;
        d->ethertype = type;
        uint32_t base = (uint32_t)r.off;
        struct rd net = rd_sub(&r, rd_left(&r));
        if (type == ETHERTYPE_IPV4)
                dec_ipv4(&net, base, mode, d);
        else if (type == ETHERTYPE_IPV6)
                dec_ipv6(&net, base, mode, d);
        else
                dec_set(d, DEC_NOT_DECODED);
}

#define NOTE_IPV4_SHORT                                                                            \
        "ipv4_total_length_smaller_than_captured_ip_bytes|"                                        \
        "captured_bytes_after_ipv4_total_length_ignored"
#define NOTE_PAYLOAD_TRUNC "transport_payload_truncated_by_length_fields"

const char *decode_note(const struct decoded *d, uint32_t caplen)
{
        if (d->status != DEC_OK && d->status != DEC_MALFORMED)
                return "";
        bool short_ip = d->flags & DEC_F_IPV4_LEN_SHORT;
        bool trunc = d->status == DEC_OK && d->payload_off + d->payload_len < caplen;
        if (short_ip && trunc)
                return NOTE_IPV4_SHORT "|" NOTE_PAYLOAD_TRUNC;
        if (short_ip)
                return NOTE_IPV4_SHORT;
        return trunc ? NOTE_PAYLOAD_TRUNC : "";
}
