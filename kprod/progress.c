/* progress: rate-limited progress lines and the final summary. */
#include "progress.h"

#include <err.h>
#include <inttypes.h>

#include "clock.h"

/* Seconds since the monotonic millisecond mark. */
static double since(int64_t mark)
{
        return (double)(clock_mono_ms() - mark) / 1000.0;
}

void progress_init(struct progress *pg, bool on)
{
        pg->on = on;
        pg->start = pg->last = clock_mono_ms();
        pg->last_read = 0;
}

void progress_tick(struct progress *pg, const struct counts *c, long inflight)
{
        if (!pg->on)
                return;
        double dt = since(pg->last);
        if (dt < 1.0)
                return;
        warnx("%" PRIu64 " records, %.1f MiB, %.0f records/s, %ld in flight", c->read,
              (double)c->bytes / (1024.0 * 1024.0), (double)(c->read - pg->last_read) / dt,
              inflight);
        pg->last = clock_mono_ms();
        pg->last_read = c->read;
}

void progress_summary(const struct progress *pg, const struct counts *c, long inflight)
{
        uint64_t failed = c->rejected + c->dr_failed;
        uint64_t delivered = c->produced - c->dr_failed - (uint64_t)inflight;
        warnx("%" PRIu64 " records read, %" PRIu64 " delivered, %" PRIu64 " failed, %" PRIu64
              " empty skipped (%.2f s)",
              c->read, delivered, failed, c->empty, since(pg->start));
}
