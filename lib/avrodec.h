/* avrodec: Avro binary + the writer's schema -> JSON on one line.
 *
 * The JSON is plain (a union's value as itself) except where lib/avroenc
 * would read the plain form as another branch: then it is Avro's wrapper
 * {"branch":value}. So av_encode of what av_decode writes gives the same
 * bytes again. Logical types are written as the number underneath (dates
 * and times) or, for decimal, as a string of its exact digits ("12.34");
 * bytes and fixed as strings of code points 0-255; NaN and infinities of
 * float and double as the strings "NaN", "Infinity", "-Infinity".
 *
 * Bytes that do not decode (cut short, a bad varint, boolean, enum or
 * union index, a length past the end, invalid UTF-8 in a string, bytes
 * left over) are an error, and nothing is read past the end. A decoder
 * keeps the scratch memory of one call for the next; one per thread.
 * Invariant: av_decode appends the whole JSON of a value or nothing. An
 * array of items that take no bytes (null, empty records) holds at most
 * 2^20 of them in one value, so a few bytes cannot ask for gigabytes. */
#ifndef LIB_AVRODEC_H
#define LIB_AVRODEC_H

#include <stddef.h>

#include "avroschema.h"
#include "outbuf.h"

struct av_dec;

/* Makes a decoder for s (which must outlive it), or NULL (no memory). */
struct av_dec *av_dec_new(const struct av_schema *s);
/* Frees a decoder. */
void av_dec_free(struct av_dec *d);
/* Appends to out the JSON of the Avro value in the n bytes at buf (no
 * newline). Returns 0, or -1 with out as it was and av_dec_error() saying
 * where and why (".cast[2].name: string cut short at byte 17"). */
int av_decode(struct av_dec *d, const void *buf, size_t n, struct outbuf *out);
/* The message of the last failure. */
const char *av_dec_error(const struct av_dec *d);

#endif
