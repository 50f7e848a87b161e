/* avrodec: Avro binary -> JSON, bounds-checked at every read. */
#include "avrodec.h"

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

/* Items of a type that takes no bytes (null, an empty record) are still
 * written as JSON: at most this many in one value, so a few input bytes
 * cannot ask for gigabytes of output. */
#define MAX_EMPTY_ITEMS (1 << 20)

struct av_dec {
        const struct av_schema *s;
        const unsigned char *start, *p, *end;
        struct outbuf *out;
        char *scratch; /* bytes as UTF-8 */
        size_t scratchcap;
        size_t empty_items;
        struct av_path path;
        bool failed;
        char err[512];
};

/* Records a failure at the current path; returns -1. */
static int fail(struct av_dec *d, const char *fmt, ...)
{
        if (d->failed)
                return -1;
        d->failed = true;
        size_t len = av_path_format(&d->path, d->err, sizeof(d->err));
        if (len && len + 2 < sizeof(d->err)) {
                d->err[len++] = ':';
                d->err[len++] = ' ';
        }
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(d->err + len, sizeof(d->err) - len, fmt, ap);
        va_end(ap);
        if (w > 0 && len + (size_t)w < sizeof(d->err))
                snprintf(d->err + len + (size_t)w, sizeof(d->err) - len - (size_t)w,
                         " at byte %zu", (size_t)(d->p - d->start));
        return -1;
}

/* Makes room for n bytes of output; NULL (and a failure) when out of memory. */
static char *room(struct av_dec *d, size_t n)
{
        char *o = n == (size_t)-1 ? NULL : outbuf_reserve(d->out, n);
        if (!o)
                fail(d, "out of memory");
        return o;
}

/* Appends n bytes of output when they need more room. */
static int put_slow(struct av_dec *d, const char *s, size_t n)
{
        if (outbuf_put(d->out, s, n) < 0)
                return fail(d, "out of memory");
        return 0;
}

/* Appends n bytes of output; inline, a store when they fit. */
static inline int put(struct av_dec *d, const char *s, size_t n)
{
        struct outbuf *ob = d->out;
        if (!ob->oom && ob->off + ob->len + n <= ob->cap) {
                memcpy(ob->data + ob->off + ob->len, s, n);
                ob->len += n;
                return 0;
        }
        return put_slow(d, s, n);
}

/* Reads a zigzag varint of at most maxbytes bytes into *v. */
static int varint(struct av_dec *d, int64_t *v, int maxbytes, const char *what)
{
        uint64_t u = 0;
        for (int i = 0; i < maxbytes; i++) {
                if (d->p >= d->end)
                        return fail(d, "%s cut short", what);
                unsigned char c = *d->p++;
                if (i == maxbytes - 1 && c > (maxbytes == 10 ? 1 : 0x0f))
                        return fail(d, "bad varint for %s", what);
                u |= (uint64_t)(c & 0x7f) << (7 * i);
                if (!(c & 0x80)) {
                        *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
                        return 0;
                }
        }
        return fail(d, "bad varint for %s", what);
}

/* Reads a long. */
static int get_long(struct av_dec *d, int64_t *v, const char *what)
{
        return varint(d, v, 10, what);
}

/* Reads a length and makes sure that many bytes follow. */
static int get_len(struct av_dec *d, size_t *n, const char *what)
{
        int64_t v;
        if (get_long(d, &v, what) < 0)
                return -1;
        if (v < 0)
                return fail(d, "negative length for %s", what);
        if ((uint64_t)v > (uint64_t)(d->end - d->p))
                return fail(d, "%s cut short", what);
        *n = (size_t)v;
        return 0;
}

/* Writes a whole number. */
static int put_int(struct av_dec *d, int64_t v)
{
        char tmp[DEC_MAX];
        return put(d, tmp, (size_t)(dec_write(tmp, v) - tmp));
}

/* Writes a float or double in the fewest digits that read back the same,
 * always with a point or an exponent (so it reads as a float again). */
static int put_real(struct av_dec *d, double v, bool single)
{
        if (isnan(v))
                return put(d, "\"NaN\"", 5);
        if (isinf(v))
                return v > 0 ? put(d, "\"Infinity\"", 10) : put(d, "\"-Infinity\"", 11);
        char tmp[40];
        int n = 0;
        /* Most values are a few decimals: v * 10^k a whole number that
         * divides back to v exactly; its digits with a point read back as v
         * (the division is what strtod computes). */
        static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
        for (int k = 0; k <= 8 && !single && fabs(v) < 1e15; k++) {
                double x = v * pow10[k];
                if (x != floor(x) || fabs(x) >= 9007199254740992.0 || x / pow10[k] != v)
                        continue;
                if (x == 0 && signbit(v))
                        break; /* -0.0: printf keeps its sign */
                uint64_t u = (uint64_t)fabs(x);
                char *e = tmp + sizeof(tmp), *p = e;
                if (k == 0) {
                        *--p = '0';
                        *--p = '.';
                }
                int digits = 0;
                do {
                        *--p = (char)('0' + u % 10);
                        u /= 10;
                        if (++digits == k)
                                *--p = '.';
                } while (u || digits <= k);
                if (v < 0)
                        *--p = '-';
                return put(d, p, (size_t)(e - p));
        }
        for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
                n = snprintf(tmp, sizeof(tmp) - 3, "%.*g", prec, v);
                double back = strtod(tmp, NULL);
                if (single ? (float)back == (float)v : back == v)
                        break;
        }
        if (!strpbrk(tmp, ".e")) {
                memcpy(tmp + n, ".0", 3);
                n += 2;
        }
        return put(d, tmp, (size_t)n);
}

/* Writes the n bytes at s as a JSON string of code points 0-255. */
static int put_latin1(struct av_dec *d, const unsigned char *s, size_t n)
{
        if (2 * n > d->scratchcap) {
                size_t cap = 2 * n < 256 ? 256 : 2 * n;
                char *p = realloc(d->scratch, cap);
                if (!p)
                        return fail(d, "out of memory");
                d->scratch = p;
                d->scratchcap = cap;
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < 0x80) {
                        d->scratch[k++] = (char)s[i];
                } else {
                        d->scratch[k++] = (char)(0xc0 | (s[i] >> 6));
                        d->scratch[k++] = (char)(0x80 | (s[i] & 0x3f));
                }
        }
        char *o = room(d, json_string_room(k));
        if (!o)
                return -1;
        d->out->len += (size_t)(json_write_string(o, d->scratch, k) - o);
        return 0;
}

/* Writes the n bytes at s (valid UTF-8) as a JSON string. */
static int put_string(struct av_dec *d, const void *s, size_t n)
{
        char *o = room(d, json_string_room(n));
        if (!o)
                return -1;
        d->out->len += (size_t)(json_write_string(o, s, n) - o);
        return 0;
}

/* Pushes a step on the path; fails when values nest too deeply. */
static int push(struct av_dec *d, int kind, const char *s, size_t n)
{
        if (d->path.depth >= AV_MAX_DEPTH)
                return fail(d, "nested too deeply");
        struct av_step *st = &d->path.steps[d->path.depth++];
        st->kind = kind;
        st->s = s;
        st->n = n;
        return 0;
}

/* Writes the decimal whose two's-complement unscaled value is the n bytes at b. */
static int put_decimal(struct av_dec *d, const struct av_node *t, const unsigned char *b, size_t n)
{
        char tmp[3 * AV_DECIMAL_MAX_BYTES + AV_DECIMAL_MAX_DIGITS + 8];
        /* Only the significant bytes need room; sign extension is dropped. */
        size_t k = 0;
        while (k + 1 < n && ((b[k] == 0 && !(b[k + 1] & 0x80)) || (b[k] == 0xff && (b[k + 1] & 0x80))))
                k++;
        if (n - k > AV_DECIMAL_MAX_BYTES)
                return fail(d, "decimal has more digits than its precision");
        size_t len = av_decimal_text(b + k, n - k, t->scale, tmp + 1);
        int digits = 0;
        bool lead = true;
        for (size_t i = 1; i <= len; i++) {
                char c = tmp[i];
                if (c < '0' || c > '9' || (lead && c == '0'))
                        continue;
                lead = false;
                digits++;
        }
        if (digits > t->precision)
                return fail(d, "decimal has more digits than its precision");
        tmp[0] = '"';
        tmp[len + 1] = '"';
        return put(d, tmp, len + 2);
}

static int value(struct av_dec *d, const struct av_node *t);

/* A record: every field, in the schema's order. */
static int dec_record(struct av_dec *d, const struct av_node *t)
{
        if (put(d, "{", 1) < 0)
                return -1;
        for (size_t i = 0; i < t->n; i++) {
                const struct av_field *f = &t->fields[i];
                if ((i && put(d, ",", 1) < 0) || put_string(d, f->name, f->namelen) < 0 ||
                    put(d, ":", 1) < 0 || push(d, AV_STEP_FIELD, f->name, f->namelen) < 0 ||
                    value(d, f->type) < 0)
                        return -1;
                d->path.depth--;
        }
        return put(d, "}", 1);
}

/* Reads a block's item count (and skips the byte size of a negative one);
 * empty: the items may take no bytes (a map's never do: each has a key). */
static int block(struct av_dec *d, bool empty, int64_t *count)
{
        if (get_long(d, count, "block count") < 0)
                return -1;
        if (*count < 0) {
                int64_t size;
                if (*count == INT64_MIN)
                        return fail(d, "bad block count");
                *count = -*count;
                if (get_long(d, &size, "block size") < 0)
                        return -1;
                if (size < 0)
                        return fail(d, "bad block size");
        }
        if (empty) {
                if ((uint64_t)*count > MAX_EMPTY_ITEMS - d->empty_items)
                        return fail(d, "too many items");
                d->empty_items += (size_t)*count;
        } else if ((uint64_t)*count > (uint64_t)(d->end - d->p)) {
                return fail(d, "block cut short");
        }
        return 0;
}

/* An array or a map: blocks of items until an empty one. */
static int dec_list(struct av_dec *d, const struct av_node *t)
{
        bool map = t->type == AV_MAP;
        if (put(d, map ? "{" : "[", 1) < 0)
                return -1;
        size_t index = 0;
        for (;;) {
                int64_t count;
                if (block(d, !map && t->items->may_be_empty, &count) < 0)
                        return -1;
                if (count == 0)
                        break;
                for (int64_t i = 0; i < count; i++, index++) {
                        if (index && put(d, ",", 1) < 0)
                                return -1;
                        const char *key = NULL;
                        size_t klen = 0;
                        if (map) {
                                if (get_len(d, &klen, "map key") < 0)
                                        return -1;
                                key = (const char *)d->p;
                                if (!utf8_valid(key, klen))
                                        return fail(d, "invalid UTF-8 in a map key");
                                d->p += klen;
                                if (put_string(d, key, klen) < 0 || put(d, ":", 1) < 0)
                                        return -1;
                        }
                        if ((map ? push(d, AV_STEP_KEY, key, klen)
                                 : push(d, AV_STEP_INDEX, NULL, index)) < 0 ||
                            value(d, t->items) < 0)
                                return -1;
                        d->path.depth--;
                }
        }
        return put(d, map ? "}" : "]", 1);
}

/* True when the plain JSON of map branch b, at the cursor, could be read
 * as the union wrapper: its first key names a branch of union u. */
static bool map_looks_wrapped(const struct av_dec *d, const struct av_node *u)
{
        struct av_dec peek = *d; /* reads only; its path and output unused */
        peek.failed = true;      /* no messages */
        int64_t count, len;
        if (get_long(&peek, &count, "") < 0 || count == 0)
                return false;
        if (count < 0 && get_long(&peek, &len, "") < 0)
                return false;
        if (get_long(&peek, &len, "") < 0 || len < 0 || len > peek.end - peek.p)
                return false;
        for (size_t i = 0; i < u->n; i++) {
                const char *name = u->branches[i]->name, *dot = strrchr(name, '.');
                size_t nl = u->branches[i]->namelen;
                if (((size_t)len == nl && memcmp(peek.p, name, nl) == 0) ||
                    (dot && strlen(dot + 1) == (size_t)len && memcmp(peek.p, dot + 1, len) == 0))
                        return true;
        }
        return false;
}

/* A union: its branch's value, wrapped where the plain form would read
 * as another branch. */
static int dec_union(struct av_dec *d, const struct av_node *t)
{
        int64_t i;
        if (get_long(d, &i, "union index") < 0)
                return -1;
        if (i < 0 || (uint64_t)i >= t->n)
                return fail(d, "union index %lld out of range", (long long)i);
        const struct av_node *b = t->branches[i];
        bool wrap = !t->plain[i];
        if (!wrap && (b->type == AV_FLOAT || b->type == AV_DOUBLE) && t->n > 1) {
                /* "NaN" and the infinities are strings: a string branch
                 * would take them. */
                if (d->end - d->p >= (b->type == AV_FLOAT ? 4 : 8)) {
                        double v;
                        if (b->type == AV_FLOAT) {
                                uint32_t u = (uint32_t)d->p[0] | (uint32_t)d->p[1] << 8 |
                                             (uint32_t)d->p[2] << 16 | (uint32_t)d->p[3] << 24;
                                float f;
                                memcpy(&f, &u, 4);
                                v = f;
                        } else {
                                uint64_t u = 0;
                                for (int k = 7; k >= 0; k--)
                                        u = u << 8 | d->p[k];
                                memcpy(&v, &u, 8);
                        }
                        wrap = !isfinite(v);
                }
        }
        if (!wrap && b->type == AV_MAP)
                wrap = map_looks_wrapped(d, t);
        if (!wrap)
                return value(d, b);
        if (put(d, "{", 1) < 0 || put_string(d, b->name, b->namelen) < 0 || put(d, ":", 1) < 0 ||
            value(d, b) < 0)
                return -1;
        return put(d, "}", 1);
}

/* Decodes one value of type t at the cursor. */
static int value(struct av_dec *d, const struct av_node *t)
{
        int64_t v;
        size_t n;
        switch (t->type) {
        case AV_NULL:
                return put(d, "null", 4);
        case AV_BOOLEAN:
                if (d->p >= d->end)
                        return fail(d, "boolean cut short");
                if (*d->p > 1)
                        return fail(d, "bad boolean %u", *d->p);
                return *d->p++ ? put(d, "true", 4) : put(d, "false", 5);
        case AV_INT:
                if (varint(d, &v, 5, "int") < 0)
                        return -1;
                if (v < INT32_MIN || v > INT32_MAX)
                        return fail(d, "bad varint for int");
                return put_int(d, v);
        case AV_LONG:
                return get_long(d, &v, "long") < 0 ? -1 : put_int(d, v);
        case AV_FLOAT: {
                if (d->end - d->p < 4)
                        return fail(d, "float cut short");
                uint32_t u = (uint32_t)d->p[0] | (uint32_t)d->p[1] << 8 |
                             (uint32_t)d->p[2] << 16 | (uint32_t)d->p[3] << 24;
                float f;
                memcpy(&f, &u, 4);
                d->p += 4;
                return put_real(d, f, true);
        }
        case AV_DOUBLE: {
                if (d->end - d->p < 8)
                        return fail(d, "double cut short");
                uint64_t u = 0;
                for (int k = 7; k >= 0; k--)
                        u = u << 8 | d->p[k];
                double x;
                memcpy(&x, &u, 8);
                d->p += 8;
                return put_real(d, x, false);
        }
        case AV_BYTES:
        case AV_STRING: {
                if (get_len(d, &n, t->type == AV_STRING ? "string" : "bytes") < 0)
                        return -1;
                const unsigned char *s = d->p;
                d->p += n;
                if (t->logical == AV_LT_DECIMAL)
                        return put_decimal(d, t, s, n);
                if (t->type == AV_BYTES)
                        return put_latin1(d, s, n);
                if (!utf8_valid(s, n)) {
                        d->p = s;
                        return fail(d, "invalid UTF-8 in a string");
                }
                return put_string(d, s, n);
        }
        case AV_FIXED: {
                if ((size_t)(d->end - d->p) < t->size)
                        return fail(d, "fixed %s cut short", t->name);
                const unsigned char *s = d->p;
                d->p += t->size;
                if (t->logical == AV_LT_DECIMAL)
                        return put_decimal(d, t, s, t->size);
                return put_latin1(d, s, t->size);
        }
        case AV_ENUM:
                if (get_long(d, &v, "enum index") < 0)
                        return -1;
                if (v < 0 || (uint64_t)v >= t->n)
                        return fail(d, "enum index %lld out of range for %s", (long long)v,
                                    t->name);
                return put_string(d, t->symbols[v], t->symlens[v]);
        case AV_RECORD:
                return dec_record(d, t);
        case AV_ARRAY:
        case AV_MAP:
                return dec_list(d, t);
        case AV_UNION:
                return dec_union(d, t);
        }
        return fail(d, "unknown type");
}

struct av_dec *av_dec_new(const struct av_schema *s)
{
        struct av_dec *d = calloc(1, sizeof(*d));
        if (d)
                d->s = s;
        return d;
}

void av_dec_free(struct av_dec *d)
{
        if (!d)
                return;
        free(d->scratch);
        free(d);
}

int av_decode(struct av_dec *d, const void *buf, size_t n, struct outbuf *out)
{
        size_t len = out->len;
        d->start = d->p = buf ? buf : (const void *)"";
        d->end = d->p + n;
        d->out = out;
        d->failed = false;
        d->empty_items = 0;
        d->path.depth = 0;
        int r = value(d, d->s->root);
        if (r == 0 && d->p != d->end)
                r = fail(d, "%zu trailing bytes after the value", (size_t)(d->end - d->p));
        if (r < 0)
                outbuf_cut(out, len);
        return r;
}

const char *av_dec_error(const struct av_dec *d)
{
        return d->err;
}
