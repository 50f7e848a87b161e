/* avroenc: one JSON text -> the Avro binary encoding of a schema's value
 * (the JSON forms accepted are listed at the top of avroenc.c).
 *
 * An encoder belongs to one schema and holds its fields' defaults, already
 * encoded, and the scratch memory of one call, kept for the next: after
 * the first records an encode allocates nothing. Not thread-safe: one
 * encoder per thread. Invariant: av_encode appends a whole value or
 * nothing; out never holds part of a record that did not fit. */
#ifndef LIB_AVROENC_H
#define LIB_AVROENC_H

#include <stddef.h>

#include "avroschema.h"
#include "outbuf.h"

struct av_enc;

/* Makes an encoder for s (which must outlive it), encoding every field's
 * default. Returns NULL with a message in err when a default does not fit
 * its field's type (or memory ran out). */
struct av_enc *av_enc_new(const struct av_schema *s, char *err, size_t errlen);
/* Frees an encoder. */
void av_enc_free(struct av_enc *e);
/* Appends to out the Avro encoding of the n bytes of JSON at json. Returns
 * 0, or -1 with out as it was and av_enc_error() saying where and why
 * (".released: expected int, got \"1999\""). */
int av_encode(struct av_enc *e, const char *json, size_t n, struct outbuf *out);
/* The message of the last failure. */
const char *av_enc_error(const struct av_enc *e);

#endif
