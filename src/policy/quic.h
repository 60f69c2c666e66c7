/*
 * quic — QUIC connection-ID learning and short-header cutting, SPEC 2.8
 * (RFC 9000 §17.2 long header, §17.3 short header, RFC 8999 invariants).
 *
 * Long headers are walked (coalesced packets, RFC 9000 §12.2); Initials teach
 * the client's and the server's Source Connection IDs; a short-header packet
 * whose Destination Connection ID matches the peer's learned SCID is cut to
 * short_header_keep_packet_bytes after its first byte's offset.
 */
#ifndef CST_POLICY_QUIC_H
#define CST_POLICY_QUIC_H

#include <stdbool.h>
#include <stdint.h>

#include <constrictor/stats.h>

#include "decode/decode.h"
#include "policy/flowtable.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

struct quic_params {
        uint32_t short_keep; /* short_header_keep_packet_bytes */
        uint32_t min_saved;
        bool require_dcid_match;
        bool allow_unknown_dcid; /* allow_short_header_without_known_dcid */
        /*
         * Fix of SPEC 6 item 4 (docs/compatibility.md): a datagram whose first
         * long header carries no recognised QUIC version (DNS with the top ID
         * bit set, ...) is not QUIC: no "uncertain" count, no connection.
         */
        bool strict;
};

struct quic_flow_ref {
        struct flowtable *ft;
        const struct flow_key *key;
        uint64_t hash;
        unsigned dir; /* direction of this datagram within the flow */
        uint32_t now;
        uint32_t gso_size; /* UDP GSO super-frame: datagram payload size (0 = none) */
};

struct quic_out {
        uint32_t keep_len;
        uint16_t reason; /* enum cst_reason */
};

void quic_process(const struct quic_params *p, const struct quic_flow_ref *fr,
                  const struct decoded *d, const uint8_t *payload, uint32_t caplen,
                  struct cst_stats *st, struct quic_out *out);

/* Versions recognised by the strict mode (v1, v2, drafts, grease, mvfst, gQUIC). */
bool quic_version_known(uint32_t version);

/* Long-header packet types in QUIC v1 numbering (RFC 9000 §17.2). */
enum quic_lh_type {
        QUIC_LH_INITIAL = 0,
        QUIC_LH_0RTT = 1,
        QUIC_LH_HANDSHAKE = 2,
        QUIC_LH_RETRY = 3
};

struct quic_long_hdr {
        uint8_t type; /* enum quic_lh_type */
        uint32_t version;
        uint8_t dcid_len, scid_len;
        const uint8_t *scid;
        uint32_t total; /* bytes of this packet from its first byte */
};

/*
 * Parse the long header at offset s of a datagram payload (SPEC 2.8).  With
 * map_v2, QUIC v2's type bits (RFC 9369 §3.2) are mapped to v1 numbering;
 * without it every version is read with v1 codes, as the old tool does.
 */
bool quic_parse_long(const uint8_t *pl, uint32_t len, uint32_t s, bool map_v2,
                     struct quic_long_hdr *h);

/*
 * UDP GSO super-frame (datagrams of seg bytes back to back in one payload of
 * len bytes): the offset of the last datagram when every datagram starts with
 * a short header carrying the DCID of the one at pos (dlen bytes; the header
 * form only when dlen is 0), else UINT32_MAX (keep the frame whole).  The
 * caller cuts only inside that last datagram, so no trailing datagram (and
 * no long header in it) is ever cut.
 */
uint32_t quic_gso_last(const uint8_t *pl, uint32_t len, uint32_t pos, uint32_t dlen, uint32_t seg);

#endif
