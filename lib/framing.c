/* framing: UTF-8 checks, JSON strings, base64 and delimiters. */
#include "framing.h"

#include <stdint.h>
#include <string.h>


bool utf8_valid(const void *s, size_t n)
{
        const unsigned char *p = s, *end = p + n;
        while (p < end) {
                /* Fast path: eight ASCII bytes at a time. */
                if (end - p >= 8) {
                        uint64_t w;
                        memcpy(&w, p, 8);
                        if (!(w & 0x8080808080808080ULL)) {
                                p += 8;
                                continue;
                        }
                }
                unsigned char c = *p;
                if (c < 0x80) {
                        p++;
                        continue;
                }
                size_t need;
                uint32_t cp;
                if (c >= 0xC2 && c <= 0xDF) {
                        need = 1;
                        cp = c & 0x1F;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        need = 2;
                        cp = c & 0x0F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        need = 3;
                        cp = c & 0x07;
                } else {
                        return false;
                }
                if ((size_t)(end - p) <= need)
                        return false;
                for (size_t i = 1; i <= need; i++) {
                        if ((p[i] & 0xC0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3F);
                }
                if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                    (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                p += need + 1;
        }
        return true;
}

size_t json_string_room(size_t n)
{
        /* Worst case every byte becomes \u00XX. */
        return n > ((size_t)-1 - 2) / 6 ? (size_t)-1 : n * 6 + 2;
}

/* Writes the escaped form of the n bytes at p (valid UTF-8), unquoted. */
static char *escape(char *o, const unsigned char *p, size_t n)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *end = p + n;
        while (p < end) {
                size_t run = json_run(p, (size_t)(end - p), false);
                memcpy(o, p, run);
                o += run;
                p += run;
                if (p == end)
                        break;
                unsigned char c = *p++;
                *o++ = '\\';
                switch (c) {
                case '"':
                        *o++ = '"';
                        break;
                case '\\':
                        *o++ = '\\';
                        break;
                case '\n':
                        *o++ = 'n';
                        break;
                case '\r':
                        *o++ = 'r';
                        break;
                case '\t':
                        *o++ = 't';
                        break;
                case '\b':
                        *o++ = 'b';
                        break;
                case '\f':
                        *o++ = 'f';
                        break;
                default:
                        *o++ = 'u';
                        *o++ = '0';
                        *o++ = '0';
                        *o++ = hex[c >> 4];
                        *o++ = hex[c & 15];
                }
        }
        return o;
}

char *json_write_string(char *o, const void *s, size_t n)
{
        *o++ = '"';
        o = escape(o, s, n);
        *o++ = '"';
        return o;
}

int json_put_string(struct outbuf *ob, const void *s, size_t n)
{
        size_t room = json_string_room(n);
        char *o = room == (size_t)-1 ? NULL : outbuf_reserve(ob, room);
        if (!o)
                return -1;
        ob->len += (size_t)(json_write_string(o, s, n) - o);
        return 0;
}

char *base64_write(char *o, const void *s, size_t n)
{
        static const char tab[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = s;
        size_t i = 0;
        for (; i + 3 <= n; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
                *o++ = tab[v >> 18];
                *o++ = tab[(v >> 12) & 63];
                *o++ = tab[(v >> 6) & 63];
                *o++ = tab[v & 63];
        }
        if (i < n) {
                uint32_t v = (uint32_t)p[i] << 16;
                if (i + 1 < n)
                        v |= (uint32_t)p[i + 1] << 8;
                *o++ = tab[v >> 18];
                *o++ = tab[(v >> 12) & 63];
                *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
                *o++ = '=';
        }
        return o;
}

int base64_put(struct outbuf *ob, const void *s, size_t n)
{
        if (n > (size_t)-1 / 2)
                return -1;
        char *o = outbuf_reserve(ob, (n + 2) / 3 * 4);
        if (!o)
                return -1;
        ob->len += (size_t)(base64_write(o, s, n) - o);
        return 0;
}

/* Value of one base64 digit, or -1. */
static int b64val(unsigned char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

long base64_decode(const char *s, size_t n, unsigned char *out)
{
        if (n % 4)
                return -1;
        long len = 0;
        for (size_t i = 0; i < n; i += 4) {
                int v[4];
                int pad = 0;
                for (int j = 0; j < 4; j++) {
                        unsigned char c = (unsigned char)s[i + j];
                        if (c == '=' && i + 4 == n && j >= 2) {
                                v[j] = 0;
                                pad++;
                        } else if (pad || (v[j] = b64val(c)) < 0) {
                                return -1;
                        }
                }
                uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                             (uint32_t)v[3];
                out[len++] = (unsigned char)(w >> 16);
                if (pad < 2)
                        out[len++] = (unsigned char)(w >> 8);
                if (pad < 1)
                        out[len++] = (unsigned char)w;
        }
        return len;
}

size_t json_field_room(size_t namelen, size_t n)
{
        /* "name_b64":  and the value's own room, which covers its base64
         * (at most 4 bytes for every 3, plus 2 quotes) and "null". */
        size_t v = json_string_room(n);
        return v > (size_t)-1 - namelen - 16 ? (size_t)-1 : v + namelen + 16;
}

char *json_write_field(char *o, const char *name, size_t namelen, const void *s, size_t n)
{
        *o++ = '"';
        memcpy(o, name, namelen);
        o += namelen;
        if (!s) {
                memcpy(o, "\":null", 6);
                return o + 6;
        }
        /* The usual text (printable ASCII) is checked and copied in one pass. */
        size_t plain = json_plain_run(s, n);
        if (plain == n || utf8_valid((const char *)s + plain, n - plain)) {
                memcpy(o, "\":\"", 3);
                o += 3;
                memcpy(o, s, plain);
                o = escape(o + plain, (const unsigned char *)s + plain, n - plain);
                *o++ = '"';
                return o;
        }
        memcpy(o, "_b64\":\"", 7);
        o = base64_write(o + 7, s, n);
        *o++ = '"';
        return o;
}

int json_put_field(struct outbuf *ob, const char *name, const void *s, size_t n)
{
        size_t namelen = strlen(name), room = json_field_room(namelen, n);
        char *o = room == (size_t)-1 ? NULL : outbuf_reserve(ob, room);
        if (!o)
                return -1;
        ob->len += (size_t)(json_write_field(o, name, namelen, s, n) - o);
        return 0;
}

int record_put(struct outbuf *ob, const void *s, size_t n, const char *delim, size_t delimlen)
{
        char *o = outbuf_reserve(ob, n + delimlen);
        if (!o)
                return -1;
        if (n)
                memcpy(o, s, n);
        memcpy(o + n, delim, delimlen);
        ob->len += n + delimlen;
        return 0;
}

int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int unescape(const char *p, char *c)
{
        switch (*p) {
        case 'n':
                *c = '\n';
                return 1;
        case 'r':
                *c = '\r';
                return 1;
        case 't':
                *c = '\t';
                return 1;
        case '0':
                *c = '\0';
                return 1;
        case '\\':
                *c = '\\';
                return 1;
        case 'x': {
                int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
                if (hi < 0 || lo < 0)
                        return -1;
                *c = (char)(hi << 4 | lo);
                return 3;
        }
        default:
                return -1;
        }
}

long delim_parse(const char *spec, char *out, size_t outcap)
{
        size_t n = 0;
        for (const char *p = spec; *p; p++) {
                char c = *p;
                if (c == '\\') {
                        int used = unescape(p + 1, &c);
                        if (used < 0)
                                return -1;
                        p += used;
                }
                if (n >= outcap)
                        return -1;
                out[n++] = c;
        }
        return n ? (long)n : -1;
}

/* Appends code point cp as UTF-8 at o; returns the bytes written. */
static size_t utf8_put(char *o, uint32_t cp)
{
        if (cp < 0x80) {
                o[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char)(0xC0 | cp >> 6);
                o[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char)(0xE0 | cp >> 12);
                o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        o[0] = (char)(0xF0 | cp >> 18);
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

/* Reads the four hex digits of a \u escape at p; -1 when they are not. */
static long hex4(const char *p)
{
        long v = 0;
        for (int i = 0; i < 4; i++) {
                int d = hex_digit(p[i]);
                if (d < 0)
                        return -1;
                v = v << 4 | d;
        }
        return v;
}

/* Length of the UTF-8 sequence at p (its lead byte above 0x7F), or 0 when
 * it is not a valid one within n bytes. */
static size_t utf8_one(const unsigned char *p, size_t n)
{
        size_t len = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
        return len <= n && utf8_valid(p, len) ? len : 0;
}

long json_get_string(const char *s, size_t n, char *out, const char **val, size_t *vlen)
{
        const unsigned char *p = (const unsigned char *)s;
        char one[4]; /* where a check-only call (out NULL) decodes an escape */
        *val = s;
        if (n < 2 || p[0] != '"')
                return -1;
        size_t i = 1, olen = 0;
        bool copied = false;
        for (;;) {
                size_t run = json_plain_run(p + i, n - i);
                while (i + run < n && p[i + run] >= 0x80) {
                        size_t u = utf8_one(p + i + run, n - i - run);
                        if (!u) {
                                *val = s + i + run;
                                return -1;
                        }
                        run += u;
                        run += json_plain_run(p + i + run, n - i - run);
                }
                if (copied && out)
                        memcpy(out + olen, p + i, run);
                olen += run;
                i += run;
                if (i >= n) {
                        *val = s + n;
                        return -1; /* no closing quote */
                }
                if (p[i] == '"')
                        break;
                if (p[i] != '\\' || i + 1 >= n) {
                        *val = s + i; /* a raw control byte, or cut off */
                        return -1;
                }
                if (!copied && out)
                        memcpy(out, s + 1, olen);
                copied = true;
                char *o = out ? out + olen : one;
                char c = (char)p[i + 1];
                i += 2;
                switch (c) {
                case '"':
                case '\\':
                case '/':
                        *o = c;
                        olen++;
                        continue;
                case 'b':
                        *o = '\b';
                        olen++;
                        continue;
                case 'f':
                        *o = '\f';
                        olen++;
                        continue;
                case 'n':
                        *o = '\n';
                        olen++;
                        continue;
                case 'r':
                        *o = '\r';
                        olen++;
                        continue;
                case 't':
                        *o = '\t';
                        olen++;
                        continue;
                case 'u':
                        break;
                default:
                        *val = s + i - 2;
                        return -1;
                }
                long cp = i + 4 <= n ? hex4(s + i) : -1;
                if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
                        *val = s + i - 2;
                        return -1;
                }
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        /* A high surrogate needs its low half, as \uDC00-\uDFFF. */
                        long lo =
                            i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u' ? hex4(s + i + 2) : -1;
                        if (lo < 0xDC00 || lo > 0xDFFF) {
                                *val = s + i - 6;
                                return -1;
                        }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                }
                olen += utf8_put(o, (uint32_t)cp);
        }
        *val = copied ? out : s + 1;
        *vlen = olen;
        return (long)(i + 1);
}

char *udec_write(char *o, uint64_t u)
{
        char tmp[DEC_MAX], *p = tmp + sizeof(tmp);
        do {
                *--p = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        size_t n = (size_t)(tmp + sizeof(tmp) - p);
        memcpy(o, p, n);
        return o + n;
}

char *dec_write(char *o, int64_t v)
{
        if (v >= 0)
                return udec_write(o, (uint64_t)v);
        *o = '-';
        return udec_write(o + 1, (uint64_t)0 - (uint64_t)v);
}
