/* gate: plain (ws://, http://) connections until their request head is in.
 *
 * A new connection costs a small buffer here, not an lws connection with a
 * header table, until its request line and headers have arrived: then the
 * socket and the bytes read are handed to lws, which parses them and calls
 * http.c to accept or refuse. A head over HEAD_MAX bytes or FIELDS_MAX
 * fields gets 431, one that does not arrive in time 408: lws would close
 * either without a word (it keeps a fragment per known header and query
 * parameter, 95 in all, and a head's worth of bytes). Every plain request
 * passes here: http.c ends each connection after its answer. All the gate's sockets sit in one
 * epoll set, which lws watches as one descriptor.
 *
 * Each head is read into a buffer of FIRST_BUF bytes, which most heads
 * fit (--max-conns bounds those); what heads take beyond their first
 * buffer is at most max_bytes between them (half of --max-buffer, beside
 * it): a head that needs more room than is left takes it from the oldest
 * unfinished heads, which are answered 503. Clients that finish their head
 * at once are never the oldest; those that send one slowly to hold memory
 * are.
 *
 * TLS connections cannot be read before lws decrypts them; they go to lws
 * at once (see listen.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "fdwatch.h"
#include "gate.h"

/* The buffer every head starts with. */
#define FIRST_BUF 1024
/* How long an answered client may take to go away. */
#define LINGER_MS 1000

struct pending {
        lws_dll2_t link; /* in gate.conns, oldest first */
        int fd;
        bool answered; /* an error was sent: reading and dropping until EOF */
        int64_t deadline;
        size_t len, cap;
        char *buf;
};

int gate_open(struct gate *g, struct lws_vhost *vh, size_t max_bytes, unsigned head_secs,
              const struct gate_calls *calls, void *arg)
{
        *g = (struct gate){.calls = calls, .arg = arg, .max_bytes = max_bytes,
                           .head_secs = head_secs};
        g->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (g->epfd < 0)
                return -1;
        g->watch = fdwatch_add(vh, g->epfd); /* lws owns epfd now */
        if (!g->watch) {
                close(g->epfd);
                g->epfd = -1;
                return -1;
        }
        return 0;
}

/* What a head buffer of cap bytes counts toward max_bytes. */
static size_t counted(size_t cap)
{
        return cap > FIRST_BUF ? cap - FIRST_BUF : 0;
}

/* Closes a pending connection and forgets it. */
static void drop(struct gate *g, struct pending *p, bool close_fd)
{
        g->bytes -= counted(p->cap);
        if (g->epfd >= 0)
                epoll_ctl(g->epfd, EPOLL_CTL_DEL, p->fd, NULL);
        if (close_fd) {
                close(p->fd);
                g->calls->on_closed(g->arg, p->fd);
        }
        lws_dll2_remove(&p->link);
        g->n--;
        free(p->buf);
        free(p);
}

int gate_add(struct gate *g, int fd)
{
        struct pending *p = calloc(1, sizeof(*p));
        if (!p)
                return -1;
        p->fd = fd;
        p->deadline = clock_mono_ms() + 1000 * (int64_t)g->head_secs;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = p};
        if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                free(p);
                return -1;
        }
        lws_dll2_add_tail(&p->link, &g->conns);
        g->n++;
        return 0;
}

/* Sends a short HTTP error and stops taking the request: what the client
 * sends meanwhile is read and dropped, so that closing does not reset the
 * connection before it has read the answer. */
static void answer(struct gate *g, struct pending *p, unsigned code, const char *text,
                   const char *why)
{
        char buf[512];
        int n = snprintf(buf, sizeof(buf),
                         "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n%s\n",
                         code, text, strlen(why) + 1, why);
        g->calls->on_refused(g->arg, p->fd, code, why);
        if (send(p->fd, buf, (size_t)n, MSG_NOSIGNAL) < 0 || shutdown(p->fd, SHUT_WR) < 0) {
                drop(g, p, true);
                return;
        }
        p->answered = true;
        p->deadline = clock_mono_ms() + LINGER_MS;
        g->bytes -= counted(p->cap);
        free(p->buf);
        p->buf = NULL;
        p->len = p->cap = 0;
}

/* Answers the oldest unfinished heads other than p with 503 until need
 * more bytes fit in max_bytes. Returns false when they still do not (p
 * itself is then the oldest). */
static bool make_room(struct gate *g, struct pending *p, size_t need)
{
        struct lws_dll2 *d = lws_dll2_get_head(&g->conns);
        while (g->bytes + need > g->max_bytes && d) {
                struct pending *o = lws_container_of(d, struct pending, link);
                d = d->next; /* before answer(), which may drop o */
                if (o != p && !o->answered && counted(o->cap))
                        answer(g, o, 503, "Service Unavailable",
                               "too many unfinished request heads");
        }
        return g->bytes + need <= g->max_bytes;
}

/* The length of the request head up to and including the blank line
 * after its headers, or 0 while that has not arrived. */
static size_t head_length(const struct pending *p)
{
        const char *end = p->buf + p->len;
        for (const char *s = p->buf; s + 1 < end; s++) {
                s = memchr(s, '\n', (size_t)(end - s));
                if (!s || s + 1 >= end)
                        return 0;
                if (s[1] == '\n')
                        return (size_t)(s + 2 - p->buf);
                if (s[1] == '\r' && s + 2 < end && s[2] == '\n')
                        return (size_t)(s + 3 - p->buf);
        }
        return 0;
}

/* How many fields a complete head has: its header lines, and the query
 * parameters of its request line. */
static size_t fields(const struct pending *p)
{
        const char *end = p->buf + p->len, *line = memchr(p->buf, '\n', p->len);
        size_t n = 0;
        if (!line)
                return 0;
        for (const char *s = p->buf; s < line; s++) {
                if (*s == '?' || *s == '&')
                        n++;
        }
        for (const char *s = line + 1; s < end && *s != '\r' && *s != '\n'; n++) {
                s = memchr(s, '\n', (size_t)(end - s));
                if (!s)
                        break;
                s++;
        }
        return n;
}

/* Reads what a pending connection sent; hands it to lws once its head is
 * complete. */
static void serve(struct gate *g, struct pending *p)
{
        for (;;) {
                char junk[4096], *dst = junk;
                size_t room = sizeof(junk);
                if (!p->answered) {
                        if (p->len == p->cap) {
                                size_t cap = p->cap ? p->cap * 2 : FIRST_BUF;
                                if (cap > HEAD_MAX + 1)
                                        cap = HEAD_MAX + 1;
                                size_t more = counted(cap) - counted(p->cap);
                                if (!make_room(g, p, more)) {
                                        answer(g, p, 503, "Service Unavailable",
                                               "too many unfinished request heads");
                                        return;
                                }
                                char *b = realloc(p->buf, cap);
                                if (!b) {
                                        drop(g, p, true);
                                        return;
                                }
                                g->bytes += more;
                                p->buf = b;
                                p->cap = cap;
                        }
                        dst = p->buf + p->len;
                        room = p->cap - p->len;
                }
                ssize_t n = recv(p->fd, dst, room, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return;
                if (n <= 0) {
                        drop(g, p, true); /* the client went away */
                        return;
                }
                if (p->answered)
                        continue;
                p->len += (size_t)n;
                size_t head_len = head_length(p);
                if ((head_len ? head_len : p->len) > HEAD_MAX) {
                        answer(g, p, 431, "Request Header Fields Too Large",
                               "request line and headers over 16 KiB");
                        return;
                }
                if (!head_len)
                        continue;
                if (fields(p) > FIELDS_MAX) {
                        answer(g, p, 431, "Request Header Fields Too Large",
                               "over 64 header lines and query parameters");
                        return;
                }
                int fd = p->fd;
                char *head = p->buf;
                size_t len = p->len;
                p->buf = NULL;
                drop(g, p, false);
                /* The socket stays counted: its new owner has it now. */
                g->calls->on_head(g->arg, fd, head, len);
                free(head);
                return;
        }
}

void gate_service(struct gate *g)
{
        struct epoll_event evs[64];
        int n = epoll_wait(g->epfd, evs, 64, 0);
        for (int i = 0; i < n; i++)
                serve(g, evs[i].data.ptr);
}

/* Answers 408 to clients whose head is late, and closes answered ones
 * that did not go away. Connections are in arrival order, so the scan
 * stops at the first one still in time (answered ones may sit behind it
 * until then; their linger is shorter than the head timeout). */
void gate_expire(struct gate *g)
{
        int64_t now = clock_mono_ms();
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&g->conns))
        {
                /* No `continue` in this loop: the macro advances the
                 * iterator at its end, so skipping there spins forever. */
                struct pending *p = lws_container_of(d, struct pending, link);
                if (p->deadline > now) {
                        if (!p->answered)
                                break;
                } else if (p->answered || p->len == 0) {
                        drop(g, p, true); /* a bare TCP connection gets no answer */
                } else {
                        answer(g, p, 408, "Request Timeout", "request head not received in time");
                }
        }
        lws_end_foreach_dll_safe(d, d1);
}

/* Closes every pending connection (the server is stopping). */
void gate_close(struct gate *g)
{
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&g->conns))
        {
                drop(g, lws_container_of(d, struct pending, link), true);
        }
        lws_end_foreach_dll_safe(d, d1);
}
