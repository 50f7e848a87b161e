/* flow: the memory budget, --max-buffer, over everything wsrecv holds of
 * messages: records not yet written, messages being assembled, and the
 * list of records awaiting acks, for all connections together.
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
 * waiting.
 *
 * The budget is never exceeded by more than one read (2 KiB, 12 KiB as -J
 * text), plus what lws itself keeps per connection. */
#include <stdio.h>
#include <stdlib.h>

#include "wsrecv.h"

/* Room kept for the small messages that arrive in the read that crossed
 * the high mark, and for the read of each connection paused mid-read. */
#define SLACK (64 * 1024)
/* The most first pieces waiting for a ticket may hold: a share of the
 * budget, so that clients waiting never fill the records' room. */
#define PARKED_SHARE 8
/* How long a message in pieces may hold its ticket while another
 * connection waits for one (or --idle, when shorter). */
#define TICKET_SECS 10

size_t flow_min_budget(const struct conf *conf)
{
        /* One ticket in its half, as much again for the records. */
        return 2 * record_bound(conf) + 2 * SLACK;
}

void flow_init(struct flow *f, const struct conf *conf)
{
        *f = (struct flow){.budget = conf->max_buffer, .ticket = record_bound(conf)};
        f->pieces = f->budget / 2;
        f->secs = conf->idle && conf->idle < TICKET_SECS ? conf->idle : TICKET_SECS;
}

size_t flow_held(const struct server *srv)
{
        const struct flow *f = &srv->flow;
        return sink_pending(&srv->out) + f->reserved + f->parked + acks_bytes(&srv->acks);
}

/* What records hold: all but the tickets. */
static size_t records_held(const struct server *srv)
{
        return flow_held(srv) - srv->flow.reserved;
}

/* Where records stop everyone being read: the budget less the tickets
 * (room for one at least) and the slack. At least a ticket's worth, as
 * tickets take at most half of a budget of two tickets and two slacks. */
static size_t records_high(const struct flow *f)
{
        return f->budget - SLACK - (f->reserved > f->ticket ? f->reserved : f->ticket);
}

/* Stops or resumes reading every connection, as paused_all says. */
static void update_all(struct server *srv)
{
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&srv->conns))
        {
                conn_update_rx(lws_container_of(d, struct conn, link));
        }
        lws_end_foreach_dll_safe(d, d1);
}

/* After records were added: stops reading everyone at the high mark. */
void flow_check(struct server *srv)
{
        struct flow *f = &srv->flow;
        if (f->paused_all || records_held(srv) < records_high(f))
                return;
        f->paused_all = true;
        update_all(srv);
}

/* True when a ticket for c (holding parked bytes of its first piece) fits
 * in the tickets' half and in the budget. */
static bool ticket_fits(const struct server *srv, size_t parked)
{
        const struct flow *f = &srv->flow;
        return f->reserved + f->ticket <= f->pieces &&
               flow_held(srv) - parked + f->ticket <= f->budget;
}

/* Makes c a ticket holder, newest grant last. */
static void hold(struct server *srv, struct conn *c)
{
        struct flow *f = &srv->flow;
        f->reserved += f->ticket;
        c->ticket = true;
        c->ticket_ms = clock_mono_ms();
        lws_dll2_add_tail(&c->wait_link, &f->holders);
        conn_update_rx(c);
}

/* Gives tickets to waiting connections, oldest first, while they fit. */
static void grant(struct server *srv)
{
        struct flow *f = &srv->flow;
        while (f->waiting.count) {
                struct conn *c =
                    lws_container_of(lws_dll2_get_head(&f->waiting), struct conn, wait_link);
                if (!ticket_fits(srv, c->msg_len))
                        return;
                lws_dll2_remove(&c->wait_link);
                c->waiting = false;
                f->parked -= c->msg_len; /* covered by the ticket now */
                hold(srv, c);
        }
}

/* After records were written or tickets given back: tickets first, then
 * everyone else once the low mark is reached. */
void flow_relieve(struct server *srv)
{
        struct flow *f = &srv->flow;
        if (srv->draining)
                return;
        grant(srv);
        if (f->paused_all && records_held(srv) <= records_high(f) / 2) {
                f->paused_all = false;
                update_all(srv);
        }
}

/* A ticket for c, whose first piece has len bytes, or a place among those
 * waiting; -1 when the waiting already hold their share (c is refused). */
int flow_ticket(struct server *srv, struct conn *c, size_t len)
{
        struct flow *f = &srv->flow;
        if (!f->waiting.count && ticket_fits(srv, 0)) {
                hold(srv, c);
                return 0;
        }
        if (f->parked + len > f->budget / PARKED_SHARE)
                return -1;
        c->waiting = true;
        lws_dll2_add_tail(&c->wait_link, &f->waiting);
        conn_update_rx(c);
        return 0;
}

/* Forgets c's message in pieces, finished or dropped, and its ticket. */
void flow_release(struct server *srv, struct conn *c)
{
        struct flow *f = &srv->flow;
        if (!c->in_msg)
                return;
        if (c->ticket)
                f->reserved -= f->ticket;
        else
                f->parked -= c->msg_len;
        if (c->ticket || c->waiting)
                lws_dll2_remove(&c->wait_link);
        c->ticket = c->waiting = c->in_msg = false;
        /* Freed, not kept for the next message: a buffer kept per
         * connection would be memory outside the budget. */
        free(c->msg);
        c->msg = NULL;
        c->msg_len = c->msg_cap = 0;
        conn_update_rx(c);
        flow_relieve(srv);
}

/* Once a tick: while a connection waits for a ticket, refuses the
 * messages that have held theirs for longer than secs, oldest first (each
 * refusal hands its ticket to the oldest waiting connection). */
void flow_expire(struct server *srv)
{
        struct flow *f = &srv->flow;
        int64_t now = clock_mono_ms();
        while (f->waiting.count && f->holders.count) {
                struct conn *c =
                    lws_container_of(lws_dll2_get_head(&f->holders), struct conn, wait_link);
                if (now - c->ticket_ms < (int64_t)f->secs * 1000)
                        return;
                char why[100];
                snprintf(why, sizeof(why),
                         "message not complete within %us while others wait for buffer", f->secs);
                conn_refuse(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
                if (c->ticket)
                        return; /* not released (cannot happen): never spin */
        }
}

/* Why reading is paused for everyone, or NULL when it is not. */
const char *flow_paused(const struct server *srv)
{
        if (srv->draining)
                return "stopping";
        if (srv->flow.paused_all)
                return "output is slower than the clients: --max-buffer is full";
        return NULL;
}
