/* avro_fuzz: property checks for lib/avrodec and lib/avroenc, run by
 * libFuzzer (make fuzz) or by the built-in driver (make testtools) on
 * random bytes, random JSON and valid values cut or changed. The driver
 * prints its seed; `avro_fuzz N SEED` replays a run.
 *
 * The first input byte picks one of a few schemas and the mode. Properties:
 * decoding any bytes either fails with a message or gives JSON that the
 * encoder takes, whose bytes decode to the same JSON and encode to the same
 * bytes again; no strict prefix of a value that decodes also decodes (the
 * encoding is prefix-free); encoding any JSON either fails with a message
 * or gives bytes that decode, and encode back to the same bytes; every
 * message is valid UTF-8 (it may be sent to a client in JSON). Nothing
 * reads outside its input (ASan). A violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avrodec.h"
#include "avroenc.h"
#include "avroschema.h"
#include "framing.h"
#include "outbuf.h"
#include "driver.h"

static const char *schemas[] = {
    "{\"type\":\"record\",\"name\":\"Movie\",\"fields\":["
    "{\"name\":\"title\",\"type\":\"string\"},{\"name\":\"released\",\"type\":\"int\"},"
    "{\"name\":\"rating\",\"type\":\"double\",\"default\":0},"
    "{\"name\":\"genres\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[]},"
    "{\"name\":\"cast\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"Role\",\"fields\":[{\"name\":\"name\",\"type\":\"string\"},"
    "{\"name\":\"role\",\"type\":[\"null\",\"string\"],\"default\":null}]}},\"default\":[]}]}",

    "{\"type\":\"record\",\"name\":\"All\",\"namespace\":\"t\",\"fields\":["
    "{\"name\":\"u\",\"type\":[\"null\",\"boolean\",\"int\",\"long\",\"float\",\"double\","
    "\"string\",\"bytes\",{\"type\":\"map\",\"values\":\"long\"},{\"type\":\"array\","
    "\"items\":\"null\"},{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]},"
    "{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}]},"
    "{\"name\":\"d\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
    "\"precision\":20,\"scale\":3}},"
    "{\"name\":\"df\",\"type\":{\"type\":\"fixed\",\"name\":\"G\",\"size\":5,"
    "\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"E\",\"F\"]}},"
    "{\"name\":\"f\",\"type\":\"float\"}]}",

    "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
    "{\"name\":\"next\",\"type\":[\"null\",\"L\"]},{\"name\":\"e\",\"type\":{\"type\":"
    "\"array\",\"items\":{\"type\":\"record\",\"name\":\"Z\",\"fields\":[]}}}]}",
};
#define NSCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

static struct av_schema *S[NSCHEMAS];
static struct av_enc *E[NSCHEMAS];
static struct av_dec *D[NSCHEMAS];
static struct outbuf J1, B1, J2, B2, P;

static void fail(const char *what)
{
        fprintf(stderr, "avro_fuzz: property violated: %s\n", what);
        abort();
}

/* Makes the schemas, encoders and decoders once. */
static void setup(void)
{
        if (S[0])
                return;
        char err[512];
        for (size_t i = 0; i < NSCHEMAS; i++) {
                S[i] = av_schema_parse(schemas[i], strlen(schemas[i]), err, sizeof(err));
                E[i] = S[i] ? av_enc_new(S[i], err, sizeof(err)) : NULL;
                D[i] = S[i] ? av_dec_new(S[i]) : NULL;
                if (!E[i] || !D[i]) {
                        fprintf(stderr, "avro_fuzz: schema %zu: %s\n", i, err);
                        abort();
                }
        }
        outbuf_init(&J1, -1, 256);
        outbuf_init(&B1, -1, 256);
        outbuf_init(&J2, -1, 256);
        outbuf_init(&B2, -1, 256);
        outbuf_init(&P, -1, 256);
}

/* True when two buffers hold the same bytes. */
static int same(const struct outbuf *a, const struct outbuf *b)
{
        return a->len == b->len && memcmp(a->data + a->off, b->data + b->off, a->len) == 0;
}

/* From JSON j (which the encoder took into bytes b): b decodes, and its
 * JSON encodes to b again. */
static void check_bytes(size_t k, const struct outbuf *b)
{
        J2.len = B2.len = 0;
        if (av_decode(D[k], b->data + b->off, b->len, &J2) < 0)
                fail("the encoder's bytes do not decode");
        if (av_encode(E[k], J2.data + J2.off, J2.len, &B2) < 0)
                fail("the decoder's JSON does not encode");
        if (!same(b, &B2))
                fail("encode(decode(bytes)) differs");
        for (size_t cut = 0; cut < b->len; cut += 1 + b->len / 8) {
                P.len = 0;
                if (av_decode(D[k], b->data + b->off, cut, &P) == 0)
                        fail("a strict prefix decodes");
                if (P.len != 0 || !*av_dec_error(D[k]))
                        fail("a failed decode left output or no message");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        setup();
        if (size < 1)
                return 0;
        size_t k = data[0] % NSCHEMAS;
        int mode = (data[0] / NSCHEMAS) % 2;
        const uint8_t *in = data + 1;
        size_t n = size - 1;
        /* Copies, so that ASan sees a read one byte past the input. */
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, in, n);
        J1.len = B1.len = 0;
        if (mode == 0) {
                if (av_decode(D[k], copy, n, &J1) < 0) {
                        if (J1.len != 0 || !*av_dec_error(D[k]))
                                fail("a failed decode left output or no message");
                        if (!utf8_valid(av_dec_error(D[k]), strlen(av_dec_error(D[k]))))
                                fail("a decoder message is not UTF-8");
                } else {
                        if (av_encode(E[k], J1.data + J1.off, J1.len, &B1) < 0) {
                                fprintf(stderr, "%.*s\n%s\n", (int)J1.len, J1.data + J1.off,
                                        av_enc_error(E[k]));
                                fail("decoded JSON does not encode");
                        }
                        check_bytes(k, &B1);
                        if (J2.len != J1.len || memcmp(J1.data + J1.off, J2.data + J2.off, J1.len)) {
                                fprintf(stderr, "%.*s\n%.*s\n", (int)J1.len, J1.data + J1.off,
                                        (int)J2.len, J2.data + J2.off);
                                fail("decode(encode(json)) differs from json");
                        }
                }
        } else if (av_encode(E[k], (const char *)copy, n, &B1) < 0) {
                if (B1.len != 0 || !*av_enc_error(E[k]))
                        fail("a failed encode left output or no message");
                if (!utf8_valid(av_enc_error(E[k]), strlen(av_enc_error(E[k]))))
                        fail("an encoder message is not UTF-8");
        } else {
                check_bytes(k, &B1);
        }
        free(copy);
        return 0;
}

#ifndef FUZZING_ENGINE
/* Valid JSON values of the schemas, to cut and change. */
static const char *values[] = {
    "\0{\"title\":\"T\\u00e9\",\"released\":1999,\"rating\":8.5,\"genres\":[\"a\",\"b\"],"
    "\"cast\":[{\"name\":\"K\",\"role\":\"Neo\"},{\"name\":\"L\"}]}",
    "\1{\"u\":{\"map\":{\"a\":1}},\"d\":\"-12.345\",\"df\":1.5,\"ts\":\"2024-05-17T13:45:30Z\","
    "\"m\":{\"x\":\"A\",\"y\":null,\"z\":{\"t.F\":\"abc\"}},\"f\":0.1}",
    "\1{\"u\":\"s\",\"d\":0,\"df\":\"-0.01\",\"ts\":5,\"m\":{},\"f\":\"NaN\"}",
    "\1{\"u\":[null,null],\"d\":99,\"df\":0,\"ts\":-1,\"m\":{},\"f\":-1e30}",
    "\1{\"u\":{\"bytes\":\"\\u00ff\\u0000\"},\"d\":1,\"df\":2,\"ts\":0,\"m\":{},\"f\":3}",
    "\2{\"v\":1,\"next\":{\"v\":-2,\"next\":null,\"e\":[{}]},\"e\":[{},{}]}",
};

#define NVALUES (sizeof(values) / sizeof(values[0]))

/* The values' bytes, as inputs for the decoder. */
static struct outbuf enc[NVALUES];

/* The schemas, then each value's JSON and bytes as fixed inputs. */
static void start(void)
{
        uint8_t buf[512];
        setup();
        for (size_t i = 0; i < NVALUES; i++) {
                size_t k = (size_t)values[i][0];
                const char *json = values[i] + 1;
                outbuf_init(&enc[i], -1, 256);
                if (av_encode(E[k], json, strlen(json), &enc[i]) < 0) {
                        fprintf(stderr, "value %zu: %s\n", i, av_enc_error(E[k]));
                        fail("a sample value does not encode");
                }
                buf[0] = (uint8_t)(k + NSCHEMAS);
                memcpy(buf + 1, json, strlen(json));
                LLVMFuzzerTestOneInput(buf, strlen(json) + 1);
                buf[0] = (uint8_t)k;
                memcpy(buf + 1, enc[i].data, enc[i].len);
                LLVMFuzzerTestOneInput(buf, enc[i].len + 1);
        }
}

static void end(void)
{
        for (size_t i = 0; i < NVALUES; i++)
                outbuf_free(&enc[i]);
}

/* Random bytes, a value's bytes or JSON changed or cut, or random JSON
 * tokens; the first byte picks the schema and the mode. */
static size_t random_input(uint8_t *buf, size_t max, long it)
{
        static const char *tokens[] = {"{",      "}",      "[",    "]",     ",",     ":",
                                       "\"",     "null",   "true", "0",     "-1",    "1.5",
                                       "1e400",  "\"u\"",  "\"d\"", "\"m\"", "\"A\"", "\"map\"",
                                       "\"t.E\"", "\"\\u00ff\"", "\"NaN\"", "\"x\"", "2147483648",
                                       "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", "\xff", "\x01"};
        (void)it;
        size_t n = 1;
        int how = rand() % 4;
        size_t v = (size_t)rand() % NVALUES;
        size_t k = (size_t)values[v][0];
        if (how == 0) { /* random bytes */
                size_t want = (size_t)rand() % 64;
                while (n < want + 1)
                        buf[n++] = (uint8_t)(rand() % 3 ? rand() % 8 : rand());
                buf[0] = (uint8_t)(rand() % NSCHEMAS);
        } else if (how == 1) { /* a value's bytes, changed */
                memcpy(buf + 1, enc[v].data, enc[v].len);
                n = enc[v].len + 1;
                for (int c = rand() % 3 + 1; c > 0; c--)
                        buf[1 + (size_t)rand() % enc[v].len] = (uint8_t)rand();
                if (rand() % 2)
                        n = 1 + (size_t)rand() % enc[v].len;
                buf[0] = (uint8_t)k;
        } else if (how == 2) { /* a value's JSON, changed */
                const char *json = values[v] + 1;
                size_t len = strlen(json);
                memcpy(buf + 1, json, len);
                n = len + 1;
                size_t at = 1 + (size_t)rand() % len;
                const char *t = tokens[rand() % (sizeof(tokens) / sizeof(*tokens))];
                size_t tl = strlen(t);
                if (at + tl < max && rand() % 2) {
                        memcpy(buf + at, t, tl);
                        n = at + tl > n ? at + tl : n;
                } else {
                        n = at;
                }
                buf[0] = (uint8_t)(k + NSCHEMAS);
        } else { /* random tokens */
                size_t want = (size_t)rand() % 24;
                for (size_t c = 0; c < want; c++) {
                        const char *t = tokens[rand() % (sizeof(tokens) / sizeof(*tokens))];
                        size_t tl = strlen(t);
                        if (n + tl >= max)
                                break;
                        memcpy(buf + n, t, tl);
                        n += tl;
                }
                buf[0] = (uint8_t)(NSCHEMAS + (size_t)rand() % NSCHEMAS);
        }
        return n;
}

int main(int argc, char **argv)
{
        static const struct fuzz_target t = {
            .name = "avro_fuzz",
            .start = start,
            .end = end,
            .random_input = random_input,
            .max = 512,
        };
        return fuzz_main(argc, argv, &t);
}
#endif
