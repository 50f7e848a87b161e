/* framing_fuzz: property checks for lib/framing.c, run by libFuzzer
 * (make fuzz) or by the built-in driver (make testtools), which feeds it
 * random and hand-picked inputs.
 *
 * Properties: utf8_valid agrees with a simple reference decoder; a JSON
 * string decodes back to the exact input; base64 round-trips; a JSON field
 * is lossless whether or not its bytes are UTF-8; delim_parse never
 * overruns its output. A violation aborts with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing.h"
#include "outbuf.h"
#include "driver.h"

static void fail(const char *what)
{
        fprintf(stderr, "framing_fuzz: property violated: %s\n", what);
        abort();
}

/* Reference UTF-8 check, written differently from the one under test:
 * decode each sequence fully, then judge the code point. */
static int ref_utf8(const uint8_t *s, size_t n)
{
        size_t i = 0;
        while (i < n) {
                uint32_t c = s[i];
                size_t len = c < 0x80         ? 1
                             : (c >> 5) == 6  ? 2
                             : (c >> 4) == 14 ? 3
                             : (c >> 3) == 30 ? 4
                                              : 0;
                if (!len || i + len > n)
                        return 0;
                uint32_t cp = len == 1 ? c : c & (0x7F >> len);
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] >> 6) != 2)
                                return 0;
                        cp = cp << 6 | (s[i + k] & 0x3F);
                }
                static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
                if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                        return 0;
                i += len;
        }
        return 1;
}

static int hexdigit(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the JSON string literal at s (which must be what json_put_string
 * writes: no \uXXXX above 0x1F) into out; returns its length or -1. */
static long json_unquote(const char *s, size_t n, uint8_t *out)
{
        if (n < 2 || s[0] != '"' || s[n - 1] != '"')
                return -1;
        long len = 0;
        for (size_t i = 1; i < n - 1; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == '"')
                        return -1;
                if (c != '\\') {
                        out[len++] = c;
                        continue;
                }
                if (++i >= n - 1)
                        return -1;
                switch (s[i]) {
                case '"':
                        out[len++] = '"';
                        break;
                case '\\':
                        out[len++] = '\\';
                        break;
                case 'n':
                        out[len++] = '\n';
                        break;
                case 'r':
                        out[len++] = '\r';
                        break;
                case 't':
                        out[len++] = '\t';
                        break;
                case 'b':
                        out[len++] = '\b';
                        break;
                case 'f':
                        out[len++] = '\f';
                        break;
                case 'u': {
                        if (i + 4 >= n - 1 || s[i + 1] != '0' || s[i + 2] != '0')
                                return -1;
                        int hi = hexdigit(s[i + 3]), lo = hexdigit(s[i + 4]);
                        if (hi < 0 || lo < 0 || hi > 1)
                                return -1;
                        out[len++] = (uint8_t)(hi << 4 | lo);
                        i += 4;
                        break;
                }
                default:
                        return -1;
                }
        }
        return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct outbuf ob;
        if (outbuf_init(&ob, -1, 16) < 0)
                fail("outbuf_init");
        uint8_t *back = malloc(size + 4);
        if (!back)
                fail("malloc");

        int valid = utf8_valid(data, size);
        if (valid != ref_utf8(data, size))
                fail("utf8_valid disagrees with the reference decoder");

        if (valid) {
                if (json_put_string(&ob, data, size) < 0)
                        fail("json_put_string failed");
                long n = json_unquote(ob.data + ob.off, ob.len, back);
                if (n != (long)size || memcmp(back, data, size) != 0)
                        fail("JSON string does not decode to its input");
                if (!utf8_valid(ob.data + ob.off, ob.len))
                        fail("JSON output is not UTF-8");
                outbuf_discard(&ob);
        }

        if (base64_put(&ob, data, size) < 0)
                fail("base64_put failed");
        if (ob.len != (size + 2) / 3 * 4)
                fail("base64 length");
        if (base64_decode(ob.data + ob.off, ob.len, back) != (long)size ||
            memcmp(back, data, size) != 0)
                fail("base64 does not round-trip");
        outbuf_discard(&ob);

        if (json_put_field(&ob, "v", data, size) < 0)
                fail("json_put_field failed");
        const char *f = ob.data + ob.off;
        const char *want = valid ? "\"v\":\"" : "\"v_b64\":\"";
        size_t wl = strlen(want);
        if (ob.len < wl || memcmp(f, want, wl) != 0)
                fail("json_put_field chose the wrong field name");
        /* Its value gives the input back (it has a fast path of its own). */
        long got = -1;
        if (valid)
                got = json_unquote(f + wl - 1, ob.len - wl + 1, back);
        else if (f[ob.len - 1] == '"')
                got = base64_decode(f + wl, ob.len - wl - 1, back);
        if (got != (long)size || memcmp(back, data, size) != 0)
                fail("json_put_field's value does not decode to its input");
        outbuf_discard(&ob);
        if (json_put_field(&ob, "v", NULL, 0) < 0 || ob.len != 8 ||
            memcmp(ob.data + ob.off, "\"v\":null", 8) != 0)
                fail("json_put_field of NULL is not null");
        outbuf_discard(&ob);

        /* delim_parse on the input as a C string. */
        char *spec = malloc(size + 1);
        if (!spec)
                fail("malloc");
        memcpy(spec, data, size);
        spec[size] = '\0';
        char d[8];
        long dl = delim_parse(spec, d, sizeof(d));
        if (dl > (long)sizeof(d) || dl == 0)
                fail("delim_parse length");
        free(spec);

        free(back);
        outbuf_free(&ob);
        return 0;
}

#ifndef FUZZING_ENGINE
/* Without libFuzzer: hand-picked cases, then random buffers biased towards
 * the bytes that matter (ASCII controls, quotes, UTF-8 lead bytes). */
static const char *const cases[] = {"",
                                    "a",
                                    "\"\\\n\r\t\b\f\x01\x1f",
                                    "\xc3\xa9",
                                    "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80",
                                    "\xc0\xaf",
                                    "\xed\xa0\x80",
                                    "\xf4\x90\x80\x80",
                                    "\xe2\x82",
                                    "\xff",
                                    "\\x4",
                                    "\\x41\\n\\0",
                                    "\\q"};

/* Up to 63 bytes, half of them from the bytes UTF-8 and JSON care about. */
static size_t random_input(uint8_t *buf, size_t max, long it)
{
        static const uint8_t alphabet[] = {'a',  '"',  '\\', '\n', '\r', 0,    0x1f,
                                           0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed,
                                           0xef, 0xf0, 0xf4, 0xf5, 0xff, 'x'};
        (void)it;
        size_t n = (size_t)rand() % max;
        for (size_t i = 0; i < n; i++)
                buf[i] = rand() % 2 ? alphabet[rand() % sizeof(alphabet)] : (uint8_t)rand();
        return n;
}

int main(int argc, char **argv)
{
        static const struct fuzz_target t = {
            .name = "framing_fuzz",
            .cases = cases,
            .ncases = sizeof(cases) / sizeof(cases[0]),
            .random_input = random_input,
            .max = 64,
        };
        return fuzz_main(argc, argv, &t);
}
#endif
