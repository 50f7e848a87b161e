/* alone: the records of a batch the broker refused for a cause that
 * belongs to one record (a timestamp out of range, a record too large or
 * corrupt), kept to be produced again one at a time, each alone in its
 * request, so that only the record at fault fails.
 *
 * Invariant: every entry is a record counted as produced whose delivery
 * failed with such a cause while it shared its request with others; it
 * stays here, counted in flight, until it is handed to librdkafka again
 * or failed. Entries leave in the order their reports came, which is the
 * order they were read in, for each partition. */
#ifndef KPROD_ALONE_H
#define KPROD_ALONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

/* One record to produce again: the message as librdkafka had it, and with
 * -J the record as read, for --failed. */
struct again {
        struct again *next;
        uint64_t recno;
        int32_t partition;
        int64_t ts;               /* its CreateTime */
        rd_kafka_headers_t *hdrs; /* a copy, or NULL */
        bool split;               /* -K found the key delimiter (SHAPED_KEY_SPLIT) */
        bool key_null, val_null;
        size_t klen, vlen, rlen;
        char data[]; /* key, value, then rlen bytes of the record as read */
};

struct alone {
        struct again *head, **tail;
        size_t n;     /* entries */
        size_t bytes; /* their data */
};

/* One record's fault, not the request's: worth producing again alone. */
bool alone_cause(rd_kafka_resp_err_t err);
void alone_init(struct alone *a);
/* Keeps a copy of message m (and of rec, the record as read, when not
 * NULL) at the end. Returns 0, or -1 when memory ran out. */
int alone_push(struct alone *a, const rd_kafka_message_t *m, uint64_t recno, bool split,
               const char *rec, size_t rlen);
/* Takes the first entry out (NULL when none); the caller frees it with
 * alone_free(). */
struct again *alone_pop(struct alone *a);
void alone_free(struct again *e);

#endif
