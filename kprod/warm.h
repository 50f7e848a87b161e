/* warm: waits, as a pipeline starts, until every partition of the topic
 * has a leader that answers for it.
 *
 * Apache Kafka names a new topic's leaders up to about a second before
 * they take requests (bench/RESULTS.md, "A new pipeline's first second"):
 * records produced meanwhile are refused with NOT_LEADER_OR_FOLLOWER and
 * sent again retry.backoff.ms later, which a client waiting for its acks
 * sees as a slow first second. A leader that answers ListOffsets for a
 * partition takes its records, so kprod --reports asks that first, and
 * tells its reader (wsrecv --ack-from, whose /healthz says ready only
 * then) that it has begun once every partition answered. */
#ifndef KPROD_WARM_H
#define KPROD_WARM_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

enum warm_result {
        WARM_READY,   /* every partition's leader answered */
        WARM_TIMEOUT, /* some did not within the time given: why names one */
        WARM_UNKNOWN, /* nothing to wait for: no such topic (yet), or stop() said so */
};

/* Asks rkt's partitions' leaders for their end offsets until all answer,
 * for at most timeout_ms, or until stop(arg) is true; serves librdkafka's
 * callbacks (rd_kafka_poll) between rounds, so that stop() can look at
 * what the error callback saw. */
enum warm_result warm_wait(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int timeout_ms,
                           bool (*stop)(void *), void *arg, char *why, size_t whylen);

#endif
