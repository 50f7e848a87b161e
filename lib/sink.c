/* sink: non-blocking standard output with a byte count of what was written. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int sink_open(struct sink *s, int fd, size_t cap)
{
        s->written = 0;
        s->nonblocking = false;
        s->saved_flags = 0;
        s->closed = false;
        s->error = 0;
        s->taken = 0;
        s->unread_fd = -1;
        s->own_end = false;
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

/* True when the pipe we write has no reader left (checked without writing). */
static bool no_reader(struct sink *s)
{
        struct pollfd p = {.fd = s->ob.fd, .events = 0};
        if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
                s->closed = true;
        return s->closed;
}

/* Moves s->taken up to what the pipe says its reader has read. A count
 * read from our own end is used only when the reader is still there after
 * it: what a pipe holds once its reader left is none of the reader's. */
static void measure(struct sink *s)
{
        if (s->unread_fd < 0) {
                s->taken = s->written;
                return;
        }
        int unread;
        if (s->closed || ioctl(s->unread_fd, FIONREAD, &unread) < 0 || unread < 0)
                return; /* unknown: taken stays where it was known to be */
        if (s->own_end && no_reader(s))
                return;
        /* Bytes another writer left in the pipe make this an underestimate,
         * never an overestimate. */
        if ((uint64_t)unread <= s->written && s->written - (uint64_t)unread > s->taken)
                s->taken = s->written - (uint64_t)unread;
}

void sink_track_reader(struct sink *s, int read_fd)
{
        struct stat st;
        int fd = read_fd >= 0 ? read_fd : s->ob.fd;
        if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
                return;
        s->unread_fd = fd;
        s->own_end = read_fd < 0;
}

uint64_t sink_taken(struct sink *s)
{
        measure(s);
        return s->taken;
}

int sink_wait_taken(struct sink *s, bool (*give_up)(void *), void *arg)
{
        for (;;) {
                measure(s);
                if (s->taken >= s->written)
                        return 0;
                if (s->closed || (s->own_end && no_reader(s)))
                        return -1;
                if (give_up && give_up(arg))
                        return 1;
                /* A pipe tells no one when it empties: look again soon. */
                poll(NULL, 0, 20);
        }
}

long sink_write(struct sink *s)
{
        if (s->closed || s->error)
                return -1;
        measure(s);
        long w = outbuf_write_some(&s->ob);
        if (w < 0) {
                if (errno == EPIPE)
                        s->closed = true;
                else
                        s->error = errno;
                return -1;
        }
        s->written += (uint64_t)w;
        if (s->unread_fd < 0)
                s->taken = s->written;
        return w;
}

int sink_wait(struct sink *s, int timeout_ms)
{
        measure(s); /* while the reader empties the pipe we wait on */
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
        return no_reader(s);
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
