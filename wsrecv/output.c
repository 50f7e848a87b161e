/* output: stdout as a lib/sink (see output.h). Invariant: ended is set
 * only by output_end, after which stdout is /dev/null and nothing is
 * written; sink.closed only by the sink (or the watcher's close), when the
 * reader went away. */
#include <fcntl.h>
#include <unistd.h>

#include "fdwatch.h"
#include "output.h"

/* Memory of written bytes kept by the output buffer (and the least it
 * gives back at once, to keep madvise calls few): up to twice this is
 * memory beyond --max-buffer (issue 18), one madvise per 256 KiB written
 * at most. */
#define KEEP_BYTES (256 * 1024)

int output_open(struct output *o, struct lws_vhost *vh, size_t room)
{
        /* Records never take more than the budget, so this never grows;
         * pages it never reaches cost nothing. */
        if (sink_open(&o->sink, STDOUT_FILENO, room) < 0)
                return -1;
        if (!o->sink.nonblocking)
                return 0; /* a file or terminal: written as is */
        int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -1;
        /* Watched on a dup, which lws may close; POLLOUT only, when asked. */
        o->watch = fdwatch_add(vh, fd);
        if (!o->watch) {
                close(fd);
                return -1;
        }
        lws_rx_flow_control(o->watch, 0);
        return 0;
}

/* Writes what stdout takes now, or asks lws to wake the loop when stdout
 * can take more. */
size_t output_pump(struct output *o)
{
        if (o->ended || !sink_pending(&o->sink))
                return 0;
        size_t before = o->sink.written;
        if (sink_write(&o->sink) <= 0) {
                if (!o->sink.closed && !o->sink.error && o->watch)
                        lws_callback_on_writable(o->watch);
                return 0;
        }
        /* A buffer that once held much shrinks back as it is written. */
        outbuf_trim(&o->sink.ob, KEEP_BYTES);
        if (sink_pending(&o->sink) && o->watch)
                lws_callback_on_writable(o->watch);
        return (size_t)(o->sink.written - before);
}

/* Everything is written: closes stdout so that the next tool in the pipe
 * sees the end of its input (and, with --ack-from, finishes and reports). */
void output_end(struct output *o)
{
        if (o->ended)
                return;
        o->ended = true;
        if (o->watch) {
                lws_set_timeout(o->watch, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
                o->watch = NULL;
        }
        sink_close(&o->sink);
        /* /dev/null keeps fd 1 taken, so no later open lands on it. */
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0 && fd != STDOUT_FILENO) {
                dup2(fd, STDOUT_FILENO);
                close(fd);
        } else if (fd < 0) {
                close(STDOUT_FILENO);
        }
}
