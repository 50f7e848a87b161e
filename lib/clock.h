/* clock: the two clocks the tools read, in milliseconds. Timeouts and
 * intervals use the monotonic clock; Kafka timestamps the wall clock. */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

#include <stdint.h>

/* Milliseconds on a clock that only moves forward (CLOCK_MONOTONIC). */
int64_t clock_mono_ms(void);
/* Milliseconds since the epoch (CLOCK_REALTIME), as Kafka timestamps are. */
int64_t clock_wall_ms(void);

#endif
