/* sink: non-blocking standard output with a byte count of what was written. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

int sink_open(struct sink *s, int fd, size_t cap)
{
        s->written = 0;
        s->nonblocking = false;
        s->saved_flags = 0;
        s->closed = false;
        s->error = 0;
        if (outbuf_init(&s->ob, fd, cap) < 0)
                return -1;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -1;
        if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
                return 0; /* a file or a terminal: writes do not stall for long */
        s->saved_flags = fcntl(fd, F_GETFL);
        if (s->saved_flags < 0 || fcntl(fd, F_SETFL, s->saved_flags | O_NONBLOCK) < 0)
                return -1;
        s->nonblocking = true;
        return 0;
}

size_t sink_pending(const struct sink *s)
{
        return outbuf_pending(&s->ob);
}

uint64_t sink_appended(const struct sink *s)
{
        return s->written + outbuf_pending(&s->ob);
}

long sink_write(struct sink *s)
{
        if (s->closed || s->error)
                return -1;
        long w = outbuf_write_some(&s->ob);
        if (w < 0) {
                if (errno == EPIPE)
                        s->closed = true;
                else
                        s->error = errno;
                return -1;
        }
        s->written += (uint64_t)w;
        return w;
}

int sink_wait(struct sink *s, int timeout_ms)
{
        struct pollfd p = {.fd = s->ob.fd, .events = POLLOUT};
        int n = poll(&p, 1, timeout_ms);
        if (n <= 0)
                return 0; /* timeout, or EINTR from a signal */
        if (p.revents & (POLLERR | POLLHUP)) {
                s->closed = true;
                return -1;
        }
        return 1;
}

int sink_drain(struct sink *s, bool (*give_up)(void *), void *arg)
{
        while (sink_pending(s)) {
                if (sink_write(s) < 0)
                        return -1;
                if (!sink_pending(s))
                        break;
                if (give_up && give_up(arg))
                        return 1;
                if (sink_wait(s, 100) < 0)
                        return -1;
        }
        return 0;
}

bool sink_reader_gone(struct sink *s)
{
        if (!s->nonblocking || s->closed)
                return s->closed;
        struct pollfd p = {.fd = s->ob.fd, .events = 0};
        if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
                s->closed = true;
        return s->closed;
}

void sink_discard(struct sink *s)
{
        outbuf_discard(&s->ob);
}

void sink_close(struct sink *s)
{
        /* Whoever shares the fd after us expects it blocking again. */
        if (s->nonblocking)
                fcntl(s->ob.fd, F_SETFL, s->saved_flags);
        s->nonblocking = false;
        outbuf_free(&s->ob);
}
