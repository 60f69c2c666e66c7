/*
 * decode — offsets of the link, network and transport layers of one packet.
 *
 * Offsets only, no allocation, no writes.  Every read goes through struct rd.
 * Behaviour where the offline tool decodes (SPEC 2.6: Ethernet, VLAN stacks,
 * IPv4/IPv6 length clamping, what counts as malformed) is reproduced; the
 * other link types (SLL, SLL2, raw IP, BSD null) are constrictor additions.
 */
#ifndef CST_DECODE_H
#define CST_DECODE_H

#include <stdint.h>

enum dec_status {
        DEC_OK = 0,          /* TCP or UDP decoded (transport != 0) */
        DEC_NOT_DECODED = 1, /* non-IP, fragment, other IP protocol, AH/ESP: not malformed */
        DEC_MALFORMED = 2,   /* a header is truncated or inconsistent */
        DEC_UNSUPPORTED_LINK = 3,
};

/* decoded.flags */
#define DEC_F_IPV4_LEN_SHORT 0x01u /* IPv4 total length < captured bytes from the IP header on */
#define DEC_F_TSO            0x02u /* IPv4 total length 0 taken as "to the end of the capture" */
#define DEC_F_FRAGMENT       0x04u /* IPv4 fragment or IPv6 non-atomic fragment */
#define DEC_F_HAVE_ADDR      0x08u /* src/dst filled (IP header decoded) */
#define DEC_F_IPV6_JUMBO     0x10u /* IPv6 payload length 0 taken as "to the end" */

struct decoded {
        uint8_t status;     /* enum dec_status */
        uint8_t transport;  /* 0, 6 (TCP) or 17 (UDP) when status == DEC_OK */
        uint8_t ip_version; /* 0, 4 or 6 */
        uint8_t addr_len;   /* 4 or 16 when DEC_F_HAVE_ADDR */
        uint8_t tcp_flags;
        uint8_t vlan_depth;
        uint8_t flags;    /* DEC_F_* */
        uint8_t ip_proto; /* final IP protocol / next header */
        uint16_t sport, dport;
        uint16_t ipv4_total_len;
        uint16_t ethertype; /* of the network layer, 0 if none */
        uint32_t l3_off;    /* start of the IP header */
        uint32_t ip_end;    /* end of the IP datagram within the capture */
        uint32_t l4_off;    /* start of the TCP/UDP header */
        uint32_t payload_off;
        uint32_t payload_len;
        uint32_t seq, ack;
        uint8_t src[16], dst[16];
};

/* decode.flags for decode_packet() */
#define DECODE_COMPAT 0x01u /* offline-tool rules exactly: TSO/jumbo frames are malformed */
/* Without DECODE_COMPAT (the engine's default, fix of SPEC 6 item 6): IPv4
 * total_length 0 runs to the end of the capture (DEC_F_TSO, no
 * DEC_F_IPV4_LEN_SHORT), and IPv6 payload_length 0 with a Hop-by-Hop Jumbo
 * Payload option likewise (DEC_F_IPV6_JUMBO).  VLAN stacks deeper than 8
 * tags are malformed in both modes. */

/* Decode `caplen` bytes of a packet of link type `linktype`. Never fails. */
void decode_packet(uint32_t linktype, const uint8_t *p, uint32_t caplen, unsigned mode,
                   struct decoded *d);

/*
 * SPEC 2.11 decision-log decode_note of a decoded packet (static string,
 * "" when there is nothing to note or the packet was neither decoded nor
 * malformed): the IPv4 "total length smaller than the captured IP bytes"
 * pair and/or "transport_payload_truncated_by_length_fields".
 */
const char *decode_note(const struct decoded *d, uint32_t caplen);

#endif
