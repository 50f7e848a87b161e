/* jsonread: reading JSON values from one record, with a cursor.
 *
 * Enough JSON for records made by tools (kprod -J's envelopes, the key
 * field of a browser's message): objects, arrays, strings decoded to exact
 * bytes (lib/framing's json_get_string), whole numbers, true, false, null.
 * Nothing is allocated; a failure leaves what was expected and where in
 * the cursor for the caller's message. */
#ifndef LIB_JSONREAD_H
#define LIB_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "framing.h"

struct jr {
        const char *start, *p, *end;
        const char *err; /* on failure: what was wrong, e.g. "expected ':'" */
        const char *at;  /* on failure: where */
};

/* Starts a cursor on the n bytes at s. */
void jr_init(struct jr *j, const char *s, size_t n);
/* Skips JSON whitespace. Inline: it runs between every two tokens. */
static inline void jr_ws(struct jr *j)
{
        /* One comparison for the usual case: no space, the next byte above ' '. */
        while (j->p < j->end && (unsigned char)*j->p <= ' ' &&
               (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
                j->p++;
}

/* Skips whitespace; consumes c and returns true when it comes next. */
static inline bool jr_eat(struct jr *j, char c)
{
        if (j->p < j->end) {
                if (*j->p == c) {
                        j->p++;
                        return true;
                }
                if ((unsigned char)*j->p > ' ')
                        return false; /* no space to skip: not c */
        }
        jr_ws(j);
        if (j->p < j->end && *j->p == c) {
                j->p++;
                return true;
        }
        return false;
}
/* Reads the string at the cursor when it is plain: printable ASCII, no
 * escape. *val then points into the text, as jr_string would give it.
 * False, the cursor where it was, for any other string or no string there
 * (jr_string reads it, or says what is wrong). Inline: it reads most
 * strings of most records (json_plain_run). */
static inline bool jr_plain_string(struct jr *j, const char **val, size_t *len)
{
        if (j->p >= j->end || *j->p != '"')
                return false;
        size_t room = (size_t)(j->end - j->p - 1);
        size_t run = json_plain_run(j->p + 1, room);
        if (run >= room || j->p[1 + run] != '"')
                return false;
        *val = j->p + 1;
        *len = run;
        j->p += run + 2;
        return true;
}
/* Skips whitespace; true when the next value is the literal null (taken).
 * Inline: a header's value, a key and a tombstone may be null. */
static inline bool jr_null(struct jr *j)
{
        jr_ws(j);
        if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
                j->p += 4;
                return true;
        }
        return false;
}
/* Records a failure: err says what was expected. Returns -1. */
int jr_fail(struct jr *j, const char *err);
/* Reads a string (see json_get_string for out, val and len). Returns 0 or -1. */
int jr_string(struct jr *j, char *out, const char **val, size_t *len);
/* Reads a whole number that fits in int64_t. Returns 0 or -1. */
int jr_int(struct jr *j, int64_t *v);
/* Skips one value of any type, checking its syntax. Returns 0 or -1. */
int jr_skip(struct jr *j);
/* Byte offset of the failure (or of the cursor), from 1. */
size_t jr_pos(const struct jr *j);

/* Looks up the member name of the JSON object in the n bytes at s, without
 * checking the rest of the record. A string gives its decoded bytes (out as
 * for json_get_string); a number, true or false its text as written.
 * Returns 1 when found so, 0 when the record is not an object, lacks the
 * member, or holds null, an object or an array there. */
int json_member(const char *s, size_t n, const char *name, char *out, const char **val,
                size_t *len);

#endif
