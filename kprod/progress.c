/* progress: rate-limited progress lines and the final summary. */
#include "progress.h"

#include <err.h>
#include <inttypes.h>

/* Seconds from a to b. */
static double elapsed(const struct timespec *a, const struct timespec *b)
{
        return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void progress_init(struct progress *pg, bool on)
{
        pg->on = on;
        clock_gettime(CLOCK_MONOTONIC, &pg->start);
        pg->last = pg->start;
        pg->last_read = 0;
}

void progress_tick(struct progress *pg, const struct counts *c, long inflight)
{
        if (!pg->on)
                return;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double dt = elapsed(&pg->last, &now);
        if (dt < 1.0)
                return;
        warnx("%" PRIu64 " records, %.1f MiB, %.0f records/s, %ld in flight", c->read,
              (double)c->bytes / (1024.0 * 1024.0), (double)(c->read - pg->last_read) / dt,
              inflight);
        pg->last = now;
        pg->last_read = c->read;
}

void progress_summary(const struct progress *pg, const struct counts *c, long inflight)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t failed = c->rejected + c->dr_failed;
        uint64_t delivered = c->produced - c->dr_failed - (uint64_t)inflight;
        warnx("%" PRIu64 " records read, %" PRIu64 " delivered, %" PRIu64 " failed, %" PRIu64
              " empty skipped (%.2f s)",
              c->read, delivered, failed, c->empty, elapsed(&pg->start, &now));
}
