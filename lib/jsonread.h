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
 * strings of most records, eight bytes at a time. */
static inline bool jr_plain_string(struct jr *j, const char **val, size_t *len)
{
        if (j->p >= j->end || *j->p != '"')
                return false;
        const unsigned char *s = (const unsigned char *)j->p + 1, *q = s;
        const unsigned char *end = (const unsigned char *)j->end;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        for (; end - q >= 8; q += 8) {
                uint64_t w;
                memcpy(&w, q, 8);
                /* The high bit of each byte below ' ', '"', '\\' or from 0x80
                 * up; exact in the lowest flagged byte (a borrow only
                 * runs upwards from a flagged byte). */
                uint64_t hit = (((w - 0x2020202020202020ULL) |
                                 ((w ^ 0x2222222222222222ULL) - 0x0101010101010101ULL) |
                                 ((w ^ 0x5C5C5C5C5C5C5C5CULL) - 0x0101010101010101ULL)) &
                                ~w) |
                               w;
                hit &= 0x8080808080808080ULL;
                if (hit) {
                        q += __builtin_ctzll(hit) >> 3;
                        goto stop;
                }
        }
#endif
        while (q < end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
                q++;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
stop:
#endif
        if (q >= end || *q != '"')
                return false;
        *val = (const char *)s;
        *len = (size_t)(q - s);
        j->p = (const char *)q + 1;
        return true;
}
/* Skips whitespace; true when the next value is the literal null (taken). */
bool jr_null(struct jr *j);
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
