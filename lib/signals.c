/* signals: count stop requests, ignore SIGPIPE. */
#include "signals.h"

#include <signal.h>
#include <stddef.h>

/* The one piece of global state a signal handler can talk to. */
static volatile sig_atomic_t stop_count;

static void on_stop(int sig)
{
        (void)sig;
        if (stop_count < 100)
                stop_count++;
}

int signals_install(void)
{
        struct sigaction sa = {0};
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = on_stop;
        sa.sa_flags = 0; /* no SA_RESTART: let blocking reads see EINTR */
        if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
                return -1;
        sa.sa_handler = SIG_IGN;
        return sigaction(SIGPIPE, &sa, NULL);
}

int signals_stop_count(void)
{
        return stop_count;
}
