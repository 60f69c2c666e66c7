/*
 * tls_wire — TLS record and handshake headers as they are on the wire
 * (RFC 8446 §5.1 / RFC 5246 §6.2 record layer, RFC 8446 §4 handshake
 * messages) and the hello parse that proves a connection is TLS.  Parsers
 * only: no state, every byte read through struct rd.
 */
#ifndef CST_DECODE_TLS_WIRE_H
#define CST_DECODE_TLS_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/wire.h"
#include "util/rd.h"

#define TLS_REC_CCS        0x14u
#define TLS_REC_ALERT      0x15u
#define TLS_REC_HANDSHAKE  0x16u
#define TLS_REC_APPDATA    0x17u
#define TLS_REC_HEARTBEAT  0x18u            /* RFC 6520 */
#define TLS_REC_HDR_LEN    5u               /* type(1) version(2) length(2) */
#define TLS_MAX_RECORD_LEN (16384u + 2048u) /* RFC 5246 §6.2.3: TLSCiphertext.length */

struct tls_rec_hdr {
        uint8_t type;
        uint8_t major;
        uint8_t minor;
        uint16_t length; /* of the body, after the 5 header bytes */
};

/*
 * The record header at r's position (5 bytes read).  WIRE_TRUNCATED when
 * fewer than 5 bytes are left; WIRE_INVALID when the content type is not
 * 0x14-0x18 or the major version not 3 (no TLS or SSL 3 record starts so).
 * Finer rules (minor version, length bound) are the caller's: the analysers
 * differ there on purpose.  Inline: the compatible tracker reads one per record.
 */
static inline enum wire_status tls_wire_record(struct rd *r, struct tls_rec_hdr *h)
{
        if (!rd_has(r, TLS_REC_HDR_LEN))
                return WIRE_TRUNCATED;
        h->type = rd_u8(r);
        h->major = rd_u8(r);
        h->minor = rd_u8(r);
        h->length = rd_be16(r);
        if (h->type < TLS_REC_CCS || h->type > TLS_REC_HEARTBEAT || h->major != 3)
                return WIRE_INVALID;
        return WIRE_OK;
}

/* The same on a header kept as bytes (h[0..4]). */
static inline enum wire_status tls_wire_record_bytes(const uint8_t h[5], struct tls_rec_hdr *out)
{
        struct rd r = rd_init(h, TLS_REC_HDR_LEN);
        return tls_wire_record(&r, out);
}

/* A header as a TLS stack writes it: 0x14-0x17, 3.1-3.4, 1 <= length <= 2^14 + 2048. */
bool tls_rec_strict(const struct tls_rec_hdr *h);

/*
 * Could the first `avail` (<= 5) bytes at h start a record header?  Type
 * 0x14-0x18, version 3.0-3.4, length <= 2^14 + 2048 (RFC 5246 §6.2.3), each
 * checked only when its bytes are there.
 */
bool tls_rec_prefix_plausible(const uint8_t *h, uint32_t avail);

/* Handshake message header (RFC 8446 §4): msg_type(1) length(3). */
struct tls_hs_hdr {
        uint8_t type;
        uint32_t length;
};

/*
 * WIRE_TRUNCATED when fewer than 4 bytes are left; WIRE_INVALID when the
 * type is not a plaintext handshake type of RFC 8446 §4 / RFC 5246 §7.4.
 */
enum wire_status tls_wire_handshake(struct rd *r, struct tls_hs_hdr *h);
bool tls_hs_type_known(uint8_t type);

/* What the first record of a direction proves (RFC 8446 §4.1.2, §4.1.3). */
enum tls_hello { TLS_HELLO_NONE = 0, TLS_HELLO_CLIENT, TLS_HELLO_SERVER, TLS_HELLO_SERVER13 };

/*
 * A ClientHello or ServerHello record from r's position (the bytes
 * available): record header, handshake header, legacy version and leading
 * structure must parse; a ServerHello whose supported_versions extension
 * (RFC 8446 §4.2.1) selects 0x0304 is TLS_HELLO_SERVER13.
 */
enum tls_hello tls_wire_hello(struct rd *r);

#endif
