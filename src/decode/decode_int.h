/*
 * decode_int — the layer entry points of the decoder (private to src/decode/).
 *
 * Each layer receives a reader over its own bytes only (everything from its
 * header to the end of what the layer below says belongs to it) plus the
 * absolute offset of that region in the packet, checks its own length and
 * hands the next layer a sub-reader.  Layers fill `struct decoded` and set
 * its status; they never fail and never write to the packet.
 */
#ifndef CST_DECODE_INT_H
#define CST_DECODE_INT_H

#include "decode/decode.h"
#include "util/rd.h"

#include <stdbool.h>

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86DDu

/* Deepest VLAN stack decoded; a deeper one is malformed (the offline tool
 * had no bound, Suricata bounds its encapsulation depth the same way). */
#define DEC_VLAN_MAX 8

#define IPPROTO_NUM_HOPOPTS  0
#define IPPROTO_NUM_TCP      6
#define IPPROTO_NUM_UDP      17
#define IPPROTO_NUM_ROUTING  43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_AH       51
#define IPPROTO_NUM_DSTOPTS  60

/* Link layer: consumes the link header from `r` (whole packet) and returns
 * true with *type = the EtherType-like network protocol and r positioned at
 * the network header; false when d->status has been decided. */
bool dec_link(uint32_t linktype, struct rd *r, uint16_t *type, struct decoded *d);

void dec_ipv4(struct rd *r, uint32_t base, unsigned mode, struct decoded *d);
void dec_ipv6(struct rd *r, uint32_t base, unsigned mode, struct decoded *d);

/* Transport: `r` covers [transport header, ip_end). */
void dec_transport(uint8_t proto, struct rd *r, uint32_t base, struct decoded *d);

static inline void dec_set(struct decoded *d, enum dec_status s)
{
        d->status = (uint8_t)s;
}

#endif
