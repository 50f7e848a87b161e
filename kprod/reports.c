/* reports: the settled watermark, failures and broker state to --reports. */
#include "reports.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long the end waits for a slow reader of the last reports. */
#define CLOSE_WAIT_MS 5000

int reports_open(struct reports *r, const char *path, bool (*stop_wait)(void), char *err,
                 size_t errlen)
{
        memset(r, 0, sizeof(*r));
        r->ob.fd = -1;
        r->low = 1;
        if (!path)
                return 0;
        r->path = path;
        /* A FIFO opened for writing without a reader fails (ENXIO) instead
         * of blocking: wait for the reader a little, never for ever. */
        int fd = -1;
        for (int waited = 0; waited < 10000; waited += 50) {
                fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
                if (fd >= 0 || errno != ENXIO || (stop_wait && stop_wait()))
                        break;
                struct timespec ts = {0, 50 * 1000000};
                nanosleep(&ts, NULL);
        }
        if (fd < 0) {
                snprintf(err, errlen, "--reports %s: %s", path,
                         errno == ENXIO ? "nobody reads it (start the reader first)"
                                        : strerror(errno));
                return -1;
        }
        r->cap = 1 << 16;
        r->bits = calloc(r->cap / 8, 1);
        if (!r->bits || outbuf_init(&r->ob, fd, 4096) < 0) {
                snprintf(err, errlen, "--reports: out of memory");
                close(fd);
                return -1;
        }
        return 0;
}

/* Doubles the ring so that record rec has a place in it. */
static int grow(struct reports *r, uint64_t rec)
{
        size_t cap = r->cap;
        while (rec - r->low >= cap)
                cap *= 2;
        uint8_t *bits = calloc(cap / 8, 1);
        if (!bits)
                return -1;
        /* Copy the flags of low..low+cap-1 to their places in the new ring. */
        for (uint64_t i = r->low; i < r->low + r->cap; i++)
                if (r->bits[(i & (r->cap - 1)) / 8] & (1u << (i & 7)))
                        bits[(i & (cap - 1)) / 8] |= (uint8_t)(1u << (i & 7));
        free(r->bits);
        r->bits = bits;
        r->cap = cap;
        return 0;
}

void reports_settle(struct reports *r, uint64_t rec)
{
        if (!r->path || r->gone || rec < r->low)
                return;
        if (rec - r->low >= r->cap && grow(r, rec) < 0) {
                r->gone = true; /* out of memory: say nothing rather than lie */
                return;
        }
        r->bits[(rec & (r->cap - 1)) / 8] |= (uint8_t)(1u << (rec & 7));
        /* Move the watermark over every settled record, clearing the ring. */
        for (;;) {
                uint8_t *b = &r->bits[(r->low & (r->cap - 1)) / 8];
                uint8_t m = (uint8_t)(1u << (r->low & 7));
                if (!(*b & m))
                        break;
                *b &= (uint8_t)~m;
                r->low++;
        }
}

/* Appends a line, dropping the reports when memory runs out. */
static void line(struct reports *r, const char *s, size_t n)
{
        if (outbuf_put(&r->ob, s, n) < 0)
                r->gone = true;
}

void reports_fail(struct reports *r, uint64_t rec, const char *why)
{
        if (!r->path || r->gone)
                return;
        char buf[300];
        int n = snprintf(buf, sizeof(buf), "failed %" PRIu64 " %s\n", rec, why);
        if (n >= (int)sizeof(buf)) {
                n = (int)sizeof(buf) - 1;
                buf[n - 1] = '\n';
        }
        /* Written before the watermark passes it: the reader learns of the
         * failure before it would acknowledge anything after it. */
        line(r, buf, (size_t)n);
        reports_settle(r, rec);
}

void reports_brokers(struct reports *r, bool down, const char *why)
{
        if (!r->path || r->gone || down == r->down)
                return;
        r->down = down;
        char buf[300];
        int n = down ? snprintf(buf, sizeof(buf), "down %s\n", why) : snprintf(buf, 4, "up\n");
        if (n >= (int)sizeof(buf)) {
                n = (int)sizeof(buf) - 1;
                buf[n - 1] = '\n';
        }
        line(r, buf, (size_t)n);
}

void reports_flush(struct reports *r)
{
        if (!r->path || r->gone)
                return;
        if (r->low - 1 > r->told) {
                char buf[40];
                int n = snprintf(buf, sizeof(buf), "settled %" PRIu64 "\n", r->low - 1);
                line(r, buf, (size_t)n);
                r->told = r->low - 1;
        }
        if (outbuf_pending(&r->ob) && outbuf_write_some(&r->ob) < 0) {
                /* EPIPE: the reader went away; kprod's job goes on. */
                r->gone = true;
                outbuf_discard(&r->ob);
        }
}

void reports_close(struct reports *r)
{
        if (!r->path)
                return;
        reports_flush(r);
        for (int waited = 0; !r->gone && outbuf_pending(&r->ob) && waited < CLOSE_WAIT_MS;
             waited += 100) {
                struct pollfd p = {.fd = r->ob.fd, .events = POLLOUT};
                poll(&p, 1, 100);
                reports_flush(r);
        }
        close(r->ob.fd);
        outbuf_free(&r->ob);
        free(r->bits);
        r->bits = NULL;
        r->path = NULL;
}
