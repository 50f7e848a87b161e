/* avropath: where in a value the encoder or the decoder is, for messages
 * such as ".cast[2].name: missing field with no default".
 *
 * The path is a stack the walker pushes on the way down and pops on the
 * way up; it is only turned into text when something fails. */
#ifndef LIB_AVROPATH_H
#define LIB_AVROPATH_H

#include <stddef.h>

/* Values nested deeper than this are refused rather than recursed into. */
#define AV_MAX_DEPTH 64

struct av_step {
        enum { AV_STEP_FIELD, AV_STEP_INDEX, AV_STEP_KEY } kind;
        const char *s; /* field name, or map key as written */
        size_t n;      /* its length, or the array index */
};

struct av_path {
        struct av_step steps[AV_MAX_DEPTH + 1];
        int depth;
};

/* Writes the path (".a[3].b", or "" at the top) into buf of cap bytes;
 * returns its length (cut to fit). */
size_t av_path_format(const struct av_path *p, char *buf, size_t cap);

#endif
