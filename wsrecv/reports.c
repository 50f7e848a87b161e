/* reports: kprod's delivery reports (--ack-from FILE), which make an ack
 * mean "stored in Kafka" (see reports.h for its invariant). kprod numbers
 * the records it reads from 1, as wsrecv numbers the records it writes; it
 * sends one line per event (see kprod(1), DELIVERY REPORTS, and
 * lib/reportline.h): first the delimiter at which it splits records, then
 * "settled N", "failed N WHY", "refused N WHY", "down WHY" and "up".
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

#include "fdwatch.h"
#include "log.h"
#include "reportline.h"
#include "reports.h"

int reports_open(struct reports *r, struct lws_vhost *vh, const char *path, bool nul,
                 const struct reports_calls *calls, void *arg, char *err, size_t errlen)
{
        *r = (struct reports){.calls = calls, .arg = arg, .nul = nul, .fd = -1};
        /* Non-blocking: a FIFO whose writer has not come yet must not stop
         * the server from starting. */
        r->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (r->fd < 0) {
                snprintf(err, errlen, "--ack-from %s: %s", path, strerror(errno));
                return -1;
        }
        r->watch = fdwatch_add(vh, r->fd); /* lws owns the fd now */
        if (!r->watch) {
                snprintf(err, errlen, "--ack-from %s: cannot watch it", path);
                close(r->fd);
                r->fd = -1;
                return -1;
        }
        return 0;
}

/* kprod's reports name its records by number: they count wsrecv's only if
 * kprod splits its input at the delimiter wsrecv ends records with. */
static void check_records(struct reports *r, const struct report *rp)
{
        const char *ours = r->nul ? "" : "\n"; /* "" holds the NUL */
        if (rp->dlen == 1 && rp->delim[0] == ours[0]) {
                r->agreed = true;
                return;
        }
        snprintf(r->broken, sizeof(r->broken),
                 "--ack-from: kprod splits records at another delimiter than wsrecv ends "
                 "them with (%s): its record numbers would name the wrong messages; give "
                 "both the same (-0 to both, or to neither)",
                 r->nul ? "NUL, -0" : "newline");
}

/* Acts on one report line (without its newline). */
static void report(struct reports *r, const char *line)
{
        struct report rp;
        report_parse(line, &rp);
        if (rp.kind == REPORT_RECORDS) {
                check_records(r, &rp);
                return;
        }
        if ((rp.kind == REPORT_SETTLED || rp.kind == REPORT_FAILED ||
             rp.kind == REPORT_REFUSED) &&
            !r->agreed) {
                if (!r->broken[0])
                        snprintf(r->broken, sizeof(r->broken),
                                 "--ack-from: kprod's reports do not begin by naming its "
                                 "record delimiter (is it kprod --reports?)");
                return;
        }
        switch (rp.kind) {
        case REPORT_SETTLED:
                r->calls->settled(r->arg, rp.n);
                break;
        case REPORT_FAILED:
                r->calls->failed(r->arg, rp.n, rp.why);
                break;
        case REPORT_REFUSED:
                r->calls->refused(r->arg, rp.n, rp.why);
                break;
        case REPORT_DOWN:
                if (!r->brokers_down)
                        logx(VERB_NORMAL, "not ready: kprod: %s", rp.why);
                r->brokers_down = true;
                snprintf(r->why, sizeof(r->why), "kprod: %s", rp.why);
                break;
        case REPORT_UP:
                if (r->brokers_down)
                        logx(VERB_NORMAL, "ready again: kprod reaches a broker");
                r->brokers_down = false;
                break;
        default:
                logx(VERB_NORMAL, "--ack-from: ignoring a line it does not know: %.80s", line);
        }
}

void reports_read(struct reports *r)
{
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
                        report(r, line);
                        line = nl + 1;
                }
                r->len -= (size_t)(line - r->buf);
                memmove(r->buf, line, r->len);
                if (r->len == sizeof(r->buf) - 1)
                        r->len = 0; /* a line longer than any report: drop it */
        }
}

void reports_ended(struct reports *r)
{
        r->watch = NULL;
        r->fd = -1;
        r->eof = true;
}

void reports_close(struct reports *r)
{
        /* The fd belongs to lws's watcher, closed with the context. */
        r->fd = -1;
        r->watch = NULL;
}
