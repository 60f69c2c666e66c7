/*
 * quic — QUIC connection-ID learning and short-header cutting, SPEC 2.8
 * (RFC 9000 §17.2 long header, §17.3 short header, RFC 8999 invariants).
 *
 * Long headers are walked (coalesced packets, RFC 9000 §12.2); Initials teach
 * the client's and the server's Source Connection IDs; a short-header packet
 * whose Destination Connection ID matches the peer's learned SCID is cut to
 * short_header_keep_packet_bytes after its first byte's offset.  The analyser
 * (quic_compat_ops, policy/analyser.h) proposes the cut; the engine settles it.
 */
#ifndef CST_POLICY_QUIC_H
#define CST_POLICY_QUIC_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/quic_wire.h"
#include "util/rd.h"

struct quic_params {
        uint32_t short_keep; /* short_header_keep_packet_bytes */
        bool require_dcid_match;
        bool allow_unknown_dcid; /* allow_short_header_without_known_dcid */
        /*
         * Fix of SPEC 6 item 4 (docs/compatibility.md): a datagram whose first
         * long header carries no recognised QUIC version (DNS with the top ID
         * bit set, ...) is not QUIC: no "uncertain" count, no connection.
         */
        bool strict;
        /*
         * [quic] require_initial_proof (off by default here: the compatible
         * policies stay byte for byte): a connection is created only by a
         * client Initial whose packet protection removes with the keys of
         * its DCID (RFC 9001 §5.2, decode/quic_initial.c), so a stranger's
         * look-alike makes nothing cuttable.  qi: its libcrypto contexts.
         */
        bool require_initial_proof;
        struct quic_initial *qi;
};

/*
 * UDP GSO super-frame (datagrams of seg bytes back to back in one payload
 * pl): the offset of the last datagram when every datagram starts with a
 * short header carrying the DCID of the one at pos (dlen bytes; the header
 * form only when dlen is 0), else UINT32_MAX (keep the frame whole).  The
 * caller cuts only inside that last datagram, so no trailing datagram (and
 * no long header in it) is ever cut.
 */
uint32_t quic_gso_last(const struct rd *pl, uint32_t pos, uint32_t dlen, uint32_t seg);

#endif
