/*
 * reinflate — pad constricted packets back to their original length and
 * optionally recompute their checksums (SPEC 2.9).
 *
 * Fill: the configured byte (default 0xAB), or pseudo-random bytes from
 * xoshiro256** seeded by splitmix64 — from `seed` when configured (so
 * `fill_byte = random` is reproducible, unlike the offline tool, SPEC 6.10)
 * or from getrandom(2).  Original lengths above REINFLATE_MAX_ORIGLEN are
 * rejected (SPEC 6.16: output is bounded by the input).
 */
#include "reinflate/reinflate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "reinflate/checksum.h"

/* splitmix64 (Steele, Lea, Flood 2014): expands one seed into xoshiro state. */
static uint64_t splitmix64(uint64_t *x)
{
        uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman, Vigna 2018). */
static inline uint64_t xoshiro_next(uint64_t s[4])
{
        uint64_t result = rotl64(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl64(s[3], 45);
        return result;
}

static int seed_rng(struct reinflater *r, char *err)
{
        uint64_t x = r->cfg.seed;
        if (!r->cfg.seed_set && getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x)) {
                snprintf(err, CST_ERRBUF, "failed to seed the random filler (getrandom)");
                return CST_EFATAL;
        }
        for (int i = 0; i < 4; i++)
                r->rng[i] = splitmix64(&x);
        return CST_OK;
}

int reinflate_init(struct reinflater *r, const struct cst_config *cfg, char *err)
{
        memset(r, 0, sizeof(*r));
        r->cfg = *cfg;
        r->buf = malloc(REINFLATE_MAX_ORIGLEN);
        if (!r->buf) {
                snprintf(err, CST_ERRBUF, "out of memory for the reinflate buffer");
                return CST_ENOMEM;
        }
        if (cfg->fill_random && seed_rng(r, err) != CST_OK) {
                reinflate_free(r);
                return CST_EFATAL;
        }
        return CST_OK;
}

void reinflate_free(struct reinflater *r)
{
        free(r->buf);
        r->buf = NULL;
}

static void fill_random(uint64_t rng[4], uint8_t *b, size_t n)
{
        while (n >= 8) {
                uint64_t v = xoshiro_next(rng);
                for (int i = 0; i < 8; i++)
                        b[i] = (uint8_t)(v >> (8 * i));
                b += 8;
                n -= 8;
        }
        if (n) {
                uint64_t v = xoshiro_next(rng);
                for (size_t i = 0; i < n; i++)
                        b[i] = (uint8_t)(v >> (8 * i));
        }
}

/* Packets that pass through untouched: raw blocks, unknown interfaces. */
static bool passes_through(const struct cst_packet *pkt, struct cst_stats *st)
{
        if (pkt->kind != CST_REC_PACKET)
                return true;
        if (pkt->flags & CST_PKT_UNKNOWN_IF) {
                st->pcapng_unsupported_packets++;
                return true;
        }
        return false;
}

int reinflate_packet(struct reinflater *r, const struct cst_packet *pkt, uint64_t index,
                     const uint8_t **out, uint32_t *out_len, struct cst_stats *st, char *err)
{
        *out = pkt->data;
        *out_len = pkt->caplen;
        if (passes_through(pkt, st))
                return CST_OK;
        if (pkt->origlen > REINFLATE_MAX_ORIGLEN) {
                snprintf(err, CST_ERRBUF,
                         "packet %" PRIu64 ": original length %" PRIu32
                         " exceeds the maximum of %u bytes",
                         index, pkt->origlen, REINFLATE_MAX_ORIGLEN);
                return CST_EFATAL;
        }
        if (pkt->caplen > pkt->origlen) { /* contract: kept whole, not analysed */
                st->caplen_exceeds_origlen_packets++;
                return CST_OK;
        }
        bool pad = pkt->caplen < pkt->origlen;
        if (!pad && !r->cfg.checksum_recompute)
                return CST_OK;

        if (pkt->caplen)
                memcpy(r->buf, pkt->data, pkt->caplen);
        if (pad) {
                uint32_t n = pkt->origlen - pkt->caplen;
                if (r->cfg.fill_random)
                        fill_random(r->rng, r->buf + pkt->caplen, n);
                else
                        memset(r->buf + pkt->caplen, r->cfg.fill_byte, n);
                st->packets_reinflated++;
                st->filler_bytes_written += n;
        }
        if (r->cfg.checksum_recompute)
                csum_recompute_frame(pkt->linktype, r->buf, pkt->origlen, st);
        *out = r->buf;
        *out_len = pkt->origlen;
        return CST_OK;
}
