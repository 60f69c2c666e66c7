/*
 * alloc_count — counts heap calls made by the library and the benchmark
 * (the link wraps malloc/calloc/realloc/free/posix_memalign/aligned_alloc/
 * strdup with -Wl,--wrap, so every call from libconstrictor.a lands here).
 */
#ifndef BENCH_ALLOC_COUNT_H
#define BENCH_ALLOC_COUNT_H

#include <stdint.h>

struct alloc_counts {
        uint64_t allocs; /* malloc, calloc, realloc, posix_memalign, aligned_alloc, strdup */
        uint64_t frees;
};

extern struct alloc_counts alloc_counts;

#endif
