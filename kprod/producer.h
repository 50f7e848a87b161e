/* producer: the librdkafka handle, one record in, delivery reports out.
 *
 * Records are produced with RD_KAFKA_MSG_F_COPY from the reader's buffer
 * (Avro: from a struct kept holding the record and its encoding), gathered
 * into batches for rd_kafka_produce_batch() (one topic lock and one clock
 * read per batch instead of per record) unless -H headers or -J envelopes
 * (headers, a timestamp per record) need rd_kafka_produceva().
 * Every delivery is reported to on_delivery; those that fail go to struct
 * failed, rebuilt from the message's key and value, or with -J and
 * --failed written from a copy of the record as read (struct kept). A
 * delivery that failed for a cause that belongs to one record of its
 * request (alone.h) is not failed yet: the record is produced again,
 * alone, and only a failure then is final. What is held is counted (held) for --max-buffer. */
#ifndef KPROD_PRODUCER_H
#define KPROD_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "alone.h"
#include "avro.h"
#include "counts.h"
#include "failed.h"
#include "reports.h"
#include "shape.h"
#include "verbosity.h"

struct header {
        const char *name;
        const char *value;
};

struct producer_opts {
        const char *topic;
        int32_t partition; /* RD_KAFKA_PARTITION_UA: the partitioner picks */
        const struct header *headers;
        size_t nheaders;
        enum shape_mode mode; /* see shape.h */
        const char *kdelim;   /* -K */
        size_t kdlen;
        const char *key;       /* -k */
        const char *key_field; /* --key-field */
        bool by_key;           /* --by-key */
        bool null_empty;       /* -Z: empty keys and values are sent as NULL */
        enum verbosity verbosity; /* -q, -v */
        size_t max_buffer; /* --max-buffer: input waits while more is held */
        struct kavro *avro; /* -s avro: encodes values or keys (outlives the producer), or NULL */
};

/* -J with --failed, or Avro: a record as read, kept from produceva() or
 * the batch until its delivery report, so that a failed one goes to
 * --failed exactly as read. Its address is the message's opaque. A
 * batched one (Avro) also holds its encoded value and key, which the batch
 * points into until it is produced (extra counts them). */
struct kept {
        uint64_t recno;
        size_t len;
        size_t extra; /* bytes of encoded value and key after the record */
        bool own;     /* allocated alone, freed by the report (else inside the payload) */
        bool alone;   /* produced again alone (struct alone): a failure is its own */
        char rec[];
};

/* A batched record as read, for --failed should it be refused. */
struct batched {
        const char *rec;
        size_t len;
};

struct producer {
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        rd_kafka_vu_t *vu; /* the produceva() arguments, filled once */
        size_t nvu;
        int32_t partition;
        bool batch;               /* no headers: rd_kafka_produce_batch() */
        rd_kafka_message_t *msgs; /* the batch, pointing into the reader's buffer */
        struct batched *recs;     /* msgs[i] as read */
        size_t nmsgs;
        struct shaper shaper;
        bool json; /* -J: records are envelopes */
        bool keep; /* -J with --failed, or Avro: every message's opaque is a struct kept */
        struct kavro *avro;
        enum verbosity verbosity;
        bool debug; /* debug contexts set (-d, -X debug): librdkafka's every line shown */
        long max_bytes;  /* message.max.bytes */
        long timeout_ms; /* message.timeout.ms */
        char brokers[512];
        struct failed *failed;
        struct counts *counts;
        struct reports *rep;
        struct alone alone;  /* records of refused batches, to produce again one at a time */
        bool alone_out;      /* one of them is in librdkafka, with nothing else */
        size_t held;         /* bytes of the records handed over and not yet reported on */
        unsigned sent_alone; /* records sent one produceva() each, modulo POLL_EVERY */
        size_t max_held;     /* --max-buffer */
        bool fatal;          /* a fatal error (idempotence): nothing more can be sent */
        bool down;           /* no broker can be reached (librdkafka says so) */
        long long probed_ms; /* when reachability was last probed while down */
        int wake[2];         /* a pipe librdkafka writes to when reports wait */
};

/* Sets kprod's defaults on conf: acks=all, idempotence, murmur2_random. */
int producer_defaults(rd_kafka_conf_t *conf, char *errstr, size_t errlen);
/* Creates the producer; conf is owned by it from then on (also on error).
 * Returns 0 or -1 with a message in errstr. */
int producer_new(struct producer *p, rd_kafka_conf_t *conf, const struct producer_opts *o,
                 struct failed *failed, struct counts *counts, struct reports *rep, char *errstr,
                 size_t errlen);
/* Produces one record (shaped as shape.h says), or adds it to the batch, which
 * producer_flush() sends; rec must stay valid until then. A full local
 * queue is waited out. Returns 0 when queued or refused (refused, or not
 * shaped as a -J envelope: counted and sent to failed as read), -1 when a second stop signal or a
 * fatal error cut the wait short: the records not produced are then counted as rejected and sent to
 * failed too. */
int producer_send(struct producer *p, uint64_t recno, const char *rec, size_t len);
/* Produces the batch, if any; returns as producer_send(). Called before the
 * reader's buffer changes and before anything else is sent to failed. */
int producer_flush(struct producer *p);
/* Stamps the records produced from now on with the current time (their
 * CreateTime): called once per read, it saves a clock read per record.
 * Batches (no -H) are stamped by rd_kafka_produce_batch() itself. */
void producer_set_time(struct producer *p);
/* The record number of a message, from its opaque (without -J, the record
 * number and whether -K found the key delimiter are packed into it). */
uint64_t producer_recno(const struct producer *p, const void *opaque);
/* Serves delivery reports and errors without blocking; while no broker
 * can be reached, probes (at most once a second) whether one can again. */
void producer_poll(struct producer *p);
/* A descriptor that becomes readable when delivery reports or errors wait
 * to be served by producer_poll(): poll it with the input. */
int producer_wake_fd(const struct producer *p);
/* Records handed over and not yet reported on, with those waiting to be
 * produced again alone. */
long producer_inflight(const struct producer *p);
/* True while input should wait: what kprod holds (records in librdkafka,
 * their copies kept for --failed, records to produce again) reached
 * --max-buffer, or records of a refused batch wait to be produced again
 * one at a time (new input would go before them). */
bool producer_busy(const struct producer *p);
/* Waits until every record is delivered or has failed: at most
 * message.timeout.ms, less when a second stop signal purges the queues.
 * tick is called about every 100 ms. */
void producer_drain(struct producer *p, void (*tick)(void *), void *arg);
/* True when some broker answered at some point. */
bool producer_reached(struct producer *p);
void producer_close(struct producer *p);

#endif
