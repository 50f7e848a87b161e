/* avroframe: the 5-byte header before a registry-framed Avro value. */
#include "avroframe.h"

#include <stdio.h>

void av_frame_header(unsigned char *out, uint32_t id)
{
        out[0] = 0;
        out[1] = (unsigned char)(id >> 24);
        out[2] = (unsigned char)(id >> 16);
        out[3] = (unsigned char)(id >> 8);
        out[4] = (unsigned char)id;
}

int av_frame_parse(const void *buf, size_t n, uint32_t *id, const unsigned char **body,
                   size_t *bodylen, char *why, size_t whylen)
{
        const unsigned char *b = buf;
        if (n < AV_FRAME_HEADER) {
                snprintf(why, whylen, "%zu bytes, too short for the 5-byte schema registry header",
                         n);
                return -1;
        }
        if (b[0] != 0) {
                snprintf(why, whylen, "magic byte %u, not 0: not in the schema registry's framing",
                         b[0]);
                return -1;
        }
        *id = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
        *body = b + AV_FRAME_HEADER;
        *bodylen = n - AV_FRAME_HEADER;
        return 0;
}
