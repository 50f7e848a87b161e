/* jsonread: a cursor over one JSON record. */
#include "jsonread.h"

#include <string.h>

#include "framing.h"

/* Nesting deeper than this is refused rather than recursed into. */
#define MAX_DEPTH 64

void jr_init(struct jr *j, const char *s, size_t n)
{
        j->start = j->p = s;
        j->end = s + n;
        j->err = NULL;
        j->at = NULL;
}

int jr_fail(struct jr *j, const char *err)
{
        if (!j->err) {
                j->err = err;
                j->at = j->p;
        }
        return -1;
}

/* Takes the literal word (null, true, false) when it comes next. */
static bool eat_word(struct jr *j, const char *w, size_t n)
{
        if ((size_t)(j->end - j->p) >= n && memcmp(j->p, w, n) == 0) {
                j->p += n;
                return true;
        }
        return false;
}

int jr_string(struct jr *j, char *out, const char **val, size_t *len)
{
        jr_ws(j);
        if (j->p >= j->end || *j->p != '"')
                return jr_fail(j, "expected a string");
        if (jr_plain_string(j, val, len))
                return 0;
        long used = json_get_string(j->p, (size_t)(j->end - j->p), out, val, len);
        if (used < 0) {
                j->p = *val;
                return jr_fail(j, j->p >= j->end ? "unterminated string"
                                                 : "bad string (escape, control byte or UTF-8)");
        }
        j->p += used;
        return 0;
}

/* Takes a JSON number's text (any form); returns 0 or -1. */
static int number_text(struct jr *j, bool *whole)
{
        const char *p = j->p, *e = j->end;
        *whole = true;
        if (p < e && *p == '-')
                p++;
        if (p >= e || *p < '0' || *p > '9')
                return jr_fail(j, "expected a value");
        if (*p == '0')
                p++;
        else
                while (p < e && *p >= '0' && *p <= '9')
                        p++;
        if (p < e && *p == '.') {
                *whole = false;
                if (++p >= e || *p < '0' || *p > '9')
                        return jr_fail(j, "bad number");
                while (p < e && *p >= '0' && *p <= '9')
                        p++;
        }
        if (p < e && (*p == 'e' || *p == 'E')) {
                *whole = false;
                p++;
                if (p < e && (*p == '+' || *p == '-'))
                        p++;
                if (p >= e || *p < '0' || *p > '9')
                        return jr_fail(j, "bad number");
                while (p < e && *p >= '0' && *p <= '9')
                        p++;
        }
        j->p = p;
        return 0;
}

int jr_int(struct jr *j, int64_t *v)
{
        jr_ws(j);
        const char *p = j->p;
        /* Fast path: up to 18 digits and a delimiter, which cannot overflow. */
        uint64_t u = 0;
        const char *q = p, *stop = j->end - p > 18 ? p + 18 : j->end;
        unsigned dig; /* one compare a digit: below '0' wraps around */
        while (q < stop && (dig = (unsigned)(unsigned char)*q - '0') <= 9) {
                u = u * 10 + dig;
                q++;
        }
        if (q > p && q < j->end && !(*q >= '0' && *q <= '9') && *q != '.' && *q != 'e' &&
            *q != 'E' && (*p != '0' || q == p + 1)) {
                *v = (int64_t)u;
                j->p = q;
                return 0;
        }
        bool whole;
        if (number_text(j, &whole) < 0)
                return -1;
        if (!whole) {
                j->p = p;
                return jr_fail(j, "expected a whole number");
        }
        bool neg = *p == '-';
        uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        u = 0;
        for (p += neg; p < j->p; p++) {
                unsigned d = (unsigned)(*p - '0');
                if (u > (lim - d) / 10) {
                        j->p = p;
                        return jr_fail(j, "number out of range");
                }
                u = u * 10 + d;
        }
        *v = neg ? (int64_t)(0 - u) : (int64_t)u;
        return 0;
}

/* Skips a value, nesting at most depth more levels. */
static int skip(struct jr *j, int depth)
{
        jr_ws(j);
        if (j->p >= j->end)
                return jr_fail(j, "expected a value");
        char c = *j->p;
        if (c == '"') {
                const char *val;
                size_t len;
                return jr_string(j, NULL, &val, &len);
        }
        if (c == '{' || c == '[') {
                if (depth == 0)
                        return jr_fail(j, "nested too deeply");
                char close = c == '{' ? '}' : ']';
                j->p++;
                if (jr_eat(j, close))
                        return 0;
                do {
                        if (c == '{') {
                                const char *val;
                                size_t len;
                                if (jr_string(j, NULL, &val, &len) < 0)
                                        return -1;
                                if (!jr_eat(j, ':'))
                                        return jr_fail(j, "expected ':'");
                        }
                        if (skip(j, depth - 1) < 0)
                                return -1;
                } while (jr_eat(j, ','));
                if (!jr_eat(j, close))
                        return jr_fail(j, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
                return 0;
        }
        if (eat_word(j, "null", 4) || eat_word(j, "true", 4) || eat_word(j, "false", 5))
                return 0;
        bool whole;
        return number_text(j, &whole);
}

int jr_skip(struct jr *j)
{
        return skip(j, MAX_DEPTH);
}

size_t jr_pos(const struct jr *j)
{
        return (size_t)((j->err ? j->at : j->p) - j->start) + 1;
}

int json_member(const char *s, size_t n, const char *name, char *out, const char **val, size_t *len)
{
        struct jr j;
        size_t nlen = strlen(name);
        jr_init(&j, s, n);
        if (!jr_eat(&j, '{') || jr_eat(&j, '}'))
                return 0;
        do {
                const char *k;
                size_t klen;
                if (jr_string(&j, out, &k, &klen) < 0 || !jr_eat(&j, ':'))
                        return 0;
                if (klen != nlen || memcmp(k, name, nlen) != 0) {
                        if (jr_skip(&j) < 0)
                                return 0;
                        continue;
                }
                jr_ws(&j);
                if (j.p >= j.end)
                        return 0;
                if (*j.p == '"')
                        return jr_string(&j, out, val, len) < 0 ? 0 : 1;
                const char *from = j.p;
                if (*j.p == '{' || *j.p == '[' || jr_null(&j) || jr_skip(&j) < 0)
                        return 0;
                *val = from;
                *len = (size_t)(j.p - from);
                return 1;
        } while (jr_eat(&j, ','));
        return 0;
}
