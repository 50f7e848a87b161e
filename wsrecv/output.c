/* output: stdout as a lib/sink, written once per service turn and watched
 * for POLLOUT through lws while the reader is slow; each write moves the
 * acks (ack after write) and the memory budget on. */
#include <fcntl.h>
#include <unistd.h>

#include "wsrecv.h"

/* Memory of written bytes kept by the output buffer (and the least it
 * gives back at once, to keep madvise calls few). */
#define KEEP_BYTES (1024 * 1024)

int output_open(struct server *srv)
{
        /* Records never take more than the budget, so this never grows;
         * pages it never reaches cost nothing. */
        if (sink_open(&srv->out, STDOUT_FILENO, srv->budget.max) < 0)
                return -1;
        if (!srv->out.nonblocking)
                return 0; /* a file or terminal: written as is */
        int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -1;
        /* Watched on a dup, which lws may close; POLLOUT only, when asked. */
        srv->out_watch = fdwatch_add(srv->vhost, fd);
        if (!srv->out_watch) {
                close(fd);
                return -1;
        }
        lws_rx_flow_control(srv->out_watch, 0);
        return 0;
}

/* Writes what stdout takes now; then acks, gives back budget, or asks lws
 * to wake the loop when stdout can take more. */
void output_pump(struct server *srv)
{
        if (srv->out_closed || !sink_pending(&srv->out))
                return;
        if (sink_write(&srv->out) <= 0) {
                if (!srv->out.closed && !srv->out.error && srv->out_watch)
                        lws_callback_on_writable(srv->out_watch);
                return;
        }
        if (!srv->conf->ack_from)
                acks_written(&srv->acks, srv->out.written);
        /* A buffer that once held much shrinks back as it is written. */
        outbuf_trim(&srv->out.ob, KEEP_BYTES);
        conns_relieve(srv);
        if (sink_pending(&srv->out) && srv->out_watch)
                lws_callback_on_writable(srv->out_watch);
}

/* Everything is written: closes stdout so that the next tool in the pipe
 * sees the end of its input (and, with --ack-from, finishes and reports). */
void output_end(struct server *srv)
{
        if (srv->out_closed)
                return;
        srv->out_closed = true;
        if (srv->out_watch) {
                lws_set_timeout(srv->out_watch, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
                srv->out_watch = NULL;
        }
        sink_close(&srv->out);
        /* /dev/null keeps fd 1 taken, so no later open lands on it. */
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0 && fd != STDOUT_FILENO) {
                dup2(fd, STDOUT_FILENO);
                close(fd);
        } else if (fd < 0) {
                close(STDOUT_FILENO);
        }
}
