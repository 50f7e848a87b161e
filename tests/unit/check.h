/* The checks of the unit tests (tests/unit/NAME_test.c): each names what it
 * checks; a failed one prints where and why, and the test exits 1. */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdio.h>

static int checks, failures;

#define CHECK(cond)                                                                              \
        do {                                                                                     \
                checks++;                                                                        \
                if (!(cond)) {                                                                   \
                        failures++;                                                              \
                        fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond);       \
                }                                                                                \
        } while (0)

#define CHECK_EQ(a, b)                                                                           \
        do {                                                                                     \
                unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);   \
                checks++;                                                                        \
                if (a_ != b_) {                                                                  \
                        failures++;                                                              \
                        fprintf(stderr, "%s:%d: failed: %s == %s (%llu != %llu)\n", __FILE__,    \
                                __LINE__, #a, #b, a_, b_);                                       \
                }                                                                                \
        } while (0)

/* Prints the outcome; the exit status of main. */
static int check_report(const char *name)
{
        if (failures) {
                printf("%s: %d of %d checks failed\n", name, failures, checks);
                return 1;
        }
        printf("%s: %d checks passed\n", name, checks);
        return 0;
}

#endif
