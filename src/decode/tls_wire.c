/*
 * tls_wire — TLS record headers (RFC 8446 §5.1, RFC 5246 §6.2), handshake
 * headers (RFC 8446 §4) and the ClientHello / ServerHello structure
 * (RFC 8446 §4.1.2 / §4.1.3, RFC 5246 §7.4.1.2 / §7.4.1.3) that proves a TCP
 * connection is TLS under `track`.
 */
#include "decode/tls_wire.h"

#define EXT_SUPPORTED_VERSIONS 43u

bool tls_rec_strict(const struct tls_rec_hdr *h)
{
        return h->type >= TLS_REC_CCS && h->type <= TLS_REC_APPDATA && h->major == 3 &&
               h->minor >= 1 && h->minor <= 4 && h->length >= 1 && h->length <= TLS_MAX_RECORD_LEN;
}

bool tls_rec_prefix_plausible(const uint8_t *h, uint32_t avail)
{
        struct rd r = rd_init(h, avail < TLS_REC_HDR_LEN ? avail : TLS_REC_HDR_LEN);
        uint8_t type = rd_u8(&r);
        if (avail >= 1 && (type < TLS_REC_CCS || type > TLS_REC_HEARTBEAT))
                return false;
        if (avail >= 2 && rd_u8(&r) != 3)
                return false;
        if (avail >= 3 && rd_u8(&r) > 4)
                return false;
        return avail < TLS_REC_HDR_LEN || rd_be16(&r) <= TLS_MAX_RECORD_LEN;
}

/* Handshake message types of RFC 8446 §4 and RFC 5246 §7.4 (plaintext). */
static const bool HS_MSG_TYPE[256] = {
    [0] = true,  [1] = true,  [2] = true,  [4] = true,  [5] = true,   [8] = true,
    [11] = true, [12] = true, [13] = true, [14] = true, [15] = true,  [16] = true,
    [20] = true, [21] = true, [22] = true, [24] = true, [254] = true,
};

bool tls_hs_type_known(uint8_t type)
{
        return HS_MSG_TYPE[type];
}

enum wire_status tls_wire_handshake(struct rd *r, struct tls_hs_hdr *h)
{
        if (!rd_has(r, 4))
                return WIRE_TRUNCATED;
        h->type = rd_u8(r);
        h->length = rd_be24(r);
        return HS_MSG_TYPE[h->type] ? WIRE_OK : WIRE_INVALID;
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
static enum tls_hello parse_hello_body(struct rd *r, uint8_t hs_type)
{
        uint8_t major = rd_u8(r), minor = rd_u8(r);
        if (major != 3 || minor > 4)
                return TLS_HELLO_NONE;
        rd_skip(r, 32); /* random */
        uint8_t sid_len = rd_u8(r);
        if (r->err || sid_len > 32)
                return TLS_HELLO_NONE;
        rd_skip(r, sid_len);
        if (hs_type == 1) { /* cipher_suites<2..2^16-2>, compression_methods<1..2^8-1> */
                uint16_t cs = rd_be16(r);
                if (r->err || cs < 2 || (cs & 1u))
                        return TLS_HELLO_NONE;
                return TLS_HELLO_CLIENT;
        }
        rd_skip(r, 2); /* cipher_suite */
        uint8_t comp = rd_u8(r);
        if (r->err || comp != 0)
                return TLS_HELLO_NONE;
        return selects_tls13(r) ? TLS_HELLO_SERVER13 : TLS_HELLO_SERVER;
}

enum tls_hello tls_wire_hello(struct rd *r)
{
        struct tls_rec_hdr rh;
        if (tls_wire_record(r, &rh) != WIRE_OK || rh.type != TLS_REC_HANDSHAKE || rh.minor < 1 ||
            rh.minor > 4 || rh.length < 4 || rh.length > TLS_MAX_RECORD_LEN)
                return TLS_HELLO_NONE;
        struct tls_hs_hdr hs;
        if (tls_wire_handshake(r, &hs) != WIRE_OK || (hs.type != 1 && hs.type != 2) ||
            hs.length < 38 || hs.length > (1u << 17))
                return TLS_HELLO_NONE;
        /* Only the bytes of this record that belong to the message are parsed. */
        uint32_t body = rh.length - 4u < hs.length ? rh.length - 4u : hs.length;
        struct rd msg = rd_sub(r, body <= rd_left(r) ? body : rd_left(r));
        return parse_hello_body(&msg, hs.type);
}
