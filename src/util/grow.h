/*
 * grow — the one helper for arrays that double in size (allocation happens
 * at load time or on table growth, never per packet on the hot path).
 */
#ifndef CST_UTIL_GROW_H
#define CST_UTIL_GROW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Make *p hold at least `need` elements of `elem` bytes, starting at `first`
 * elements and doubling.  False (and *p unchanged) when out of memory.
 */
static inline bool util_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
        if (need <= *cap)
                return true;
        size_t n = *cap ? *cap : first;
        while (n < need) {
                if (n > SIZE_MAX / 2)
                        return false;
                n *= 2;
        }
        if (n > SIZE_MAX / elem)
                return false;
        void *q = realloc(*p, n * elem);
        if (!q)
                return false;
        *p = q;
        *cap = n;
        return true;
}

#endif
