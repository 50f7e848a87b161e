/* budget: the --max-buffer arithmetic, over everything wsrecv holds of
 * messages: records not yet written, messages being assembled, and the
 * list of records awaiting acks, for all connections together.
 *
 * Invariant: what wsrecv holds never exceeds the budget by more than one
 * read (2 KiB, 12 KiB as -J text) plus what lws itself keeps per
 * connection. This file keeps the numbers and makes the decisions; it
 * knows no connection, no lws and no server: its callers act on what it
 * answers (see budget.c for the rules). */
#ifndef WSRECV_BUDGET_H
#define WSRECV_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct budget {
        size_t max;      /* --max-buffer */
        size_t pieces;   /* the most tickets may reserve together */
        size_t ticket;   /* reserved for a message arriving in pieces */
        size_t reserved; /* tickets granted */
        size_t parked;   /* first pieces waiting for a ticket */
        unsigned secs;   /* a ticket's time while others wait for one */
        bool paused_all; /* records reached the high mark */
};

/* In every call, `other` is what is held outside the budget's own counts:
 * the output's unwritten bytes and the ack list's entries. */

/* The least --max-buffer that works with tickets of `ticket` bytes. */
size_t budget_min(size_t ticket);
/* A budget of max bytes, tickets of `ticket` bytes, --idle seconds (0: none). */
void budget_init(struct budget *b, size_t max, size_t ticket, unsigned idle);
/* Everything held. */
size_t budget_held(const struct budget *b, size_t other);
/* After records were added: true when everyone must stop being read now. */
bool budget_check(struct budget *b, size_t other);
/* After records were written or tickets given back: true when everyone
 * may be read again now (the low mark is reached). */
bool budget_relieve(struct budget *b, size_t other);
/* True when a ticket fits for a message whose first `parked` bytes are
 * parked now (0 for one not parked). */
bool budget_fits(const struct budget *b, size_t other, size_t parked);
/* True when len more bytes may wait parked for a ticket. */
bool budget_may_park(const struct budget *b, size_t len);
void budget_park(struct budget *b, size_t len);
void budget_unpark(struct budget *b, size_t len);
/* A ticket granted, and given back. */
void budget_hold(struct budget *b);
void budget_unhold(struct budget *b);
/* True when a ticket held for held_ms must be given up to those waiting. */
bool budget_overdue(const struct budget *b, int64_t held_ms);

#endif
