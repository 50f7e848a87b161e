/* counts: what kprod has done with its input, for progress, the summary and
 * the exit status. Every record read ends up in exactly one of: skipped
 * empty, rejected (never handed to librdkafka), failed delivery, in flight
 * (in librdkafka, or waiting to be produced again alone: alone.h),
 * delivered. ts_now counts, among those produced, the -J envelopes whose
 * CreateTime 0 librdkafka sends as the time of producing. */
#ifndef KPROD_COUNTS_H
#define KPROD_COUNTS_H

#include <stdint.h>

struct counts {
        uint64_t read;       /* records read, empty ones included */
        uint64_t bytes;      /* input bytes, delimiters included */
        uint64_t empty;      /* empty records skipped */
        uint64_t produced;   /* records handed to librdkafka */
        uint64_t rejected;   /* not produced: too large, refused, or cut short */
        uint64_t dr_failed;  /* produced, but the delivery failed */
        uint64_t unfinished; /* bytes of a record whose end was never read */
        uint64_t ts_now;       /* -J: produced with the time of producing for CreateTime 0 */
        uint64_t ts_now_first; /* the number of the first of them */
};

#endif
