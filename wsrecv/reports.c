/* reports: kprod's delivery reports (--ack-from FILE), which make an ack
 * mean "stored in Kafka". kprod numbers the records it reads from 1, as
 * wsrecv numbers the records it writes; it sends one line per event (see
 * kprod(1), DELIVERY REPORTS):
 *
 *   settled N       records 1..N are delivered, or were reported failed
 *   failed N WHY    record N was not delivered
 *   down WHY        no broker can be reached
 *   up              a broker can be reached again
 *
 * The file is a FIFO (or /dev/fd/N) read without blocking; its end means
 * kprod is done. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wsrecv.h"

int reports_open(struct server *srv, char *err, size_t errlen)
{
        struct reports *r = &srv->rep;
        /* Non-blocking: a FIFO whose writer has not come yet must not stop
         * the server from starting. */
        r->fd = open(srv->conf->ack_from, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (r->fd < 0) {
                snprintf(err, errlen, "--ack-from %s: %s", srv->conf->ack_from, strerror(errno));
                return -1;
        }
        r->watch = server_watch_fd(srv, r->fd); /* lws owns the fd now */
        if (!r->watch) {
                snprintf(err, errlen, "--ack-from %s: cannot watch it", srv->conf->ack_from);
                close(r->fd);
                r->fd = -1;
                return -1;
        }
        return 0;
}

/* Parses the decimal record number at *s; moves *s past it. */
static int parse_rec(const char **s, uint64_t *out)
{
        char *end;
        if (**s < '0' || **s > '9')
                return -1;
        errno = 0;
        unsigned long long v = strtoull(*s, &end, 10);
        if (errno || (*end != '\0' && *end != ' '))
                return -1;
        *out = v;
        *s = *end ? end + 1 : end;
        return 0;
}

/* Acts on one report line (without its newline). */
static void report(struct server *srv, const char *line)
{
        struct reports *r = &srv->rep;
        uint64_t n;
        const char *s;
        if (!strncmp(line, "settled ", 8) && (s = line + 8, parse_rec(&s, &n) == 0)) {
                acks_settled(srv, n);
        } else if (!strncmp(line, "failed ", 7) && (s = line + 7, parse_rec(&s, &n) == 0)) {
                acks_failed(srv, n, s);
        } else if (!strncmp(line, "down", 4) && (line[4] == ' ' || !line[4])) {
                if (!r->brokers_down && srv->conf->log >= LOG_NORMAL)
                        fprintf(stderr, "wsrecv: not ready: kprod: %s\n", line[4] ? line + 5 : "");
                r->brokers_down = true;
                snprintf(r->why, sizeof(r->why), "kprod: %s", line[4] ? line + 5 : "");
        } else if (!strcmp(line, "up")) {
                if (r->brokers_down && srv->conf->log >= LOG_NORMAL)
                        fprintf(stderr, "wsrecv: ready again: kprod reaches a broker\n");
                r->brokers_down = false;
        } else if (srv->conf->log >= LOG_NORMAL) {
                fprintf(stderr, "wsrecv: --ack-from: ignoring a line it does not know: %.80s\n",
                        line);
        }
}

void reports_read(struct server *srv)
{
        struct reports *r = &srv->rep;
        for (;;) {
                ssize_t n = read(r->fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return;
                if (n <= 0) {
                        /* kprod is done (or gone): what it never settled
                         * is never acknowledged. */
                        r->eof = true;
                        if (r->watch) {
                                lws_set_timeout(r->watch, PENDING_TIMEOUT_USER_OK,
                                                LWS_TO_KILL_ASYNC);
                                r->watch = NULL;
                        }
                        r->fd = -1;
                        return;
                }
                r->len += (size_t)n;
                r->buf[r->len] = '\0';
                char *line = r->buf, *nl;
                while ((nl = memchr(line, '\n', r->len - (size_t)(line - r->buf)))) {
                        *nl = '\0';
                        report(srv, line);
                        line = nl + 1;
                }
                r->len -= (size_t)(line - r->buf);
                memmove(r->buf, line, r->len);
                if (r->len == sizeof(r->buf) - 1)
                        r->len = 0; /* a line longer than any report: drop it */
        }
}

void reports_close(struct server *srv)
{
        /* The fd belongs to lws's watcher, closed with the context. */
        srv->rep.fd = -1;
        srv->rep.watch = NULL;
}
