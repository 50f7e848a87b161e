/* avro: the writer's schemas from the registry, and each record's JSON
 * encoded with them (see avro.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro.h"
#include "avroenc.h"
#include "avroframe.h"
#include "avroschema.h"
#include "framing.h"

/* Reads a whole schema file into a NUL-terminated buffer. */
static char *read_file(const char *path, size_t *len, char *why, size_t whylen)
{
        FILE *f = fopen(path, "r");
        if (!f) {
                snprintf(why, whylen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        char *buf = NULL;
        size_t cap = 0, n = 0;
        for (;;) {
                if (n + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 8192;
                        char *b = realloc(buf, cap);
                        if (!b) {
                                snprintf(why, whylen, "%s: out of memory", path);
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        buf = b;
                }
                size_t got = fread(buf + n, 1, cap - n - 1, f);
                n += got;
                if (got == 0)
                        break;
        }
        if (ferror(f)) {
                snprintf(why, whylen, "%s: %s", path, strerror(errno));
                free(buf);
                fclose(f);
                return NULL;
        }
        fclose(f);
        buf[n] = '\0';
        *len = n;
        return buf;
}

/* Gets one side's schema and id, as its source says. */
static int open_side(struct kavro *a, struct kavro_side *side, const char *topic,
                     const char *suffix, const struct kavro_source *src, char *why, size_t whylen)
{
        char err[1024];
        snprintf(side->subject, sizeof(side->subject), "%s-%s", topic, suffix);
        side->is_key = suffix[0] == 'k';
        const char *text = NULL;
        size_t len = 0;
        char *file_text = NULL;
        int rc = -1;
        if (src->file) {
                file_text = read_file(src->file, &len, why, whylen);
                if (!file_text)
                        return KAVRO_EFILE;
                int32_t id;
                if (registry_register(a->reg, side->subject, file_text, NULL, &id, err,
                                      sizeof(err)) < 0) {
                        snprintf(why, whylen, "%s: %s", src->file, err);
                        goto out;
                }
                side->id = (uint32_t)id;
                text = file_text;
        } else {
                const struct registry_schema *rs;
                int e = src->id >= 0 ? registry_by_id(a->reg, (int32_t)src->id, &rs, err, sizeof(err))
                                     : registry_latest(a->reg, side->subject, &rs, err, sizeof(err));
                if (e < 0) {
                        snprintf(why, whylen, "%s%s%s%s", err,
                                 src->id < 0 && e == REGISTRY_ENOTFOUND ? " (give a schema with --"
                                                                         : "",
                                 src->id < 0 && e == REGISTRY_ENOTFOUND ? suffix : "",
                                 src->id < 0 && e == REGISTRY_ENOTFOUND ? "-schema)" : "");
                        goto out;
                }
                if (strcmp(rs->type, "AVRO") != 0) {
                        snprintf(why, whylen, "%s: schema %d is %s, not Avro", side->subject,
                                 rs->id, rs->type);
                        goto out;
                }
                side->id = (uint32_t)rs->id;
                text = rs->schema;
                len = rs->len;
        }
        side->schema = av_schema_parse(text, len, err, sizeof(err));
        if (!side->schema) {
                snprintf(why, whylen, "%s: schema %u: %s", side->subject, side->id, err);
                goto out;
        }
        side->enc = av_enc_new(side->schema, err, sizeof(err));
        side->takes_string = (side->schema->root->accepts & AV_K_STR) != 0;
        if (!side->enc || outbuf_init(&side->out, -1, 4096) < 0 ||
            outbuf_init(&side->lit, -1, 256) < 0) {
                snprintf(why, whylen, "%s: schema %u: %s", side->subject, side->id,
                         side->enc ? "out of memory" : err);
                goto out;
        }
        side->on = true;
        /* The header is the same for every record: written here, kept by
         * encode_side (the buffer only grows; av_encode appends after it). */
        av_frame_header((unsigned char *)side->out.data, side->id);
        rc = 0;
out:
        free(file_text);
        return rc;
}

int kavro_open(struct kavro *a, const struct serde_opts *s, const char *topic,
               const struct kavro_source *value, const struct kavro_source *key, char *why,
               size_t whylen)
{
        memset(a, 0, sizeof(*a));
        if (!serde_any(s))
                return 0;
        a->reg = registry_new(&s->reg, why, whylen);
        if (!a->reg)
                return -1;
        int rc = 0;
        if (s->value == SERDE_AVRO)
                rc = open_side(a, &a->value, topic, "value", value, why, whylen);
        if (rc == 0 && s->key == SERDE_AVRO)
                rc = open_side(a, &a->key, topic, "key", key, why, whylen);
        return rc;
}

/* Encodes one side's JSON into its buffer, after the header. text: the
 * bytes were an envelope's string, which is the value itself to a schema
 * that takes a string (kcons -J writes a string value so), and else holds
 * the value's JSON (wsrecv -J writes a browser's message so). */
static int encode_side(struct kavro_side *side, const void **data, size_t *len, bool text,
                       char *why, size_t whylen)
{
        if (!*data) {
                snprintf(why, whylen, "the %s is null: no Avro to write", side->is_key ? "key" : "value");
                return -1;
        }
        const char *json = *data;
        size_t n = *len;
        if (text && side->takes_string) {
                side->lit.off = side->lit.len = 0;
                if (json_put_string(&side->lit, json, n) < 0) {
                        snprintf(why, whylen, "out of memory");
                        return -1;
                }
                json = side->lit.data;
                n = side->lit.len;
        }
        side->out.off = 0;
        side->out.len = 5; /* the header, from open_side */
        if (av_encode(side->enc, json, n, &side->out) < 0) {
                const char *e = av_enc_error(side->enc);
                if (side->is_key)
                        snprintf(why, whylen, "key%s%s", e[0] == '.' ? "" : ": ", e);
                else
                        snprintf(why, whylen, "%s", e);
                return -1;
        }
        *data = side->out.data;
        *len = side->out.len;
        return 0;
}

int kavro_encode(struct kavro *a, struct shaped *m, char *why, size_t whylen)
{
        if (a->value.on &&
            encode_side(&a->value, &m->val, &m->vlen, m->flags & SHAPED_VAL_TEXT, why, whylen) < 0)
                return -1;
        if (a->key.on &&
            encode_side(&a->key, &m->key, &m->klen, m->flags & SHAPED_KEY_TEXT, why, whylen) < 0)
                return -1;
        return 0;
}

/* Frees one side. */
static void close_side(struct kavro_side *side)
{
        if (side->enc)
                av_enc_free(side->enc);
        if (side->schema)
                av_schema_free(side->schema);
        outbuf_free(&side->out); /* both zeroed when never made */
        outbuf_free(&side->lit);
        memset(side, 0, sizeof(*side));
}

void kavro_close(struct kavro *a)
{
        close_side(&a->value);
        close_side(&a->key);
        if (a->reg)
                registry_destroy(a->reg);
        a->reg = NULL;
}
