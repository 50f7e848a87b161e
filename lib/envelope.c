/* envelope: writing and reading the JSON record format.
 *
 * Two readers give one result: read_canonical takes, in one forward pass,
 * the envelopes that envelope_put writes (what kcons -J and wsrecv -J send
 * down a pipe), and gives up on anything else, which the general reader
 * then takes from its start, in any field order and spacing, with its
 * messages for what is wrong. envelope_fuzz checks that they agree. */
#include "envelope.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "jsonread.h"

/* Writes the n bytes of a literal at o; returns the end. */
static char *write_lit(char *o, const char *lit, size_t n)
{
        memcpy(o, lit, n);
        return o + n;
}
#define WRITE_LIT(o, lit) write_lit(o, lit, sizeof(lit) - 1)

/* Writes a quoted string, as text or base64. */
static char *write_string(char *o, bool text, const void *s, size_t n)
{
        if (text)
                return json_write_string(o, s, n);
        *o++ = '"';
        o = base64_write(o, s, n);
        *o++ = '"';
        return o;
}

/* Writes the key or payload field as form says. */
static char *write_field(char *o, enum env_form form, const char *name, size_t namelen,
                         const void *s, size_t n)
{
        if (!s || form == ENV_BYTES)
                return json_write_field(o, name, namelen, s, n);
        *o++ = '"';
        memcpy(o, name, namelen);
        o += namelen;
        if (form == ENV_JSON) {
                o = WRITE_LIT(o, "\":");
                memcpy(o, s, n);
                return o + n;
        }
        o = WRITE_LIT(o, "_b64\":\"");
        o = base64_write(o, s, n);
        *o++ = '"';
        return o;
}

/* Adds b to *a, saturating at (size_t)-1 (too big to reserve). */
static void room_add(size_t *a, size_t b)
{
        *a = b > (size_t)-1 - *a ? (size_t)-1 : *a + b;
}

size_t envelope_room(const struct envelope *e)
{
        size_t room = 256; /* names, numbers and punctuation */
        room_add(&room, json_field_room(5, e->topic ? e->topiclen : 0));
        room_add(&room, json_field_room(3, e->key ? e->keylen : 0));
        room_add(&room, json_field_room(7, e->payload ? e->len : 0));
        for (size_t i = 0; i < e->nheaders; i++) {
                room_add(&room, json_string_room(e->headers[i].namelen));
                room_add(&room, json_string_room(e->headers[i].value ? e->headers[i].len : 0));
                room_add(&room, 8); /* two commas, "null" */
        }
        return room;
}

/* Whether the n bytes at s are UTF-8: printable ASCII, the usual header,
 * in one inline scan; what follows it by the full check. */
static bool is_text(const char *s, size_t n)
{
        size_t plain = json_plain_run(s, n);
        return plain == n || utf8_valid(s + plain, n - plain);
}

/* Writes the headers field, as text or (any bytes not UTF-8) base64. */
static char *write_headers(char *o, const struct env_header *h, size_t n)
{
        bool text = true;
        for (size_t i = 0; text && i < n; i++)
                text = is_text(h[i].name, h[i].namelen) &&
                       (!h[i].value || is_text(h[i].value, h[i].len));
        o = text ? WRITE_LIT(o, "\"headers\":[") : WRITE_LIT(o, "\"headers_b64\":[");
        for (size_t i = 0; i < n; i++) {
                if (i)
                        *o++ = ',';
                o = write_string(o, text, h[i].name, h[i].namelen);
                *o++ = ',';
                o = h[i].value ? write_string(o, text, h[i].value, h[i].len) : WRITE_LIT(o, "null");
        }
        *o++ = ']';
        return o;
}

int envelope_put(struct outbuf *ob, const struct envelope *e)
{
        /* One reservation for the whole record, then plain stores: this
         * runs for every record kcons -J and wsrecv -J write. */
        size_t room = envelope_room(e);
        char *start = room == (size_t)-1 ? NULL : outbuf_reserve(ob, room);
        if (!start)
                return -1;
        char *o = start;
        *o++ = '{';
        if (e->topic) {
                o = json_write_field(o, "topic", 5, e->topic, e->topiclen);
                *o++ = ',';
        }
        if (e->partition >= 0) {
                o = WRITE_LIT(o, "\"partition\":");
                o = dec_write(o, e->partition);
                *o++ = ',';
        }
        if (e->offset >= 0) {
                o = WRITE_LIT(o, "\"offset\":");
                o = dec_write(o, e->offset);
                *o++ = ',';
        }
        switch (e->tstype) {
        case ENV_TS_NONE:
                break;
        case ENV_TS_CREATE:
                o = WRITE_LIT(o, "\"tstype\":\"create\",\"ts\":");
                break;
        case ENV_TS_LOGAPPEND:
                o = WRITE_LIT(o, "\"tstype\":\"logappend\",\"ts\":");
                break;
        case ENV_TS_UNKNOWN:
                o = WRITE_LIT(o, "\"tstype\":\"unknown\",\"ts\":");
                break;
        }
        if (e->tstype != ENV_TS_NONE) {
                o = dec_write(o, e->ts);
                *o++ = ',';
        }
        if (e->broker >= 0) {
                o = WRITE_LIT(o, "\"broker\":");
                o = dec_write(o, e->broker);
                *o++ = ',';
        }
        if (e->nheaders) {
                o = write_headers(o, e->headers, e->nheaders);
                *o++ = ',';
        }
        o = write_field(o, e->keyform, "key", 3, e->key, e->keylen);
        *o++ = ',';
        o = write_field(o, e->payloadform, "payload", 7, e->payload, e->len);
        *o++ = '}';
        ob->len += (size_t)(o - start);
        return 0;
}

void env_reader_init(struct env_reader *r)
{
        memset(r, 0, sizeof(*r));
}

void env_reader_free(struct env_reader *r)
{
        free(r->buf);
        free(r->hdrs);
        memset(r, 0, sizeof(*r));
}

/* The fields the reader knows. */
enum field {
        F_TOPIC,
        F_PARTITION,
        F_OFFSET,
        F_TSTYPE,
        F_TS,
        F_BROKER,
        F_HEADERS,
        F_HEADERS_B64,
        F_KEY,
        F_KEY_B64,
        F_PAYLOAD,
        F_PAYLOAD_B64,
        F_OTHER,
};

static const char *const field_names[] = {
    "topic",   "partition",   "offset", "tstype",  "ts",      "broker",
    "headers", "headers_b64", "key",    "key_b64", "payload", "payload_b64",
};

/* Which field a member name is: by length and first byte, then one
 * memcmp (this runs for every field of every record). */
static enum field field_of(const char *name, size_t n)
{
        enum field f;
        switch (n) {
        case 2:
                f = F_TS;
                break;
        case 3:
                f = F_KEY;
                break;
        case 5:
                f = F_TOPIC;
                break;
        case 6:
                f = name[0] == 'o' ? F_OFFSET : name[0] == 't' ? F_TSTYPE : F_BROKER;
                break;
        case 7:
                f = name[0] == 'h' ? F_HEADERS : name[0] == 'k' ? F_KEY_B64 : F_PAYLOAD;
                break;
        case 9:
                f = F_PARTITION;
                break;
        case 11:
                f = name[0] == 'h' ? F_HEADERS_B64 : F_PAYLOAD_B64;
                break;
        default:
                return F_OTHER;
        }
        return memcmp(field_names[f], name, n) == 0 ? f : F_OTHER;
}

/* The field that usually follows f: kcat's order, as kcons writes it. */
static const enum field next_field[] = {
    [F_TOPIC] = F_PARTITION, [F_PARTITION] = F_OFFSET, [F_OFFSET] = F_TSTYPE,
    [F_TSTYPE] = F_TS,       [F_TS] = F_BROKER,        [F_BROKER] = F_HEADERS,
    [F_HEADERS] = F_KEY,     [F_HEADERS_B64] = F_KEY,  [F_KEY] = F_PAYLOAD,
    [F_KEY_B64] = F_PAYLOAD, [F_PAYLOAD] = F_OTHER,    [F_PAYLOAD_B64] = F_OTHER,
    [F_OTHER] = F_TOPIC,
};

/* The lengths of field_names. */
static const unsigned char field_lens[] = {5, 9, 6, 6, 2, 6, 7, 11, 3, 7, 7, 11};

/* The field names quoted, padded to 16 bytes, for comparing in two words. */
static const char quoted_names[][17] = {
    "\"topic\"         ", "\"partition\"     ", "\"offset\"        ", "\"tstype\"        ",
    "\"ts\"            ", "\"broker\"        ", "\"headers\"       ", "\"headers_b64\"   ",
    "\"key\"           ", "\"key_b64\"       ", "\"payload\"       ", "\"payload_b64\"   ",
};

/* masks[n]: n bytes kept, for is_name. */
static const char name_masks[14][17] = {
    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
    "\xff\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
    "\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
    "\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0\0",
    "\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0",
    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0",
};

/* True when the quoted name of field f comes next: two masked 8-byte
 * compares when 16 bytes are left (a byte loop otherwise). */
static bool is_name(const struct jr *j, enum field f)
{
        size_t n = (size_t)field_lens[f] + 2;
        if ((size_t)(j->end - j->p) >= 16) {
                uint64_t w[2], pat[2], mask[2];
                memcpy(w, j->p, 16);
                memcpy(pat, quoted_names[f], 16);
                memcpy(mask, name_masks[n], 16); /* any byte order */
                return !(((w[0] ^ pat[0]) & mask[0]) | ((w[1] ^ pat[1]) & mask[1]));
        }
        return (size_t)(j->end - j->p) >= n && memcmp(j->p, quoted_names[f], n) == 0;
}

/* Reads a member name; *f is the field expected (F_OTHER: none) and then
 * the one read. The expected name, or a name after it in kcat's order, is
 * checked in place; any other known name (plain ASCII) is found with memchr
 * and compared; anything else is decoded and checked as a JSON string into
 * scratch. */
static int get_name(struct jr *j, char *scratch, enum field *f)
{
        jr_ws(j);
        for (enum field g = *f; g != F_OTHER; g = next_field[g])
                if (is_name(j, g)) {
                        j->p += field_lens[g] + 2;
                        *f = g;
                        return 0;
                }
        if (j->p < j->end && *j->p == '"') {
                size_t room = (size_t)(j->end - j->p - 1);
                const char *q = memchr(j->p + 1, '"', room < 12 ? room : 12);
                if (q && (*f = field_of(j->p + 1, (size_t)(q - j->p - 1))) != F_OTHER) {
                        j->p = q + 1;
                        return 0;
                }
        }
        const char *name;
        size_t nlen;
        if (jr_string(j, scratch, &name, &nlen) < 0)
                return -1;
        *f = field_of(name, nlen);
        return 0;
}

/* Where decoded bytes go: the part of r->buf after what is in use. */
struct sink {
        char *p;
        size_t used;
};

/* get_bytes for a string that is not plain, or base64. */
static int get_decoded(struct jr *j, struct sink *k, bool b64, const void **val, size_t *len)
{
        const char *s;
        size_t n;
        char *out = k->p + k->used;
        if (jr_string(j, out, &s, &n) < 0)
                return -1;
        if (!b64) {
                *val = s;
                *len = n;
                if (s == out)
                        k->used += n;
                return 0;
        }
        /* Into the sink; in place when the text was decoded there already
         * (base64 writes three bytes only after reading four). */
        unsigned char *dst = (unsigned char *)out;
        long m = base64_decode(s, n, dst);
        if (m < 0) {
                j->p -= n + 1; /* point into the string */
                return jr_fail(j, "not valid base64");
        }
        *val = dst;
        *len = (size_t)m;
        k->used = (size_t)(dst + m - (unsigned char *)k->p);
        return 0;
}

/* Reads a string, base64-decoded when b64, into the sink. Most strings
 * (header names and values, a browser's messages) hold no escape and no
 * byte above 0x7F: taken in place, inline, without a call (the calls were
 * a fifth of reading an envelope as wsrecv -J writes it). */
__attribute__((always_inline)) static inline int get_bytes(struct jr *j, struct sink *k, bool b64,
                                                          const void **val, size_t *len)
{
        const char *s;
        size_t n;
        if (!b64 && jr_plain_string(j, &s, &n)) {
                *val = s;
                *len = n;
                return 0;
        }
        return get_decoded(j, k, b64, val, len);
}

/* Makes room for at least n headers. */
static int grow_headers(struct env_reader *r, size_t n)
{
        if (n <= r->hcap)
                return 0;
        size_t cap = r->hcap ? r->hcap * 2 : 8;
        while (cap < n)
                cap *= 2;
        struct env_header *h = realloc(r->hdrs, cap * sizeof(*h));
        if (!h)
                return -1;
        r->hdrs = h;
        r->hcap = cap;
        return 0;
}

/* Reads a headers array: name, value, name, value... */
static int get_headers(struct env_reader *r, struct jr *j, struct sink *k, bool b64,
                       struct envelope *e)
{
        size_t n = 0;
        if (!jr_eat(j, '['))
                return jr_fail(j, "expected an array of header names and values");
        if (!jr_eat(j, ']')) {
                do {
                        if (grow_headers(r, n + 1) < 0)
                                return jr_fail(j, "out of memory");
                        struct env_header *h = &r->hdrs[n];
                        const void *name;
                        if (get_bytes(j, k, b64, &name, &h->namelen) < 0)
                                return jr_fail(j, "expected a header name (a string)");
                        h->name = name;
                        if (!jr_eat(j, ','))
                                return jr_fail(j, "a header name without a value");
                        h->value = NULL;
                        h->len = 0;
                        if (!jr_null(j) && get_bytes(j, k, b64, &h->value, &h->len) < 0)
                                return jr_fail(j, "expected a header value (a string or null)");
                        n++;
                } while (jr_eat(j, ','));
                if (!jr_eat(j, ']'))
                        return jr_fail(j, "expected ',' or ']'");
        }
        e->headers = r->hdrs;
        e->nheaders = n;
        return 0;
}

/* Reads a whole number in [min, max] into *v. */
static int get_int(struct jr *j, int64_t min, int64_t max, int64_t *v)
{
        const char *at = (jr_ws(j), j->p);
        if (jr_int(j, v) < 0)
                return -1;
        if (*v < min || *v > max) {
                j->p = at;
                return jr_fail(j, "number out of range");
        }
        return 0;
}

/* A key or payload that is a JSON value other than a string or null (as
 * kcons -s avro -J writes what it decoded): its text, as written. Returns
 * false when the value is a string; else true, with *val NULL when the
 * value's syntax is bad. */
static bool get_json(struct jr *j, const void **val, size_t *len)
{
        jr_ws(j);
        if (j->p < j->end && *j->p == '"')
                return false;
        const char *start = j->p;
        *val = jr_skip(j) < 0 ? NULL : start;
        *len = (size_t)(j->p - start);
        return true;
}

/* Reads the value of field f into e. */
static int get_field(struct env_reader *r, struct jr *j, struct sink *k, enum field f,
                     struct envelope *e)
{
        int64_t v;
        const char *s;
        size_t n;
        switch (f) {
        case F_TOPIC: {
                const void *t;
                if (jr_null(j))
                        return 0;
                if (get_bytes(j, k, false, &t, &e->topiclen) < 0)
                        return -1;
                e->topic = t;
                return 0;
        }
        case F_OFFSET:
        case F_BROKER:
                if (jr_null(j))
                        return 0;
                if (get_int(j, -1, f == F_OFFSET ? INT64_MAX : INT32_MAX, &v) < 0)
                        return -1;
                if (f == F_OFFSET)
                        e->offset = v;
                else
                        e->broker = (int32_t)v;
                return 0;
        case F_PARTITION:
                if (jr_null(j))
                        return 0;
                if (get_int(j, -1, INT32_MAX, &v) < 0)
                        return -1;
                e->partition = (int32_t)v;
                return 0;
        case F_TS:
                if (jr_null(j))
                        return 0;
                if (get_int(j, 0, INT64_MAX, &v) < 0)
                        return -1;
                e->ts = v;
                return 0;
        case F_TSTYPE:
                if (jr_string(j, k->p + k->used, &s, &n) < 0)
                        return -1;
                if (n == 6 && memcmp(s, "create", 6) == 0)
                        e->tstype = ENV_TS_CREATE;
                else if (n == 9 && memcmp(s, "logappend", 9) == 0)
                        e->tstype = ENV_TS_LOGAPPEND;
                else if (n == 7 && memcmp(s, "unknown", 7) == 0)
                        e->tstype = ENV_TS_UNKNOWN;
                else
                        return jr_fail(j, "tstype is not create, logappend or unknown");
                return 0;
        case F_HEADERS:
        case F_HEADERS_B64:
                return get_headers(r, j, k, f == F_HEADERS_B64, e);
        case F_KEY:
                if (jr_null(j)) {
                        e->key = NULL;
                        e->keylen = 0;
                        return 0;
                }
                if (get_json(j, &e->key, &e->keylen))
                        return e->key ? (e->keyform = ENV_JSON, 0) : -1;
                return get_bytes(j, k, false, &e->key, &e->keylen);
        case F_KEY_B64:
                return get_bytes(j, k, true, &e->key, &e->keylen);
        case F_PAYLOAD:
                if (jr_null(j)) {
                        e->payload = NULL;
                        e->len = 0;
                        return 0;
                }
                if (get_json(j, &e->payload, &e->len))
                        return e->payload ? (e->payloadform = ENV_JSON, 0) : -1;
                return get_bytes(j, k, false, &e->payload, &e->len);
        case F_PAYLOAD_B64:
                return get_bytes(j, k, true, &e->payload, &e->len);
        default: /* fields of other tools: ignored */
                return jr_skip(j);
        }
}

/* Writes the reader's error message for a failed record. */
static int refuse(struct env_reader *r, const struct jr *j, const char *field)
{
        if (field)
                snprintf(r->err, sizeof(r->err), "bad envelope at byte %zu (%s): %s", jr_pos(j),
                         field, j->err ? j->err : "?");
        else
                snprintf(r->err, sizeof(r->err), "bad envelope at byte %zu: %s", jr_pos(j),
                         j->err ? j->err : "?");
        return -1;
}

/* Takes the n bytes of literal l when they come next. */
static inline bool take(struct jr *j, const char *l, size_t n)
{
        if ((size_t)(j->end - j->p) < n || memcmp(j->p, l, n) != 0)
                return false;
        j->p += n;
        return true;
}
#define TAKE(j, lit) take((j), (lit), sizeof(lit) - 1)

/* Takes a whole number of 1 to 18 digits (so no overflow), without a
 * leading zero, at most max, and then the byte after (',' or '}'). */
static inline bool take_digits(struct jr *j, int64_t max, char after, int64_t *v)
{
        const char *p = j->p, *stop = j->end - p > 18 ? p + 18 : j->end;
        uint64_t u = 0;
        unsigned dig;
        while (j->p < stop && (dig = (unsigned)(unsigned char)*j->p - '0') <= 9) {
                u = u * 10 + dig;
                j->p++;
        }
        if (j->p == p || (*p == '0' && j->p > p + 1) || u > (uint64_t)max ||
            j->p >= j->end || *j->p != after)
                return false;
        j->p++;
        *v = (int64_t)u;
        return true;
}

/* Takes a key's or payload's value other than null: a string, or any
 * other JSON value as its text (as get_field does; no space before it,
 * which jr_skip would take into the text). */
static inline bool take_value(struct jr *j, struct sink *k, const void **val, size_t *len,
                              enum env_form *form)
{
        if (j->p >= j->end || (unsigned char)*j->p <= ' ')
                return false;
        if (*j->p == '"')
                return get_bytes(j, k, false, val, len) == 0;
        const char *start = j->p;
        if (jr_skip(j) < 0)
                return false;
        *val = start;
        *len = (size_t)(j->p - start);
        *form = ENV_JSON;
        return true;
}

/* Reads the record when it is an envelope as envelope_put writes it:
 * kcat's field order, no space, no _b64 field, whole numbers. One forward
 * pass with no lookup, no whitespace and no check for a field given
 * twice: what kcons -J and wsrecv -J write takes under half the general
 * reader's instructions (bench/RESULTS.md).
 * Returns true with e filled as the general reader would fill it, or
 * false (e then meaningless) for any other record, which the general
 * reader takes from its start. */
static bool read_canonical(struct env_reader *r, const char *s, size_t n, struct envelope *e)
{
        struct jr j = {.start = s, .p = s, .end = s + n};
        struct sink k = {r->buf, 0};
        const void *t;
        int64_t x;
        *e = (struct envelope){.partition = -1, .offset = -1, .ts = -1, .broker = -1};
        if (!TAKE(&j, "{"))
                return false;
        if (TAKE(&j, "\"topic\":")) {
                if (get_bytes(&j, &k, false, &t, &e->topiclen) < 0 || !TAKE(&j, ","))
                        return false;
                e->topic = t;
        }
        if (TAKE(&j, "\"partition\":")) {
                if (!take_digits(&j, INT32_MAX, ',', &x))
                        return false;
                e->partition = (int32_t)x;
        }
        if (TAKE(&j, "\"offset\":") && !take_digits(&j, INT64_MAX, ',', &e->offset))
                return false;
        if (TAKE(&j, "\"tstype\":\"create\",\"ts\":"))
                e->tstype = ENV_TS_CREATE;
        else if (TAKE(&j, "\"tstype\":\"logappend\",\"ts\":"))
                e->tstype = ENV_TS_LOGAPPEND;
        if (e->tstype != ENV_TS_NONE && !take_digits(&j, INT64_MAX, ',', &e->ts))
                return false;
        if (TAKE(&j, "\"broker\":")) {
                if (!take_digits(&j, INT32_MAX, ',', &x))
                        return false;
                e->broker = (int32_t)x;
        }
        if (TAKE(&j, "\"headers\":[")) {
                size_t nh = 0;
                do {
                        if (grow_headers(r, nh + 1) < 0)
                                return false;
                        struct env_header *h = &r->hdrs[nh++];
                        if (get_bytes(&j, &k, false, &t, &h->namelen) < 0 || !TAKE(&j, ","))
                                return false;
                        h->name = t;
                        h->value = NULL;
                        h->len = 0;
                        if (!TAKE(&j, "null") && get_bytes(&j, &k, false, &h->value, &h->len) < 0)
                                return false;
                } while (TAKE(&j, ","));
                if (!TAKE(&j, "],"))
                        return false;
                e->headers = r->hdrs;
                e->nheaders = nh;
        }
        if (!TAKE(&j, "\"key\":null,")) {
                if (!TAKE(&j, "\"key\":") ||
                    !take_value(&j, &k, &e->key, &e->keylen, &e->keyform) || !TAKE(&j, ","))
                        return false;
        }
        if (!TAKE(&j, "\"payload\":null}")) {
                if (!TAKE(&j, "\"payload\":") ||
                    !take_value(&j, &k, &e->payload, &e->len, &e->payloadform) || !TAKE(&j, "}"))
                        return false;
        }
        return j.p == j.end;
}

int envelope_read(struct env_reader *r, const char *s, size_t n, struct envelope *e)
{
        /* Decoded bytes never outgrow the text they come from. */
        if (n + 1 > r->cap) {
                char *b = realloc(r->buf, n + 1);
                if (!b) {
                        snprintf(r->err, sizeof(r->err), "out of memory");
                        return -1;
                }
                r->buf = b;
                r->cap = n + 1;
        }
        if (!r->general && read_canonical(r, s, n, e))
                return 0;
        struct sink k = {r->buf, 0};
        struct jr j;
        unsigned seen = 0;
        *e = (struct envelope){.partition = -1, .offset = -1, .ts = -1, .broker = -1};
        jr_init(&j, s, n);
        if (!jr_eat(&j, '{')) {
                jr_fail(&j, j.p >= j.end ? "empty record" : "expected '{'");
                return refuse(r, &j, NULL);
        }
        if (!jr_eat(&j, '}')) {
                enum field f = F_TOPIC;
                do {
                        if (get_name(&j, k.p + k.used, &f) < 0) {
                                jr_fail(&j, "expected a field name");
                                return refuse(r, &j, NULL);
                        }
                        if (!jr_eat(&j, ':')) {
                                jr_fail(&j, "expected ':'");
                                return refuse(r, &j, NULL);
                        }
                        if (f != F_OTHER) {
                                /* key and key_b64 are one field; so are the others. */
                                unsigned bit = 1u << (f == F_HEADERS_B64   ? F_HEADERS
                                                      : f == F_KEY_B64     ? F_KEY
                                                      : f == F_PAYLOAD_B64 ? F_PAYLOAD
                                                                           : f);
                                if (seen & bit) {
                                        jr_fail(&j, "given twice");
                                        return refuse(r, &j, field_names[f]);
                                }
                                seen |= bit;
                        }
                        if (get_field(r, &j, &k, f, e) < 0)
                                return refuse(r, &j, f == F_OTHER ? NULL : field_names[f]);
                        f = next_field[f];
                } while (jr_eat(&j, ','));
                if (!jr_eat(&j, '}')) {
                        jr_fail(&j,
                                j.p >= j.end ? "cut off: no closing '}'" : "expected ',' or '}'");
                        return refuse(r, &j, NULL);
                }
        }
        jr_ws(&j);
        if (j.p != j.end) {
                jr_fail(&j, "text after the closing '}'");
                return refuse(r, &j, NULL);
        }
        if (!(seen & 1u << F_PAYLOAD)) {
                snprintf(r->err, sizeof(r->err),
                         "bad envelope: no payload (a tombstone is \"payload\":null)");
                return -1;
        }
        if (e->ts < 0)
                e->tstype = ENV_TS_NONE;
        else if (e->tstype == ENV_TS_NONE)
                e->tstype = ENV_TS_CREATE;
        return 0;
}
