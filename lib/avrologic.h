/* avrologic: the text forms of Avro's logical types, for the encoder and
 * the decoder: ISO-8601 dates and times to their numbers, and decimal
 * numbers to and from two's-complement bytes. */
#ifndef LIB_AVROLOGIC_H
#define LIB_AVROLOGIC_H

#include <stddef.h>
#include <stdint.h>

#include "avroschema.h"

/* The most digits a decimal may have here (a larger precision is ignored,
 * leaving plain bytes). */
#define AV_DECIMAL_MAX_DIGITS 256
/* Bytes enough for the unscaled value of any decimal we accept. */
#define AV_DECIMAL_MAX_BYTES 112

/* Reads the ISO-8601 text of n bytes at s for logical type lt: date
 * "2024-05-17"; time "13:45:30.250"; timestamp "2024-05-17T13:45:30.250Z"
 * (or +hh:mm / -hh:mm); local timestamp the same with no zone. At most 3
 * fraction digits for millis, 6 for micros. Returns 0 and *out, or -1. */
int av_time_parse(enum av_logical lt, const char *s, size_t n, int64_t *out);

/* Reads the decimal number text of n bytes at s (JSON number syntax) as a
 * decimal(precision, scale) and writes its unscaled value, big-endian two's
 * complement, into out: in size bytes when size is not 0 (a fixed), else
 * in the fewest bytes that hold its magnitude and a sign bit (as fastavro
 * and the Java library write bytes). Returns the length, or -1 with *why. */
long av_decimal_put(const char *s, size_t n, int precision, int scale, size_t size,
                    unsigned char *out, const char **why);
/* Writes the decimal text of the n-byte two's-complement unscaled value b
 * with scale digits after the point into out (room: 3 * n + scale + 4
 * bytes). Returns the length, or (size_t)-1 when the value has more
 * than AV_DECIMAL_MAX_BYTES significant bytes. */
size_t av_decimal_text(const unsigned char *b, size_t n, int scale, char *out);
/* The room av_decimal_text needs. */
size_t av_decimal_room(size_t n, int scale);

#endif
