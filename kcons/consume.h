/* consume: the read-print-store loop, rebalances and the final commit. */
#ifndef KCONS_CONSUME_H
#define KCONS_CONSUME_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "decode.h"
#include "exits.h"
#include "format.h"
#include "job.h"
#include "opts.h"
#include "parts.h"
#include "sink.h"

/* A message not yet known to be taken by the reader (in the output buffer,
 * or written and still in the pipe): where its bytes end, and the offset
 * to store for its partition once the reader has read them all. */
struct mark {
        uint64_t end; /* output offset just past the message */
        int64_t next; /* its offset + 1 */
        size_t part;  /* its partition, an index into parts */
};

/* Everything one run of kcons works on. */
struct run {
        const struct opts *o;
        struct serde_opts *serde; /* o's: -X and -F fill its registry settings */
        rd_kafka_t *rk;
        rd_kafka_queue_t *q; /* where messages, events and errors arrive */
        struct decoder dec; /* -s avro */
        struct formatter fmt;
        struct sink out; /* stdout */
        struct parts parts;
        struct job *job;    /* -- COMMAND: what stdout is for, or NULL */
        struct mark *marks; /* the messages not yet taken, in order */
        size_t nmarks, capmarks;
        bool assigned_once; /* a first assignment happened */
        bool out_closed;    /* the reader of stdout went away */
        int status;         /* exit status so far */
        int64_t taken;      /* messages whose bytes the reader has read */
        int64_t ambiguous;  /* messages containing the output delimiter */
        /* From the error callback (librdkafka's thread-free poll path). */
        bool running; /* past start-up: report transient errors */
        bool brokers_down;
        rd_kafka_resp_err_t last_err; /* the last transient error reported */
        char last_error[512];
};

/* Runs until the end condition, a signal, a closed stdout or an error;
 * then writes what is buffered, stores and commits what the reader took.
 * With a job (--), ends its input, waits for it, and commits only when it
 * exited 0. Returns the exit status. */
int consume_run(struct run *r);
/* The rebalance callback for -g (opaque: the struct run). */
void consume_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t *parts, void *opaque);
/* Messages whose bytes reached stdout (taken or not). */
int64_t consume_written(const struct run *r);
/* Looks up the --until-now end offset of each partition not yet known.
 * Returns 0 or -1 (message printed). */
int consume_read_ends(struct run *r, const rd_kafka_topic_partition_list_t *parts);

#endif
