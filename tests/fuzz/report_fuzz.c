/* report_fuzz: property checks for lib/reportline.c, the lines kprod
 * --reports writes and wsrecv --ack-from reads, run by libFuzzer (make
 * fuzz) or by the built-in driver (make testtools).
 *
 * Properties: parsing any line stays inside it and names a kind only for a
 * well-formed line; every line written is one line and parses back to what
 * was written (the number, the delimiter's bytes, the reason with its
 * control bytes made spaces and cut to REPORT_WHY_MAX). A violation aborts
 * with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outbuf.h"
#include "reportline.h"
#include "seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
        fprintf(stderr, "report_fuzz: property violated: %s\n", what);
        abort();
}

/* Parses data as one line in a buffer of its exact size, so that ASan sees
 * any read past its end. */
static void parse_any(const uint8_t *data, size_t size)
{
        char *line = malloc(size + 1);
        if (!line)
                fail("out of memory");
        memcpy(line, data, size);
        line[size] = '\0';
        size_t len = strlen(line);
        struct report r;
        report_parse(line, &r);
        switch (r.kind) {
        case REPORT_FAILED:
        case REPORT_REFUSED:
        case REPORT_DOWN:
                if (*r.why && ((uintptr_t)r.why < (uintptr_t)line ||
                               (uintptr_t)r.why + strlen(r.why) != (uintptr_t)(line + len)))
                        fail("reason outside the line");
                break;
        case REPORT_RECORDS:
                if (r.dlen == 0 || r.dlen > REPORT_DELIM_MAX || len != 8 + 2 * r.dlen)
                        fail("records line of the wrong length");
                break;
        case REPORT_SETTLED:
                if (strncmp(line, "settled ", 8) != 0)
                        fail("settled without its word");
                break;
        case REPORT_UP:
                if (strcmp(line, "up") != 0)
                        fail("up that is not \"up\"");
                break;
        case REPORT_UNKNOWN:
                break;
        }
        free(line);
}

/* The reason as a parser must see it: up to a NUL, cut to REPORT_WHY_MAX,
 * control bytes made spaces. */
static size_t expected_why(const uint8_t *why, size_t n, char *out)
{
        size_t k = 0;
        while (k < n && k < REPORT_WHY_MAX && why[k])
                out[k] = why[k] < 0x20 ? ' ' : (char)why[k], k++;
        out[k] = '\0';
        return k;
}

/* Writes one line of the kind data picks, then checks that it is one line
 * and parses back to what was written. */
static void round_trip(const uint8_t *data, size_t size)
{
        if (size < 10)
                return;
        int kind = data[0] % 6;
        uint64_t n = 0;
        for (int i = 1; i <= 8; i++)
                n = n << 8 | data[i];
        const uint8_t *rest = data + 9;
        size_t rlen = size - 9;

        char why[REPORT_WHY_MAX + 1];
        char arg[REPORT_WHY_MAX + 64];
        size_t alen = rlen < sizeof(arg) - 1 ? rlen : sizeof(arg) - 1;
        memcpy(arg, rest, alen);
        arg[alen] = '\0';
        expected_why(rest, alen, why);
        size_t dlen = rlen == 0 ? 1 : rlen > REPORT_DELIM_MAX ? REPORT_DELIM_MAX : rlen;
        const char *delim = rlen ? (const char *)rest : "\n";

        struct outbuf ob;
        if (outbuf_init(&ob, -1, 1024) != 0)
                fail("out of memory");
        int rc = kind == 0   ? report_put_records(&ob, delim, dlen)
                 : kind == 1 ? report_put_settled(&ob, n)
                 : kind == 2 ? report_put_failed(&ob, n, arg)
                 : kind == 3 ? report_put_down(&ob, arg)
                 : kind == 4 ? report_put_up(&ob)
                             : report_put_refused(&ob, n, arg);
        if (rc != 0)
                fail("out of memory");
        char *line = ob.data + ob.off;
        if (ob.len == 0 || line[ob.len - 1] != '\n')
                fail("a line without its newline");
        if (memchr(line, '\n', ob.len - 1) || memchr(line, '\0', ob.len))
                fail("a line that is not one line");
        line[ob.len - 1] = '\0';

        struct report r;
        report_parse(line, &r);
        static const enum report_kind kinds[] = {REPORT_RECORDS, REPORT_SETTLED, REPORT_FAILED,
                                                 REPORT_DOWN,   REPORT_UP,      REPORT_REFUSED};
        if (r.kind != kinds[kind])
                fail("a line parses as another kind");
        if ((kind == 1 || kind == 2 || kind == 5) && r.n != n)
                fail("a number comes back changed");
        if ((kind == 2 || kind == 3 || kind == 5) && strcmp(r.why, why) != 0)
                fail("a reason comes back changed");
        if (kind == 0 && (r.dlen != dlen || memcmp(r.delim, delim, dlen) != 0))
                fail("a delimiter comes back changed");
        outbuf_free(&ob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        parse_any(data, size);
        round_trip(data, size);
        return 0;
}

#ifndef FUZZING_ENGINE
/* Hand-picked lines, then random ones: bytes, and report words followed by
 * digits, hex and spaces. */
int main(int argc, char **argv)
{
        long iterations = argc > 1 ? atol(argv[1]) : 100000;
        static const char *cases[] = {
            "",
            "up",
            "upx",
            "down",
            "down ",
            "down no broker",
            "settled 0",
            "settled 18446744073709551615",
            "settled 18446744073709551616",
            "settled 1 ",
            "settled -1",
            "failed 3",
            "failed 3 Local: Message timed out",
            "failed x why",
            "refused 7 .released: expected int, got \"1999\"",
            "refused 7",
            "refused  7 why",
            "records 0a",
            "records 0A00",
            "records 0",
            "records ",
            "records zz",
            "records 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "records 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                LLVMFuzzerTestOneInput((const uint8_t *)cases[i], strlen(cases[i]));
        static const char *tokens[] = {
            "settled ", "failed ", "refused ", "down", "up", "records ", " ",    "0",
            "9",        "a",       "F",    "\n", "\x01",     "\xff", "18446744073709551615"};
        fuzz_seed(argc, argv, "report_fuzz");
        uint8_t buf[400];
        for (long it = 0; it < iterations; it++) {
                size_t n = 0, want = (size_t)rand() % 320;
                int bytes = rand() % 2;
                while (n < want) {
                        if (bytes) {
                                buf[n++] = (uint8_t)rand();
                                continue;
                        }
                        const char *t = tokens[rand() % (sizeof(tokens) / sizeof(*tokens))];
                        size_t tl = strlen(t);
                        if (n + tl > sizeof(buf))
                                break;
                        memcpy(buf + n, t, tl);
                        n += tl;
                }
                LLVMFuzzerTestOneInput(buf, n);
        }
        printf("report_fuzz: %ld random inputs, all properties hold\n", iterations);
        return 0;
}
#endif
