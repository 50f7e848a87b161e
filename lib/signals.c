/* signals: count stop requests, ignore SIGPIPE. */
#include "signals.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Stop signals that arrive within this time of the first are the same
 * stop: one sent to a process group, by systemctl to every process of a
 * service, or passed on by a supervisor reaches a tool more than once. */
#define SAME_STOP_MS 250

/* The one piece of global state a signal handler can talk to. */
static volatile sig_atomic_t stop_count;
/* When the first stop came; used by the handler only, which no stop
 * signal interrupts (sa_mask blocks them all while it runs). */
static int64_t first_stop_ms;

static void on_stop(int sig)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
        int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (stop_count == 0)
                first_stop_ms = now;
        else if (sig == SIGUSR1 || now - first_stop_ms < SAME_STOP_MS)
                return;
        if (stop_count < 100)
                stop_count++;
}

int signals_install(void)
{
        struct sigaction sa = {0};
        sigemptyset(&sa.sa_mask);
        sigaddset(&sa.sa_mask, SIGINT);
        sigaddset(&sa.sa_mask, SIGTERM);
        sigaddset(&sa.sa_mask, SIGUSR1);
        sa.sa_handler = on_stop;
        sa.sa_flags = 0; /* no SA_RESTART: let blocking reads see EINTR */
        if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
            sigaction(SIGUSR1, &sa, NULL) < 0)
                return -1;
        sa.sa_handler = SIG_IGN;
        return sigaction(SIGPIPE, &sa, NULL);
}

int signals_stop_count(void)
{
        return stop_count;
}
