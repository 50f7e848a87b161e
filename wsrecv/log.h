/* log: wsrecv's diagnostics on stderr, warnx-style ("wsrecv: " and one
 * line), at the verbosity -q or -v chose. Every line is one write, so that
 * lines of tools sharing stderr do not interleave. The one place besides
 * err(3) in main.c that writes to stderr. */
#ifndef WSRECV_LOG_H
#define WSRECV_LOG_H

enum log_level { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1 };

/* The verbosity asked for (LOG_NORMAL until set). */
void log_set(enum log_level level);
/* True when lines of this level are written. */
int log_on(enum log_level level);
/* Writes one line when the verbosity asked for is at least level
 * (LOG_QUIET: always). */
void logx(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
