/* avroenc: JSON -> Avro binary, written directly from lib/jsonread's cursor.
 *
 * The JSON forms accepted, by Avro type:
 *   null              null
 *   boolean           true, false
 *   int, long         a whole number (no fraction, no exponent) in range
 *   float, double     any number; the strings "NaN", "Infinity", "-Infinity"
 *   bytes, fixed      a string whose code points 0-255 are the bytes (Avro's
 *                     JSON encoding: "\u00ff" is the byte 0xff); a fixed's
 *                     length must be its size
 *   string            a string
 *   enum              a string, one of its symbols
 *   array             an array
 *   map               an object
 *   record            an object, members in any order; a missing member
 *                     takes the field's default (an error without one); an
 *                     unknown member is an error
 *   union             the value of the first branch its JSON kind fits
 *                     (null, boolean, number, string, object, array; for a
 *                     number the first of int, long, float, double, ... that
 *                     takes it), or Avro's JSON encoding {"branch": value},
 *                     an object of one member named by a branch's full name
 *                     ("string", "com.x.Movie"; the short name is accepted)
 * Logical types, besides the number of the type underneath:
 *   date              "2024-05-17"
 *   time-millis/micros                 "13:45:30", "13:45:30.250"
 *   timestamp-millis/micros            "2024-05-17T13:45:30.250Z", or with
 *                                      +hh:mm / -hh:mm
 *   local-timestamp-millis/micros      "2024-05-17T13:45:30.250"
 *                     (at most 3 fraction digits for millis, 6 for micros)
 *   decimal           a number or a string holding one ("12.34", "-1e3"),
 *                     read exactly (never through a double); at most scale
 *                     digits after the point and precision digits in all
 *   uuid              a string of the form 8-4-4-4-12 hex digits
 * A field's default in the schema is read in the Avro JSON encoding of the
 * type underneath (bytes as code points, no ISO forms), for a union as its
 * first branch, as the specification says. */
#include "avroenc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avrologic.h"
#include "avropath.h"
#include "framing.h"
#include "jsonread.h"

/* The failure paths out of line, the few steps of every value in it: the
 * hot functions stay small (GCC, clang; elsewhere the compiler decides). */
#if defined(__GNUC__)
#define COLD __attribute__((cold, noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define COLD
#define ALWAYS_INLINE inline
#endif

struct def {
        unsigned char *bytes; /* the default, encoded; NULL: none */
        size_t len;
};

/* A field's member name as the records of tools write it, `"name":`, in
 * two words to compare with the text under a mask. */
struct key {
        uint64_t w[2], m[2];
        size_t len; /* bytes of `"name":`; 0: above 16, not compared so */
};

struct av_enc {
        const struct av_schema *s;
        struct def *defs; /* by field id */
        struct key *keys; /* by field id */
        struct jr j;
        struct outbuf *out;
        bool raw;          /* reading a default: no logical forms */
        int trial;         /* > 0: trying a union branch, a failure is quiet */
        char *scratch;     /* decoded strings: room for the whole input */
        size_t scratchcap;
        const char **slots; /* record members met before their turn */
        size_t nslots, capslots;
        struct av_path path;
        bool failed;
        char err[512];
};

/* Records a failure at the current path; returns -1. */
COLD static int fail(struct av_enc *e, const char *fmt, ...)
{
        if (e->failed)
                return -1;
        e->failed = true;
        if (e->trial)
                return -1;
        size_t len = av_path_format(&e->path, e->err, sizeof(e->err));
        if (len && len + 2 < sizeof(e->err)) {
                e->err[len++] = ':';
                e->err[len++] = ' ';
        }
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err + len, sizeof(e->err) - len, fmt, ap);
        va_end(ap);
        return -1;
}

/* A short text for the JSON value at the cursor, for "got ...". */
static const char *got(struct av_enc *e, char *buf, size_t cap)
{
        jr_ws(&e->j);
        const char *p = e->j.p, *end = e->j.end;
        if (p >= end)
                return "nothing";
        if (*p == '{')
                return "an object";
        if (*p == '[')
                return "an array";
        size_t n = 1;
        if (*p == '"') {
                while (p + n < end && p[n] != '"')
                        n += p[n] == '\\' && p + n + 1 < end ? 2 : 1;
                n += p + n < end;
        } else {
                while (p + n < end && !strchr(",]} \t\r\n", p[n]))
                        n++;
        }
        /* The message may go into JSON for a client: whole characters of
         * valid UTF-8 only, no control bytes. */
        size_t w = n > 40 ? 36 : n;
        while (w > 0 && w < n && ((unsigned char)p[w] & 0xc0) == 0x80)
                w--;
        for (size_t i = 0; i < w; i++)
                if ((unsigned char)p[i] < 0x20)
                        return *p == '"' ? "a string" : "a value";
        if (!utf8_valid(p, w))
                return *p == '"' ? "a string" : "a value";
        snprintf(buf, cap, "%.*s%s", (int)w, p, w < n ? "..." : "");
        return buf;
}

/* A name for what node n expects, for "expected ...". */
static const char *expects(const struct av_node *n, char *buf, size_t cap)
{
        static const char *lts[] = {
            [AV_LT_DATE] = "date",
            [AV_LT_TIME_MILLIS] = "time-millis",
            [AV_LT_TIME_MICROS] = "time-micros",
            [AV_LT_TIMESTAMP_MILLIS] = "timestamp-millis",
            [AV_LT_TIMESTAMP_MICROS] = "timestamp-micros",
            [AV_LT_LOCAL_TS_MILLIS] = "local-timestamp-millis",
            [AV_LT_LOCAL_TS_MICROS] = "local-timestamp-micros",
            [AV_LT_UUID] = "uuid",
        };
        if (n->logical == AV_LT_DECIMAL)
                snprintf(buf, cap, "decimal(%d,%d)", n->precision, n->scale);
        else if (n->logical != AV_LT_NONE)
                snprintf(buf, cap, "%s", lts[n->logical]);
        else if (n->type == AV_RECORD || n->type == AV_ENUM || n->type == AV_FIXED)
                snprintf(buf, cap, "%s %s",
                         n->type == AV_RECORD ? "record" : n->type == AV_ENUM ? "enum" : "fixed",
                         n->name);
        else
                snprintf(buf, cap, "%s", n->name);
        return buf;
}

/* Fails with "expected T, got V". */
COLD static int mismatch(struct av_enc *e, const struct av_node *n)
{
        if (e->trial)
                return fail(e, "");
        char a[160], b[48];
        return fail(e, "expected %s, got %s", expects(n, a, sizeof(a)), got(e, b, sizeof(b)));
}

/* Fails on a syntax error the cursor recorded. */
COLD static int bad_json(struct av_enc *e)
{
        return fail(e, "bad JSON at byte %zu: %s", jr_pos(&e->j), e->j.err ? e->j.err : "?");
}

/* Appends n bytes when they need more room (or memory ran out). */
COLD static int put_slow(struct av_enc *e, const void *p, size_t n)
{
        if (outbuf_put(e->out, p, n) < 0)
                return fail(e, "out of memory");
        return 0;
}

/* Appends n bytes. Inline, and only a store when they fit: it runs for
 * every value of every record. */
static ALWAYS_INLINE int put(struct av_enc *e, const void *p, size_t n)
{
        struct outbuf *ob = e->out;
        if (!ob->oom && ob->off + ob->len + n <= ob->cap) {
                memcpy(ob->data + ob->off + ob->len, p, n);
                ob->len += n;
                return 0;
        }
        return put_slow(e, p, n);
}

/* Writes v zigzag-encoded as a varint at o; returns its length. */
static inline size_t varint(unsigned char *o, int64_t v)
{
        uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
        size_t n = 0;
        while (u > 0x7f) {
                o[n++] = (unsigned char)(u | 0x80);
                u >>= 7;
        }
        o[n++] = (unsigned char)u;
        return n;
}

/* Appends an Avro int or long: in place when ten bytes fit. */
static ALWAYS_INLINE int put_long(struct av_enc *e, int64_t v)
{
        struct outbuf *ob = e->out;
        if (!ob->oom && ob->off + ob->len + 10 <= ob->cap) {
                ob->len += varint((unsigned char *)ob->data + ob->off + ob->len, v);
                return 0;
        }
        unsigned char b[10];
        return put_slow(e, b, varint(b, v));
}

/* Appends a length and the n bytes at p: in place when they fit. */
static ALWAYS_INLINE int put_bytes(struct av_enc *e, const void *p, size_t n)
{
        struct outbuf *ob = e->out;
        if (!ob->oom && ob->off + ob->len + 10 + n <= ob->cap) {
                unsigned char *o = (unsigned char *)ob->data + ob->off + ob->len;
                size_t k = varint(o, (int64_t)n);
                memcpy(o + k, p, n);
                ob->len += k + n;
                return 0;
        }
        if (put_long(e, (int64_t)n) < 0)
                return -1;
        return put(e, p, n);
}

/* Scans the JSON number at the cursor: *s and *n its text, *whole when it
 * has no fraction or exponent. The cursor moves past it. */
static int number(struct av_enc *e, const char **s, size_t *n, bool *whole)
{
        const char *p = e->j.p, *end = e->j.end;
        *s = p;
        *whole = true;
        if (p < end && *p == '-')
                p++;
        if (p >= end || *p < '0' || *p > '9')
                return -1;
        if (*p == '0')
                p++;
        else
                while (p < end && *p >= '0' && *p <= '9')
                        p++;
        if (p < end && *p == '.') {
                *whole = false;
                if (++p >= end || *p < '0' || *p > '9')
                        return -1;
                while (p < end && *p >= '0' && *p <= '9')
                        p++;
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
                *whole = false;
                if (++p < end && (*p == '+' || *p == '-'))
                        p++;
                if (p >= end || *p < '0' || *p > '9')
                        return -1;
                while (p < end && *p >= '0' && *p <= '9')
                        p++;
        }
        *n = (size_t)(p - *s);
        e->j.p = p;
        return 0;
}

/* The JSON kind (AV_K_*) of the value at the cursor, or 0. */
static unsigned kind(struct av_enc *e)
{
        jr_ws(&e->j);
        if (e->j.p >= e->j.end)
                return 0;
        switch (*e->j.p) {
        case '"':
                return AV_K_STR;
        case '{':
                return AV_K_OBJ;
        case '[':
                return AV_K_ARR;
        case 't':
        case 'f':
                return AV_K_BOOL;
        case 'n':
                return AV_K_NULL;
        }
        const char *s, *p = e->j.p;
        size_t n;
        bool whole;
        if (number(e, &s, &n, &whole) < 0)
                return 0;
        e->j.p = p;
        return whole ? AV_K_WHOLE : AV_K_FRAC;
}

/* string() for a string that is not plain (or not there). */
COLD static int string_slow(struct av_enc *e, const char **v, size_t *n)
{
        if (jr_string(&e->j, e->scratch, v, n) < 0)
                return bad_json(e);
        return 0;
}

/* Reads a string at the cursor (decoded, maybe into scratch). */
static ALWAYS_INLINE int string(struct av_enc *e, const char **v, size_t *n)
{
        if (jr_plain_string(&e->j, v, n))
                return 0;
        return string_slow(e, v, n);
}

static int value(struct av_enc *e, const struct av_node *n);

/* Reads at the cursor a whole number of at most 18 digits (which cannot
 * overflow), as the slower path of enc_whole would; false, the cursor
 * unmoved, for any other text. */
static inline bool whole_fast(struct jr *j, int64_t *v)
{
        const char *p = j->p, *end = j->end;
        bool neg = p < end && *p == '-';
        p += neg;
        const char *d = p;
        uint64_t u = 0;
        while (p < end && p - d < 18 && (unsigned)(*p - '0') < 10)
                u = u * 10 + (uint64_t)(*p++ - '0');
        if (p == d || (*d == '0' && p > d + 1) ||
            (p < end && ((unsigned)(*p - '0') < 10 || *p == '.' || *p == 'e' || *p == 'E')))
                return false;
        *v = neg ? -(int64_t)u : (int64_t)u;
        j->p = p;
        return true;
}

/* int and long, and the logical types on them. The cursor is on the
 * value (value() skipped the space before it). */
static int enc_whole(struct av_enc *e, const struct av_node *n)
{
        const char *at = e->j.p;
        int64_t v;
        if (whole_fast(&e->j, &v)) {
                if (n->type == AV_LONG || (v >= INT32_MIN && v <= INT32_MAX))
                        return put_long(e, v);
                e->j.p = at; /* out of range: said below */
        }
        if (at < e->j.end && *at == '"' && n->logical != AV_LT_NONE && !e->raw) {
                const char *s;
                size_t len;
                if (string(e, &s, &len) < 0)
                        return -1;
                if (av_time_parse(n->logical, s, len, &v) < 0) {
                        e->j.p = at;
                        return mismatch(e, n);
                }
        } else {
                const char *s;
                size_t len;
                bool whole;
                if (number(e, &s, &len, &whole) < 0 || !whole) {
                        e->j.p = at;
                        return mismatch(e, n);
                }
                e->j.p = at;
                if (jr_int(&e->j, &v) < 0) {
                        e->j.p = at;
                        return fail(e, "%.*s is out of range for long", (int)(len > 40 ? 40 : len),
                                    s);
                }
                if (n->type == AV_INT && (v < INT32_MIN || v > INT32_MAX))
                        return fail(e, "%.*s is out of range for int", (int)len, s);
        }
        return put_long(e, v);
}

/* Reads the common short numbers ("8.7", "-12", "0.25") without strtod:
 * up to 15 digits and 22 after the point are exact as double, so one
 * division rounds correctly (Clinger's fast path). False for the rest. */
static bool exact_double(const char *s, size_t n, double *out)
{
        static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        size_t i = 0;
        bool neg = n > 0 && s[0] == '-';
        i += neg;
        uint64_t m = 0;
        int digits = 0, frac = -1;
        for (; i < n; i++) {
                if (s[i] == '.' && frac < 0) {
                        frac = 0;
                        continue;
                }
                if (s[i] < '0' || s[i] > '9')
                        return false; /* an exponent: strtod */
                m = m * 10 + (uint64_t)(s[i] - '0');
                if (m && ++digits > 15)
                        return false;
                if (frac >= 0 && ++frac > 22)
                        return false;
        }
        double d = (double)m / pow10[frac < 0 ? 0 : frac];
        *out = neg ? -d : d;
        return true;
}

/* Reads at the cursor the common short number that exact_double takes
 * (no exponent, at most 15 significant digits and 22 after the point), in
 * one pass, giving the same double; false, the cursor unmoved, otherwise. */
static inline bool real_fast(struct jr *j, double *out)
{
        static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        const char *p = j->p, *end = j->end;
        bool neg = p < end && *p == '-';
        p += neg;
        const char *d = p;
        uint64_t m = 0;
        int digits = 0, frac = 0;
        while (p < end && (unsigned)(*p - '0') < 10) {
                m = m * 10 + (uint64_t)(*p++ - '0');
                if (m && ++digits > 15)
                        return false;
        }
        if (p == d || (*d == '0' && p > d + 1))
                return false;
        if (p < end && *p == '.') {
                const char *f = ++p;
                while (p < end && (unsigned)(*p - '0') < 10) {
                        m = m * 10 + (uint64_t)(*p++ - '0');
                        if ((m && ++digits > 15) || ++frac > 22)
                                return false;
                }
                if (p == f)
                        return false;
        }
        if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
                return false;
        double v = (double)m / pow10[frac];
        *out = neg ? -v : v;
        j->p = p;
        return true;
}

/* Appends d as node n's float or double: little-endian IEEE 754. */
static int put_real(struct av_enc *e, const struct av_node *n, double d)
{
        unsigned char b[8];
        if (n->type == AV_FLOAT) {
                float f = (float)d;
                uint32_t u;
                memcpy(&u, &f, 4);
                for (int i = 0; i < 4; i++)
                        b[i] = (unsigned char)(u >> (8 * i));
                return put(e, b, 4);
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(b, &d, 8); /* one store, where the loop below is eight */
#else
        uint64_t u;
        memcpy(&u, &d, 8);
        for (int i = 0; i < 8; i++)
                b[i] = (unsigned char)(u >> (8 * i));
#endif
        return put(e, b, 8);
}

/* float and double. The cursor is on the value. */
static int enc_real(struct av_enc *e, const struct av_node *n)
{
        const char *at = e->j.p;
        double d;
        if (real_fast(&e->j, &d))
                return put_real(e, n, d);
        if (at < e->j.end && *at == '"') {
                const char *s;
                size_t len;
                if (string(e, &s, &len) < 0)
                        return -1;
                if (len == 3 && memcmp(s, "NaN", 3) == 0)
                        d = NAN;
                else if (len == 8 && memcmp(s, "Infinity", 8) == 0)
                        d = INFINITY;
                else if (len == 9 && memcmp(s, "-Infinity", 9) == 0)
                        d = -INFINITY;
                else {
                        e->j.p = at;
                        return mismatch(e, n);
                }
        } else {
                const char *s;
                size_t len;
                bool whole;
                if (number(e, &s, &len, &whole) < 0) {
                        e->j.p = at;
                        return mismatch(e, n);
                }
                if (!exact_double(s, len, &d)) {
                        char small[64], *buf = len < sizeof(small) ? small : e->scratch;
                        memcpy(buf, s, len);
                        buf[len] = 0;
                        d = strtod(buf, NULL);
                }
                if (isinf(d) || (n->type == AV_FLOAT && isinf((float)d)))
                        return fail(e, "%.*s is out of range for %s", (int)(len > 40 ? 40 : len),
                                    s, n->name);
        }
        return put_real(e, n, d);
}

/* Turns the UTF-8 of a string into the bytes its code points 0-255 are,
 * in scratch. Returns the length, or -1 for a code point above 255. */
static long latin1(struct av_enc *e, const char *s, size_t n)
{
        unsigned char *o = (unsigned char *)e->scratch;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x80) {
                        o[k++] = c;
                } else if ((c == 0xc2 || c == 0xc3) && i + 1 < n) {
                        o[k++] = (unsigned char)(((c & 0x03) << 6) | ((unsigned char)s[++i] & 0x3f));
                } else {
                        return -1;
                }
        }
        return (long)k;
}

/* A decimal, from a number or a string holding one. */
static int enc_decimal(struct av_enc *e, const struct av_node *n)
{
        const char *at = e->j.p, *s;
        size_t len;
        bool whole;
        if (at < e->j.end && *at == '"') {
                if (string(e, &s, &len) < 0)
                        return -1;
        } else if (number(e, &s, &len, &whole) < 0) {
                e->j.p = at;
                return mismatch(e, n);
        }
        unsigned char b[AV_DECIMAL_MAX_BYTES];
        unsigned char *o = n->type == AV_FIXED && n->size > sizeof(b) ? (unsigned char *)e->scratch : b;
        const char *why;
        long k = av_decimal_put(s, len, n->precision, n->scale, n->type == AV_FIXED ? n->size : 0,
                                o, &why);
        if (k < 0) {
                e->j.p = at;
                char a[48], c[48];
                return fail(e, "%s %s for %s", got(e, c, sizeof(c)), why,
                            expects(n, a, sizeof(a)));
        }
        if (n->type == AV_FIXED)
                return put(e, o, (size_t)k);
        return put_bytes(e, o, (size_t)k);
}

/* True when the n bytes at s are a UUID's 8-4-4-4-12 hex digits. */
static bool is_uuid(const char *s, size_t n)
{
        if (n != 36)
                return false;
        for (size_t i = 0; i < n; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
                        return false;
        }
        return true;
}

/* string, bytes, fixed and enum: the kinds written as a JSON string. The
 * cursor is on the value. */
static int enc_text(struct av_enc *e, const struct av_node *n)
{
        if (n->logical == AV_LT_DECIMAL && !e->raw)
                return enc_decimal(e, n);
        const char *at = e->j.p, *s;
        size_t len;
        if (at >= e->j.end || *at != '"')
                return mismatch(e, n);
        if (string(e, &s, &len) < 0)
                return -1;
        switch (n->type) {
        case AV_STRING:
                if (n->logical == AV_LT_UUID && !e->raw && !is_uuid(s, len)) {
                        e->j.p = at;
                        return mismatch(e, n);
                }
                return put_bytes(e, s, len);
        case AV_ENUM:
                for (size_t i = 0; i < n->n; i++)
                        if (n->symlens[i] == len && memcmp(n->symbols[i], s, len) == 0)
                                return put_long(e, (int64_t)i);
                e->j.p = at;
                if (e->trial)
                        return fail(e, "");
                char a[48];
                return fail(e, "%s is not a symbol of enum %s", got(e, a, sizeof(a)), n->name);
        default: {
                long k = latin1(e, s, len);
                if (k < 0) {
                        e->j.p = at;
                        return fail(e, "a character above U+00FF in %s", n->name);
                }
                if (n->type == AV_BYTES)
                        return put_bytes(e, e->scratch, (size_t)k);
                if ((size_t)k != n->size) {
                        e->j.p = at;
                        return fail(e, "fixed %s needs %zu bytes, got %ld", n->name, n->size, k);
                }
                return put(e, e->scratch, (size_t)k);
        }
        }
}

/* Encodes the value at the cursor as node n when it is the usual value of
 * a leaf type that cannot fail once read and has room in out: a plain
 * string for a string, a short number (whole_fast, real_fast) for int,
 * long, float and double. Returns true when done; false, with nothing
 * taken or written, for value() to do with the field's path on the stack
 * for its messages. */
static ALWAYS_INLINE bool leaf(struct av_enc *e, const struct av_node *n)
{
        struct outbuf *ob = e->out;
        if (ob->oom)
                return false;
        jr_ws(&e->j);
        size_t room = ob->cap - ob->off - ob->len;
        unsigned char *o = (unsigned char *)ob->data + ob->off + ob->len;
        const char *at = e->j.p;
        switch (n->type) {
        case AV_STRING: {
                const char *s;
                size_t len;
                if (n->logical != AV_LT_NONE || !jr_plain_string(&e->j, &s, &len))
                        return false;
                if (room < 10 + len) {
                        e->j.p = at;
                        return false;
                }
                size_t k = varint(o, (int64_t)len);
                memcpy(o + k, s, len);
                ob->len += k + len;
                return true;
        }
        case AV_INT:
        case AV_LONG: {
                int64_t v;
                if (room < 10 || !whole_fast(&e->j, &v))
                        return false;
                if (n->type == AV_INT && (v < INT32_MIN || v > INT32_MAX)) {
                        e->j.p = at;
                        return false;
                }
                ob->len += varint(o, v);
                return true;
        }
        case AV_FLOAT: /* (15 digits fit a float's range) */
        case AV_DOUBLE: {
                double d;
                if (room < 8 || !real_fast(&e->j, &d))
                        return false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                if (n->type == AV_DOUBLE) { /* its bytes as they are */
                        memcpy(o, &d, 8);
                        ob->len += 8;
                        return true;
                }
#endif
                return put_real(e, n, d) == 0;
        }
        default:
                return false;
        }
}

/* Pushes a step on the path; fails when values nest too deeply. */
static int push(struct av_enc *e, int kind, const char *s, size_t n)
{
        if (e->path.depth >= AV_MAX_DEPTH)
                return fail(e, "nested too deeply");
        struct av_step *st = &e->path.steps[e->path.depth++];
        st->kind = kind;
        st->s = s;
        st->n = n;
        return 0;
}

/* Encodes the value at position p (a member met early), then comes back. */
static int value_at(struct av_enc *e, const struct av_node *n, const char *p)
{
        const char *back = e->j.p;
        e->j.p = p;
        int r = value(e, n);
        e->j.p = back;
        return r;
}

/* Encodes field f's default from the schema's text (a union's: as its
 * first branch), then comes back. */
static int default_value(struct av_enc *e, const struct av_field *f)
{
        const struct av_node *t = f->type;
        if (t->type == AV_UNION) {
                if (put(e, "", 1) < 0)
                        return -1;
                t = t->branches[0];
        }
        struct jr back = e->j;
        jr_init(&e->j, f->def, f->deflen);
        int r = value(e, t);
        if (r == 0) {
                jr_ws(&e->j);
                if (e->j.p != e->j.end)
                        r = fail(e, "bad default");
        }
        e->j = back;
        return r;
}

/* Takes the member name `"name":` of field fd when the cursor is on it,
 * written just so (no space, no escape, as tools write records); false,
 * the cursor unmoved, otherwise. */
static inline bool take_key(struct av_enc *e, const struct av_field *fd)
{
        const struct key *k = &e->keys[fd->id];
        const char *p = e->j.p;
        uint64_t a, b = 0;
        if (k->len == 0 || (size_t)(e->j.end - p) < (k->len > 8 ? 16 : 8))
                return false;
        memcpy(&a, p, 8);
        if (k->len > 8)
                memcpy(&b, p + 8, 8);
        if (((a & k->m[0]) ^ k->w[0]) | ((b & k->m[1]) ^ k->w[1]))
                return false;
        e->j.p = p + k->len;
        return true;
}

/* Reads a member's name and its ':' in any form, for record n whose
 * field next is due: *f the field it names. Returns 0, or -1 (failed). */
COLD static int member(struct av_enc *e, const struct av_node *n, size_t next, size_t *f)
{
        jr_ws(&e->j);
        const char *k;
        size_t klen;
        *f = n->n;
        /* The member due next, written as its name with no escape (Avro
         * names have none to write): taken as is. */
        const char *p = e->j.p;
        if (next < n->n) {
                const struct av_field *fd = &n->fields[next];
                if ((size_t)(e->j.end - p) > fd->namelen + 1 && p[0] == '"' &&
                    memcmp(p + 1, fd->name, fd->namelen) == 0 && p[fd->namelen + 1] == '"') {
                        *f = next;
                        k = fd->name;
                        klen = fd->namelen;
                        e->j.p += fd->namelen + 2;
                }
        }
        if (*f == n->n && string(e, &k, &klen) < 0)
                return -1;
        if (!jr_eat(&e->j, ':')) {
                jr_fail(&e->j, "expected ':'");
                return bad_json(e);
        }
        if (*f < n->n)
                return 0;
        if (next < n->n && n->fields[next].namelen == klen &&
            memcmp(n->fields[next].name, k, klen) == 0) {
                *f = next;
                return 0;
        }
        for (size_t i = 0; i < n->n; i++)
                if (n->fields[i].namelen == klen && memcmp(n->fields[i].name, k, klen) == 0)
                        *f = i;
        if (*f == n->n && push(e, AV_STEP_FIELD, k, klen) == 0) {
                fail(e, "no such field in record %s", n->name);
                e->path.depth--;
        }
        return *f == n->n ? -1 : 0;
}

/* A record: members in any order, defaults for the missing. */
static int enc_record(struct av_enc *e, const struct av_node *n)
{
        if (!jr_eat(&e->j, '{'))
                return mismatch(e, n);
        /* slots[base + i]: where field i's value was met before its turn;
         * read only once early (how many were) is not 0, and cleared then. */
        size_t base = e->nslots;
        if (base + n->n > e->capslots) {
                size_t cap = e->capslots ? 2 * e->capslots : 64;
                while (cap < base + n->n)
                        cap *= 2;
                const char **s = realloc(e->slots, cap * sizeof(*s));
                if (!s)
                        return fail(e, "out of memory");
                e->slots = s;
                e->capslots = cap;
        }
        e->nslots += n->n;
        size_t next = 0; /* fields before it are written */
        size_t early = 0;
        int r = -1;
        if (!jr_eat(&e->j, '}')) {
                do {
                        size_t f = next;
                        if ((next == n->n || !take_key(e, &n->fields[next])) &&
                            member(e, n, next, &f) < 0)
                                goto out;
                        const struct av_field *fd = &n->fields[f];
                        if (f < next || (early && e->slots[base + f])) {
                                if (push(e, AV_STEP_FIELD, fd->name, fd->namelen) == 0) {
                                        fail(e, "field given twice");
                                        e->path.depth--;
                                }
                                goto out;
                        }
                        if (f != next) {
                                if (!early++)
                                        for (size_t i = 0; i < n->n; i++)
                                                e->slots[base + i] = NULL;
                                jr_ws(&e->j);
                                e->slots[base + f] = e->j.p;
                                if (jr_skip(&e->j) < 0) {
                                        bad_json(e);
                                        goto out;
                                }
                                continue;
                        }
                        if (!leaf(e, fd->type)) {
                                if (push(e, AV_STEP_FIELD, fd->name, fd->namelen) < 0 ||
                                    value(e, fd->type) < 0)
                                        goto out;
                                e->path.depth--;
                        }
                        /* Then the fields met earlier that are now due. */
                        for (next++; early && next < n->n && e->slots[base + next]; next++) {
                                fd = &n->fields[next];
                                if (push(e, AV_STEP_FIELD, fd->name, fd->namelen) < 0 ||
                                    value_at(e, fd->type, e->slots[base + next]) < 0)
                                        goto out;
                                e->path.depth--;
                        }
                } while (jr_eat(&e->j, ','));
                if (!jr_eat(&e->j, '}')) {
                        jr_fail(&e->j, "expected ',' or '}'");
                        bad_json(e);
                        goto out;
                }
        }
        for (; next < n->n; next++) {
                const struct av_field *fd = &n->fields[next];
                if (push(e, AV_STEP_FIELD, fd->name, fd->namelen) < 0)
                        goto out;
                if (early && e->slots[base + next]) {
                        if (value_at(e, fd->type, e->slots[base + next]) < 0)
                                goto out;
                } else if (e->defs[fd->id].bytes) {
                        if (put(e, e->defs[fd->id].bytes, e->defs[fd->id].len) < 0)
                                goto out;
                } else if (fd->def && e->raw) {
                        /* A default within a default, not encoded yet. */
                        if (default_value(e, fd) < 0)
                                goto out;
                } else {
                        fail(e, "missing field with no default");
                        goto out;
                }
                e->path.depth--;
        }
        r = 0;
out:
        e->nslots = base;
        return r;
}

/* block_count for 64 items or more: the count needs more than the byte. */
COLD static int block_count_long(struct av_enc *e, size_t at, int64_t count)
{
        struct outbuf *ob = e->out;
        unsigned char b[10];
        size_t k = varint(b, count);
        if (!outbuf_reserve(ob, k - 1))
                return fail(e, "out of memory");
        char *base = ob->data + ob->off;
        memmove(base + at + k, base + at + 1, ob->len - at - 1);
        ob->len += k - 1;
        memcpy(ob->data + ob->off + at, b, k);
        return put(e, "", 1); /* the block of 0 items that ends it */
}

/* Writes the item count of a block whose items were appended after the
 * one byte reserved at offset at, then the empty block that ends it. */
static ALWAYS_INLINE int block_count(struct av_enc *e, size_t at, int64_t count)
{
        struct outbuf *ob = e->out;
        if (count < 64) { /* the byte reserved holds the count's varint */
                ob->data[ob->off + at] = (char)(count << 1);
                return put(e, "", 1);
        }
        return block_count_long(e, at, count);
}

/* An array, as one block. */
static int enc_array(struct av_enc *e, const struct av_node *n)
{
        if (!jr_eat(&e->j, '['))
                return mismatch(e, n);
        if (jr_eat(&e->j, ']'))
                return put(e, "", 1);
        size_t at = e->out->len;
        if (put(e, "", 1) < 0)
                return -1;
        int64_t count = 0;
        do {
                if (!leaf(e, n->items)) {
                        if (push(e, AV_STEP_INDEX, NULL, (size_t)count) < 0 ||
                            value(e, n->items) < 0)
                                return -1;
                        e->path.depth--;
                }
                count++;
        } while (jr_eat(&e->j, ','));
        if (!jr_eat(&e->j, ']')) {
                jr_fail(&e->j, "expected ',' or ']'");
                return bad_json(e);
        }
        return block_count(e, at, count);
}

/* A map, as one block. */
static int enc_map(struct av_enc *e, const struct av_node *n)
{
        if (!jr_eat(&e->j, '{'))
                return mismatch(e, n);
        if (jr_eat(&e->j, '}'))
                return put(e, "", 1);
        size_t at = e->out->len;
        if (put(e, "", 1) < 0)
                return -1;
        int64_t count = 0;
        do {
                jr_ws(&e->j);
                const char *lit = e->j.p, *k;
                size_t klen;
                if (string(e, &k, &klen) < 0 || put_bytes(e, k, klen) < 0)
                        return -1;
                if (!jr_eat(&e->j, ':')) {
                        jr_fail(&e->j, "expected ':'");
                        return bad_json(e);
                }
                size_t litlen = (size_t)(e->j.p - 1 - lit); /* before leaf() skips space */
                if (!leaf(e, n->items)) {
                        if (push(e, AV_STEP_KEY, lit, litlen) < 0 ||
                            value(e, n->items) < 0)
                                return -1;
                        e->path.depth--;
                }
                count++;
        } while (jr_eat(&e->j, ','));
        if (!jr_eat(&e->j, '}')) {
                jr_fail(&e->j, "expected ',' or '}'");
                return bad_json(e);
        }
        return block_count(e, at, count);
}

/* Tries branch i of union n on the value at the cursor, quietly: on
 * failure the cursor and the output are as they were. */
static bool try_branch(struct av_enc *e, const struct av_node *n, size_t i, bool wrapped)
{
        const char *p = e->j.p;
        size_t len = e->out->len;
        int depth = e->path.depth;
        e->trial++;
        bool ok = put_long(e, (int64_t)i) == 0 && value(e, n->branches[i]) == 0 &&
                  (!wrapped || jr_eat(&e->j, '}'));
        e->trial--;
        if (!ok) {
                e->j.p = p;
                e->j.err = NULL; /* the cursor keeps only a first failure */
                outbuf_cut(e->out, len);
                e->path.depth = depth;
                e->failed = false;
        }
        return ok;
}

/* The branch of union n named by the n bytes at k (full name, or else the
 * short one), or n->n. */
static size_t branch_named(const struct av_node *n, const char *k, size_t klen)
{
        for (size_t i = 0; i < n->n; i++)
                if (n->branches[i]->namelen == klen && memcmp(n->branches[i]->name, k, klen) == 0)
                        return i;
        for (size_t i = 0; i < n->n; i++) {
                const char *dot = strrchr(n->branches[i]->name, '.');
                if (dot && strlen(dot + 1) == klen && memcmp(dot + 1, k, klen) == 0)
                        return i;
        }
        return n->n;
}

/* A union: the wrapper form, or the first branch that takes the value. */
static int enc_union(struct av_enc *e, const struct av_node *n)
{
        unsigned k = kind(e);
        if (k == AV_K_OBJ) {
                /* {"branch": value}? */
                const char *p = e->j.p, *key;
                size_t klen;
                e->j.p++;
                jr_ws(&e->j);
                if (e->j.p < e->j.end && *e->j.p == '"' &&
                    jr_string(&e->j, e->scratch, &key, &klen) == 0 && jr_eat(&e->j, ':')) {
                        size_t b = branch_named(n, key, klen);
                        if (b < n->n && try_branch(e, n, b, true))
                                return 0;
                }
                e->j.err = NULL;
                e->j.p = p;
        }
        size_t fits = 0, last = 0;
        for (size_t i = 0; i < n->n; i++)
                if (n->branches[i]->accepts & k)
                        fits++, last = i;
        if (fits == 1) /* its own message, when it fails, says more */
                return put_long(e, (int64_t)last) < 0 ? -1 : value(e, n->branches[last]);
        for (size_t i = 0; i < n->n; i++)
                if ((n->branches[i]->accepts & k) && try_branch(e, n, i, false))
                        return 0;
        if (e->trial)
                return fail(e, "");
        char b[48], names[200];
        size_t len = 0;
        for (size_t i = 0; i < n->n && len + 1 < sizeof(names); i++) {
                int w = snprintf(names + len, sizeof(names) - len, "%s%s", i ? "," : "",
                                 n->branches[i]->name);
                if (w > 0)
                        len += (size_t)w;
        }
        return fail(e, "%s fits no branch of union [%s]", got(e, b, sizeof(b)), names);
}

/* Encodes the JSON value at the cursor as node n. */
static int value(struct av_enc *e, const struct av_node *n)
{
        jr_ws(&e->j);
        switch (n->type) {
        case AV_NULL:
                return jr_null(&e->j) ? 0 : mismatch(e, n);
        case AV_BOOLEAN: {
                const char *p = e->j.p;
                size_t left = (size_t)(e->j.end - p);
                if (left >= 4 && memcmp(p, "true", 4) == 0) {
                        e->j.p += 4;
                        return put(e, "\1", 1);
                }
                if (left >= 5 && memcmp(p, "false", 5) == 0) {
                        e->j.p += 5;
                        return put(e, "", 1);
                }
                return mismatch(e, n);
        }
        case AV_INT:
        case AV_LONG:
                return enc_whole(e, n);
        case AV_FLOAT:
        case AV_DOUBLE:
                return enc_real(e, n);
        case AV_BYTES:
        case AV_STRING:
        case AV_ENUM:
        case AV_FIXED:
                return enc_text(e, n);
        case AV_RECORD:
                return enc_record(e, n);
        case AV_ARRAY:
                return enc_array(e, n);
        case AV_MAP:
                return enc_map(e, n);
        case AV_UNION:
                return enc_union(e, n);
        }
        return fail(e, "unknown type");
}

/* Encodes the n bytes at json as node type, appending to out. */
static int encode(struct av_enc *e, const struct av_node *type, const char *json, size_t n,
                  struct outbuf *out)
{
        if (n + 1 > e->scratchcap) {
                size_t cap = n + 1 < 256 ? 256 : n + 1;
                char *s = realloc(e->scratch, cap);
                if (!s) {
                        snprintf(e->err, sizeof(e->err), "out of memory");
                        return -1;
                }
                e->scratch = s;
                e->scratchcap = cap;
        }
        size_t len = out->len;
        jr_init(&e->j, json, n);
        e->out = out;
        e->failed = false;
        e->trial = 0;
        e->path.depth = 0;
        e->nslots = 0;
        int r = value(e, type);
        if (r == 0) {
                jr_ws(&e->j);
                if (e->j.p != e->j.end) {
                        jr_fail(&e->j, "trailing characters after the value");
                        r = bad_json(e);
                }
        }
        if (r < 0)
                outbuf_cut(out, len);
        return r;
}

int av_encode(struct av_enc *e, const char *json, size_t n, struct outbuf *out)
{
        return encode(e, e->s->root, json, n, out);
}

const char *av_enc_error(const struct av_enc *e)
{
        return e->err;
}

/* Encodes the default of field f of record r (for a union: its first branch). */
static int default_encode(struct av_enc *e, const struct av_node *r, const struct av_field *f,
                          char *err, size_t errlen)
{
        struct outbuf ob;
        if (outbuf_init(&ob, -1, 64) < 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        const struct av_node *t = f->type;
        int rc = 0;
        if (t->type == AV_UNION) {
                unsigned char zero = 0;
                rc = outbuf_put(&ob, &zero, 1);
                t = t->branches[0];
        }
        e->raw = true;
        if (rc == 0)
                rc = encode(e, t, f->def, f->deflen, &ob);
        e->raw = false;
        if (rc < 0) {
                snprintf(err, errlen, "%s.%s: bad default: %s", r->name, f->name, e->err);
        } else {
                e->defs[f->id].bytes = malloc(ob.len ? ob.len : 1);
                if (e->defs[f->id].bytes) {
                        memcpy(e->defs[f->id].bytes, ob.data + ob.off, ob.len);
                        e->defs[f->id].len = ob.len;
                } else {
                        snprintf(err, errlen, "out of memory");
                        rc = -1;
                }
        }
        outbuf_free(&ob);
        return rc;
}

/* Sets k to the member name of field f as take_key compares it. */
static void key_init(struct key *k, const struct av_field *f)
{
        unsigned char q[16] = {0}, m[16] = {0};
        k->len = 0;
        if (f->namelen + 3 > sizeof(q))
                return;
        q[0] = '"';
        memcpy(q + 1, f->name, f->namelen);
        q[f->namelen + 1] = '"';
        q[f->namelen + 2] = ':';
        k->len = f->namelen + 3;
        memset(m, 0xff, k->len);
        memcpy(k->w, q, 16);
        memcpy(k->m, m, 16);
}

struct av_enc *av_enc_new(const struct av_schema *s, char *err, size_t errlen)
{
        size_t nf = s->nfields ? s->nfields : 1;
        struct av_enc *e = calloc(1, sizeof(*e));
        if (!e || !(e->defs = calloc(nf, sizeof(*e->defs))) ||
            !(e->keys = calloc(nf, sizeof(*e->keys)))) {
                if (e)
                        free(e->defs);
                free(e);
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        e->s = s;
        for (const struct av_node *n = s->nodes; n; n = n->next_alloc)
                for (size_t i = 0; n->type == AV_RECORD && i < n->n; i++)
                        key_init(&e->keys[n->fields[i].id], &n->fields[i]);
        /* A record default missing a member takes that member's default
         * from the text (enc_record), encoded or not yet. */
        for (const struct av_node *n = s->nodes; n; n = n->next_alloc)
                for (size_t i = 0; n->type == AV_RECORD && i < n->n; i++)
                        if (n->fields[i].def &&
                            default_encode(e, n, &n->fields[i], err, errlen) < 0) {
                                av_enc_free(e);
                                return NULL;
                        }
        return e;
}

void av_enc_free(struct av_enc *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->s->nfields; i++)
                free(e->defs[i].bytes);
        free(e->defs);
        free(e->keys);
        free(e->scratch);
        free(e->slots);
        free(e);
}
