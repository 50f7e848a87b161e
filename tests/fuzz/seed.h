/* seed: the random seed of a fuzz driver's own run (without libFuzzer):
 * argv[2] when given, else the clock; printed first, so that a failing
 * run can be replayed with `DRIVER N SEED`. */
#ifndef FUZZ_SEED_H
#define FUZZ_SEED_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Seeds rand() for the driver called name and returns the seed. */
static inline unsigned fuzz_seed(int argc, char **argv, const char *name)
{
        unsigned seed = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : (unsigned)time(NULL);
        printf("%s: seed %u\n", name, seed);
        fflush(stdout);
        srand(seed);
        return seed;
}

#endif
