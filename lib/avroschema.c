/* avroschema: reading an Avro schema into lib/avroschema.h's nodes. */
#include "avroschema.h"

#include <avro.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avrologic.h"
#include "jsonread.h"

/* Schemas nested deeper than this are refused rather than recursed into. */
#define MAX_DEPTH 64

struct named {
        char *fullname;
        struct av_node *node;
};

struct parser {
        struct av_schema *s;
        struct named *names;
        size_t nnames, capnames;
        char *scratch; /* room to decode any string of the text */
        char *err;
        size_t errlen;
        bool failed;
};

/* The members of one schema object that matter here, as positions in the text. */
struct members {
        const char *type, *name, *ns, *fields, *symbols, *items, *values, *size, *logical,
            *precision, *scale, *def;
};

/* Records the first failure as a message. Returns NULL for the caller to pass on. */
static void *fail(struct parser *P, const char *fmt, ...)
{
        if (!P->failed) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(P->err, P->errlen, fmt, ap);
                va_end(ap);
                P->failed = true;
        }
        return NULL;
}

/* Allocates a zeroed node owned by the schema. */
static struct av_node *node_new(struct parser *P, enum av_type t)
{
        struct av_node *n = calloc(1, sizeof(*n));
        if (!n)
                return fail(P, "out of memory");
        n->type = t;
        n->next_alloc = P->s->nodes;
        P->s->nodes = n;
        return n;
}

/* A copy of the n bytes at s, NUL-terminated. */
static char *dup_n(struct parser *P, const char *s, size_t n)
{
        char *d = malloc(n + 1);
        if (!d)
                return fail(P, "out of memory");
        memcpy(d, s, n);
        d[n] = 0;
        return d;
}

/* Reads the JSON string at p into a new copy; its length in *len. */
static char *string_at(struct parser *P, const char *p, size_t *len, const char *what)
{
        struct jr j;
        const char *v;
        size_t n;
        jr_init(&j, p, (size_t)(P->s->text + P->s->textlen - p));
        if (jr_string(&j, P->scratch, &v, &n) < 0)
                return fail(P, "%s: expected a string", what);
        if (len)
                *len = n;
        return dup_n(P, v, n);
}

/* Reads the whole number at p into *v. Returns 0 or -1. */
static int int_at(struct parser *P, const char *p, long long *v, const char *what)
{
        struct jr j;
        int64_t x;
        jr_init(&j, p, (size_t)(P->s->text + P->s->textlen - p));
        if (jr_int(&j, &x) < 0) {
                fail(P, "%s: expected a whole number", what);
                return -1;
        }
        *v = (long long)x;
        return 0;
}

/* Collects the positions of the members of the object at j's cursor. */
static int members_read(struct parser *P, struct jr *j, struct members *m)
{
        memset(m, 0, sizeof(*m));
        if (!jr_eat(j, '{'))
                return -1;
        if (jr_eat(j, '}'))
                return 0;
        static const struct {
                const char *key;
                size_t off;
        } keys[] = {
            {"type", offsetof(struct members, type)},
            {"name", offsetof(struct members, name)},
            {"namespace", offsetof(struct members, ns)},
            {"fields", offsetof(struct members, fields)},
            {"symbols", offsetof(struct members, symbols)},
            {"items", offsetof(struct members, items)},
            {"values", offsetof(struct members, values)},
            {"size", offsetof(struct members, size)},
            {"logicalType", offsetof(struct members, logical)},
            {"precision", offsetof(struct members, precision)},
            {"scale", offsetof(struct members, scale)},
            {"default", offsetof(struct members, def)},
        };
        do {
                const char *k;
                size_t klen;
                if (jr_string(j, P->scratch, &k, &klen) < 0 || !jr_eat(j, ':'))
                        return -1;
                jr_ws(j);
                for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                        if (strlen(keys[i].key) == klen && memcmp(keys[i].key, k, klen) == 0)
                                *(const char **)((char *)m + keys[i].off) = j->p;
                if (jr_skip(j) < 0)
                        return -1;
        } while (jr_eat(j, ','));
        return jr_eat(j, '}') ? 0 : -1;
}

static const struct {
        const char *name;
        enum av_type type;
} primitives[] = {
    {"null", AV_NULL},     {"boolean", AV_BOOLEAN}, {"int", AV_INT},
    {"long", AV_LONG},     {"float", AV_FLOAT},     {"double", AV_DOUBLE},
    {"bytes", AV_BYTES},   {"string", AV_STRING},
};

/* The primitive type named s, or -1. */
static int primitive(const char *s)
{
        for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++)
                if (strcmp(primitives[i].name, s) == 0)
                        return (int)primitives[i].type;
        return -1;
}

/* The node of the named type fullname, or NULL. */
static struct av_node *lookup(struct parser *P, const char *fullname)
{
        for (size_t i = 0; i < P->nnames; i++)
                if (strcmp(P->names[i].fullname, fullname) == 0)
                        return P->names[i].node;
        return NULL;
}

/* Sets the node's accepted and emitted JSON kinds (see AV_K_*). */
static void set_kinds(struct av_node *n)
{
        switch (n->type) {
        case AV_NULL:
                n->accepts = n->emits = AV_K_NULL;
                n->may_be_empty = true;
                break;
        case AV_BOOLEAN:
                n->accepts = n->emits = AV_K_BOOL;
                break;
        case AV_INT:
        case AV_LONG:
                n->emits = AV_K_WHOLE;
                n->accepts = AV_K_WHOLE | (n->logical != AV_LT_NONE ? AV_K_STR : 0);
                break;
        case AV_FLOAT:
        case AV_DOUBLE:
                n->emits = AV_K_FRAC;
                n->accepts = AV_K_WHOLE | AV_K_FRAC | AV_K_STR; /* "NaN", "Infinity" */
                break;
        case AV_BYTES:
        case AV_STRING:
        case AV_ENUM:
        case AV_FIXED:
                n->accepts = n->emits = AV_K_STR;
                if (n->logical == AV_LT_DECIMAL)
                        n->accepts |= AV_K_WHOLE | AV_K_FRAC;
                n->may_be_empty = n->type == AV_FIXED && n->size == 0;
                break;
        case AV_RECORD:
        case AV_MAP:
                n->accepts = n->emits = AV_K_OBJ;
                break;
        case AV_ARRAY:
                n->accepts = n->emits = AV_K_ARR;
                break;
        case AV_UNION:
                for (size_t i = 0; i < n->n; i++) {
                        n->accepts |= n->branches[i]->accepts;
                        n->emits |= n->branches[i]->emits;
                }
                break;
        }
}

/* The logical type named by the text at p, when it fits node n; else none. */
static void set_logical(struct parser *P, struct av_node *n, const struct members *m)
{
        char *lt = string_at(P, m->logical, NULL, "logicalType");
        if (!lt)
                return;
        static const struct {
                const char *name;
                enum av_type on;
                enum av_logical lt;
        } lts[] = {
            {"date", AV_INT, AV_LT_DATE},
            {"time-millis", AV_INT, AV_LT_TIME_MILLIS},
            {"time-micros", AV_LONG, AV_LT_TIME_MICROS},
            {"timestamp-millis", AV_LONG, AV_LT_TIMESTAMP_MILLIS},
            {"timestamp-micros", AV_LONG, AV_LT_TIMESTAMP_MICROS},
            {"local-timestamp-millis", AV_LONG, AV_LT_LOCAL_TS_MILLIS},
            {"local-timestamp-micros", AV_LONG, AV_LT_LOCAL_TS_MICROS},
            {"uuid", AV_STRING, AV_LT_UUID},
            {"decimal", AV_BYTES, AV_LT_DECIMAL},
            {"decimal", AV_FIXED, AV_LT_DECIMAL},
        };
        for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
                if (strcmp(lts[i].name, lt) == 0 && lts[i].on == n->type)
                        n->logical = lts[i].lt;
        free(lt);
        if (n->logical != AV_LT_DECIMAL)
                return;
        long long prec = 0, scale = 0;
        bool ok = m->precision && int_at(P, m->precision, &prec, "precision") == 0 &&
                  (!m->scale || int_at(P, m->scale, &scale, "scale") == 0);
        P->failed = false; /* a bad precision only makes the annotation void */
        /* A fixed of s bytes holds at most floor(log10(2^(8s-1) - 1)) digits. */
        long long maxprec = AV_DECIMAL_MAX_DIGITS;
        if (n->type == AV_FIXED)
                maxprec = n->size == 0 ? 0 : (long long)((8.0 * (double)n->size - 1) * 0.30102999566398);
        if (maxprec > AV_DECIMAL_MAX_DIGITS)
                maxprec = AV_DECIMAL_MAX_DIGITS;
        if (!ok || prec < 1 || prec > maxprec || scale < 0 || scale > prec) {
                n->logical = AV_LT_NONE;
                return;
        }
        n->precision = (int)prec;
        n->scale = (int)scale;
}

static struct av_node *parse_type(struct parser *P, const char *p, const char *ns, int depth);

/* Makes the full name of a type named name in namespace ns (explicit or
 * inherited); *outns gets the namespace its members inherit. */
static char *full_name(struct parser *P, const char *name, const char *ns, char **outns)
{
        const char *dot = strrchr(name, '.');
        char *full;
        if (dot) {
                full = dup_n(P, name, strlen(name));
                *outns = dup_n(P, name, (size_t)(dot - name));
        } else if (ns && *ns) {
                size_t a = strlen(ns), b = strlen(name);
                full = malloc(a + b + 2);
                if (full) {
                        memcpy(full, ns, a);
                        full[a] = '.';
                        memcpy(full + a + 1, name, b + 1);
                }
                *outns = dup_n(P, ns, a);
        } else {
                full = dup_n(P, name, strlen(name));
                *outns = dup_n(P, "", 0);
        }
        if (!full || !*outns) {
                free(full);
                free(*outns);
                *outns = NULL;
                return fail(P, "out of memory");
        }
        return full;
}

/* Registers node under its full name. Returns 0 or -1. */
static int name_add(struct parser *P, struct av_node *n)
{
        if (lookup(P, n->name)) {
                fail(P, "type %s defined twice", n->name);
                return -1;
        }
        if (P->nnames == P->capnames) {
                size_t cap = P->capnames ? 2 * P->capnames : 16;
                struct named *nn = realloc(P->names, cap * sizeof(*nn));
                if (!nn) {
                        fail(P, "out of memory");
                        return -1;
                }
                P->names = nn;
                P->capnames = cap;
        }
        P->names[P->nnames].fullname = n->name;
        P->names[P->nnames++].node = n;
        return 0;
}

/* Reads a record's fields (the array at p). Returns 0 or -1. */
static int parse_fields(struct parser *P, struct av_node *n, const char *p, const char *ns,
                        int depth)
{
        struct jr j;
        jr_init(&j, p, (size_t)(P->s->text + P->s->textlen - p));
        if (!jr_eat(&j, '[')) {
                fail(P, "%s: fields: expected an array", n->name);
                return -1;
        }
        size_t cap = 0;
        if (jr_eat(&j, ']'))
                return 0;
        do {
                struct members m;
                jr_ws(&j);
                if (members_read(P, &j, &m) < 0 || !m.name || !m.type) {
                        fail(P, "%s: a field needs a name and a type", n->name);
                        return -1;
                }
                if (n->n == cap) {
                        cap = cap ? 2 * cap : 8;
                        struct av_field *f = realloc(n->fields, cap * sizeof(*f));
                        if (!f) {
                                fail(P, "out of memory");
                                return -1;
                        }
                        n->fields = f;
                }
                struct av_field *f = &n->fields[n->n];
                memset(f, 0, sizeof(*f));
                f->name = string_at(P, m.name, &f->namelen, "field name");
                if (!f->name)
                        return -1;
                n->n++;
                for (size_t i = 0; i + 1 < n->n; i++)
                        if (strcmp(n->fields[i].name, f->name) == 0) {
                                fail(P, "%s: field %s defined twice", n->name, f->name);
                                return -1;
                        }
                f->type = parse_type(P, m.type, ns, depth + 1);
                if (!f->type)
                        return -1;
                f->id = P->s->nfields++;
                if (m.def) {
                        struct jr d;
                        jr_init(&d, m.def, (size_t)(P->s->text + P->s->textlen - m.def));
                        if (jr_skip(&d) < 0) {
                                fail(P, "%s.%s: bad default", n->name, f->name);
                                return -1;
                        }
                        f->def = m.def;
                        f->deflen = (size_t)(d.p - m.def);
                }
        } while (jr_eat(&j, ','));
        if (!jr_eat(&j, ']')) {
                fail(P, "%s: fields: expected ',' or ']'", n->name);
                return -1;
        }
        return 0;
}

/* Reads an enum's symbols (the array at p). Returns 0 or -1. */
static int parse_symbols(struct parser *P, struct av_node *n, const char *p)
{
        struct jr j;
        jr_init(&j, p, (size_t)(P->s->text + P->s->textlen - p));
        size_t cap = 0;
        if (!jr_eat(&j, '[') || jr_eat(&j, ']')) {
                fail(P, "%s: symbols: expected a non-empty array", n->name);
                return -1;
        }
        do {
                if (n->n == cap) {
                        cap = cap ? 2 * cap : 8;
                        char **s = realloc(n->symbols, cap * sizeof(*s));
                        size_t *l = s ? realloc(n->symlens, cap * sizeof(*l)) : NULL;
                        if (s)
                                n->symbols = s;
                        if (l)
                                n->symlens = l;
                        if (!s || !l) {
                                fail(P, "out of memory");
                                return -1;
                        }
                }
                jr_ws(&j);
                const char *at = j.p;
                n->symbols[n->n] = string_at(P, at, &n->symlens[n->n], "symbol");
                if (!n->symbols[n->n])
                        return -1;
                n->n++;
                if (jr_skip(&j) < 0)
                        return -1;
        } while (jr_eat(&j, ','));
        if (!jr_eat(&j, ']')) {
                fail(P, "%s: symbols: expected ',' or ']'", n->name);
                return -1;
        }
        return 0;
}

/* Decides which branches of union n can be written as plain JSON: those no
 * earlier branch would take, and not a one-field record whose field is
 * named like a branch (it would read as the wrapper). */
static void union_plain(struct av_node *n)
{
        for (size_t i = 0; i < n->n; i++) {
                struct av_node *b = n->branches[i];
                bool plain = true;
                for (size_t k = 0; k < i; k++)
                        if (n->branches[k]->accepts & b->emits)
                                plain = false;
                if (b->type == AV_RECORD && b->n == 1)
                        for (size_t k = 0; k < n->n; k++)
                                if (strcmp(n->branches[k]->name, b->fields[0].name) == 0)
                                        plain = false;
                n->plain[i] = plain;
        }
}

/* Reads a union (the array at p). */
static struct av_node *parse_union(struct parser *P, const char *p, const char *ns, int depth)
{
        struct av_node *n = node_new(P, AV_UNION);
        if (!n)
                return NULL;
        n->name = dup_n(P, "union", 5);
        struct jr j;
        jr_init(&j, p, (size_t)(P->s->text + P->s->textlen - p));
        size_t cap = 0;
        if (!jr_eat(&j, '[') || jr_eat(&j, ']'))
                return fail(P, "a union needs at least one branch");
        do {
                if (n->n == cap) {
                        cap = cap ? 2 * cap : 4;
                        struct av_node **b = realloc(n->branches, cap * sizeof(*b));
                        bool *pl = b ? realloc(n->plain, cap * sizeof(*pl)) : NULL;
                        if (b)
                                n->branches = b;
                        if (pl)
                                n->plain = pl;
                        if (!b || !pl)
                                return fail(P, "out of memory");
                }
                jr_ws(&j);
                struct av_node *b = parse_type(P, j.p, ns, depth + 1);
                if (!b)
                        return NULL;
                if (b->type == AV_UNION)
                        return fail(P, "a union cannot hold a union");
                for (size_t i = 0; i < n->n; i++)
                        if (strcmp(n->branches[i]->name, b->name) == 0)
                                return fail(P, "a union holds %s twice", b->name);
                n->branches[n->n++] = b;
                if (jr_skip(&j) < 0)
                        return fail(P, "bad union");
        } while (jr_eat(&j, ','));
        if (!jr_eat(&j, ']'))
                return fail(P, "union: expected ',' or ']'");
        union_plain(n);
        set_kinds(n);
        return n;
}

/* Reads a named type: record, error, enum or fixed. */
static struct av_node *parse_named(struct parser *P, enum av_type t, const struct members *m,
                                   const char *ns, int depth)
{
        if (!m->name)
                return fail(P, "a named type needs a name");
        struct av_node *n = node_new(P, t);
        if (!n)
                return NULL;
        char *name = string_at(P, m->name, NULL, "name");
        char *ownns = NULL, *childns = NULL;
        if (m->ns && name && !strchr(name, '.')) {
                ownns = string_at(P, m->ns, NULL, "namespace");
                if (!ownns) {
                        free(name);
                        return NULL;
                }
                ns = ownns;
        }
        n->name = name ? full_name(P, name, ns, &childns) : NULL;
        free(name);
        free(ownns);
        if (!n->name)
                return NULL;
        n->namelen = strlen(n->name);
        struct av_node *ret = n;
        if (name_add(P, n) < 0) {
                ret = NULL;
        } else if (t == AV_RECORD) {
                if (!m->fields || parse_fields(P, n, m->fields, childns, depth) < 0)
                        ret = fail(P, "%s: bad fields", n->name);
        } else if (t == AV_ENUM) {
                if (!m->symbols || parse_symbols(P, n, m->symbols) < 0)
                        ret = fail(P, "%s: bad symbols", n->name);
        } else {
                long long size;
                if (!m->size || int_at(P, m->size, &size, "size") < 0 || size < 0)
                        ret = fail(P, "%s: a fixed needs a size", n->name);
                else
                        n->size = (size_t)size;
        }
        free(childns);
        if (ret && t == AV_FIXED && m->logical)
                set_logical(P, n, m);
        if (ret) {
                set_kinds(n);
                if (t == AV_RECORD) {
                        n->may_be_empty = true;
                        for (size_t i = 0; i < n->n; i++)
                                n->may_be_empty &= n->fields[i].type->may_be_empty;
                }
        }
        return ret;
}

/* Reads the type at p (a name, an object or a union) in namespace ns. */
static struct av_node *parse_type(struct parser *P, const char *p, const char *ns, int depth)
{
        if (depth > MAX_DEPTH)
                return fail(P, "schema nested too deeply");
        struct jr j;
        jr_init(&j, p, (size_t)(P->s->text + P->s->textlen - p));
        jr_ws(&j);
        if (j.p < j.end && *j.p == '[')
                return parse_union(P, j.p, ns, depth);
        if (j.p < j.end && *j.p == '"') {
                char *name = string_at(P, j.p, NULL, "type");
                if (!name)
                        return NULL;
                int prim = primitive(name);
                struct av_node *n = NULL;
                if (prim >= 0) {
                        n = node_new(P, (enum av_type)prim);
                        if (n) {
                                n->name = name;
                                n->namelen = strlen(name);
                                set_kinds(n);
                                return n;
                        }
                } else if (strchr(name, '.')) {
                        n = lookup(P, name);
                } else {
                        size_t a = ns ? strlen(ns) : 0, b = strlen(name);
                        char *full = malloc(a + b + 2);
                        if (full && a) {
                                snprintf(full, a + b + 2, "%s.%s", ns, name);
                                n = lookup(P, full);
                        }
                        free(full);
                        if (!n)
                                n = lookup(P, name);
                }
                if (!n)
                        fail(P, "unknown type %s", name);
                free(name);
                return n;
        }
        struct members m;
        if (members_read(P, &j, &m) < 0 || !m.type)
                return fail(P, "expected a type");
        struct jr t;
        jr_init(&t, m.type, (size_t)(P->s->text + P->s->textlen - m.type));
        if (*m.type != '"')
                return parse_type(P, m.type, ns, depth + 1); /* {"type":{...}} */
        char *tname = string_at(P, m.type, NULL, "type");
        if (!tname)
                return NULL;
        struct av_node *n = NULL;
        int prim = primitive(tname);
        if (prim >= 0) {
                n = node_new(P, (enum av_type)prim);
                if (n) {
                        n->name = tname;
                        n->namelen = strlen(tname);
                        tname = NULL;
                        if (m.logical)
                                set_logical(P, n, &m);
                        set_kinds(n);
                }
        } else if (strcmp(tname, "record") == 0 || strcmp(tname, "error") == 0) {
                n = parse_named(P, AV_RECORD, &m, ns, depth);
        } else if (strcmp(tname, "enum") == 0) {
                n = parse_named(P, AV_ENUM, &m, ns, depth);
        } else if (strcmp(tname, "fixed") == 0) {
                n = parse_named(P, AV_FIXED, &m, ns, depth);
        } else if (strcmp(tname, "array") == 0 || strcmp(tname, "map") == 0) {
                bool arr = tname[0] == 'a';
                const char *sub = arr ? m.items : m.values;
                n = sub ? node_new(P, arr ? AV_ARRAY : AV_MAP) : fail(P, "%s needs %s", tname,
                                                                        arr ? "items" : "values");
                if (n) {
                        n->name = tname;
                        n->namelen = strlen(tname);
                        tname = NULL;
                        n->items = parse_type(P, sub, ns, depth + 1);
                        if (!n->items)
                                n = NULL;
                        else
                                set_kinds(n);
                }
        } else {
                /* {"type":"Name"}: a reference in object form. */
                n = parse_type(P, m.type, ns, depth + 1);
        }
        free(tname);
        return n;
}

/* Checks the schema with avro-c. Its JSON reader refuses \u0000, which a
 * bytes default may hold: it is shown \u0001 instead (no name may hold
 * either). Returns 0, or -1 with avro-c's message in err. */
static int avro_c_check(const char *json, size_t n, char *err, size_t errlen)
{
        char *copy = malloc(n + 1);
        if (!copy) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        for (size_t i = 0; i < n; i++) {
                copy[i] = json[i];
                if (json[i] == '\\' && i + 1 < n) {
                        i++;
                        copy[i] = json[i];
                        if (json[i] == 'u' && i + 4 < n && memcmp(json + i + 1, "0000", 4) == 0) {
                                memcpy(copy + i + 1, "0001", 4);
                                i += 4;
                        }
                }
        }
        copy[n] = 0;
        avro_schema_t checked;
        int rc = avro_schema_from_json_length(copy, n, &checked);
        free(copy);
        if (rc != 0) {
                snprintf(err, errlen, "%s", avro_strerror());
                size_t len = strlen(err);
                while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
                        err[--len] = 0;
                return -1;
        }
        avro_schema_decref(checked);
        return 0;
}

struct av_schema *av_schema_parse(const char *json, size_t n, char *err, size_t errlen)
{
        if (avro_c_check(json, n, err, errlen) < 0)
                return NULL;
        struct parser P = {.err = err, .errlen = errlen};
        P.s = calloc(1, sizeof(*P.s));
        P.scratch = malloc(n + 1);
        if (P.s)
                P.s->text = dup_n(&P, json, n);
        if (!P.s || !P.scratch || !P.s->text) {
                snprintf(err, errlen, "out of memory");
                free(P.scratch);
                av_schema_free(P.s);
                return NULL;
        }
        P.s->textlen = n;
        P.s->root = parse_type(&P, P.s->text, "", 0);
        if (!P.s->root && !P.failed)
                fail(&P, "bad schema");
        free(P.scratch);
        free(P.names);
        if (P.failed || !P.s->root) {
                av_schema_free(P.s);
                return NULL;
        }
        return P.s;
}

void av_schema_free(struct av_schema *s)
{
        if (!s)
                return;
        struct av_node *n = s->nodes;
        while (n) {
                struct av_node *next = n->next_alloc;
                for (size_t i = 0; n->fields && i < n->n; i++)
                        free(n->fields[i].name);
                for (size_t i = 0; n->symbols && i < n->n; i++)
                        free(n->symbols[i]);
                free(n->fields);
                free(n->symbols);
                free(n->symlens);
                free(n->branches);
                free(n->plain);
                free(n->name);
                free(n);
                n = next;
        }
        free(s->text);
        free(s);
}
