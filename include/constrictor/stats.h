/*
 * Counters of one run.  struct cst_stats is opaque: counters are read by
 * name (the snake_case names of `--stats-format json`, e.g.
 * "tls_truncated"; a '.' may stand for the first '_' — "tls.truncated")
 * or all in turn through cst_stats_next(), so a new counter never changes
 * the ABI.  All counters are 64-bit.
 */
#ifndef CONSTRICTOR_STATS_H
#define CONSTRICTOR_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cst_stats; /* opaque */

/* Zeroed counters; NULL when out of memory. */
struct cst_stats *cst_stats_new(void);
struct cst_stats *cst_stats_copy(const struct cst_stats *st);
/* NULL is fine. */
void cst_stats_free(struct cst_stats *st);
/* Every counter back to zero. */
void cst_stats_reset(struct cst_stats *st);

/*
 * One counter by name.  Besides the counters, the input description is
 * readable the same way: "input_pcapng", "input_nsec", "input_big_endian"
 * (0/1), "input_linktype", "input_snaplen", "tls_policy" (enum
 * cst_tls_policy) and "have_kernel_stats".  Returns CST_OK or CST_EKEY for
 * an unknown name (*value untouched).
 */
int cst_stats_get(const struct cst_stats *st, const char *name, uint64_t *value);

/*
 * Iterate over every counter in the order of the JSON output:
 *
 *     size_t pos = 0; const char *name; uint64_t v;
 *     while (cst_stats_next(st, &pos, &name, &v))
 *             printf("%s %llu\n", name, (unsigned long long)v);
 *
 * Returns 1 and advances *pos while there is a counter, 0 at the end.
 */
int cst_stats_next(const struct cst_stats *st, size_t *pos, const char **name, uint64_t *value);
/* Number of counters cst_stats_next() yields. */
size_t cst_stats_count(void);

enum cst_stats_mode {
        CST_STATS_CONSTRICT = 0,
        CST_STATS_REINFLATE = 1,
};

/* Text block of SPEC 2.10 (labels exact), followed by the warnings. */
int cst_stats_print_text(FILE *out, const struct cst_stats *st, bool checksum_recompute);
/* The same counters as one JSON object on one line. */
int cst_stats_print_json(FILE *out, const struct cst_stats *st);

#ifdef __cplusplus
}
#endif

#endif
