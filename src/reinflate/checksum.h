/*
 * checksum — Internet checksum (RFC 1071) and the recompute step of
 * reinflate (SPEC 2.9): IPv4 header, TCP and UDP over IPv4/IPv6.
 */
#ifndef CST_REINFLATE_CHECKSUM_H
#define CST_REINFLATE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <constrictor/stats.h>
#include "reinflate/csum_walk.h"
#include "stats/stats_def.h" /* struct layout: private to the library */

/* One's-complement sum of n bytes added to acc (not folded, not inverted). */
uint64_t csum_partial(const uint8_t *b, size_t n, uint64_t acc);
/* Fold to 16 bits and invert: the value written into a checksum field. */
uint16_t csum_finish(uint64_t acc);

/*
 * Recompute the checksums of one frame in place, as the plan says.  The
 * caller ran csum_walk() on the same bytes and pl->skip == CSUM_OK.
 */
void csum_apply(uint8_t *p, uint32_t len, const struct csum_plan *pl);

/* Walk, apply and count (checksums_recomputed_* or checksum_skipped_*). */
void csum_recompute_frame(uint32_t linktype, uint8_t *p, uint32_t len, struct cst_stats *st);

#endif
