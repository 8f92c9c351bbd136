/*
 * check.h: the smallest unit-test harness that can fail.
 *
 * A test file is a C program with one function per case, each run through
 * RUN(fn).  CHECK(cond) and CHECK_STR(got, want) record a failure with the
 * file and line; a case passes when none of its checks failed.  main() ends
 * with `return check_summary();`, which prints "N passed, N failed" and
 * returns non-zero when a case failed or no case ran at all.
 *
 * REQUIRE(cond) and REQUIRE_INT(got, want) are CHECK and CHECK_INT that also
 * end the case (a return from its function) when they fail: for the check a
 * later line stands on, such as a pointer it follows or a length before an
 * index, so a failure is reported instead of a read out of bounds that would
 * crash the file and hide the cases after it.
 */
#ifndef HITC_CHECK_H
#define HITC_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed, check_case_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                        \
            check_case_failed = 1;                                           \
        }                                                                    \
    } while (0)

#define CHECK_STR(got, want)                                                 \
    do {                                                                     \
        const char *g_ = (got), *w_ = (want);                                \
        if (!g_ || !w_ || strcmp(g_, w_) != 0) {                             \
            fprintf(stderr, "  %s:%d: got '%s', want '%s'\n", __FILE__,      \
                    __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)");       \
            check_case_failed = 1;                                           \
        }                                                                    \
    } while (0)

#define CHECK_INT(got, want)                                                 \
    do {                                                                     \
        long long g_ = (long long)(got), w_ = (long long)(want);             \
        if (g_ != w_) {                                                      \
            fprintf(stderr, "  %s:%d: %s is %lld, want %lld\n", __FILE__,    \
                    __LINE__, #got, g_, w_);                                 \
            check_case_failed = 1;                                           \
        }                                                                    \
    } while (0)

#define REQUIRE(cond)                                                        \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  %s:%d: required check failed: %s\n",          \
                    __FILE__, __LINE__, #cond);                              \
            check_case_failed = 1;                                           \
            return;                                                          \
        }                                                                    \
    } while (0)

#define REQUIRE_INT(got, want)                                               \
    do {                                                                     \
        long long g_ = (long long)(got), w_ = (long long)(want);             \
        if (g_ != w_) {                                                      \
            fprintf(stderr, "  %s:%d: %s is %lld, want %lld (required)\n",   \
                    __FILE__, __LINE__, #got, g_, w_);                       \
            check_case_failed = 1;                                           \
            return;                                                          \
        }                                                                    \
    } while (0)

#define RUN(fn)                                                              \
    do {                                                                     \
        check_case_failed = 0;                                               \
        fn();                                                                \
        if (check_case_failed) {                                             \
            check_failed++;                                                  \
            printf("FAIL %s\n", #fn);                                        \
        } else {                                                             \
            check_passed++;                                                  \
            printf("PASS %s\n", #fn);                                        \
        }                                                                    \
        fflush(stdout);                                                      \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed > 0 || check_passed == 0;
}

#endif
