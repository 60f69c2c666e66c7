/*
 * quic_initial — the client Initial proof (see quic_initial.h).
 *
 * RFC 9001 §5.2: initial_secret = HKDF-Extract(salt, client DCID);
 * client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "",
 * 32); key/iv/hp = HKDF-Expand-Label(secret, "quic key"/"quic iv"/"quic hp")
 * (RFC 8446 §7.1 label layout, SHA-256).  RFC 9369 §3.3-3.3.2: version 2 has
 * its own salt, the labels "quicv2 key"/"quicv2 iv"/"quicv2 hp" and the
 * Initial type code 0b01 (§3.2).  RFC 9001 §5.4.1-5.4.3: the header
 * protection mask is AES-128-ECB(hp, sample), the sample the 16 bytes that
 * start 4 bytes after the Packet Number field starts; §5.3: the nonce is the
 * IV XOR the packet number, the AAD the unprotected header.  A client's first
 * Initial has no acknowledged packet before it, so its packet number is the
 * truncated value itself (RFC 9000 §17.1, A.3 with no largest acknowledged).
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "decode/quic_initial.h"
#include "util/rd.h"

#define TAG_LEN     16u
#define SAMPLE_LEN  16u
#define SECRET_LEN  32u /* SHA-256 */
#define SCRATCH_LEN 2048u

struct quic_initial {
        EVP_KDF_CTX *kdf;
        EVP_CIPHER *ecb, *gcm;
        EVP_CIPHER_CTX *hp_ctx, *aead_ctx;
        uint8_t scratch[SCRATCH_LEN]; /* plaintext when the caller wants none */
};

struct version_params {
        uint32_t version;
        uint8_t salt[20];
        const char *key_label, *iv_label, *hp_label;
        uint8_t initial_type; /* long-header type bits of an Initial */
};

static const struct version_params VERSIONS[] = {
    {QUIC_V1,
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
     "quic key",
     "quic iv",
     "quic hp",
     0},
    {QUIC_V2,
     {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
     "quicv2 key",
     "quicv2 iv",
     "quicv2 hp",
     1},
};

static const struct version_params *params_of(uint32_t version)
{
        for (size_t k = 0; k < sizeof(VERSIONS) / sizeof(VERSIONS[0]); k++)
                if (VERSIONS[k].version == version)
                        return &VERSIONS[k];
        return NULL;
}

bool quic_initial_version_known(uint32_t version)
{
        return params_of(version) != NULL;
}

struct quic_initial *quic_initial_new(char *err)
{
        struct quic_initial *q = calloc(1, sizeof(*q));
        EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        if (q && kdf) {
                q->kdf = EVP_KDF_CTX_new(kdf);
                q->ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
                q->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
                q->hp_ctx = EVP_CIPHER_CTX_new();
                q->aead_ctx = EVP_CIPHER_CTX_new();
        }
        EVP_KDF_free(kdf); /* the context holds its own reference */
        /* the digest is set once: later calls only change mode, key, salt, info */
        OSSL_PARAM digest[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
            OSSL_PARAM_construct_end()};
        if (!q || !q->kdf || !q->ecb || !q->gcm || !q->hp_ctx || !q->aead_ctx ||
            EVP_KDF_CTX_set_params(q->kdf, digest) <= 0) {
                snprintf(err, CST_ERRBUF,
                         "QUIC Initial proof: libcrypto lacks HKDF-SHA256 or AES-128 (ECB, GCM)");
                quic_initial_free(q);
                return NULL;
        }
        return q;
}

void quic_initial_free(struct quic_initial *q)
{
        if (!q)
                return;
        EVP_KDF_CTX_free(q->kdf);
        EVP_CIPHER_free(q->ecb);
        EVP_CIPHER_free(q->gcm);
        EVP_CIPHER_CTX_free(q->hp_ctx);
        EVP_CIPHER_CTX_free(q->aead_ctx);
        free(q);
}

static int hkdf_extract(struct quic_initial *q, const uint8_t *salt, size_t salt_len,
                        const uint8_t *ikm, size_t ikm_len, uint8_t out[SECRET_LEN])
{
        int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
        OSSL_PARAM p[] = {
            OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
            OSSL_PARAM_construct_end()};
        return EVP_KDF_derive(q->kdf, out, SECRET_LEN, p) > 0 ? 0 : -1;
}

/* RFC 8446 §7.1 HKDF-Expand-Label with an empty context. */
static int expand_label(struct quic_initial *q, const uint8_t secret[SECRET_LEN], const char *label,
                        uint8_t *out, size_t out_len)
{
        uint8_t info[2 + 1 + 255 + 1];
        size_t llen = strlen(label), n = 0;
        info[n++] = (uint8_t)(out_len >> 8);
        info[n++] = (uint8_t)out_len;
        info[n++] = (uint8_t)(6 + llen);
        memcpy(info + n, "tls13 ", 6);
        memcpy(info + n + 6, label, llen);
        n += 6 + llen;
        info[n++] = 0; /* context length */
        int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
        OSSL_PARAM p[] = {
            OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, SECRET_LEN),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
            OSSL_PARAM_construct_end()};
        return EVP_KDF_derive(q->kdf, out, out_len, p) > 0 ? 0 : -1;
}

int quic_initial_derive(struct quic_initial *q, uint32_t version, const uint8_t *dcid,
                        size_t dcid_len, bool server, struct quic_initial_keys *k)
{
        const struct version_params *v = params_of(version);
        uint8_t initial[SECRET_LEN], secret[SECRET_LEN];
        if (!v || hkdf_extract(q, v->salt, sizeof(v->salt), dcid, dcid_len, initial) ||
            expand_label(q, initial, server ? "server in" : "client in", secret, SECRET_LEN) ||
            expand_label(q, secret, v->key_label, k->key, sizeof(k->key)) ||
            expand_label(q, secret, v->iv_label, k->iv, sizeof(k->iv)) ||
            expand_label(q, secret, v->hp_label, k->hp, sizeof(k->hp)))
                return -1;
        return 0;
}

/* The long header up to the Packet Number field.  On success pn_off is the
 * offset of the (protected) packet number and end the end of the packet. */
static enum quic_initial_verdict
parse_header(const uint8_t *p, size_t len, struct quic_initial_info *h, size_t *pn_off, size_t *end)
{
        struct rd r = rd_init(p, len);
        uint8_t first = rd_u8(&r);
        h->version = rd_be32(&r);
        if (r.err)
                return (len > 0 && !(p[0] & 0x80)) ? QI_NOT_INITIAL : QI_TRUNCATED;
        if (!(first & 0x80) || h->version == 0) /* short header, Version Negotiation */
                return QI_NOT_INITIAL;
        const struct version_params *v = params_of(h->version);
        if (!v)
                return QI_UNSUPPORTED;
        if (((first >> 4) & 3) != v->initial_type)
                return QI_NOT_INITIAL;
        h->dcid_len = rd_u8(&r);
        const uint8_t *dcid = rd_ptr(&r, h->dcid_len > QUIC_CID_MAX ? 0 : h->dcid_len);
        h->scid_len = rd_u8(&r);
        const uint8_t *scid = rd_ptr(&r, h->scid_len > QUIC_CID_MAX ? 0 : h->scid_len);
        if (h->dcid_len > QUIC_CID_MAX || h->scid_len > QUIC_CID_MAX)
                return r.err ? QI_TRUNCATED : QI_INVALID;
        rd_skip(&r, quic_wire_varint(&r)); /* token */
        uint64_t length = quic_wire_varint(&r);
        if (r.err || length > rd_left(&r))
                return QI_TRUNCATED;
        memcpy(h->dcid, dcid, h->dcid_len);
        memcpy(h->scid, scid, h->scid_len);
        *pn_off = r.off;
        *end = r.off + (size_t)length;
        h->packet_len = *end;
        /* the sample must fit, and a packet needs its tag after the number */
        return length >= 4 + SAMPLE_LEN ? QI_PROVEN : QI_INVALID;
}

/* The unprotected bytes of the header: the first byte and the packet number
 * (RFC 9001 §5.4.1); the bytes between them are sent in the clear. */
struct unmasked {
        uint8_t first, pn_bytes[4];
        size_t pn_len;
        uint64_t pn;
};

static int remove_header_protection(struct quic_initial *q, const struct quic_initial_keys *k,
                                    const uint8_t *p, size_t pn_off, struct unmasked *u)
{
        uint8_t mask[SAMPLE_LEN + 16];
        int n = 0, m = 0;
        if (EVP_EncryptInit_ex2(q->hp_ctx, q->ecb, k->hp, NULL, NULL) <= 0 ||
            EVP_CIPHER_CTX_set_padding(q->hp_ctx, 0) <= 0 ||
            EVP_EncryptUpdate(q->hp_ctx, mask, &n, p + pn_off + 4, SAMPLE_LEN) <= 0 ||
            EVP_EncryptFinal_ex(q->hp_ctx, mask + n, &m) <= 0 || n + m < 5)
                return -1;
        u->first = p[0] ^ (mask[0] & 0x0Fu); /* long header: the low four bits */
        u->pn_len = (size_t)(u->first & 3u) + 1;
        u->pn = 0;
        for (size_t i = 0; i < u->pn_len; i++) {
                u->pn_bytes[i] = p[pn_off + i] ^ mask[1 + i];
                u->pn = u->pn << 8 | u->pn_bytes[i];
        }
        return 0;
}

/* AEAD_AES_128_GCM open of the payload, the tag after it; the AAD is the
 * unprotected header, fed in three pieces so that no copy of it is made. */
static enum quic_initial_verdict aead_open(struct quic_initial *q,
                                           const struct quic_initial_keys *k, const uint8_t *p,
                                           size_t pn_off, const struct unmasked *u, size_t ct_len,
                                           uint8_t *plain, size_t plain_cap)
{
        uint8_t nonce[12], tag[TAG_LEN];
        const uint8_t *ct = p + pn_off + u->pn_len;
        memcpy(nonce, k->iv, sizeof(nonce));
        for (int i = 0; i < 8; i++)
                nonce[11 - i] ^= (uint8_t)(u->pn >> (8 * i));
        memcpy(tag, ct + ct_len, TAG_LEN);
        EVP_CIPHER_CTX *c = q->aead_ctx;
        int n = 0;
        if (EVP_DecryptInit_ex2(c, q->gcm, k->key, nonce, NULL) <= 0 ||
            EVP_DecryptUpdate(c, NULL, &n, &u->first, 1) <= 0 ||
            EVP_DecryptUpdate(c, NULL, &n, p + 1, (int)(pn_off - 1)) <= 0 ||
            EVP_DecryptUpdate(c, NULL, &n, u->pn_bytes, (int)u->pn_len) <= 0)
                return QI_CRYPTO_ERROR;
        bool whole = plain && plain_cap >= ct_len;
        for (size_t off = 0; off < ct_len;) {
                size_t left = ct_len - off;
                size_t chunk = whole ? ct_len : left < SCRATCH_LEN ? left : SCRATCH_LEN;
                if (EVP_DecryptUpdate(c, whole ? plain : q->scratch, &n, ct + off, (int)chunk) <= 0)
                        return QI_CRYPTO_ERROR;
                off += chunk;
        }
        if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, tag) <= 0)
                return QI_CRYPTO_ERROR;
        return EVP_DecryptFinal_ex(c, q->scratch, &n) > 0 ? QI_PROVEN : QI_AUTH_FAILED;
}

enum quic_initial_verdict quic_initial_prove(struct quic_initial *q, const uint8_t *p, size_t len,
                                             struct quic_initial_info *info, uint8_t *plain,
                                             size_t plain_cap)
{
        struct quic_initial_info local;
        struct quic_initial_info *h = info ? info : &local;
        memset(h, 0, sizeof(*h));
        size_t pn_off = 0, end = 0;
        enum quic_initial_verdict v = parse_header(p, len, h, &pn_off, &end);
        if (v != QI_PROVEN)
                return v;
        struct quic_initial_keys k;
        struct unmasked u;
        if (quic_initial_derive(q, h->version, h->dcid, h->dcid_len, false, &k) ||
            remove_header_protection(q, &k, p, pn_off, &u))
                return QI_CRYPTO_ERROR;
        h->packet_number = u.pn;
        size_t hdr_len = pn_off + u.pn_len;
        if (end - hdr_len < TAG_LEN)
                return QI_INVALID;
        h->payload_len = end - hdr_len - TAG_LEN;
        return aead_open(q, &k, p, pn_off, &u, h->payload_len, plain, plain_cap);
}

const char *quic_initial_verdict_name(enum quic_initial_verdict v)
{
        switch (v) {
        case QI_PROVEN:
                return "proven";
        case QI_NOT_INITIAL:
                return "not_initial";
        case QI_UNSUPPORTED:
                return "unsupported_version";
        case QI_TRUNCATED:
                return "truncated";
        case QI_INVALID:
                return "invalid";
        case QI_AUTH_FAILED:
                return "auth_failed";
        case QI_CRYPTO_ERROR:
                return "crypto_error";
        }
        return "?";
}
