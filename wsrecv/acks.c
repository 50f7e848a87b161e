/* acks: which connection each record came from, until its ack is due.
 *
 * With --ack every record appended to the output is noted here, in output
 * order, a run of consecutive records of one connection as one entry.
 * Without --ack-from, an ack is due once a record is written (the sink's
 * byte count passes its end). With --ack-from, once kprod reports it
 * settled ("records 1..N are stored, or reported failed"). A record that
 * kprod reports failed caps that connection's acks just before it, and the
 * connection is closed with 1013 so that the client sends it again. A
 * record kprod reports refused (it does not fit the schema, is too large:
 * sending it again gets the same answer) is told to its connection, which
 * says so to the client before any ack that covers it, and goes on.
 *
 * Each entry keeps the time its first record was noted: the oldest entry's
 * tells how long an ack has been owed (acks_oldest, for readiness). A run
 * spans at most RUN_SPAN_MS, so that this time is never later than that of
 * any record of the run, and never earlier by more than RUN_SPAN_MS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsrecv.h"

/* Records per entry at most: acks come at least this often. */
#define RUN_MAX 64
/* The longest time between a run's first record and its last. */
#define RUN_SPAN_MS 100
/* Entries an empty ring keeps of its memory. */
#define RING_KEEP 4096

static struct ack_entry *at(const struct acks *a, size_t i)
{
        return &a->v[(a->head + i) & (a->cap - 1)];
}

/* Doubles the ring (its size stays a power of two), oldest entry first. */
static int grow(struct acks *a)
{
        size_t cap = a->cap ? a->cap * 2 : 256;
        struct ack_entry *v = malloc(cap * sizeof(*v));
        if (!v)
                return -1;
        for (size_t i = 0; i < a->n; i++)
                v[i] = *at(a, i);
        free(a->v);
        a->v = v;
        a->cap = cap;
        a->head = 0;
        return 0;
}

int acks_noted(struct server *srv, struct conn *c)
{
        struct acks *a = &srv->acks;
        uint64_t rec = a->next_rec++;
        uint64_t end = sink_appended(&srv->out);
        int64_t now = clock_mono_ms(); /* a vDSO read, no syscall */
        if (a->n) {
                struct ack_entry *last = at(a, a->n - 1);
                if (last->c == c && last->count < RUN_MAX && now - last->since < RUN_SPAN_MS) {
                        last->count++;
                        last->last_seq = c->seq;
                        last->end = end;
                        return 0;
                }
        }
        if (a->n == a->cap && grow(a) < 0)
                return -1;
        *at(a, a->n++) = (struct ack_entry){c, rec, c->seq, end, now, 1};
        c->refs++;
        return 0;
}

/* Makes c's messages 1..seq acknowledged (unless a failure caps them). */
static void ack_upto(struct conn *c, uint64_t seq)
{
        if (seq <= c->ack_due)
                return;
        c->ack_due = seq;
        if (c->wsi)
                lws_callback_on_writable(c->wsi);
}

/* Drops the oldest entry; an emptied ring that grew large is given back. */
static void pop(struct acks *a)
{
        struct conn *c = at(a, 0)->c;
        a->head = (a->head + 1) & (a->cap - 1);
        a->n--;
        conn_unref(c);
        if (!a->n && a->cap > RING_KEEP) {
                free(a->v);
                a->v = NULL;
                a->cap = a->head = 0;
        }
}

void acks_written(struct server *srv)
{
        struct acks *a = &srv->acks;
        while (a->n && at(a, 0)->end <= srv->out.written) {
                struct ack_entry *e = at(a, 0);
                ack_upto(e->c, e->last_seq);
                pop(a);
        }
}

void acks_settled(struct server *srv, uint64_t upto)
{
        struct acks *a = &srv->acks;
        while (a->n) {
                struct ack_entry *e = at(a, 0);
                uint64_t last = e->first_rec + e->count - 1;
                if (last <= upto) {
                        ack_upto(e->c, e->last_seq);
                        pop(a);
                        continue;
                }
                if (e->first_rec <= upto) { /* part of the run is settled */
                        uint32_t k = (uint32_t)(upto - e->first_rec + 1);
                        ack_upto(e->c, e->last_seq - (e->count - k));
                        e->first_rec += k;
                        e->count -= k;
                }
                break;
        }
}

/* The connection record rec came from and its seq there; NULL when rec
 * is settled already, or was never noted. */
static struct conn *owner(const struct acks *a, uint64_t rec, uint64_t *seq)
{
        for (size_t i = 0; i < a->n; i++) {
                struct ack_entry *e = at(a, i);
                uint64_t last = e->first_rec + e->count - 1;
                if (rec < e->first_rec)
                        return NULL;
                if (rec > last)
                        continue;
                *seq = e->last_seq - (last - rec);
                return e->c;
        }
        return NULL;
}

void acks_failed(struct server *srv, uint64_t rec, const char *why)
{
        uint64_t seq;
        struct conn *c = owner(&srv->acks, rec, &seq);
        if (!c || (c->failed_at && c->failed_at <= seq))
                return;
        c->failed_at = seq;
        if (srv->conf->log >= LOG_VERBOSE)
                fprintf(stderr, "wsrecv: conn %llu from %s: message %llu not stored: %s\n",
                        (unsigned long long)c->id, c->peer, (unsigned long long)seq, why);
        char reason[124];
        snprintf(reason, sizeof(reason), "message %llu was not stored; send it again",
                 (unsigned long long)seq);
        conn_close(c, CLOSE_TRY_AGAIN_LATER, reason);
}

void acks_refused(struct server *srv, uint64_t rec, const char *why)
{
        uint64_t seq;
        struct conn *c = owner(&srv->acks, rec, &seq);
        if (!c)
                return;
        if (srv->conf->log >= LOG_VERBOSE)
                fprintf(stderr, "wsrecv: conn %llu from %s: message %llu refused: %s\n",
                        (unsigned long long)c->id, c->peer, (unsigned long long)seq, why);
        conn_refused(c, seq, why);
}

bool acks_pending(const struct server *srv)
{
        return srv->acks.n > 0;
}

/* When the oldest record still waiting for its ack was noted (monotonic
 * ms, at most RUN_SPAN_MS early), or -1 when none waits. */
int64_t acks_oldest(const struct server *srv)
{
        return srv->acks.n ? at(&srv->acks, 0)->since : -1;
}

size_t acks_bytes(const struct acks *a)
{
        /* The entries in use: the ring is at most twice that, or RING_KEEP. */
        return a->n * sizeof(*a->v);
}

void acks_free(struct acks *a)
{
        while (a->n)
                pop(a);
        free(a->v);
        a->v = NULL;
        a->cap = 0;
}
