/*
 * csum_walk — find where the IPv4 header and TCP/UDP checksums of one frame
 * live, or why they cannot be recomputed (SPEC 2.9, "recompute").
 *
 * The walk is read-only and reads through struct rd.  It folds the offline
 * tool's two steps (decode, then a "sniff" re-walk that names a skip reason)
 * into one pass that yields the same reason for every frame.  Ethernet with
 * any VLAN stack is the compatible part; Linux SLL/SLL2, raw IP and BSD null
 * are constrictor additions.
 */
#ifndef CST_REINFLATE_CSUM_WALK_H
#define CST_REINFLATE_CSUM_WALK_H

#include <stdint.h>

/* Why a frame's checksums were left alone (the stats reason counters). */
enum csum_skip {
        CSUM_OK = 0,
        CSUM_SKIP_UNSUPPORTED_LINK,
        CSUM_SKIP_DECODE_FAILED,
        CSUM_SKIP_MALFORMED,
        CSUM_SKIP_FRAGMENT,
        CSUM_SKIP_NOT_TCP_UDP,
        CSUM_SKIP_INCOMPLETE,
        CSUM_SKIP_LENGTH_MISMATCH,
        CSUM_SKIP_IPV4_TOTAL_LENGTH_ZERO,
};

/* Where to write: filled when skip == CSUM_OK. */
struct csum_plan {
        uint8_t skip;       /* enum csum_skip */
        uint8_t ip_version; /* 4 or 6 */
        uint8_t proto;      /* 6 (TCP) or 17 (UDP) */
        uint32_t l3_off;    /* start of the IP header */
        uint32_t ihl;       /* IPv4 header length in bytes (0 for IPv6) */
        uint32_t l4_off;    /* start of the TCP/UDP header */
        uint32_t l4_len;    /* transport length of the pseudo-header */
};

void csum_walk(uint32_t linktype, const uint8_t *p, uint32_t len, struct csum_plan *pl);

/* Label of a skip reason as printed in the stats warning ("length_mismatch"). */
const char *csum_skip_name(unsigned skip);

#endif
