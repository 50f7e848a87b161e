/* framing: how a message becomes bytes on stdout, shared by wsrecv and kcons.
 *
 * JSON output is lossless: text that is valid UTF-8 is written as a JSON
 * string under its field name; anything else is written base64-encoded
 * under the field name with "_b64" appended, so a reader can always get the
 * exact bytes back. */
#ifndef LIB_FRAMING_H
#define LIB_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "outbuf.h"

/* True when the n bytes at s are well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool utf8_valid(const void *s, size_t n);
/* Appends s as a quoted JSON string; s must be valid UTF-8. */
int json_put_string(struct outbuf *ob, const void *s, size_t n);
/* Appends the standard base64 encoding (RFC 4648, padded) of s, unquoted. */
int base64_put(struct outbuf *ob, const void *s, size_t n);
/* Appends "name":"text" when s is valid UTF-8, "name_b64":"..." when it is
 * not, and "name":null when s is NULL. No leading or trailing comma. */
int json_put_field(struct outbuf *ob, const char *name, const void *s, size_t n);

/* The same, written at o, for a writer that reserves room for a whole
 * record at once; each returns the end of what it wrote. The rooms are
 * the most they write, or (size_t)-1 when that does not fit a size_t. */
size_t json_string_room(size_t n);
size_t json_field_room(size_t namelen, size_t n);
char *json_write_string(char *o, const void *s, size_t n);
char *base64_write(char *o, const void *s, size_t n);
char *json_write_field(char *o, const char *name, size_t namelen, const void *s, size_t n);
/* Appends a record: the n bytes of s and then the delimiter. */
int record_put(struct outbuf *ob, const void *s, size_t n, const char *delim, size_t delimlen);
/* Decodes base64 text into out (at least 3 * n / 4 bytes). Returns the
 * decoded length, or -1 when the text is not valid padded base64. */
long base64_decode(const char *s, size_t n, unsigned char *out);

/* Decodes the JSON string literal at s (s[0] must be the opening quote),
 * looking at no more than n bytes. Its text must be valid UTF-8 and its
 * \u escapes must pair surrogates, so that the result is exact bytes. On
 * success *val and *vlen give the decoded bytes: a pointer into s when the
 * literal has no escape (no copy), else into out, which needs room for n
 * bytes (decoding never grows); with out NULL the literal is only checked
 * (*val is then meaningless when it has escapes). Returns the number of bytes of s taken,
 * closing quote included, or -1 when the literal is malformed or cut off
 * (then *val points at the offending byte). */
long json_get_string(const char *s, size_t n, char *out, const char **val, size_t *vlen);
/* Length of the run of bytes at s, at most n, that a JSON string holds as
 * they are: no '"', no '\\' and no control byte, and with ascii none
 * above 0x7F either. Such an ascii run is valid UTF-8 too, so one pass both
 * checks and copies the usual text; and a literal whose closing quote ends
 * one is its own bytes (what json_get_string gives for it, without its
 * checks for what comes after). Sixteen bytes at a time with SSE2 (every
 * x86-64 has it), then eight, then one. Inline, ascii a constant at each
 * call: -J envelopes are mostly short strings, and the call cost as much as
 * the scan (lib/envelope's readers and writer, bench/RESULTS.md). */
static inline size_t json_run(const void *s, size_t n, bool ascii)
{
        const unsigned char *p = s;
        size_t i = 0;
#ifdef __SSE2__
        const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                      bslash = _mm_set1_epi8('\\'), below = _mm_set1_epi8(0x1F);
        for (; i + 16 <= n; i += 16) {
                __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
                /* Signed, below 0x20 is a control byte or one above 0x7F;
                 * unsigned, only a control byte is at most 0x1F. */
                __m128i ctl = ascii ? _mm_cmplt_epi8(w, space)
                                    : _mm_cmpeq_epi8(_mm_min_epu8(w, below), w);
                __m128i hit = _mm_or_si128(
                    ctl, _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, bslash)));
                unsigned m = (unsigned)_mm_movemask_epi8(hit);
                if (m)
                        return i + (size_t)__builtin_ctz(m);
        }
#endif
        const uint64_t high = ascii ? 0x8080808080808080ULL : 0;
        for (; i + 8 <= n; i += 8) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                /* Bytes below 0x20, equal to '"' (0x22) or '\\' (0x5C), or
                 * (high) with the high bit set. */
                uint64_t ctl = w - 0x2020202020202020ULL;
                uint64_t q = w ^ 0x2222222222222222ULL;
                uint64_t bs = w ^ 0x5C5C5C5C5C5C5C5CULL;
                uint64_t hit = ctl | (q - 0x0101010101010101ULL) | (bs - 0x0101010101010101ULL);
                if (((hit & ~w) | (w & high)) & 0x8080808080808080ULL)
                        break;
        }
        while (i < n && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\' && !(ascii && p[i] >= 0x80))
                i++;
        return i;
}

/* The run of printable ASCII but '"' and '\\' at s (json_run's ascii). */
static inline size_t json_plain_run(const void *s, size_t n)
{
        return json_run(s, n, true);
}

/* The value of one hex digit (either case), or -1. */
int hex_digit(char c);
/* Reads the C escape that follows a backslash at p (n r t 0 \\ xHH) into
 * *c. Returns the number of characters it took, or -1 for an unknown one. */
int unescape(const char *p, char *c);
/* Parses a delimiter as written on a command line: C escapes \n \r \t \0
 * \\ and \xHH are understood. Writes at most outcap bytes to out and
 * returns the length, or -1 when the spec is empty, too long or malformed. */
long delim_parse(const char *spec, char *out, size_t outcap);
/* Writes the decimal form of v at o (at most DEC_MAX bytes); returns the
 * end. */
#define DEC_MAX 20
char *dec_write(char *o, int64_t v);
char *udec_write(char *o, uint64_t v);
/* What a tool says of a delimiter delim_parse() refused. */
#define DELIM_SYNTAX "text, with the escapes \\n \\r \\t \\0 \\\\ \\xHH"

#endif
