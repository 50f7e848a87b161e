/* offsets: the -o argument, and where each partition starts. */
#ifndef KCONS_OFFSETS_H
#define KCONS_OFFSETS_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

enum start_kind {
        START_BEGINNING,
        START_END,
        START_STORED,
        START_OFFSET, /* an absolute offset */
        START_TAIL,   /* value messages from the end */
        START_TIME,   /* the first message at or after value (ms) */
};

struct start_spec {
        enum start_kind kind;
        int64_t value;
        int given; /* -o was on the command line */
};

/* Parses one -o argument: beginning, end, stored, N, -N, s@TS (start) or
 * e@TS (stop: *stop_ts is set). Returns 0, or -1 when it is malformed. */
int offsets_parse(const char *arg, struct start_spec *start, int64_t *stop_ts);
/* Sets .offset in every element of parts to where spec says to start,
 * asking the cluster for timestamps when it must. Returns an error code
 * (RD_KAFKA_RESP_ERR_NO_ERROR on success). */
rd_kafka_resp_err_t offsets_apply(rd_kafka_t *rk, const struct start_spec *spec,
                                  rd_kafka_topic_partition_list_t *parts, int timeout_ms);

/* Reads the first (lo) and next (hi) offset of every partition in parts,
 * batched in one request per leader. lo and hi have parts->cnt entries. */
rd_kafka_resp_err_t offsets_ends(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts,
                                 int64_t *lo, int64_t *hi, int timeout_ms);
/* Like offsets_apply, but every start becomes an absolute offset using the
 * ends read with offsets_ends, so librdkafka need not look it up again. */
rd_kafka_resp_err_t offsets_resolve(rd_kafka_t *rk, const struct start_spec *spec,
                                    rd_kafka_topic_partition_list_t *parts, const int64_t *lo,
                                    const int64_t *hi, int timeout_ms);

/* -o N outside a partition's offsets would let librdkafka jump to
 * auto.offset.reset without a word: moves each start past the end to the
 * end, and each before the first offset kept to it, saying so unless quiet.
 * lo and hi are as offsets_ends reads them. */
void offsets_clamp(rd_kafka_topic_partition_list_t *parts, const int64_t *lo, const int64_t *hi,
                   int quiet);

#endif
