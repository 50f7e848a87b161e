/* envelope: the one JSON record format of the three tools.
 *
 * kcons -J and wsrecv -J write it, kprod -J reads it back. One object a
 * line, with kcat -J's field names and order:
 *
 *   {"topic":"t","partition":0,"offset":5,"tstype":"create","ts":1700000000000,
 *    "broker":1,"headers":["name","value","name",null],"key":"k","payload":"v"}
 *
 * topic, partition, offset, tstype/ts, broker and headers are left out when
 * unknown or empty. key and payload are JSON strings when their bytes are
 * valid UTF-8, null when null, and otherwise key_b64 / payload_b64 with the
 * base64 of the bytes. headers is a flat array of names and values (a value
 * may be null); when any name or value is not UTF-8 the array is written as
 * headers_b64, every name and value base64-encoded. The reader takes the
 * fields in any order and ignores fields it does not know.
 *
 * A writer that decoded a key or payload (kcons -s avro) gives its JSON
 * text as ENV_JSON: it is written as the field's value as it is
 * ("payload":{"title":"x"}); one it could not decode is ENV_B64, always
 * key_b64 / payload_b64, so a reader tells it from decoded JSON. The
 * reader gives a key or payload that is a JSON value other than a string
 * or null as its text, as written, with keyform / payloadform ENV_JSON. */
#ifndef LIB_ENVELOPE_H
#define LIB_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

enum env_tstype {
        ENV_TS_NONE,      /* no timestamp: tstype and ts left out */
        ENV_TS_CREATE,    /* "create": the producer's time */
        ENV_TS_LOGAPPEND, /* "logappend": the broker's time */
        ENV_TS_UNKNOWN,   /* "unknown" (read only) */
};

/* How a key or payload is written (envelope_put only). */
enum env_form {
        ENV_BYTES, /* a string when UTF-8, else _b64 */
        ENV_JSON,  /* the bytes are one JSON value, written as they are */
        ENV_B64,   /* always _b64 */
};

struct env_header {
        const char *name;
        size_t namelen;
        const void *value; /* NULL: a null value */
        size_t len;
};

struct envelope {
        const char *topic; /* NULL: left out */
        size_t topiclen;
        int32_t partition; /* -1: left out (read: not given, or -1/null) */
        int64_t offset;    /* -1: left out */
        enum env_tstype tstype;
        int64_t ts;     /* milliseconds since the epoch; read: -1 when not given */
        int32_t broker; /* -1: left out */
        const struct env_header *headers;
        size_t nheaders;
        const void *key; /* NULL: null */
        size_t keylen;
        const void *payload; /* NULL: null (a tombstone) */
        size_t len;
        enum env_form keyform, payloadform; /* ENV_BYTES unless told */
};

/* Appends e as one JSON object, without a line end. Returns 0, or -1 when
 * memory ran out. */
int envelope_put(struct outbuf *ob, const struct envelope *e);
/* The most envelope_put writes for e, which it reserves at once: it
 * depends only on which fields are there and their lengths. (size_t)-1
 * when that does not fit a size_t. */
size_t envelope_room(const struct envelope *e);

/* What the reader needs between records: room for decoded bytes and
 * headers, grown to the largest record seen. */
struct env_reader {
        char *buf;
        size_t cap;
        struct env_header *hdrs;
        size_t hcap;
        char err[160]; /* why the last record was refused */
        bool general;  /* tests: every record by the general reader */
};

void env_reader_init(struct env_reader *r);
void env_reader_free(struct env_reader *r);
/* Reads the envelope in the n bytes at s into e, whose pointers stay valid
 * until the next call. Returns 0, or -1 with a message in r->err naming
 * the byte where it went wrong (a malformed or cut-off record, a missing
 * payload, bad base64, a field of the wrong type). */
int envelope_read(struct env_reader *r, const char *s, size_t n, struct envelope *e);

#endif
