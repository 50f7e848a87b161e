/* acks: which connection each record came from, until its ack is due
 * (see acks.h for the invariant it keeps: an ack means stored).
 *
 * With --ack every record appended to the output is noted here, in output
 * order, a run of consecutive records of one connection as one entry.
 * Without --ack-from, an ack is due once a record is written (the sink's
 * byte count passes its end). With --ack-from, once kprod reports it
 * settled ("records 1..N are stored, or reported failed"). A record that
 * kprod reports failed caps that connection's acks just before it (the
 * owner closes it with 1013 so that the client sends it again). A record
 * kprod reports refused (it does not fit the schema, is too large: sending
 * it again gets the same answer) is told to its owner, which says so to
 * the client before any ack that covers it, and goes on.
 *
 * Each entry keeps the time its first record was noted: the oldest entry's
 * tells how long an ack has been owed (acks_oldest, for readiness). A run
 * spans at most RUN_SPAN_MS, so that this time is never later than that of
 * any record of the run, and never earlier by more than RUN_SPAN_MS. */
#include <stdlib.h>

#include "acks.h"

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

void acks_init(struct acks *a, const struct acks_owner *owner)
{
        *a = (struct acks){.owner = owner, .next_rec = 1};
}

int acks_noted(struct acks *a, void *conn, uint64_t seq, uint64_t end, int64_t now)
{
        uint64_t rec = a->next_rec++;
        if (a->n) {
                struct ack_entry *last = at(a, a->n - 1);
                if (last->conn == conn && last->count < RUN_MAX &&
                    now - last->since < RUN_SPAN_MS) {
                        last->count++;
                        last->last_seq = seq;
                        last->end = end;
                        return 0;
                }
        }
        if (a->n == a->cap && grow(a) < 0)
                return -1;
        *at(a, a->n++) = (struct ack_entry){conn, rec, seq, end, now, 1};
        a->owner->ref(conn);
        return 0;
}

/* Drops the oldest entry; an emptied ring that grew large is given back. */
static void pop(struct acks *a)
{
        void *conn = at(a, 0)->conn;
        a->head = (a->head + 1) & (a->cap - 1);
        a->n--;
        a->owner->unref(conn);
        if (!a->n && a->cap > RING_KEEP) {
                free(a->v);
                a->v = NULL;
                a->cap = a->head = 0;
        }
}

void acks_written(struct acks *a, uint64_t written)
{
        while (a->n && at(a, 0)->end <= written) {
                struct ack_entry *e = at(a, 0);
                a->owner->on_ack(e->conn, e->last_seq);
                pop(a);
        }
}

void acks_settled(struct acks *a, uint64_t upto)
{
        while (a->n) {
                struct ack_entry *e = at(a, 0);
                uint64_t last = e->first_rec + e->count - 1;
                if (last <= upto) {
                        a->owner->on_ack(e->conn, e->last_seq);
                        pop(a);
                        continue;
                }
                if (e->first_rec <= upto) { /* part of the run is settled */
                        uint32_t k = (uint32_t)(upto - e->first_rec + 1);
                        a->owner->on_ack(e->conn, e->last_seq - (e->count - k));
                        e->first_rec += k;
                        e->count -= k;
                }
                break;
        }
}

/* The connection record rec came from and its seq there; NULL when rec
 * is settled already, or was never noted. */
static void *owner(const struct acks *a, uint64_t rec, uint64_t *seq)
{
        for (size_t i = 0; i < a->n; i++) {
                struct ack_entry *e = at(a, i);
                uint64_t last = e->first_rec + e->count - 1;
                if (rec < e->first_rec)
                        return NULL;
                if (rec > last)
                        continue;
                *seq = e->last_seq - (last - rec);
                return e->conn;
        }
        return NULL;
}

void acks_failed(struct acks *a, uint64_t rec, const char *why)
{
        uint64_t seq;
        void *conn = owner(a, rec, &seq);
        if (conn)
                a->owner->on_failed(conn, seq, why);
}

void acks_refused(struct acks *a, uint64_t rec, const char *why)
{
        uint64_t seq;
        void *conn = owner(a, rec, &seq);
        if (conn)
                a->owner->on_refused(conn, seq, why);
}

bool acks_pending(const struct acks *a)
{
        return a->n > 0;
}

int64_t acks_oldest(const struct acks *a)
{
        return a->n ? at(a, 0)->since : -1;
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
