/* Minimal unit-test helpers: CHECK records failures, check_summary() ends the run. */
#ifndef CST_TEST_CHECK_H
#define CST_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                \
        do {                                                                                       \
                check_count++;                                                                     \
                if (!(cond)) {                                                                     \
                        check_failures++;                                                          \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
                }                                                                                  \
        } while (0)

#define CHECK_EQ_U(a, b)                                                                           \
        do {                                                                                       \
                unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);     \
                check_count++;                                                                     \
                if (a_ != b_) {                                                                    \
                        check_failures++;                                                          \
                        fprintf(stderr, "%s:%d: %s == %s failed: %llu != %llu\n", __FILE__,        \
                                __LINE__, #a, #b, a_, b_);                                         \
                }                                                                                  \
        } while (0)

#define CHECK_STR(a, b)                                                                            \
        do {                                                                                       \
                const char *a_ = (a), *b_ = (b);                                                   \
                check_count++;                                                                     \
                if (strcmp(a_, b_) != 0) {                                                         \
                        check_failures++;                                                          \
                        fprintf(stderr, "%s:%d: %s: got \"%s\" want \"%s\"\n", __FILE__, __LINE__, \
                                #a, a_, b_);                                                       \
                }                                                                                  \
        } while (0)

/* A run that made no check fails: it has proved nothing (a skipped loop, an empty table). */
static inline int check_summary(const char *name)
{
        printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
        if (check_count == 0) {
                fprintf(stderr, "%s: FAIL: no check was made\n", name);
                return 1;
        }
        return check_failures ? 1 : 0;
}

#endif
