/* flow: the memory budget, --max-buffer, over everything wsrecv holds of
 * messages: records not yet written, messages being assembled, and the
 * list of records awaiting acks, for all connections together.
 *
 * A message that arrives whole in one piece (up to 2 KiB, lws's read size)
 * goes straight into the output. Once what is held reaches the high mark,
 * every connection stops being read (TCP pushes back on the clients) until
 * it falls to the low mark. A message that arrives in pieces needs a
 * ticket first: a reservation of the most its record can take, so that
 * any number of clients sending long messages cannot hold more than the
 * budget between them. A connection without a ticket keeps its first piece
 * and waits, unread, oldest first. Ticket holders go on reading while
 * everyone else waits, so their messages always finish.
 *
 * The budget is never exceeded by more than one read (2 KiB, 12 KiB as -J
 * text), plus what lws itself keeps per connection. */
#include <stdlib.h>

#include "wsrecv.h"

/* Room kept for the small messages that arrive in the read that crossed
 * the high mark, and for the read of each connection paused mid-read. */
#define SLACK (64 * 1024)

size_t flow_min_budget(const struct conf *conf)
{
        /* One ticket, and as much again for the records waiting beside it. */
        return 2 * record_bound(conf) + 2 * SLACK;
}

void flow_init(struct flow *f, const struct conf *conf)
{
        *f = (struct flow){.budget = conf->max_buffer, .ticket = record_bound(conf)};
        f->high = f->budget - f->ticket - SLACK;
        f->low = f->high / 2;
}

size_t flow_held(const struct server *srv)
{
        const struct flow *f = &srv->flow;
        return sink_pending(&srv->out) + f->reserved + f->parked + acks_bytes(&srv->acks);
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
        if (f->paused_all || flow_held(srv) < f->high)
                return;
        f->paused_all = true;
        update_all(srv);
}

/* Gives tickets to waiting connections, oldest first, while they fit. */
static void grant(struct server *srv)
{
        struct flow *f = &srv->flow;
        while (f->waiting.count) {
                struct conn *c =
                    lws_container_of(lws_dll2_get_head(&f->waiting), struct conn, wait_link);
                if (flow_held(srv) - c->msg_len + f->ticket > f->budget)
                        return;
                lws_dll2_remove(&c->wait_link);
                c->waiting = false;
                f->parked -= c->msg_len; /* covered by the ticket now */
                f->reserved += f->ticket;
                c->ticket = true;
                conn_update_rx(c);
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
        if (f->paused_all && flow_held(srv) <= f->low) {
                f->paused_all = false;
                update_all(srv);
        }
}

void flow_ticket(struct server *srv, struct conn *c)
{
        struct flow *f = &srv->flow;
        if (!f->waiting.count && flow_held(srv) + f->ticket <= f->budget) {
                f->reserved += f->ticket;
                c->ticket = true;
                conn_update_rx(c);
                return;
        }
        c->waiting = true;
        lws_dll2_add_tail(&c->wait_link, &f->waiting);
        conn_update_rx(c);
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
        if (c->waiting)
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
