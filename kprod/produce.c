/* produce: the read-produce loop. Reads stdin in large blocks, splits it
 * into records at the delimiter, and produces every record as soon as its
 * delimiter has arrived; the first stop signal lets it read to the end of
 * its input, a second one (or a fatal error) stops it, and the records
 * read but not produced then go to failed, whole. A record too long for
 * the buffer is streamed to failed as it is read. */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "produce.h"
#include "signals.h"

/* True once a stop signal came, or the writer of stdin is gone with
 * nothing written: waiting for a --reports reader (most likely that writer)
 * ends. */
bool produce_stop_waiting(void)
{
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        return signals_stop_count() > 0 ||
               (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && !(p.revents & POLLIN));
}

/* True when reading input stops: at a second signal, or at the first when
 * the input is a terminal (nobody will end it); and after a fatal error.
 * Otherwise a first signal lets kprod read to the end of its input, which
 * the program writing it (told to stop too) closes after its last record. */
static bool stop_reading(const struct run *x)
{
        int stops = signals_stop_count();
        return stops >= 2 || (stops == 1 && x->stdin_tty) || x->p.fatal;
}

/* Says once that a first stop arrived, whether kprod is still reading or
 * already waiting for deliveries: its writer, stopped by the same signal,
 * may close the input before kprod sees the signal, and whoever sent it
 * must still learn that it counted and that a second one quits. */
static void tell_stop(struct run *x)
{
        if (x->told_stop || signals_stop_count() != 1 || x->o->verbosity == VERB_QUIET)
                return;
        long inflight = producer_inflight(&x->p);
        if (!x->r.eof && !stop_reading(x))
                warnx("stopping: reading standard input to its end (a second signal "
                      "stops now)");
        else if (inflight > 0)
                warnx("stopping: waiting for the delivery of %ld records (a second signal "
                      "stops now)",
                      inflight);
        else
                return; /* nothing to wait for: kprod ends at once */
        x->told_stop = true;
}

/* Called while waiting: the stop, progress lines, and the reports so far. */
static void tick(void *arg)
{
        struct run *x = arg;
        tell_stop(x);
        progress_tick(&x->pg, &x->c, producer_inflight(&x->p));
        reports_flush(&x->rep);
}

/* Counts a record that will not be produced and hands it to failed. */
static void reject(struct run *x, const char *why, const char *rec, size_t len)
{
        x->c.rejected++;
        failed_record(&x->f, x->recno, FAIL_UNDELIVERED, why, rec, len);
}

/* Takes one record or piece from the reader; returns false when there is
 * none. With send false, records are rejected instead of produced (the
 * second stop signal). Returns -1 when producing was cut short. */
static int take(struct run *x, bool send, bool *more)
{
        const char *rec;
        size_t len;
        char why[256];
        int rc;
        *more = true;
        switch (reader_next(&x->r, &rec, &len)) {
        case REC_NONE:
                *more = false;
                return 0;
        case REC_PART: /* too long for the buffer: stream it to --failed */
                /* The batched records before it go first, in --failed too. */
                rc = producer_flush(&x->p);
                if (!x->in_part) {
                        x->in_part = true;
                        x->part_len = 0;
                        failed_begin(&x->f);
                        x->recno++;
                        x->c.read++;
                }
                x->part_len += len;
                failed_bytes(&x->f, rec, len);
                return rc;
        case REC_PART_END:
                rc = producer_flush(&x->p);
                x->in_part = false;
                x->c.rejected++;
                failed_bytes(&x->f, rec, len);
                snprintf(why, sizeof(why),
                         "%" PRIu64 " bytes, too large for message.max.bytes (%ld)",
                         x->part_len + len, x->p.max_bytes);
                failed_end(&x->f, x->recno, FAIL_REFUSED, why);
                return rc;
        case REC_FULL:
                break;
        }
        x->recno++;
        x->c.read++;
        if (len == 0 && !x->o->keep_empty) {
                x->c.empty++;
                reports_settle(&x->rep, x->recno);
                return 0;
        }
        if (!send) {
                reject(x, "not sent: stopped by a second signal", rec, len);
                return 0;
        }
        /* Cut short, the records not produced are in failed already. */
        return producer_send(&x->p, x->recno, rec, len);
}

/* Produces every record the buffer holds, before the buffer is read into
 * again. Returns -1 when cut short. */
static int send_ready(struct run *x)
{
        bool more = true;
        while (more)
                if (take(x, true, &more) < 0)
                        return -1;
        return producer_flush(&x->p);
}

/* After a stop before the end of input (a second signal, a fatal error, a
 * read error): the whole records left in the buffer go to failed. The
 * bytes of a record whose delimiter was never read are not a record: they
 * are named on stderr and never written to --failed as if they were one
 * (a record too long to send, already being copied there, is cut back
 * out). */
static void fail_rest(struct run *x, const char *why)
{
        bool more = true;
        while (more)
                take(x, false, &more);
        const char *rec;
        size_t len = reader_rest(&x->r, &rec);
        if (x->in_part) { /* it was counted as read at its first piece */
                x->in_part = false;
                failed_cut(&x->f);
                len += x->part_len;
                x->recno--;
                x->c.read--;
        }
        if (len > 0) {
                x->c.unfinished = len;
                warnx("%zu bytes of an unfinished record after record %" PRIu64 " not sent: %s",
                      len, x->recno, why);
        }
}

/* Reads stdin and produces until end of input, a stop signal or an error.
 * Returns false on a read error. */
static bool produce_input(struct run *x)
{
        while (!x->r.eof && !stop_reading(x)) {
                tell_stop(x);
                /* Delivery reports wake the loop too: acks wait on them.
                 * Input waits while the producer is busy (--max-buffer, or
                 * records of a refused batch to produce again first). */
                int in = producer_busy(&x->p) ? -1 : STDIN_FILENO;
                struct pollfd pfd[2] = {{.fd = in, .events = POLLIN},
                                        {.fd = producer_wake_fd(&x->p), .events = POLLIN}};
                if (poll(pfd, 2, 100) > 0 && pfd[0].revents) {
                        long n = reader_fill(&x->r);
                        if (n < 0 && errno != EINTR && errno != EAGAIN) {
                                warn("stdin");
                                fail_rest(x, "standard input could not be read");
                                return false;
                        }
                        if (n > 0)
                                x->c.bytes += (uint64_t)n;
                        /* Input that ends without a delimiter ends with a
                         * record, unless its writer reports on records
                         * (wsrecv ends every one) or was told to stop:
                         * then it died or quit inside the record. */
                        x->r.tail_is_record = !x->o->reports_path && signals_stop_count() == 0;
                        producer_set_time(&x->p);
                        if (send_ready(x) < 0)
                                break;
                }
                producer_poll(&x->p);
                tick(x);
        }
        if (!x->r.eof)
                fail_rest(x, x->p.fatal ? "fatal producer error" : "stopped by a second signal");
        else if (!x->r.tail_is_record)
                fail_rest(x, "its writer stopped before its delimiter");
        return true;
}

bool produce_run(struct run *x)
{
        bool ok = produce_input(x);
        producer_drain(&x->p, tick, x);
        return ok;
}
