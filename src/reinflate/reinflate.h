/*
 * reinflate — pad constricted packets back to their original length
 * (SPEC 2.9) and optionally recompute IPv4/TCP/UDP checksums.
 */
#ifndef CST_REINFLATE_H
#define CST_REINFLATE_H

#include <stdint.h>
#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

/* Largest original length reinflate will pad to (SPEC 6.16). */
#define REINFLATE_MAX_ORIGLEN 262144u

struct reinflater {
        struct cst_config cfg;
        uint8_t *buf;    /* scratch frame of REINFLATE_MAX_ORIGLEN bytes */
        uint64_t rng[4]; /* xoshiro256** state for fill_byte = random */
};

int reinflate_init(struct reinflater *r, const struct cst_config *cfg, char *err);
void reinflate_free(struct reinflater *r);

/*
 * Produce the output bytes of one packet: padded to origlen with the filler,
 * checksums recomputed when configured.  *out points either at pkt->data
 * (nothing to change) or at r->buf.  Returns CST_OK, or CST_EFATAL when
 * origlen is beyond REINFLATE_MAX_ORIGLEN (message names the packet).
 * `index` is the 0-based packet index used in messages.
 *
 * Counters it owns: packets_reinflated, filler_bytes_written, the checksum
 * counters, pcapng_unsupported_packets (CST_PKT_UNKNOWN_IF packets, passed
 * through) and caplen_exceeds_origlen_packets (passed through).  Raw blocks
 * (CST_REC_BLOCK) pass through uncounted.  The caller counts the totals.
 * Filler: cfg->fill_byte, or with cfg->fill_random xoshiro256** bytes seeded
 * from cfg->seed (reproducible) or, without a seed, from getrandom(2).
 * Checksum recompute: Ethernet as SPEC 2.9, also SLL, SLL2, raw IP and null.
 */
int reinflate_packet(struct reinflater *r, const struct cst_packet *pkt, uint64_t index,
                     const uint8_t **out, uint32_t *out_len, struct cst_stats *st, char *err);

#endif
