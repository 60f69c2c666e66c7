/*
 * Private: the table of stats counters in the order of SPEC 2.10, shared by
 * the text and JSON printers so both always list the same counters.
 */
#ifndef CST_STATS_INT_H
#define CST_STATS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stats/stats_def.h"

struct stats_field {
        const char *label; /* text label (SPEC 2.10), NULL = JSON only */
        const char *key;   /* JSON key (snake_case) */
        size_t offset;     /* of the uint64_t counter in struct cst_stats */
        bool live;         /* text: printed whenever kernel stats are present */
};

/* The counters of the compatible block, in print order.  The policy label
 * is printed just before "QUIC packets truncated". */
extern const struct stats_field stats_compat_fields[];
extern const size_t stats_compat_count;
/* constrictor's own counters. */
extern const struct stats_field stats_extra_fields[];
extern const size_t stats_extra_count;

static inline uint64_t stats_value(const struct cst_stats *st, const struct stats_field *f)
{
        return *(const uint64_t *)(const void *)((const char *)st + f->offset);
}

#endif
