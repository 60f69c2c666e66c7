/*
 * The opaque stats object of the public API: programs never see struct
 * cst_stats (new, copy, free, reset here; counters by name in
 * policy/stats_names.c, beside the verdict table that names the reasons).
 */
#include <stdlib.h>
#include <string.h>
#include <constrictor/constrictor.h>
#include "stats/stats_int.h"

struct cst_stats *cst_stats_new(void)
{
        return calloc(1, sizeof(struct cst_stats));
}

struct cst_stats *cst_stats_copy(const struct cst_stats *st)
{
        struct cst_stats *c = malloc(sizeof(*c));
        if (c)
                *c = *st;
        return c;
}

void cst_stats_free(struct cst_stats *st)
{
        free(st);
}

void cst_stats_reset(struct cst_stats *st)
{
        memset(st, 0, sizeof(*st));
}
