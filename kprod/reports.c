/* reports: the settled watermark, failures and broker state to --reports. */
#include "reports.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "reportline.h"

/* How long the end waits for a slow reader of the last reports. */
#define CLOSE_WAIT_MS 5000

int reports_open(struct reports *r, const char *path, const char *delim, size_t dlen,
                 bool (*stop_wait)(void), char *err, size_t errlen)
{
        memset(r, 0, sizeof(*r));
        r->out.ob.fd = -1;
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
        if (!r->bits || sink_open(&r->out, fd, 4096) < 0 ||
            report_put_records(&r->out.ob, delim, dlen) < 0) {
                snprintf(err, errlen, "--reports %s: %s", path, strerror(errno ? errno : ENOMEM));
                free(r->bits);
                outbuf_free(&r->out.ob);
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

/* A line could not be added (memory ran out): the reports stop rather
 * than lie by leaving one out. */
static void check(struct reports *r, int rc)
{
        if (rc < 0)
                r->gone = true;
}

void reports_begin(struct reports *r)
{
        r->begun = true;
        reports_flush(r);
}

void reports_fail(struct reports *r, uint64_t rec, bool refused, const char *why)
{
        if (!r->path || r->gone)
                return;
        /* Written before the watermark passes it: the reader learns of the
         * failure before it would acknowledge anything after it. */
        check(r, refused ? report_put_refused(&r->out.ob, rec, why)
                         : report_put_failed(&r->out.ob, rec, why));
        reports_settle(r, rec);
}

void reports_brokers(struct reports *r, bool down, const char *why)
{
        if (!r->path || r->gone || down == r->down)
                return;
        r->down = down;
        check(r, down ? report_put_down(&r->out.ob, why) : report_put_up(&r->out.ob));
}

void reports_flush(struct reports *r)
{
        if (!r->path || r->gone || !r->begun)
                return;
        if (r->low - 1 > r->told) {
                check(r, report_put_settled(&r->out.ob, r->low - 1));
                r->told = r->low - 1;
        }
        if (sink_write(&r->out) < 0) {
                /* The reader went away: kprod's job goes on. */
                r->gone = true;
                sink_discard(&r->out);
        }
}

/* sink_drain's give_up: the end waits this long at most. */
static bool past(void *deadline)
{
        return clock_mono_ms() > *(int64_t *)deadline;
}

void reports_close(struct reports *r)
{
        if (!r->path)
                return;
        reports_flush(r);
        int64_t deadline = clock_mono_ms() + CLOSE_WAIT_MS;
        if (!r->gone)
                sink_drain(&r->out, past, &deadline);
        int fd = r->out.ob.fd;
        sink_close(&r->out);
        close(fd);
        free(r->bits);
        r->bits = NULL;
        r->path = NULL;
}
