/*
 * alloc_count — -Wl,--wrap interposers: each wrapped call bumps a counter
 * and forwards to the real allocator (__real_*), so the benchmark can prove
 * that steady-state packet processing performs no heap call at all.
 */
#include "alloc_count.h"

#include <stdlib.h>
#include <string.h>

struct alloc_counts alloc_counts;

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
char *__real_strdup(const char *s);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
char *__wrap_strdup(const char *s);

void *__wrap_malloc(size_t n)
{
        alloc_counts.allocs++;
        return __real_malloc(n);
}

void *__wrap_calloc(size_t m, size_t n)
{
        alloc_counts.allocs++;
        return __real_calloc(m, n);
}

void *__wrap_realloc(void *p, size_t n)
{
        alloc_counts.allocs++;
        return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
        if (p)
                alloc_counts.frees++;
        __real_free(p);
}

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
        alloc_counts.allocs++;
        return __real_posix_memalign(p, a, n);
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
        alloc_counts.allocs++;
        return __real_aligned_alloc(a, n);
}

char *__wrap_strdup(const char *s)
{
        alloc_counts.allocs++;
        return __real_strdup(s);
}
