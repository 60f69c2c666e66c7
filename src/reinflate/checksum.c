/*
 * checksum — recompute IPv4 header, TCP and UDP checksums of a reinflated
 * frame (SPEC 2.9, checksum_policy = recompute).
 *
 * RFC 1071 one's-complement sum; pseudo-headers of RFC 9293 §3.1 (TCP over
 * IPv4), RFC 768 (UDP) and RFC 8200 §8.1 (upper-layer checksums over IPv6).
 * As the offline tool does, a computed transport checksum of 0 is written as
 * 0xFFFF (RFC 768's rule, applied to TCP too), and a UDP checksum of 0 in the
 * input ("no checksum") is replaced.
 */
#include "reinflate/checksum.h"

#include "util/rd.h"

#define IPV4_CSUM_OFF 10u
#define TCP_CSUM_OFF  16u
#define UDP_CSUM_OFF  6u
#define IPPROTO_TCP_  6u

/*
 * Summing big-endian 32-bit words is the same one's-complement sum as
 * 16-bit words, because 2^16 == 1 modulo 0xFFFF; a 64-bit accumulator
 * cannot overflow for frames below 2^32 words.
 */
uint64_t csum_partial(const uint8_t *b, size_t n, uint64_t acc)
{
        while (n >= 4) {
                acc += (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
                b += 4;
                n -= 4;
        }
        if (n >= 2) {
                acc += (uint32_t)(b[0] << 8 | b[1]);
                b += 2;
                n -= 2;
        }
        if (n)
                acc += (uint64_t)b[0] << 8;
        return acc;
}

uint16_t csum_finish(uint64_t acc)
{
        while (acc >> 16)
                acc = (acc & 0xFFFFu) + (acc >> 16);
        return (uint16_t)~acc;
}

/* Sum of n bytes at off, read through a checked window of the frame. */
static uint64_t sum_range(const uint8_t *p, uint32_t len, uint32_t off, uint32_t n, uint64_t acc)
{
        struct rd r = rd_init(p, len);
        rd_skip(&r, off);
        const uint8_t *b = rd_ptr(&r, n);
        return b ? csum_partial(b, n, acc) : acc;
}

static void ipv4_header_checksum(uint8_t *p, uint32_t len, const struct csum_plan *pl)
{
        st_be16(p + pl->l3_off + IPV4_CSUM_OFF, 0);
        st_be16(p + pl->l3_off + IPV4_CSUM_OFF,
                csum_finish(sum_range(p, len, pl->l3_off, pl->ihl, 0)));
}

/* Pseudo-header: addresses, protocol and transport length (IPv4 or IPv6). */
static uint64_t pseudo_header_sum(const uint8_t *p, uint32_t len, const struct csum_plan *pl)
{
        /* IPv4: zero, protocol, 16-bit length; IPv6 (RFC 8200 §8.1): 32-bit
         * length, three zero bytes, next header.  Either sums to proto + len. */
        uint64_t acc = (uint64_t)pl->proto + pl->l4_len;
        if (pl->ip_version == 4)
                return sum_range(p, len, pl->l3_off + 12, 8, acc);
        return sum_range(p, len, pl->l3_off + 8, 32, acc);
}

void csum_apply(uint8_t *p, uint32_t len, const struct csum_plan *pl)
{
        uint32_t field = pl->l4_off + (pl->proto == IPPROTO_TCP_ ? TCP_CSUM_OFF : UDP_CSUM_OFF);
        if (pl->ip_version == 4)
                ipv4_header_checksum(p, len, pl);
        st_be16(p + field, 0);
        uint64_t acc = pseudo_header_sum(p, len, pl);
        acc = sum_range(p, len, pl->l4_off, pl->l4_len, acc);
        uint16_t sum = csum_finish(acc);
        st_be16(p + field, sum == 0 ? 0xFFFFu : sum);
}

static void count_skip(unsigned skip, struct cst_stats *st)
{
        st->checksum_skipped++;
        switch (skip) {
        case CSUM_SKIP_UNSUPPORTED_LINK:
                st->checksum_skipped_unsupported_link_type++;
                break;
        case CSUM_SKIP_DECODE_FAILED:
                st->checksum_skipped_decode_failed++;
                break;
        case CSUM_SKIP_MALFORMED:
                st->checksum_skipped_malformed++;
                break;
        case CSUM_SKIP_FRAGMENT:
                st->checksum_skipped_fragment++;
                break;
        case CSUM_SKIP_NOT_TCP_UDP:
                st->checksum_skipped_not_tcp_udp++;
                break;
        case CSUM_SKIP_INCOMPLETE:
                st->checksum_skipped_incomplete++;
                break;
        case CSUM_SKIP_LENGTH_MISMATCH:
                st->checksum_skipped_length_mismatch++;
                break;
        default:
                st->checksum_skipped_ipv4_total_length_zero++;
                break;
        }
}

void csum_recompute_frame(uint32_t linktype, uint8_t *p, uint32_t len, struct cst_stats *st)
{
        struct csum_plan pl;
        csum_walk(linktype, p, len, &pl);
        if (pl.skip != CSUM_OK) {
                count_skip(pl.skip, st);
                return;
        }
        csum_apply(p, len, &pl);
        if (pl.ip_version == 4)
                st->checksums_recomputed_ipv4++;
        if (pl.proto == IPPROTO_TCP_)
                st->checksums_recomputed_tcp++;
        else
                st->checksums_recomputed_udp++;
}
