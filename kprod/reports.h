/* reports: delivery reports by record number (--reports FILE), for the
 * program that wrote kprod's input: wsrecv --ack-from reads them to
 * acknowledge a message only once Kafka has stored it.
 *
 * Records are numbered from 1 in the order read, empty ones included, as
 * everywhere in kprod. Each record is settled exactly once: delivered,
 * skipped (an empty line with -J), or not delivered. The file gets the
 * lines of lib/reportline.h: first the delimiter kprod splits records at,
 * then one line per event; "settled" lines are coalesced, one per turn of
 * the main loop at most. The file (a FIFO, usually) is written without
 * blocking, through a sink; if its reader goes away, reports stop and
 * kprod goes on. */
#ifndef KPROD_REPORTS_H
#define KPROD_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"

struct reports {
        const char *path; /* NULL: no reports */
        struct sink out;  /* lines not yet written */
        uint64_t low;     /* the first record not yet settled */
        uint64_t told;    /* the N of the last "settled N" */
        uint8_t *bits;    /* settled flags of records from low on (a ring) */
        size_t cap;       /* bits in the ring, a power of two */
        bool begun;       /* lines are written (reports_begin) */
        bool down;        /* the last broker report was "down" */
        bool gone;        /* the reader went away: reports stopped */
};

/* Opens path for writing without blocking, waiting up to ten seconds for a
 * FIFO's reader (stop_wait() true gives up sooner), and names the record
 * delimiter in the first line, which waits with every other line for
 * reports_begin(). Nothing to do when path is NULL. Returns 0 or -1 with a
 * message in err. */
int reports_open(struct reports *r, const char *path, const char *delim, size_t dlen,
                 bool (*stop_wait)(void), char *err, size_t errlen);
/* Writes the lines from now on: the first tells the reader that kprod has
 * begun (wsrecv --ack-from is ready only from then on). */
void reports_begin(struct reports *r);
/* Record rec is delivered, or skipped (an empty line with -J). */
void reports_settle(struct reports *r, uint64_t rec);
/* Record rec was not delivered, for why: refused for what it is (sending
 * it again gets the same answer), or not. It is settled too. */
void reports_fail(struct reports *r, uint64_t rec, bool refused, const char *why);
/* The brokers became unreachable (down) or reachable again. */
void reports_brokers(struct reports *r, bool down, const char *why);
/* Adds "settled N" if records were settled, and writes what the reader
 * takes now. */
void reports_flush(struct reports *r);
/* Writes everything left (waiting at most a few seconds for a slow
 * reader) and closes. */
void reports_close(struct reports *r);

#endif
