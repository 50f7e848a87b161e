/* format: how a consumed message is written into the output buffer
 * (value per line, -K key and value, -f FORMAT, -J the JSON envelope). */
#ifndef KCONS_FORMAT_H
#define KCONS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "decode.h"
#include "envelope.h"
#include "opts.h"
#include "outbuf.h"

/* One piece of a compiled -f format: literal text or a %token. */
struct fmt_piece {
        char token;      /* 0 for literal text, else the letter after % */
        size_t off, len; /* literal text: where it is in the format's text */
};

struct formatter {
        const struct opts *o;
        struct fmt_piece *pieces; /* -f only */
        size_t npieces;
        char *text;              /* -f: the literal bytes, escapes resolved */
        struct env_header *hdrs; /* -J: a message's headers, reused */
        size_t hcap;
};

/* Prepares f for the output options in o (which must outlive f); compiles
 * -f. Returns 0, or -1 with a message in err naming what is wrong. */
int format_init(struct formatter *f, const struct opts *o, char *err, size_t errlen);
void format_free(struct formatter *f);
/* Appends message m, its key and value as v gives them (decoded or as
 * they are). Returns 0, or -1 when memory ran out. */
int format_message(struct formatter *f, struct outbuf *ob, const rd_kafka_message_t *m,
                   const struct msg_view *v);
/* True when the key or value as written contains the delimiter that ends
 * it on output, so a reader splitting on it would see the wrong records. */
bool format_is_ambiguous(const struct formatter *f, const struct msg_view *v);

#endif
