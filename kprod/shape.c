/* shape: record -> key, value and, with -J, the rest of an envelope. */
#include "shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"
#include "memfind.h"

void shaper_init(struct shaper *s)
{
        memset(s, 0, sizeof(*s));
        env_reader_init(&s->env);
}

void shaper_free(struct shaper *s)
{
        env_reader_free(&s->env);
        free(s->scratch);
        s->scratch = NULL;
}

/* --key-field: the member's text, or a null key when the record has none. */
static int key_from_field(struct shaper *s, const char *rec, size_t len, struct shaped *out)
{
        if (len > s->scap) {
                char *b = realloc(s->scratch, len);
                if (!b)
                        return -1;
                s->scratch = b;
                s->scap = len;
        }
        const char *k;
        size_t klen;
        if (json_member(rec, len, s->field, s->scratch, &k, &klen) == 1) {
                out->key = k;
                out->klen = klen;
        }
        return 0;
}

int shape_record(struct shaper *s, const char *rec, size_t len, struct shaped *out, char *why,
                 size_t whylen)
{
        *out = (struct shaped){.val = rec, .vlen = len, .partition = -1, .ts = -1};
        switch (s->mode) {
        case SHAPE_VALUE:
                break;
        case SHAPE_SPLIT: {
                const char *d = memfind(rec, len, s->kdelim, s->kdlen);
                if (d) {
                        out->key = rec;
                        out->klen = (size_t)(d - rec);
                        out->val = d + s->kdlen;
                        out->vlen = len - out->klen - s->kdlen;
                        out->flags |= SHAPED_KEY_SPLIT;
                }
                break;
        }
        case SHAPE_FIXED:
                out->key = s->key;
                out->klen = s->keylen;
                break;
        case SHAPE_FIELD:
                if (key_from_field(s, rec, len, out) < 0) {
                        snprintf(why, whylen, "out of memory");
                        return -1;
                }
                break;
        case SHAPE_JSON: {
                struct envelope e;
                if (envelope_read(&s->env, rec, len, &e) < 0) {
                        snprintf(why, whylen, "%s", s->env.err);
                        return -1;
                }
                out->key = e.key;
                out->klen = e.keylen;
                out->val = e.payload;
                out->vlen = e.len;
                out->headers = e.headers;
                out->nheaders = e.nheaders;
                if (e.key && e.keyform != ENV_JSON)
                        out->flags |= SHAPED_KEY_TEXT;
                if (e.payload && e.payloadform != ENV_JSON)
                        out->flags |= SHAPED_VAL_TEXT;
                if (e.partition >= 0 && !s->by_key)
                        out->partition = e.partition;
                if (e.tstype != ENV_TS_NONE)
                        out->ts = e.ts;
                /* An envelope says null itself: -Z does not apply. */
                return 0;
        }
        }
        if (s->null_empty) {
                if (out->key && out->klen == 0)
                        out->key = NULL;
                if (out->vlen == 0)
                        out->val = NULL;
        }
        return 0;
}
