/* budget: the --max-buffer arithmetic (see budget.h for its invariant).
 *
 * Records (and acks, and first pieces waiting for a ticket) take what
 * the tickets leave: a message that arrives whole in one piece (up to
 * 2 KiB, lws's read size) goes straight into the output, and once records
 * reach the high mark every connection stops being read (TCP pushes back
 * on the clients) until they fall to half of it. The high mark leaves room
 * for the tickets granted (at least one), so only the output draining
 * moves it: a slow reader is the only thing that stops everyone.
 *
 * Messages that arrive in pieces need a ticket first, a reservation of the
 * most its record can take, and tickets take at most half the budget
 * together, so that any number of clients sending long messages cannot
 * hold more than that between them, nor stop anyone sending short ones.
 * A connection without a ticket keeps its first piece and waits, unread,
 * oldest first; while those waiting hold an eighth of the budget, one more
 * is refused with 1013 instead (try again later). Ticket holders go on
 * reading while everyone else waits, so their messages always finish; a
 * finished message turns from a ticket into a record, and a ticket is
 * granted only while everything held together stays within the budget.
 * While a connection waits for a ticket, a message that has held its
 * ticket for longer than `secs` is refused (1008), oldest grant first: a
 * client that holds a reservation without finishing gives it up to those
 * waiting. (The queue of those waiting is conn.c's; the numbers are here.) */
#include "budget.h"

/* Room kept for the small messages that arrive in the read that crossed
 * the high mark, and for the read of each connection paused mid-read. */
#define SLACK (64 * 1024)
/* The most first pieces waiting for a ticket may hold: a share of the
 * budget, so that clients waiting never fill the records' room. */
#define PARKED_SHARE 8
/* How long a message in pieces may hold its ticket while another
 * connection waits for one (or --idle, when shorter). */
#define TICKET_SECS 10

size_t budget_min(size_t ticket)
{
        /* One ticket in its half, as much again for the records. */
        return 2 * ticket + 2 * SLACK;
}

void budget_init(struct budget *b, size_t max, size_t ticket, unsigned idle)
{
        *b = (struct budget){.max = max, .ticket = ticket};
        b->pieces = max / 2;
        b->secs = idle && idle < TICKET_SECS ? idle : TICKET_SECS;
}

size_t budget_held(const struct budget *b, size_t other)
{
        return other + b->reserved + b->parked;
}

/* What records hold: all but the tickets. */
static size_t records_held(const struct budget *b, size_t other)
{
        return other + b->parked;
}

/* Where records stop everyone being read: the budget less the tickets
 * (room for one at least) and the slack. At least a ticket's worth, as
 * tickets take at most half of a budget of two tickets and two slacks. */
static size_t records_high(const struct budget *b)
{
        return b->max - SLACK - (b->reserved > b->ticket ? b->reserved : b->ticket);
}

bool budget_check(struct budget *b, size_t other)
{
        if (b->paused_all || records_held(b, other) < records_high(b))
                return false;
        b->paused_all = true;
        return true;
}

bool budget_relieve(struct budget *b, size_t other)
{
        if (!b->paused_all || records_held(b, other) > records_high(b) / 2)
                return false;
        b->paused_all = false;
        return true;
}

bool budget_fits(const struct budget *b, size_t other, size_t parked)
{
        return b->reserved + b->ticket <= b->pieces &&
               budget_held(b, other) - parked + b->ticket <= b->max;
}

bool budget_may_park(const struct budget *b, size_t len)
{
        return b->parked + len <= b->max / PARKED_SHARE;
}

void budget_park(struct budget *b, size_t len)
{
        b->parked += len;
}

void budget_unpark(struct budget *b, size_t len)
{
        b->parked -= len;
}

void budget_hold(struct budget *b)
{
        b->reserved += b->ticket;
}

void budget_unhold(struct budget *b)
{
        b->reserved -= b->ticket;
}

bool budget_overdue(const struct budget *b, int64_t held_ms)
{
        return held_ms >= (int64_t)b->secs * 1000;
}
