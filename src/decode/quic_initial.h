/*
 * quic_initial — prove that a UDP payload starts with a QUIC client Initial.
 *
 * Anyone can craft a datagram shaped like a QUIC long header.  What a
 * stranger cannot fake cheaply is a client Initial whose packet protection
 * removes with the keys every observer derives from its Destination
 * Connection ID (RFC 9001 §5.2 for version 1, RFC 9369 §3.3 for version 2):
 * header protection (§5.4, AES-128-ECB over the ciphertext sample) and
 * AEAD_AES_128_GCM (§5.3) whose tag verifies.  That is the check Wireshark
 * makes before it dissects an Initial, and the one the audit and `track`
 * make before they call a 5-tuple QUIC.
 *
 * The crypto is libcrypto's (OpenSSL 3): the KDF, cipher contexts and the
 * ciphers are fetched once per handle (quic_initial_new), so a proof costs
 * no allocation; callers prove once per connection and cache the result.
 * Every wire byte is read through util/rd.h.
 */
#ifndef CST_DECODE_QUIC_INITIAL_H
#define CST_DECODE_QUIC_INITIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/quic_wire.h" /* QUIC_V1, QUIC_V2, QUIC_CID_MAX */

enum quic_initial_verdict {
        QI_PROVEN = 0,   /* a client Initial: its GCM tag verifies */
        QI_NOT_INITIAL,  /* short header, other long type, or not a long header */
        QI_UNSUPPORTED,  /* a version whose Initial keys we do not know */
        QI_TRUNCATED,    /* header, Length or the packet runs past the datagram */
        QI_INVALID,      /* fields out of range (CID > 20 bytes, packet too short to sample) */
        QI_AUTH_FAILED,  /* well-formed, but the tag does not verify: not a client Initial */
        QI_CRYPTO_ERROR, /* libcrypto failed (not the packet's fault) */
};

struct quic_initial_info {
        uint32_t version;
        uint8_t dcid_len, scid_len;
        uint8_t dcid[QUIC_CID_MAX], scid[QUIC_CID_MAX];
        uint64_t packet_number; /* after header protection is removed */
        size_t packet_len;      /* bytes of the Initial in the payload (first packet) */
        size_t payload_len;     /* plaintext bytes (frames) */
};

/* Initial packet protection keys of one direction (RFC 9001 §5.1). */
struct quic_initial_keys {
        uint8_t key[16], iv[12], hp[16];
};

struct quic_initial; /* opaque: the libcrypto contexts */

/* NULL with a message in err[CST_ERRBUF] when libcrypto lacks HKDF or AES. */
struct quic_initial *quic_initial_new(char *err);
void quic_initial_free(struct quic_initial *q);

/* True for the versions whose Initial salt and labels are known (v1, v2). */
bool quic_initial_version_known(uint32_t version);

/* The Initial keys of the client (server = false) or server direction for a
 * client-chosen DCID.  0, or -1 for an unknown version or a libcrypto error. */
int quic_initial_derive(struct quic_initial *q, uint32_t version, const uint8_t *dcid,
                        size_t dcid_len, bool server, struct quic_initial_keys *k);

/*
 * Is the first packet of p[0, len) a client Initial that decrypts?  `info`
 * (may be NULL) receives the header fields as soon as they parse.  `plain`
 * (may be NULL) receives the decrypted frames when plain_cap is large enough;
 * without it the payload is decrypted through a small internal buffer.
 */
enum quic_initial_verdict quic_initial_prove(struct quic_initial *q, const uint8_t *p, size_t len,
                                             struct quic_initial_info *info, uint8_t *plain,
                                             size_t plain_cap);

const char *quic_initial_verdict_name(enum quic_initial_verdict v);

#endif
