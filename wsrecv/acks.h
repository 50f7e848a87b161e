/* acks: which record belongs to which connection, until its ack is due.
 *
 * Invariant: an ack means stored. A connection's messages 1..N are
 * acknowledged (on_ack) only once every record of them is stored: written
 * to stdout (without --ack-from), or reported settled by kprod (with
 * --ack-from); never before, never out of order, and never past the first
 * one kprod reported failed (on_failed: the owner caps its acks there).
 * One kprod refused (on_refused) is covered by the acks after it: the
 * owner must tell its client of it before any such ack.
 *
 * It knows connections only as opaque pointers and tells their owner
 * through the callbacks given to acks_init; it never calls into the code
 * that owns them. An entry holds a reference on its connection (ref when
 * it is made, unref when it is dropped), so a connection that closed lives
 * on until no entry names it. */
#ifndef WSRECV_ACKS_H
#define WSRECV_ACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acks_owner {
        void (*ref)(void *conn);
        void (*unref)(void *conn);
        /* conn's messages 1..seq are stored (seq never lower than before). */
        void (*on_ack)(void *conn, uint64_t seq);
        /* conn's message seq was not stored, kprod said why (it may be sent
         * again: the owner caps conn's acks before it). */
        void (*on_failed)(void *conn, uint64_t seq, const char *why);
        /* conn's message seq will never be stored, for what it is (kprod
         * refused it): the owner tells its client, and later acks go on. */
        void (*on_refused)(void *conn, uint64_t seq, const char *why);
};

/* One run of records of one connection awaiting their ack. */
struct ack_entry {
        void *conn;
        uint64_t first_rec; /* record number of the run's first record */
        uint64_t last_seq;  /* the connection's seq of its last record */
        uint64_t end;       /* output offset just past its last record */
        int64_t since;      /* monotonic ms when its first record was noted */
        uint32_t count;     /* records in the run */
};

/* Records awaiting acks, oldest first (a ring). */
struct acks {
        const struct acks_owner *owner;
        struct ack_entry *v;
        size_t cap, head, n;
        uint64_t next_rec; /* number of the next record appended, from 1 */
};

void acks_init(struct acks *a, const struct acks_owner *owner);
/* Notes the record just appended to the output: conn's message seq, the
 * output's offset just past it, the time now (monotonic ms). -1: no memory. */
int acks_noted(struct acks *a, void *conn, uint64_t seq, uint64_t end, int64_t now);
/* The output has written this many bytes (without --ack-from). */
void acks_written(struct acks *a, uint64_t written);
/* kprod settled records 1..upto: each stored, or reported failed before. */
void acks_settled(struct acks *a, uint64_t upto);
/* kprod could not store record rec (on_failed). */
void acks_failed(struct acks *a, uint64_t rec, const char *why);
/* kprod refused record rec for what it is (on_refused). */
void acks_refused(struct acks *a, uint64_t rec, const char *why);
bool acks_pending(const struct acks *a);
/* When the oldest record still waiting for its ack was noted (monotonic
 * ms, at most RUN_SPAN_MS early), or -1 when none waits. */
int64_t acks_oldest(const struct acks *a);
/* The memory its entries take (for --max-buffer). */
size_t acks_bytes(const struct acks *a);
/* Drops every entry (unref each) and the ring. */
void acks_free(struct acks *a);

#endif
