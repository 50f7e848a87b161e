/* decode: Avro key and value -> JSON (see decode.h). */
#include "decode.h"

#include <err.h>
#include <stdio.h>
#include <string.h>

#include "avroframe.h"
#include "exits.h"

int decode_init(struct decoder *d, const struct serde_opts *s)
{
        memset(d, 0, sizeof(*d));
        d->s = s;
        if (!serde_any(s))
                return 0;
        if (!(d->reg = registry_new(&s->reg, d->why, sizeof(d->why))))
                return -1;
        if (!(d->cache = av_cache_new(d->reg)) || outbuf_init(&d->key, -1, 256) < 0 ||
            outbuf_init(&d->value, -1, 4096) < 0) {
                snprintf(d->why, sizeof(d->why), "out of memory");
                decode_free(d);
                return -1;
        }
        return 0;
}

void decode_free(struct decoder *d)
{
        av_cache_free(d->cache);
        registry_destroy(d->reg);
        outbuf_free(&d->key);
        outbuf_free(&d->value);
        d->cache = NULL;
        d->reg = NULL;
}

/* Keeps why one part did not decode, to be said once the message is
 * known to be written. */
static void name_undecoded(struct decoder *d, const char *what, const char *why)
{
        size_t used = strlen(d->bad);
        snprintf(d->bad + used, sizeof(d->bad) - used, "%s%s: %s", used ? "; " : "", what, why);
}

/* Decodes one Avro part (what: "key" or "value") of m into ob and sets
 * *v. Returns 0 (decoded, or undecoded and named: *bad set), or an exit
 * status. */
static int decode_part(struct decoder *d, const rd_kafka_message_t *m, const char *what,
                       const void *p, size_t n, struct outbuf *ob, struct part_view *v,
                       bool *bad)
{
        *v = (struct part_view){PART_BYTES, p, n};
        if (!p) /* a null key, a tombstone: nothing to decode, as Confluent's deserializers */
                return 0;
        outbuf_cut(ob, 0);
        char why[300];
        uint32_t id;
        const unsigned char *body;
        size_t bodylen;
        if (av_frame_parse(p, n, &id, &body, &bodylen, why, sizeof(why)) < 0) {
                name_undecoded(d, what, why); /* it names the framing */
                v->form = PART_UNDECODED;
                *bad = true;
                return 0;
        }
        struct av_dec *dec;
        int rc = av_cache_decoder(d->cache, (int32_t)id, &dec, why, sizeof(why));
        if (rc == REGISTRY_ENOTFOUND || rc == AV_CACHE_EBADSCHEMA) {
                name_undecoded(d, what, why); /* it names the id */
                v->form = PART_UNDECODED;
                *bad = true;
                return 0;
        }
        if (rc < 0) {
                snprintf(d->why, sizeof(d->why), "%s [%d] at offset %lld: %s: %s",
                         rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset,
                         what, why); /* why names the id */
                return rc == REGISTRY_ENOMEM ? EXIT_FAIL : EXIT_SCHEMA;
        }
        if (av_decode(dec, body, bodylen, ob) < 0) {
                if (ob->oom) {
                        snprintf(d->why, sizeof(d->why), "out of memory");
                        return EXIT_FAIL;
                }
                char full[340];
                snprintf(full, sizeof(full), "schema id %lu: %s", (unsigned long)id,
                         av_dec_error(dec));
                name_undecoded(d, what, full);
                v->form = PART_UNDECODED;
                *bad = true;
                return 0;
        }
        *v = (struct part_view){PART_JSON, ob->data + ob->off, outbuf_pending(ob)};
        return 0;
}

int decode_message(struct decoder *d, const rd_kafka_message_t *m, struct msg_view *v)
{
        bool bad = false;
        int rc = 0;
        d->bad[0] = '\0';
        v->key = (struct part_view){PART_BYTES, m->key, m->key_len};
        v->value = (struct part_view){PART_BYTES, m->payload, m->len};
        if (d->s->key == SERDE_AVRO)
                rc = decode_part(d, m, "key", m->key, m->key_len, &d->key, &v->key, &bad);
        if (!rc && d->s->value == SERDE_AVRO)
                rc = decode_part(d, m, "value", m->payload, m->len, &d->value, &v->value, &bad);
        if (!rc && bad) {
                warnx("%s [%d] at offset %lld: %s; written undecoded", rd_kafka_topic_name(m->rkt),
                      (int)m->partition, (long long)m->offset, d->bad);
                d->undecoded++;
        }
        return rc;
}
