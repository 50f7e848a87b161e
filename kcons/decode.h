/* decode: -s avro: a message's key and value, in the registry's framing,
 * decoded to JSON with their writer's schema.
 *
 * Invariant: every message given to decode_message is either decoded
 * (each Avro part as one JSON value), or written undecoded and then named
 * on stderr and counted in undecoded, or (the registry gave no answer)
 * not written at all and the run stopped: never skipped in silence. */
#ifndef KCONS_DECODE_H
#define KCONS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "avrocache.h"
#include "outbuf.h"
#include "serde.h"

/* What format writes for a key or a value. */
enum part_form {
        PART_BYTES,     /* the message's bytes, as without -s */
        PART_JSON,      /* decoded: JSON text */
        PART_UNDECODED, /* Avro asked for but not decodable: the bytes as they are */
};

struct part_view {
        enum part_form form;
        const void *p; /* NULL: a null key or value */
        size_t n;
};

/* A message as it is to be written. */
struct msg_view {
        struct part_view key, value;
};

struct decoder {
        const struct serde_opts *s;
        struct registry *reg;
        struct av_cache *cache;
        struct outbuf key, value; /* the JSON of the message at hand */
        int64_t undecoded;        /* messages with a part written undecoded */
        char why[512];            /* decode_message's message when it returns a status */
        char bad[700];            /* why the message's parts did not decode */
};

/* Prepares d for s (which must outlive it): the registry's client when a
 * part is Avro. Returns 0, or -1 with the message in d->why. */
int decode_init(struct decoder *d, const struct serde_opts *s);
void decode_free(struct decoder *d);
/* Fills v for m: its bytes, or its decoded JSON (valid until the next
 * call). A part that does not decode is named on stderr with its topic,
 * partition and offset, and given as PART_UNDECODED. Returns 0, or the
 * exit status to stop with (the registry unreachable or refusing; out of
 * memory), m not to be written, with the message in d->why. */
int decode_message(struct decoder *d, const rd_kafka_message_t *m, struct msg_view *v);

#endif
