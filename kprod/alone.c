/* alone: records of a refused batch, waiting to be produced one at a time. */
#include "alone.h"

#include <stdlib.h>
#include <string.h>

bool alone_cause(rd_kafka_resp_err_t err)
{
        switch (err) {
        case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
        case RD_KAFKA_RESP_ERR_INVALID_MSG:     /* CORRUPT_MESSAGE */
        case RD_KAFKA_RESP_ERR_INVALID_RECORD:
        case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
                return true;
        default:
                return false;
        }
}

void alone_init(struct alone *a)
{
        a->head = NULL;
        a->tail = &a->head;
        a->n = 0;
        a->bytes = 0;
}

int alone_push(struct alone *a, const rd_kafka_message_t *m, uint64_t recno, bool split,
               const char *rec, size_t rlen)
{
        size_t size = m->key_len + m->len + rlen;
        struct again *e = malloc(sizeof(*e) + size);
        if (!e)
                return -1;
        e->next = NULL;
        e->recno = recno;
        e->partition = m->partition;
        /* librdkafka answers -1 for the timestamp of a message that failed,
         * though the message still has it: asked with err cleared for the
         * call (the message is ours until the report returns). */
        rd_kafka_message_t *mm = (rd_kafka_message_t *)m;
        rd_kafka_resp_err_t err = mm->err;
        rd_kafka_timestamp_type_t tstype;
        mm->err = RD_KAFKA_RESP_ERR_NO_ERROR;
        e->ts = rd_kafka_message_timestamp(mm, &tstype);
        mm->err = err;
        e->hdrs = NULL;
        rd_kafka_headers_t *h = NULL;
        /* The message's headers are librdkafka's: copied. */
        if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h) {
                e->hdrs = rd_kafka_headers_copy(h);
                if (!e->hdrs) {
                        free(e);
                        return -1;
                }
        }
        e->split = split;
        e->key_null = m->key == NULL;
        e->val_null = m->payload == NULL;
        e->klen = m->key_len;
        e->vlen = m->len;
        e->rlen = rlen;
        if (m->key_len)
                memcpy(e->data, m->key, m->key_len);
        if (m->len)
                memcpy(e->data + m->key_len, m->payload, m->len);
        if (rlen)
                memcpy(e->data + m->key_len + m->len, rec, rlen);
        *a->tail = e;
        a->tail = &e->next;
        a->n++;
        a->bytes += sizeof(*e) + size;
        return 0;
}

struct again *alone_pop(struct alone *a)
{
        struct again *e = a->head;
        if (!e)
                return NULL;
        a->head = e->next;
        if (!a->head)
                a->tail = &a->head;
        a->n--;
        a->bytes -= sizeof(*e) + e->klen + e->vlen + e->rlen;
        e->next = NULL;
        return e;
}

void alone_free(struct again *e)
{
        if (!e)
                return;
        if (e->hdrs)
                rd_kafka_headers_destroy(e->hdrs);
        free(e);
}
