/* progress: the -v lines on stderr, at most one a second, and the summary. */
#ifndef KPROD_PROGRESS_H
#define KPROD_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "counts.h"

struct progress {
        bool on;
        int64_t start, last; /* clock_mono_ms() */
        uint64_t last_read;
};

void progress_init(struct progress *pg, bool on);
/* Prints a progress line when on and a second has passed since the last. */
void progress_tick(struct progress *pg, const struct counts *c, long inflight);
/* The final line: records read, delivered, failed, skipped empty. */
void progress_summary(const struct progress *pg, const struct counts *c, long inflight);

#endif
