/* kmeta: metadata listing. */
#include "kmeta.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Appends printf-style text. */
__attribute__((format(printf, 2, 3))) static int put(struct outbuf *ob, const char *fmt, ...)
{
        char line[512];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n < 0)
                return -1;
        return outbuf_put(ob, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Appends a list of broker ids: "1,2,3". */
static int put_ids(struct outbuf *ob, const int32_t *ids, int n)
{
        int rc = 0;
        for (int i = 0; i < n; i++)
                rc |= put(ob, "%s%d", i ? "," : "", (int)ids[i]);
        return rc;
}

/* True when topic t is to be listed. */
static bool wanted(const char *t, char *const *topics, int ntopics)
{
        if (ntopics == 0)
                return true;
        for (int i = 0; i < ntopics; i++)
                if (strcmp(topics[i], t) == 0)
                        return true;
        return false;
}

/* Appends one topic and its partitions. */
static int put_topic(struct outbuf *ob, const struct rd_kafka_metadata_topic *t)
{
        int rc = put(ob, "  topic \"%s\" with %d partitions:", t->topic, t->partition_cnt);
        if (t->err)
                rc |= put(ob, " error: %s", rd_kafka_err2str(t->err));
        rc |= outbuf_putc(ob, '\n');
        for (int j = 0; j < t->partition_cnt; j++) {
                const struct rd_kafka_metadata_partition *p = &t->partitions[j];
                rc |=
                    put(ob, "    partition %d, leader %d, replicas: ", (int)p->id, (int)p->leader);
                rc |= put_ids(ob, p->replicas, p->replica_cnt);
                rc |= put(ob, ", isrs: ");
                rc |= put_ids(ob, p->isrs, p->isr_cnt);
                if (p->err)
                        rc |= put(ob, ", error: %s", rd_kafka_err2str(p->err));
                rc |= outbuf_putc(ob, '\n');
        }
        return rc;
}

int kmeta_format(const struct rd_kafka_metadata *md, int32_t controller, char *const *topics,
                 int ntopics, struct outbuf *ob, char *err, size_t errlen)
{
        for (int i = 0; i < ntopics; i++) {
                bool found = false;
                for (int k = 0; !found && k < md->topic_cnt; k++)
                        found = strcmp(md->topics[k].topic, topics[i]) == 0;
                if (!found) {
                        snprintf(err, errlen, "%s: no such topic", topics[i]);
                        return -1;
                }
        }
        int n = 0;
        for (int i = 0; i < md->topic_cnt; i++)
                n += wanted(md->topics[i].topic, topics, ntopics);
        int rc = put(ob, "Metadata for %s (from broker %d: %s):\n",
                     ntopics == 1 ? topics[0]
                     : ntopics    ? "the named topics"
                                  : "all topics",
                     (int)md->orig_broker_id, md->orig_broker_name);
        rc |= put(ob, " %d brokers:\n", md->broker_cnt);
        for (int i = 0; i < md->broker_cnt; i++)
                rc |= put(ob, "  broker %d at %s:%d%s\n", (int)md->brokers[i].id,
                          md->brokers[i].host, md->brokers[i].port,
                          md->brokers[i].id == controller ? " (controller)" : "");
        rc |= put(ob, " %d topics:\n", n);
        for (int i = 0; i < md->topic_cnt; i++)
                if (wanted(md->topics[i].topic, topics, ntopics))
                        rc |= put_topic(ob, &md->topics[i]);
        if (rc) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        return 0;
}
