/* shape: what one input record becomes in Kafka.
 *
 * By default the record is the value. -K splits a key off at a delimiter,
 * -k gives every record the same key, --key-field takes the key from a
 * member of the record's JSON object (the record stays the value), and -J
 * reads the record as an envelope (lib/envelope.h): key, value, headers,
 * timestamp and partition. A record that cannot be shaped (-J: not a valid
 * envelope) is refused with a reason, never altered. */
#ifndef KPROD_SHAPE_H
#define KPROD_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

enum shape_mode {
        SHAPE_VALUE, /* the record is the value */
        SHAPE_SPLIT, /* -K: key, delimiter, value */
        SHAPE_FIXED, /* -k: one key for every record */
        SHAPE_FIELD, /* --key-field: the key from the record's JSON */
        SHAPE_JSON,  /* -J: an envelope */
};

/* What a failed delivery needs to write the record back (kept in the
 * message's opaque beside the record number, see producer.h). */
enum {
        SHAPED_KEY_SPLIT = 1, /* -K: the record had the key delimiter */
        /* -J: the envelope's key / payload was a string (or _b64), not
         * another JSON value: to an Avro schema that takes a string it is
         * that string, to any other the JSON text it holds (wsrecv -J). */
        SHAPED_KEY_TEXT = 2,
        SHAPED_VAL_TEXT = 4,
};

struct shaped {
        const void *key; /* NULL: a null key */
        size_t klen;
        const void *val; /* NULL: a null value (tombstone) */
        size_t vlen;
        int32_t partition; /* -J: the envelope's, else RD_KAFKA_PARTITION_UA (-1) */
        int64_t ts;        /* -J: the envelope's, else -1 */
        const struct env_header *headers;
        size_t nheaders;
        unsigned flags; /* SHAPED_KEY_SPLIT */
};

struct shaper {
        enum shape_mode mode;
        const char *kdelim; /* -K */
        size_t kdlen;
        const char *key; /* -k */
        size_t keylen;
        const char *field; /* --key-field */
        bool null_empty;   /* -Z: empty keys and values become NULL */
        bool by_key;       /* --by-key: ignore the envelopes' partitions */
        struct env_reader env;
        char *scratch; /* --key-field: a decoded key */
        size_t scap;
};

void shaper_init(struct shaper *s);
void shaper_free(struct shaper *s);
/* Shapes the record; pointers in out stay valid until the next call and
 * the record's buffer changes. Returns 0, or -1 with the reason in why. */
int shape_record(struct shaper *s, const char *rec, size_t len, struct shaped *out, char *why,
                 size_t whylen);

#endif
