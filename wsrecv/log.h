/* log: wsrecv's diagnostics on stderr, warnx-style ("wsrecv: " and one
 * line), at the verbosity -q or -v chose. Every line is one write, so that
 * lines of tools sharing stderr do not interleave. The one place besides
 * err(3) in main.c that writes to stderr. */
#ifndef WSRECV_LOG_H
#define WSRECV_LOG_H

#include "verbosity.h"

/* The verbosity asked for (VERB_NORMAL until set). */
void log_set(enum verbosity level);
/* True when lines of this level are written. */
int log_on(enum verbosity level);
/* Writes one line when the verbosity asked for is at least level
 * (VERB_QUIET: always). */
void logx(enum verbosity level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
