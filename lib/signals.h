/* signals: the stop protocol shared by all three tools.
 *
 * SIGINT and SIGTERM are counted (first: drain and finish; second: quit
 * now); signals within a quarter second of the first are the same stop
 * (a process group or systemctl delivers one stop several times). SIGUSR1
 * is a first stop and never a second: a supervisor passes a stop on with
 * it, however late, without making it a second. SIGPIPE is ignored so
 * that a closed stdout shows up as EPIPE.
 * Handlers are installed without SA_RESTART so blocking calls return EINTR. */
#ifndef LIB_SIGNALS_H
#define LIB_SIGNALS_H

/* Installs the handlers. Returns 0 or -1 (errno set). */
int signals_install(void);
/* How many stops have arrived so far (0, 1, or more). */
int signals_stop_count(void);

#endif
