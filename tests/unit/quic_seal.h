/*
 * quic_seal — build a protected QUIC client Initial for tests and crafted
 * captures: the inverse of src/decode/quic_initial.c's proof (RFC 9001 §5.3
 * AEAD_AES_128_GCM, §5.4 header protection), keys from quic_initial_derive().
 */
#ifndef CST_TEST_QUIC_SEAL_H
#define CST_TEST_QUIC_SEAL_H

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "decode/quic_initial.h"

/*
 * Write a client Initial (4-byte packet number `pn`, no token) carrying
 * `frames` then PADDING up to `total` bytes of packet into out; returns the
 * packet length or 0.  out must hold `total` bytes; total >= 64.
 */
static inline size_t quic_seal_initial(struct quic_initial *q, uint32_t version,
                                       const uint8_t *dcid, uint8_t dl, const uint8_t *scid,
                                       uint8_t sl, uint32_t pn, const uint8_t *frames,
                                       size_t frames_len, size_t total, uint8_t *out)
{
        struct quic_initial_keys k;
        if (quic_initial_derive(q, version, dcid, dl, false, &k))
                return 0;
        size_t o = 0;
        uint8_t type = version == QUIC_V2 ? 1 : 0;
        out[o++] = (uint8_t)(0xc0 | type << 4 | 0x03); /* 4-byte packet number */
        out[o++] = (uint8_t)(version >> 24);
        out[o++] = (uint8_t)(version >> 16);
        out[o++] = (uint8_t)(version >> 8);
        out[o++] = (uint8_t)version;
        out[o++] = dl;
        memcpy(out + o, dcid, dl);
        o += dl;
        out[o++] = sl;
        memcpy(out + o, scid, sl);
        o += sl;
        out[o++] = 0;                  /* token length */
        size_t length = total - o - 2; /* 2-byte Length varint */
        if (total < o + 2 + 4 + 16 + 20 || frames_len > length - 4 - 16)
                return 0;
        out[o++] = (uint8_t)(0x40 | length >> 8);
        out[o++] = (uint8_t)length;
        size_t pn_off = o;
        for (int i = 0; i < 4; i++)
                out[o++] = (uint8_t)(pn >> (24 - 8 * i));
        size_t pt_len = length - 4 - 16;
        uint8_t plain[65536];
        memset(plain, 0, pt_len);
        memcpy(plain, frames, frames_len);
        uint8_t nonce[12];
        memcpy(nonce, k.iv, 12);
        for (int i = 0; i < 4; i++)
                nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int n = 0, ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce) > 0 &&
                        EVP_EncryptUpdate(c, NULL, &n, out, (int)o) > 0 &&
                        EVP_EncryptUpdate(c, out + o, &n, plain, (int)pt_len) > 0 &&
                        EVP_EncryptFinal_ex(c, out + o + n, &n) > 0 &&
                        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + o + pt_len) > 0;
        uint8_t mask[32];
        int m = 0;
        ok = ok && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL) > 0 &&
             EVP_CIPHER_CTX_set_padding(c, 0) > 0 &&
             EVP_EncryptUpdate(c, mask, &m, out + pn_off + 4, 16) > 0;
        EVP_CIPHER_CTX_free(c);
        if (!ok)
                return 0;
        out[0] ^= mask[0] & 0x0f;
        for (int i = 0; i < 4; i++)
                out[pn_off + i] ^= mask[1 + i];
        return total;
}

/* A test's Initial-key context; when it cannot be made, one line on stderr and exit status 1. */
static inline struct quic_initial *quic_initial_or_exit(void)
{
        char err[CST_ERRBUF];
        struct quic_initial *q = quic_initial_new(err);
        if (!q) {
                fprintf(stderr, "%s\n", err);
                exit(1);
        }
        return q;
}

#endif
