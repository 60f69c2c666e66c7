/*
 * tls_proof — what proves a TCP connection is TLS under `track` (issue 12
 * item 2) and the header plausibility rules of the record tracker.
 *
 * A direction's first record proves TLS when it is a ClientHello or
 * ServerHello whose record header, handshake length, legacy version and
 * leading structure parse (RFC 8446 §4.1.2 / §4.1.3, RFC 5246 §7.4.1.2 /
 * §7.4.1.3).  A ServerHello whose supported_versions extension (RFC 8446
 * §4.2.1, type 43) selects 0x0304 marks the connection TLS 1.3.
 */
#include "policy/track.h"

#include "util/rd.h"

#define TLS_MAX_RECORD         (16384u + 2048u) /* RFC 5246 §6.2.3 */
#define EXT_SUPPORTED_VERSIONS 43u

bool trk_header_strict(const uint8_t h[5])
{
        uint16_t len = ld_be16(h + 3);
        return h[0] >= 0x14 && h[0] <= 0x17 && h[1] == 3 && h[2] >= 1 && h[2] <= 4 && len >= 1 &&
               len <= TLS_MAX_RECORD;
}

/* ServerHello extensions: does supported_versions select TLS 1.3? */
static bool selects_tls13(struct rd *r)
{
        uint16_t total = rd_be16(r);
        if (r->err)
                return false;
        struct rd ext = rd_sub(r, total);
        while (!ext.err && rd_left(&ext) >= 4) {
                uint16_t type = rd_be16(&ext), len = rd_be16(&ext);
                struct rd body = rd_sub(&ext, len);
                if (type == EXT_SUPPORTED_VERSIONS && len == 2)
                        return rd_be16(&body) == 0x0304u && !body.err;
        }
        return false;
}

/* Hello body after the handshake header: version, random, session id, ... */
static enum trk_hello parse_hello_body(struct rd *r, uint8_t hs_type)
{
        uint8_t major = rd_u8(r), minor = rd_u8(r);
        if (major != 3 || minor > 4)
                return TRK_HELLO_NONE;
        rd_skip(r, 32); /* random */
        uint8_t sid_len = rd_u8(r);
        if (r->err || sid_len > 32)
                return TRK_HELLO_NONE;
        rd_skip(r, sid_len);
        if (hs_type == 1) { /* cipher_suites<2..2^16-2>, compression_methods<1..2^8-1> */
                uint16_t cs = rd_be16(r);
                if (r->err || cs < 2 || (cs & 1u))
                        return TRK_HELLO_NONE;
                return TRK_HELLO_CLIENT;
        }
        rd_skip(r, 2); /* cipher_suite */
        uint8_t comp = rd_u8(r);
        if (r->err || comp != 0)
                return TRK_HELLO_NONE;
        return selects_tls13(r) ? TRK_HELLO_SERVER13 : TRK_HELLO_SERVER;
}

enum trk_hello trk_parse_hello(const uint8_t *p, uint32_t avail)
{
        struct rd r = rd_init(p, avail);
        uint8_t type = rd_u8(&r), major = rd_u8(&r), minor = rd_u8(&r);
        uint16_t len = rd_be16(&r);
        if (r.err || type != 0x16 || major != 3 || minor < 1 || minor > 4 || len < 4 ||
            len > TLS_MAX_RECORD)
                return TRK_HELLO_NONE;
        uint8_t hs_type = rd_u8(&r);
        uint32_t hs_len = rd_be24(&r);
        if (r.err || (hs_type != 1 && hs_type != 2) || hs_len < 38 || hs_len > (1u << 17))
                return TRK_HELLO_NONE;
        /* Only the bytes of this record that belong to the message are parsed. */
        uint32_t body = len - 4u < hs_len ? len - 4u : hs_len;
        struct rd msg = rd_sub(&r, body <= rd_left(&r) ? body : rd_left(&r));
        return parse_hello_body(&msg, hs_type);
}
