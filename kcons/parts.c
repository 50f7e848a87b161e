/* parts: the per-partition table. */
#include "parts.h"

#include <stdlib.h>
#include <string.h>

void parts_init(struct parts *ps)
{
        memset(ps, 0, sizeof(*ps));
}

void parts_free(struct parts *ps)
{
        for (size_t i = 0; i < ps->n; i++)
                free(ps->v[i].topic);
        free(ps->v);
        memset(ps, 0, sizeof(*ps));
}

struct part *parts_get(struct parts *ps, const char *topic, int32_t partition)
{
        if (ps->last < ps->n) {
                struct part *p = &ps->v[ps->last];
                if (p->partition == partition && strcmp(p->topic, topic) == 0)
                        return p;
        }
        for (size_t i = 0; i < ps->n; i++) {
                if (ps->v[i].partition == partition && strcmp(ps->v[i].topic, topic) == 0) {
                        ps->last = i;
                        return &ps->v[i];
                }
        }
        if (ps->n == ps->cap) {
                size_t cap = ps->cap ? ps->cap * 2 : 16;
                struct part *v = realloc(ps->v, cap * sizeof(*v));
                if (!v)
                        return NULL;
                ps->v = v;
                ps->cap = cap;
        }
        char *name = strdup(topic);
        if (!name)
                return NULL;
        ps->v[ps->n] = (struct part){
            .topic = name, .partition = partition, .next_offset = -1, .stop_offset = -1};
        ps->last = ps->n;
        return &ps->v[ps->n++];
}

struct part *parts_of(struct parts *ps, const rd_kafka_message_t *m)
{
        return parts_get(ps, rd_kafka_topic_name(m->rkt), m->partition);
}

rd_kafka_topic_partition_list_t *parts_take_dirty(struct parts *ps)
{
        int cnt = 0;
        for (size_t i = 0; i < ps->n; i++)
                cnt += ps->v[i].dirty;
        if (!cnt)
                return NULL;
        rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(cnt);
        for (size_t i = 0; i < ps->n; i++) {
                struct part *p = &ps->v[i];
                if (!p->dirty)
                        continue;
                rd_kafka_topic_partition_list_add(list, p->topic, p->partition)->offset =
                    p->next_offset;
                p->dirty = false;
        }
        return list;
}

void parts_drop_dirty(struct parts *ps)
{
        for (size_t i = 0; i < ps->n; i++)
                ps->v[i].dirty = false;
}
