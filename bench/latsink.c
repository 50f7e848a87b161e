/* latsink: the far end of the latency benchmark. Reads records from stdin
 * (the output of kcons), finds the send time that bench/wsload -r put in
 * each ("-t<ns>", CLOCK_MONOTONIC), and reports how long each took to get
 * here: count, p50, p99 and max in milliseconds.
 *
 *   latsink [-n count] [-w warmup]
 *
 * Stops after count records (default: at end of input); the first warmup
 * records (default 0) are not counted. */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        long count = -1, warmup = 0;
        int opt;
        while ((opt = getopt(argc, argv, "n:w:")) != -1) {
                if (opt == 'n')
                        count = atol(optarg);
                else if (opt == 'w')
                        warmup = atol(optarg);
                else {
                        fprintf(stderr, "usage: latsink [-n count] [-w warmup]\n");
                        return 2;
                }
        }
        size_t cap = 1 << 16, n = 0;
        uint64_t *lat = malloc(cap * sizeof(*lat));
        if (!lat)
                err(1, "malloc");
        char *line = NULL;
        size_t linecap = 0;
        long seen = 0, unparsed = 0;
        ssize_t len;
        while ((count < 0 || seen < count) && (len = getline(&line, &linecap, stdin)) >= 0) {
                uint64_t t = now_ns();
                seen++;
                char *p = strstr(line, "-t");
                if (!p) {
                        unparsed++;
                        continue;
                }
                uint64_t sent = strtoull(p + 2, NULL, 10);
                if (seen <= warmup || sent == 0 || sent > t)
                        continue;
                if (n == cap) {
                        cap *= 2;
                        uint64_t *l = realloc(lat, cap * sizeof(*lat));
                        if (!l)
                                err(1, "realloc");
                        lat = l;
                }
                lat[n++] = t - sent;
        }
        free(line);
        if (n == 0)
                errx(1, "no timed records read (%ld lines, %ld without a send time)", seen,
                     unparsed);
        qsort(lat, n, sizeof(*lat), cmp_u64);
        printf("count=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f unparsed=%ld\n", n, lat[n / 2] / 1e6,
               lat[(size_t)((double)n * 0.99)] / 1e6, lat[n - 1] / 1e6, unparsed);
        free(lat);
        return 0;
}
