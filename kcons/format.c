/* format: message -> bytes, for every output mode. */
#include "format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "framing.h"
#include "memfind.h"

/* Appends the decimal form of v. */
static int put_int(struct outbuf *ob, int64_t v)
{
        char *o = outbuf_reserve(ob, DEC_MAX);
        if (!o)
                return -1;
        ob->len += (size_t)(dec_write(o, v) - o);
        return 0;
}

/* Appends the bytes of a key or value; a null one is empty, or NULL with -Z. */
static int put_bytes(const struct formatter *f, struct outbuf *ob, const void *p, size_t n)
{
        if (!p)
                return f->o->null_as_text ? outbuf_put(ob, "NULL", 4) : 0;
        return outbuf_put(ob, p, n);
}

/* Adds literal byte c to the -f text, merging it with the previous piece. */
static void add_literal(struct formatter *f, char c, size_t *tlen)
{
        struct fmt_piece *last = f->npieces ? &f->pieces[f->npieces - 1] : NULL;
        if (!last || last->token)
                f->pieces[f->npieces++] = (struct fmt_piece){0, *tlen, 0};
        f->text[(*tlen)++] = c;
        f->pieces[f->npieces - 1].len++;
}

/* Compiles a -f format into pieces. */
static int compile(struct formatter *f, const char *fmt, char *err, size_t errlen)
{
        size_t n = strlen(fmt);
        f->pieces = calloc(n + 1, sizeof(*f->pieces));
        f->text = malloc(n + 1);
        if (!f->pieces || !f->text) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        size_t tlen = 0;
        for (const char *p = fmt; *p; p++) {
                if (*p == '\\') {
                        char c;
                        int used = unescape(p + 1, &c);
                        if (used < 0) {
                                snprintf(err, errlen,
                                         "-f: unknown escape \\%c (use \\n \\t \\r \\0 \\\\ \\xHH)",
                                         p[1] ? p[1] : ' ');
                                return -1;
                        }
                        add_literal(f, c, &tlen);
                        p += used;
                } else if (*p == '%') {
                        if (p[1] == '%') {
                                add_literal(f, '%', &tlen);
                        } else if (p[1] && strchr("tpokshTSK", p[1])) {
                                f->pieces[f->npieces++] = (struct fmt_piece){p[1], 0, 0};
                        } else {
                                snprintf(err, errlen,
                                         "-f: unknown token %%%c (use %%t %%p %%o %%k %%s %%T %%h "
                                         "%%S %%K %%%%)",
                                         p[1] ? p[1] : ' ');
                                return -1;
                        }
                        p++;
                } else {
                        add_literal(f, *p, &tlen);
                }
        }
        return 0;
}

int format_init(struct formatter *f, const struct opts *o, char *err, size_t errlen)
{
        memset(f, 0, sizeof(*f));
        f->o = o;
        if (o->mode == OUT_FORMAT && compile(f, o->format, err, errlen) < 0) {
                format_free(f);
                return -1;
        }
        return 0;
}

void format_free(struct formatter *f)
{
        free(f->pieces);
        free(f->text);
        free(f->hdrs);
        f->pieces = NULL;
        f->text = NULL;
        f->hdrs = NULL;
}

/* Appends the headers as name=value,name=value (-f %h). */
static int put_headers_text(struct outbuf *ob, const rd_kafka_message_t *m)
{
        rd_kafka_headers_t *hdrs;
        if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
                return 0;
        int rc = 0;
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); i++) {
                if (i)
                        rc |= outbuf_putc(ob, ',');
                rc |= outbuf_put(ob, name, strlen(name));
                rc |= outbuf_putc(ob, '=');
                if (val)
                        rc |= outbuf_put(ob, val, size);
        }
        return rc;
}

/* Collects m's headers into f->hdrs; returns how many, or -1 when memory
 * ran out. */
static long collect_headers(struct formatter *f, const rd_kafka_message_t *m)
{
        rd_kafka_headers_t *hdrs;
        if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
                return 0;
        size_t n = rd_kafka_header_cnt(hdrs);
        if (n > f->hcap) {
                struct env_header *h = realloc(f->hdrs, n * sizeof(*h));
                if (!h)
                        return -1;
                f->hdrs = h;
                f->hcap = n;
        }
        for (size_t i = 0; i < n; i++) {
                struct env_header *h = &f->hdrs[i];
                if (rd_kafka_header_get_all(hdrs, i, &h->name, &h->value, &h->len))
                        return (long)i;
                h->namelen = strlen(h->name);
        }
        return (long)n;
}

/* The envelope's form of a key or value as decode gave it. */
static enum env_form env_form_of(enum part_form form)
{
        return form == PART_JSON ? ENV_JSON : form == PART_UNDECODED ? ENV_B64 : ENV_BYTES;
}

/* Appends the -J envelope for m (lib/envelope.h) and a newline. */
static int put_json(struct formatter *f, struct outbuf *ob, const rd_kafka_message_t *m,
                    const struct msg_view *v)
{
        rd_kafka_timestamp_type_t tstype;
        long nh = collect_headers(f, m);
        if (nh < 0)
                return -1;
        const char *topic = rd_kafka_topic_name(m->rkt);
        struct envelope e = {
            .topic = topic,
            .topiclen = strlen(topic),
            .partition = m->partition,
            .offset = m->offset,
            .ts = rd_kafka_message_timestamp(m, &tstype),
            .broker = rd_kafka_message_broker_id(m),
            .headers = f->hdrs,
            .nheaders = (size_t)nh,
            .key = v->key.p,
            .keylen = v->key.n,
            .payload = v->value.p,
            .len = v->value.n,
            .keyform = env_form_of(v->key.form),
            .payloadform = env_form_of(v->value.form),
        };
        e.tstype = tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? ENV_TS_CREATE
                   : tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? ENV_TS_LOGAPPEND
                                                                  : ENV_TS_NONE;
        return envelope_put(ob, &e) | outbuf_putc(ob, '\n');
}

/* Appends m as the compiled -f format says. */
static int put_formatted(const struct formatter *f, struct outbuf *ob, const rd_kafka_message_t *m,
                         const struct msg_view *v)
{
        int rc = 0;
        for (size_t i = 0; i < f->npieces; i++) {
                const struct fmt_piece *pc = &f->pieces[i];
                switch (pc->token) {
                case 0:
                        rc |= outbuf_put(ob, f->text + pc->off, pc->len);
                        break;
                case 't': {
                        const char *topic = rd_kafka_topic_name(m->rkt);
                        rc |= outbuf_put(ob, topic, strlen(topic));
                        break;
                }
                case 'p':
                        rc |= put_int(ob, m->partition);
                        break;
                case 'o':
                        rc |= put_int(ob, m->offset);
                        break;
                case 'k':
                        rc |= put_bytes(f, ob, v->key.p, v->key.n);
                        break;
                case 's':
                        rc |= put_bytes(f, ob, v->value.p, v->value.n);
                        break;
                case 'T':
                        rc |= put_int(ob, rd_kafka_message_timestamp(m, NULL));
                        break;
                case 'h':
                        rc |= put_headers_text(ob, m);
                        break;
                case 'S':
                        rc |= put_int(ob, m->payload ? (int64_t)m->len : -1);
                        break;
                case 'K':
                        rc |= put_int(ob, m->key ? (int64_t)m->key_len : -1);
                        break;
                }
        }
        return rc;
}

int format_message(struct formatter *f, struct outbuf *ob, const rd_kafka_message_t *m,
                   const struct msg_view *v)
{
        const struct opts *o = f->o;
        switch (o->mode) {
        case OUT_JSON:
                return put_json(f, ob, m, v);
        case OUT_FORMAT:
                return put_formatted(f, ob, m, v);
        case OUT_VALUE:
        default:
                break;
        }
        int rc = 0;
        if (o->keydelimlen) {
                rc |= put_bytes(f, ob, v->key.p, v->key.n);
                rc |= outbuf_put(ob, o->keydelim, o->keydelimlen);
        }
        if (!v->value.p && o->null_as_text)
                return rc | record_put(ob, "NULL", 4, o->delim, o->delimlen);
        return rc | record_put(ob, v->value.p, v->value.n, o->delim, o->delimlen);
}

/* True when the n bytes at p contain the d delimiter bytes. */
static bool contains(const void *p, size_t n, const char *d, size_t dlen)
{
        return p && memfind(p, n, d, dlen) != NULL;
}

bool format_is_ambiguous(const struct formatter *f, const struct msg_view *v)
{
        const struct opts *o = f->o;
        if (o->mode != OUT_VALUE)
                return false;
        if (contains(v->value.p, v->value.n, o->delim, o->delimlen))
                return true;
        return o->keydelimlen && (contains(v->key.p, v->key.n, o->keydelim, o->keydelimlen) ||
                                  contains(v->key.p, v->key.n, o->delim, o->delimlen));
}
