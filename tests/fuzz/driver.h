/* driver: the main of a fuzz target's own run, without libFuzzer (make
 * testtools). It prints the seed first (argv[2] when given, else the
 * clock), runs the target's fixed inputs, then N random ones (argv[1],
 * default 100000), and ends with one verdict line; `DRIVER N SEED` replays
 * a failing run. A target says only how it makes its inputs: the loop, the
 * seed and the verdict are here, the same for all of them. */
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_target {
        const char *name;
        const char *const *cases; /* fixed inputs, as C strings (may be none) */
        size_t ncases;
        void (*start)(void);      /* after seeding, before the random inputs, or NULL */
        void (*end)(void);        /* after them, or NULL */
        /* Writes random input number it into buf, max bytes at most; returns its length. */
        size_t (*random_input)(uint8_t *buf, size_t max, long it);
        size_t max;
};

/* Appends tokens picked at random to the n bytes of buf while the next one
 * fits in max, until there are want bytes; returns the new length. */
static inline size_t fuzz_tokens(uint8_t *buf, size_t n, size_t max, size_t want,
                                 const char *const *tokens, size_t ntokens)
{
        while (n < want) {
                const char *t = tokens[(size_t)rand() % ntokens];
                size_t tl = strlen(t);
                if (n + tl > max)
                        break;
                memcpy(buf + n, t, tl);
                n += tl;
        }
        return n;
}

/* The whole run of target t; returns main's status (a violated property
 * aborts before). */
static inline int fuzz_main(int argc, char **argv, const struct fuzz_target *t)
{
        long iterations = argc > 1 ? atol(argv[1]) : 100000;
        unsigned seed = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : (unsigned)time(NULL);
        printf("%s: seed %u\n", t->name, seed);
        fflush(stdout);
        srand(seed);
        for (size_t i = 0; i < t->ncases; i++)
                LLVMFuzzerTestOneInput((const uint8_t *)t->cases[i], strlen(t->cases[i]));
        if (t->start)
                t->start();
        uint8_t *buf = malloc(t->max);
        if (!buf) {
                perror(t->name);
                return 1;
        }
        for (long it = 0; it < iterations; it++)
                LLVMFuzzerTestOneInput(buf, t->random_input(buf, t->max, it));
        free(buf);
        if (t->end)
                t->end();
        printf("%s: %ld random inputs, all properties hold\n", t->name, iterations);
        return 0;
}

#endif
