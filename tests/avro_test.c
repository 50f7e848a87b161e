/* avro_test: lib/avroenc, lib/avrodec and lib/avroframe from the command
 * line, for tests/avro.bats, the fastavro peer and bench/avro.sh.
 *
 *   avro_test schema SCHEMA        "ok", or the schema's error
 *   avro_test enc SCHEMA           JSON lines in, hex of the Avro out
 *   avro_test dec SCHEMA           hex lines in, JSON out
 *   avro_test rt SCHEMA            JSON lines in: encode, decode, encode
 *                                  again; prints the decoded JSON and fails
 *                                  (exit 1) unless both encodings are equal
 *   avro_test frame HEX            the schema id and body of a framed value
 *   avro_test bench SCHEMA FILE    parse / encode / decode speed on FILE's lines
 * SCHEMA is a file, or the JSON itself when it starts with { [ or ". A line
 * that fails prints "error: " and the message; the exit status is 0 unless
 * the command itself failed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avrodec.h"
#include "avroenc.h"
#include "avroframe.h"
#include "avroschema.h"
#include "jsonread.h"
#include "outbuf.h"

/* Reads a whole file; exits on failure. */
static char *slurp(const char *path, size_t *n)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                perror(path);
                exit(2);
        }
        size_t cap = 1 << 16, len = 0;
        char *buf = malloc(cap);
        size_t got;
        while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
                len += got;
                if (len == cap)
                        buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        if (!buf)
                exit(2);
        *n = len;
        return buf;
}

/* The schema named on the command line; exits when it does not parse. */
static struct av_schema *schema_arg(const char *arg, char *err, size_t errlen)
{
        size_t n;
        char *text;
        if (arg[0] == '{' || arg[0] == '[' || arg[0] == '"') {
                n = strlen(arg);
                text = strdup(arg);
        } else {
                text = slurp(arg, &n);
        }
        struct av_schema *s = av_schema_parse(text, n, err, errlen);
        free(text);
        return s;
}

/* Prints n bytes as hex and a newline. */
static void hex_print(const char *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                printf("%02x", (unsigned char)b[i]);
        putchar('\n');
}

/* Decodes a hex line into out; returns its length or -1. */
static long hex_read(const char *s, size_t n, unsigned char *out)
{
        if (n % 2)
                return -1;
        for (size_t i = 0; i < n; i += 2) {
                unsigned v;
                if (sscanf(s + i, "%2x", &v) != 1)
                        return -1;
                out[i / 2] = (unsigned char)v;
        }
        return (long)(n / 2);
}

/* Nanoseconds of CPU time used so far. */
static double cpu_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The bench command: the lines of file, parsed (jr_skip), encoded, decoded. */
static int bench(struct av_enc *e, struct av_dec *d, const char *path)
{
        size_t n;
        char *buf = slurp(path, &n);
        struct outbuf ob, jb;
        outbuf_init(&ob, -1, 1 << 16);
        outbuf_init(&jb, -1, 1 << 16);
        size_t lines = 0, bytes = 0, avro = 0;
        double t0 = cpu_ns();
        for (char *p = buf, *nl; p < buf + n; p = nl + 1) {
                nl = memchr(p, '\n', (size_t)(buf + n - p));
                if (!nl)
                        nl = buf + n;
                struct jr j;
                jr_init(&j, p, (size_t)(nl - p));
                if (jr_skip(&j) < 0)
                        return fprintf(stderr, "bad JSON line %zu\n", lines + 1), 1;
                lines++;
                bytes += (size_t)(nl - p);
        }
        double t1 = cpu_ns();
        /* Each value is kept, as a producer would hand it on. */
        size_t *ends = malloc((lines + 1) * sizeof(*ends));
        size_t i = 0;
        for (char *p = buf, *nl; p < buf + n; p = nl + 1) {
                nl = memchr(p, '\n', (size_t)(buf + n - p));
                if (!nl)
                        nl = buf + n;
                if (av_encode(e, p, (size_t)(nl - p), &ob) < 0)
                        return fprintf(stderr, "line %zu: %s\n", i + 1, av_enc_error(e)), 1;
                ends[i++] = ob.len;
        }
        double t2 = cpu_ns();
        avro = ob.len;
        size_t from = 0;
        for (i = 0; i < lines; i++) {
                if (av_decode(d, ob.data + from, ends[i] - from, &jb) < 0)
                        return fprintf(stderr, "record %zu: %s\n", i + 1, av_dec_error(d)), 1;
                from = ends[i];
                if (jb.len > (1 << 20))
                        jb.len = 0;
        }
        double t3 = cpu_ns();
        printf("records %zu, JSON %zu bytes, Avro %zu bytes\n", lines, bytes, avro);
        printf("parse %.0f ns/record\n", (t1 - t0) / (double)lines);
        printf("encode %.0f ns/record\n", (t2 - t1) / (double)lines);
        printf("decode %.0f ns/record\n", (t3 - t2) / (double)lines);
        free(ends);
        free(buf);
        outbuf_free(&ob);
        outbuf_free(&jb);
        return 0;
}

int main(int argc, char **argv)
{
        char err[512];
        if (argc < 3) {
                fprintf(stderr, "usage: avro_test schema|enc|dec|rt|bench SCHEMA [FILE] | "
                                "frame HEX\n");
                return 2;
        }
        const char *cmd = argv[1];
        if (strcmp(cmd, "frame") == 0) {
                unsigned char b[4096];
                long n = hex_read(argv[2], strlen(argv[2]), b);
                uint32_t id;
                const unsigned char *body;
                size_t blen;
                if (n < 0)
                        return 2;
                if (av_frame_parse(b, (size_t)n, &id, &body, &blen, err, sizeof(err)) < 0) {
                        printf("error: %s\n", err);
                        return 0;
                }
                unsigned char h[AV_FRAME_HEADER];
                av_frame_header(h, id);
                if (memcmp(h, b, AV_FRAME_HEADER) != 0)
                        return 1;
                printf("id %u body ", id);
                hex_print((const char *)body, blen);
                return 0;
        }
        struct av_schema *s = schema_arg(argv[2], err, sizeof(err));
        struct av_enc *e = s ? av_enc_new(s, err, sizeof(err)) : NULL;
        if (strcmp(cmd, "schema") == 0) {
                printf("%s\n", e ? "ok" : err);
                av_enc_free(e);
                av_schema_free(s);
                return 0;
        }
        if (!e) {
                fprintf(stderr, "avro_test: %s\n", err);
                av_schema_free(s);
                return 2;
        }
        struct av_dec *d = av_dec_new(s);
        int status = 0;
        if (strcmp(cmd, "bench") == 0 && argc > 3) {
                status = bench(e, d, argv[3]);
                goto out;
        }
        struct outbuf a, j, b;
        outbuf_init(&a, -1, 1024);
        outbuf_init(&j, -1, 1024);
        outbuf_init(&b, -1, 1024);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        unsigned char *bin = NULL;
        while ((n = getline(&line, &cap, stdin)) >= 0) {
                if (n > 0 && line[n - 1] == '\n')
                        line[--n] = 0;
                a.len = j.len = b.len = 0;
                if (strcmp(cmd, "enc") == 0) {
                        if (av_encode(e, line, (size_t)n, &a) < 0)
                                printf("error: %s\n", av_enc_error(e));
                        else
                                hex_print(a.data + a.off, a.len);
                } else if (strcmp(cmd, "dec") == 0) {
                        bin = realloc(bin, (size_t)n / 2 + 1);
                        long k = hex_read(line, (size_t)n, bin);
                        if (k < 0) {
                                printf("error: bad hex\n");
                        } else if (av_decode(d, bin, (size_t)k, &j) < 0) {
                                printf("error: %s\n", av_dec_error(d));
                        } else {
                                fwrite(j.data + j.off, 1, j.len, stdout);
                                putchar('\n');
                        }
                } else if (strcmp(cmd, "rt") == 0) {
                        if (av_encode(e, line, (size_t)n, &a) < 0) {
                                printf("error: %s\n", av_enc_error(e));
                        } else if (av_decode(d, a.data + a.off, a.len, &j) < 0) {
                                printf("error: decoding our own bytes: %s\n", av_dec_error(d));
                                status = 1;
                        } else if (av_encode(e, j.data + j.off, j.len, &b) < 0) {
                                printf("error: encoding the decoded JSON: %s\n", av_enc_error(e));
                                status = 1;
                        } else if (a.len != b.len || memcmp(a.data + a.off, b.data + b.off, a.len)) {
                                printf("error: bytes differ after the round trip\n");
                                status = 1;
                        } else {
                                fwrite(j.data + j.off, 1, j.len, stdout);
                                putchar('\n');
                        }
                } else {
                        fprintf(stderr, "avro_test: unknown command %s\n", cmd);
                        status = 2;
                        break;
                }
        }
        free(line);
        free(bin);
        outbuf_free(&a);
        outbuf_free(&j);
        outbuf_free(&b);
out:
        av_dec_free(d);
        av_enc_free(e);
        av_schema_free(s);
        return status;
}
