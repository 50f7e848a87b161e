/* envelope_fuzz: property checks for the JSON reading side (lib/framing's
 * json_get_string, lib/jsonread, lib/envelope), run by libFuzzer (make fuzz)
 * or by the built-in driver (make testtools) on random and hand-picked
 * inputs. The driver prints its seed; `envelope_fuzz N SEED` replays a run.
 *
 * Properties: json_get_string agrees with a reference decoder on any
 * literal and round-trips json_put_string; an envelope built from the input
 * (keys, payloads and headers of any bytes, nulls, empties) is written and
 * read back field for field; envelope_read on any input either refuses it
 * with a message or gives an envelope that writes and reads back the same;
 * its reader of envelopes as envelope_put writes them agrees with its
 * general reader on any input; json_member never reads outside its input.
 * A violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envelope.h"
#include "framing.h"
#include "jsonread.h"
#include "outbuf.h"
#include "driver.h"

static void fail(const char *what)
{
        fprintf(stderr, "envelope_fuzz: property violated: %s\n", what);
        abort();
}

/* Reference JSON string decoder, written differently from the one under
 * test: first collect UTF-16 code units and raw bytes, then convert. Returns
 * the decoded length or -1. */
static long ref_unquote(const uint8_t *s, size_t n, uint8_t *out)
{
        if (n < 2 || s[0] != '"' || s[n - 1] != '"')
                return -1;
        long len = 0;
        size_t i = 1;
        while (i < n - 1) {
                uint8_t c = s[i];
                if (c == '"' || c < 0x20)
                        return -1;
                if (c != '\\') {
                        out[len++] = c;
                        i++;
                        continue;
                }
                if (i + 1 >= n - 1)
                        return -1;
                uint8_t e = s[i + 1];
                const char *simple = "\"\\/bfnrt", *map = "\"\\/\b\f\n\r\t";
                const char *hit = e ? strchr(simple, e) : NULL;
                if (hit) {
                        out[len++] = (uint8_t)map[hit - simple];
                        i += 2;
                        continue;
                }
                if (e != 'u')
                        return -1;
                uint32_t units[2];
                int nu = 0;
                while (nu < 2 && i + 6 <= n - 1 && s[i] == '\\' && s[i + 1] == 'u') {
                        char hex[5] = {(char)s[i + 2], (char)s[i + 3], (char)s[i + 4],
                                       (char)s[i + 5], 0};
                        char *end;
                        if (strspn(hex, "0123456789abcdefABCDEF") != 4)
                                return -1;
                        units[nu] = (uint32_t)strtoul(hex, &end, 16);
                        /* A second unit is only taken as a low surrogate. */
                        if (nu == 1 && !(units[1] >= 0xDC00 && units[1] <= 0xDFFF))
                                break;
                        nu++;
                        i += 6;
                        if (!(units[0] >= 0xD800 && units[0] <= 0xDBFF))
                                break;
                }
                if (nu == 0)
                        return -1;
                uint32_t cp = units[0];
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (nu != 2)
                                return -1;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (units[1] - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        return -1;
                }
                if (cp < 0x80) {
                        out[len++] = (uint8_t)cp;
                } else if (cp < 0x800) {
                        out[len++] = (uint8_t)(0xC0 | cp >> 6);
                        out[len++] = (uint8_t)(0x80 | (cp & 63));
                } else if (cp < 0x10000) {
                        out[len++] = (uint8_t)(0xE0 | cp >> 12);
                        out[len++] = (uint8_t)(0x80 | ((cp >> 6) & 63));
                        out[len++] = (uint8_t)(0x80 | (cp & 63));
                } else {
                        out[len++] = (uint8_t)(0xF0 | cp >> 18);
                        out[len++] = (uint8_t)(0x80 | ((cp >> 12) & 63));
                        out[len++] = (uint8_t)(0x80 | ((cp >> 6) & 63));
                        out[len++] = (uint8_t)(0x80 | (cp & 63));
                }
        }
        /* Raw bytes must form valid UTF-8, as must the whole result. */
        return utf8_valid(out, (size_t)len) ? len : -1;
}

/* True when two optional byte strings are equal (NULL only equals NULL). */
static int same(const void *a, size_t an, const void *b, size_t bn)
{
        if (!a || !b)
                return !a && !b;
        return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Compares two envelopes field by field. */
static int same_env(const struct envelope *a, const struct envelope *b)
{
        if (a->partition != b->partition || a->offset != b->offset || a->tstype != b->tstype ||
            (a->tstype != ENV_TS_NONE && a->ts != b->ts) || a->broker != b->broker ||
            a->nheaders != b->nheaders || !same(a->key, a->keylen, b->key, b->keylen) ||
            !same(a->payload, a->len, b->payload, b->len))
                return 0;
        for (size_t i = 0; i < a->nheaders; i++)
                if (!same(a->headers[i].name, a->headers[i].namelen, b->headers[i].name,
                          b->headers[i].namelen) ||
                    !same(a->headers[i].value, a->headers[i].len, b->headers[i].value,
                          b->headers[i].len))
                        return 0;
        return 1;
}

/* Deep copy of an envelope's bytes, so a second read cannot change them. */
struct saved {
        struct envelope e;
        struct env_header h[64];
        uint8_t bytes[8192];
};

static void save(struct saved *s, const struct envelope *e)
{
        size_t used = 0;
        s->e = *e;
        s->e.topic = NULL;
#define KEEP(ptr, n)                                                                               \
        do {                                                                                       \
                if (ptr) {                                                                         \
                        if (used + (n) > sizeof(s->bytes))                                         \
                                fail("saved envelope too large");                                  \
                        memcpy(s->bytes + used, ptr, n);                                           \
                        ptr = (void *)(s->bytes + used);                                           \
                        used += n;                                                                 \
                }                                                                                  \
        } while (0)
        KEEP(s->e.key, s->e.keylen);
        KEEP(s->e.payload, s->e.len);
        if (e->nheaders > 64)
                fail("too many headers to save");
        for (size_t i = 0; i < e->nheaders; i++) {
                s->h[i] = e->headers[i];
                KEEP(s->h[i].name, s->h[i].namelen);
                KEEP(s->h[i].value, s->h[i].len);
        }
#undef KEEP
        s->e.headers = s->h;
}

/* Property 1: the string decoder, on the input taken as a literal. */
static void check_strings(const uint8_t *data, size_t size, struct outbuf *ob)
{
        uint8_t *lit = malloc(size + 2), *ref = malloc(size + 2), *out = malloc(size + 2);
        if (!lit || !ref || !out)
                fail("malloc");
        lit[0] = '"';
        memcpy(lit + 1, data, size);
        lit[size + 1] = '"';
        const char *val;
        size_t vlen;
        /* Only a literal whose one closing quote is the last byte compares. */
        long used = json_get_string((const char *)lit, size + 2, (char *)out, &val, &vlen);
        long want = ref_unquote(lit, size + 2, ref);
        if (used >= 0 && used != (long)size + 2) {
                /* Ended early at an inner quote: the prefix is a literal. */
                if (ref_unquote(lit, (size_t)used, ref) != (long)vlen ||
                    memcmp(ref, val, vlen) != 0)
                        fail("json_get_string disagrees with the reference on a prefix");
        } else if ((used < 0) != (want < 0)) {
                fail("json_get_string and the reference disagree on validity");
        } else if (used >= 0 && (want != (long)vlen || memcmp(ref, val, vlen) != 0)) {
                fail("json_get_string decodes differently from the reference");
        }
        /* A check-only call judges the same. */
        const char *v2;
        size_t l2;
        if ((json_get_string((const char *)lit, size + 2, NULL, &v2, &l2) < 0) != (used < 0))
                fail("check-only json_get_string judges differently");
        /* Decoded text written back decodes to itself. */
        if (used >= 0) {
                outbuf_discard(ob);
                if (json_put_string(ob, val, vlen) < 0)
                        fail("json_put_string");
                uint8_t *back = malloc(ob->len + 1);
                if (!back)
                        fail("malloc");
                long u = json_get_string(ob->data + ob->off, ob->len, (char *)back, &v2, &l2);
                if (u != (long)ob->len || l2 != vlen || memcmp(v2, val, vlen) != 0)
                        fail("json_put_string output does not decode back");
                free(back);
                outbuf_discard(ob);
        }
        free(lit);
        free(ref);
        free(out);
}

/* Takes the next piece of the input: a length byte then that many bytes,
 * or NULL for a null (length byte 0xFF). */
static const uint8_t *piece(const uint8_t **p, const uint8_t *end, size_t *n)
{
        if (*p >= end)
                return NULL;
        uint8_t l = *(*p)++;
        if (l == 0xFF)
                return NULL;
        *n = l % 48;
        if (*n > (size_t)(end - *p))
                *n = (size_t)(end - *p);
        const uint8_t *r = *p;
        *p += *n;
        return r;
}

/* Property 2: an envelope of any bytes survives writing and reading. */
static void check_roundtrip(const uint8_t *data, size_t size, struct outbuf *ob,
                            struct env_reader *rd)
{
        struct env_header h[8];
        struct envelope e = {.partition = -1, .offset = -1, .broker = -1};
        const uint8_t *p = data, *end = data + size;
        uint8_t flags = p < end ? *p++ : 0;
        if (flags & 1)
                e.partition = flags >> 4;
        if (flags & 2) {
                e.tstype = flags & 4 ? ENV_TS_LOGAPPEND : ENV_TS_CREATE;
                e.ts = (int64_t)flags * 1000000007;
        }
        if (flags & 8)
                e.offset = 12345;
        static const char empty[1];
        size_t n = 0;
        e.key = piece(&p, end, &n);
        e.keylen = e.key ? n : 0;
        if (!e.key && flags & 64)
                e.key = empty; /* an empty key is not a null key */
        e.payload = piece(&p, end, &n);
        e.len = e.payload ? n : 0;
        while (p < end && e.nheaders < 8) {
                struct env_header *x = &h[e.nheaders++];
                size_t nl = 0, vl = 0;
                x->name = (const char *)piece(&p, end, &nl);
                if (!x->name)
                        x->name = "";
                x->namelen = nl;
                x->value = piece(&p, end, &vl);
                x->len = x->value ? vl : 0;
        }
        e.headers = h;
        outbuf_discard(ob);
        if (envelope_put(ob, &e) < 0)
                fail("envelope_put");
        const char *line = ob->data + ob->off;
        if (!utf8_valid(line, ob->len) || memchr(line, '\n', ob->len))
                fail("an envelope is not one line of UTF-8");
        struct envelope back;
        if (envelope_read(rd, line, ob->len, &back) < 0) {
                fprintf(stderr, "%s\n%.*s\n", rd->err, (int)ob->len, line);
                fail("a written envelope is refused");
        }
        if (!same_env(&e, &back)) {
                fprintf(stderr, "%.*s\n", (int)ob->len, line);
                fail("an envelope reads back different");
        }
        outbuf_discard(ob);
}

/* Property 3: whatever envelope_read accepts is stable. */
static void check_any(const uint8_t *data, size_t size, struct outbuf *ob, struct env_reader *rd)
{
        struct envelope e;
        if (envelope_read(rd, (const char *)data, size, &e) < 0) {
                if (!rd->err[0])
                        fail("a refusal without a message");
                return;
        }
        static struct saved first;
        if (e.nheaders > 64 || e.keylen + e.len > 4096)
                return;
        save(&first, &e);
        outbuf_discard(ob);
        if (envelope_put(ob, &first.e) < 0)
                fail("envelope_put");
        struct envelope again;
        if (envelope_read(rd, ob->data + ob->off, ob->len, &again) < 0) {
                fprintf(stderr, "%s\n%.*s\n", rd->err, (int)ob->len, ob->data + ob->off);
                fail("a re-written envelope is refused");
        }
        if (!same_env(&first.e, &again))
                fail("a re-written envelope reads back different");
        outbuf_discard(ob);
}

/* Property 4: the reader of envelopes as envelope_put writes them and the
 * general reader agree on any input: both refuse it, or both read the
 * same envelope, topic and forms included. */
static void check_readers_agree(const uint8_t *data, size_t size, struct env_reader *rd)
{
        struct env_reader general;
        env_reader_init(&general);
        general.general = true;
        struct envelope a, b;
        int ra = envelope_read(rd, (const char *)data, size, &a);
        int rb = envelope_read(&general, (const char *)data, size, &b);
        if (ra != rb) {
                fprintf(stderr, "%.*s\n", (int)size, (const char *)data);
                fail(ra ? "a record the general reader takes is refused"
                        : "a record the general reader refuses is taken");
        }
        if (!ra && (!same_env(&a, &b) || !same(a.topic, a.topiclen, b.topic, b.topiclen) ||
                    a.keyform != b.keyform || a.payloadform != b.payloadform)) {
                fprintf(stderr, "%.*s\n", (int)size, (const char *)data);
                fail("the two readers read a record differently");
        }
        env_reader_free(&general);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct outbuf ob;
        struct env_reader rd;
        if (outbuf_init(&ob, -1, 64) < 0)
                fail("outbuf_init");
        env_reader_init(&rd);
        check_strings(data, size, &ob);
        check_roundtrip(data, size, &ob, &rd);
        check_any(data, size, &ob, &rd);
        check_readers_agree(data, size, &rd);
        /* json_member: any input, under ASan. */
        char *out = malloc(size + 1);
        const char *val;
        size_t len;
        if (!out)
                fail("malloc");
        if (json_member((const char *)data, size, "k", out, &val, &len) == 1 &&
            !(val >= out && val + len <= out + size + 1) &&
            !(val >= (const char *)data && val + len <= (const char *)data + size))
                fail("json_member points outside its input");
        free(out);
        env_reader_free(&rd);
        outbuf_free(&ob);
        return 0;
}

#ifndef FUZZING_ENGINE
/* Hand-picked envelopes and literals, then random inputs: mutated valid
 * envelopes and bytes biased towards JSON's syntax. */
static const char *const cases[] = {
    "",
    "{}",
    "{\"payload\":null}",
    "{\"payload\":\"v\",\"key\":\"\"}",
    "{\"key_b64\":\"//4=\",\"payload_b64\":\"AA==\"}",
    "{\"headers\":[\"a\",null,\"a\",\"b\"],\"payload\":\"x\"}",
    "{\"headers_b64\":[\"YQ==\",null],\"payload\":\"\"}",
    "{\"payload\":\"\\ud83d\\ude00 \\u00e9 \\/\"}",
    "{\"payload\":\"\\ud83d\"}",
    "{\"payload\":\"\\udc00\"}",
    "{\"payload\":\"a\",\"payload\":\"b\"}",
    "{\"partition\":2147483648,\"payload\":\"\"}",
    "{\"ts\":-5,\"payload\":\"\"}",
    "{\"topic\":\"t\",\"partition\":0,\"offset\":5,\"tstype\":\"create\",\"ts\":1,"
    "\"broker\":1,\"headers\":[\"h\",\"v\"],\"key\":\"k\",\"payload\":\"v\"}",
    "{\"x\":[1,{\"y\":[true,false,null,-0.5e+3]}],\"payload\":\"\"}",
    "{\"payload\":\"cut",
    "\"\\u0000\"",
    "\"\\udbff\\udfff\\ud800\\udc00\"",
    "\x01\xff\x05hello",
    /* As wsrecv -J writes a browser's message, then what the canonical
     * reader must leave to the general one. */
    "{\"tstype\":\"create\",\"ts\":1764740000000,\"headers\":[\"conn\",\"1\",\"seq\","
    "\"2\",\"peer\",\"127.0.0.1:40001\",\"path\",\"/chat\",\"n\",null],\"key\":null,"
    "\"payload\":\"{\\\"a\\\":1}\"}",
    "{\"topic\":\"t\",\"partition\":0,\"tstype\":\"logappend\",\"ts\":0,\"key\":\"\","
    "\"payload\":null}",
    "{\"partition\":01,\"key\":null,\"payload\":\"\"}",
    "{\"partition\":-1,\"key\":null,\"payload\":\"\"}",
    "{\"offset\":1234567890123456789,\"key\":null,\"payload\":\"\"}",
    "{\"tstype\":\"unknown\",\"ts\":5,\"key\":null,\"payload\":\"\"}",
    "{\"tstype\":\"create\",\"key\":null,\"payload\":\"\"}",
    "{\"headers\":[],\"key\":null,\"payload\":\"\"}",
    "{\"key\":1,\"payload\":\"\"}",
    "{\"key\":null,\"payload\":\"\"} ",
    "{\"key\":null,\"payload\":\"\\u00e9\",\"payload\":\"x\"}",
    "{\"payload\":\"\xc3\xa9\"}",
    "{\"key\":{\"a\":[1,-2.5e3]},\"payload\":[true,null,\"\\u00e9\"]}",
    "{\"key\":nullx,\"payload\":5}",
    "{\"key\":5 ,\"payload\":5}",
    "{\"key\": 5,\"payload\":5}",
    "{\"key\":null,\"payload\":{\"a\":1} }",
};

/* Random bytes, JSON tokens, or (every other one of those) the full
 * envelope of cases[13] with one byte changed or cut there. */
static size_t random_input(uint8_t *buf, size_t max, long it)
{
        static const char *const tokens[] = {
            "{",      "}",    "[",        "]",       ",",           ":",           "\"",
            "\\",     "\\u",  "d83d",     "dc00",    "00e9",        "null",        "true",
            "-1",     "0",    "1e9",      "\"key\"", "\"payload\"", "\"headers\"", "\"key_b64\"",
            "\"ts\"", "AA==", "\xc3\xa9", "\xff",    " ",           "\n",          "\"x\""};
        size_t n = 0;
        int mode = rand() % 3;
        size_t want = (size_t)rand() % 96;
        if (mode == 0) {
                while (n < want)
                        buf[n++] = (uint8_t)rand();
        } else {
                n = fuzz_tokens(buf, n, max, want, tokens, sizeof(tokens) / sizeof(*tokens));
        }
        if (mode == 2 && it % 2) {
                /* The full envelope, or one as wsrecv -J writes it. */
                const char *c = cases[it % 4 == 1 ? 13 : 19];
                n = strlen(c);
                memcpy(buf, c, n);
                size_t at = (size_t)rand() % n;
                if (rand() % 2)
                        buf[at] = (uint8_t)rand();
                else
                        n = at;
        }
        return n;
}

int main(int argc, char **argv)
{
        static const struct fuzz_target t = {
            .name = "envelope_fuzz",
            .cases = cases,
            .ncases = sizeof(cases) / sizeof(cases[0]),
            .random_input = random_input,
            .max = 256,
        };
        return fuzz_main(argc, argv, &t);
}
#endif
