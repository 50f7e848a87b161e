/* avrocache: id -> parsed schema and decoder (see avrocache.h). */
#include "avrocache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One id's outcome: a decoder, or the final error it gave. */
struct entry {
        int32_t id;
        int rc; /* 0, REGISTRY_ENOTFOUND or AV_CACHE_EBADSCHEMA */
        char *why; /* rc != 0: the message, given again on every call */
        struct av_schema *schema;
        struct av_dec *dec;
};

struct av_cache {
        struct registry *reg;
        struct entry *v; /* a few ids: a topic's schema versions */
        size_t n, cap;
        size_t last; /* the entry of the last call: usually the next one's too */
};

struct av_cache *av_cache_new(struct registry *reg)
{
        struct av_cache *c = calloc(1, sizeof(*c));
        if (c)
                c->reg = reg;
        return c;
}

void av_cache_free(struct av_cache *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++) {
                av_dec_free(c->v[i].dec);
                av_schema_free(c->v[i].schema);
                free(c->v[i].why);
        }
        free(c->v);
        free(c);
}

/* Gives the entry's outcome to the caller. */
static int answer(const struct entry *e, struct av_dec **dec, char *errstr, size_t errlen)
{
        if (e->rc) {
                snprintf(errstr, errlen, "%s", e->why ? e->why : "out of memory");
                return e->rc;
        }
        *dec = e->dec;
        return 0;
}

/* Fetches and parses id into e; returns its rc, or a kind not to remember
 * (< 0 and not final) with e untouched. */
static int load(struct av_cache *c, int32_t id, struct entry *e, char *errstr, size_t errlen)
{
        const struct registry_schema *rs;
        int rc = registry_by_id(c->reg, id, &rs, errstr, errlen);
        if (rc == REGISTRY_ENOTFOUND) {
                e->rc = rc;
                e->why = strdup(errstr);
                return rc;
        }
        if (rc < 0)
                return rc;
        char why[256];
        if (strcmp(rs->type, "AVRO") != 0) {
                snprintf(why, sizeof(why), "a %s schema, not Avro", rs->type);
        } else if ((e->schema = av_schema_parse(rs->schema, rs->len, why, sizeof(why)))) {
                if ((e->dec = av_dec_new(e->schema)))
                        return 0;
                av_schema_free(e->schema);
                e->schema = NULL;
                snprintf(errstr, errlen, "out of memory");
                return REGISTRY_ENOMEM;
        }
        /* Not one we can read, now or later: remembered with its reason. */
        e->rc = AV_CACHE_EBADSCHEMA;
        snprintf(errstr, errlen, "schema id %ld: %s", (long)id, why);
        e->why = strdup(errstr);
        return e->rc;
}

int av_cache_decoder(struct av_cache *c, int32_t id, struct av_dec **dec, char *errstr,
                     size_t errlen)
{
        if (c->last < c->n && c->v[c->last].id == id)
                return answer(&c->v[c->last], dec, errstr, errlen);
        for (size_t i = 0; i < c->n; i++) {
                if (c->v[i].id == id) {
                        c->last = i;
                        return answer(&c->v[i], dec, errstr, errlen);
                }
        }
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 8;
                struct entry *v = realloc(c->v, cap * sizeof(*v));
                if (!v) {
                        snprintf(errstr, errlen, "out of memory");
                        return REGISTRY_ENOMEM;
                }
                c->v = v;
                c->cap = cap;
        }
        struct entry e = {.id = id};
        int rc = load(c, id, &e, errstr, errlen);
        if (rc < 0 && rc != REGISTRY_ENOTFOUND && rc != AV_CACHE_EBADSCHEMA)
                return rc; /* not final: asked again next time */
        c->last = c->n;
        c->v[c->n++] = e;
        if (rc == 0)
                *dec = e.dec;
        return rc;
}
