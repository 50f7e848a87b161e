/* reportline: write and parse delivery report lines. */
#include "reportline.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "framing.h"

/* Appends word, a space and why as one line: a newline in why would start
 * a line of its own, so control bytes become spaces; it is cut to
 * REPORT_WHY_MAX bytes. */
static int put_why(struct outbuf *ob, const char *word, const char *why)
{
        size_t n = strnlen(why, REPORT_WHY_MAX);
        int rc = outbuf_put(ob, word, strlen(word)) | outbuf_putc(ob, ' ');
        for (size_t i = 0; i < n; i++)
                rc |= outbuf_putc(ob, (unsigned char)why[i] < 0x20 ? ' ' : why[i]);
        return rc | outbuf_putc(ob, '\n');
}

int report_put_records(struct outbuf *ob, const char *delim, size_t dlen)
{
        static const char hex[] = "0123456789abcdef";
        int rc = outbuf_put(ob, "records ", 8);
        for (size_t i = 0; i < dlen; i++) {
                unsigned char c = (unsigned char)delim[i];
                rc |= outbuf_putc(ob, hex[c >> 4]) | outbuf_putc(ob, hex[c & 15]);
        }
        return rc | outbuf_putc(ob, '\n');
}

int report_put_settled(struct outbuf *ob, uint64_t n)
{
        char buf[40];
        int len = snprintf(buf, sizeof(buf), "settled %" PRIu64 "\n", n);
        return outbuf_put(ob, buf, (size_t)len);
}

int report_put_failed(struct outbuf *ob, uint64_t n, const char *why)
{
        char word[40];
        snprintf(word, sizeof(word), "failed %" PRIu64, n);
        return put_why(ob, word, why);
}

int report_put_refused(struct outbuf *ob, uint64_t n, const char *why)
{
        char word[40];
        snprintf(word, sizeof(word), "refused %" PRIu64, n);
        return put_why(ob, word, why);
}

int report_put_down(struct outbuf *ob, const char *why)
{
        return put_why(ob, "down", why);
}

int report_put_up(struct outbuf *ob)
{
        return outbuf_put(ob, "up\n", 3);
}

/* Parses the decimal number at *s, followed by the end or a space; moves
 * *s past the space. Returns 0 or -1. */
static int parse_n(const char **s, uint64_t *out)
{
        const char *p = *s;
        uint64_t v = 0;
        if (*p < '0' || *p > '9')
                return -1;
        for (; *p >= '0' && *p <= '9'; p++) {
                unsigned d = (unsigned)(*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -1;
                v = v * 10 + d;
        }
        if (*p != '\0' && *p != ' ')
                return -1;
        *out = v;
        *s = *p ? p + 1 : p;
        return 0;
}

/* Parses the hex bytes of a records line into r->delim. */
static int parse_delim(const char *s, struct report *r)
{
        size_t n = strlen(s);
        if (n == 0 || n % 2 || n / 2 > sizeof(r->delim))
                return -1;
        for (size_t i = 0; i < n; i += 2) {
                int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return -1;
                r->delim[i / 2] = (char)(hi << 4 | lo);
        }
        r->dlen = n / 2;
        return 0;
}

void report_parse(const char *line, struct report *r)
{
        const char *s;
        memset(r, 0, sizeof(*r));
        r->kind = REPORT_UNKNOWN;
        if (!strncmp(line, "settled ", 8)) {
                s = line + 8;
                if (parse_n(&s, &r->n) == 0 && !*s)
                        r->kind = REPORT_SETTLED;
        } else if (!strncmp(line, "failed ", 7)) {
                s = line + 7;
                if (parse_n(&s, &r->n) == 0) {
                        r->kind = REPORT_FAILED;
                        r->why = s;
                }
        } else if (!strncmp(line, "refused ", 8)) {
                s = line + 8;
                if (parse_n(&s, &r->n) == 0) {
                        r->kind = REPORT_REFUSED;
                        r->why = s;
                }
        } else if (!strncmp(line, "down", 4) && (line[4] == ' ' || !line[4])) {
                r->kind = REPORT_DOWN;
                r->why = line[4] ? line + 5 : "";
        } else if (!strcmp(line, "up")) {
                r->kind = REPORT_UP;
        } else if (!strncmp(line, "records ", 8)) {
                if (parse_delim(line + 8, r) == 0)
                        r->kind = REPORT_RECORDS;
        }
}
