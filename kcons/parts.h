/* parts: what kcons knows about each partition it reads: whether it is
 * assigned, whether it is finished, and the offset to store once the
 * bytes of its last message are on stdout. */
#ifndef KCONS_PARTS_H
#define KCONS_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

struct part {
        char *topic;
        int32_t partition;
        rd_kafka_topic_t *rkt; /* without -g: the handle it was started with */
        bool assigned;
        bool eof;            /* at the end of the log (cleared by a new message) */
        bool done;           /* --until-now or e@ reached: nothing more to print */
        bool dirty;          /* next_offset is in the buffer, not yet stored */
        int64_t next_offset; /* offset after the last message buffered */
        int64_t stop_offset; /* --until-now: end offset read at start, or -1 */
};

struct parts {
        struct part *v;
        size_t n, cap;
        size_t last; /* index of the last lookup: messages come in runs */
};

void parts_init(struct parts *ps);
void parts_free(struct parts *ps);
/* The entry for topic/partition, created when new; NULL if out of memory. */
struct part *parts_get(struct parts *ps, const char *topic, int32_t partition);
/* The entry for a consumed message's partition (created when new). */
struct part *parts_of(struct parts *ps, const rd_kafka_message_t *m);
/* A list of the dirty partitions with their next offsets, marking them
 * clean; NULL when there is nothing to store or memory ran out. */
rd_kafka_topic_partition_list_t *parts_take_dirty(struct parts *ps);
/* Forgets the buffered offsets (their bytes never reached stdout). */
void parts_drop_dirty(struct parts *ps);

#endif
