/* avroframe: the Confluent wire format of a schema registry's values: the
 * magic byte 0, the schema's id as 4 bytes big-endian, then the Avro body. */
#ifndef LIB_AVROFRAME_H
#define LIB_AVROFRAME_H

#include <stddef.h>
#include <stdint.h>

#define AV_FRAME_HEADER 5

/* Writes the 5-byte header for schema id at out. */
void av_frame_header(unsigned char *out, uint32_t id);
/* Reads the header of the n bytes at buf: *id, and the body after it.
 * Returns 0, or -1 with *why ("too short for the 5-byte header", "magic
 * byte 3, not 0"), a message in the caller's buffer why of whylen bytes. */
int av_frame_parse(const void *buf, size_t n, uint32_t *id, const unsigned char **body,
                   size_t *bodylen, char *why, size_t whylen);

#endif
