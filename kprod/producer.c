/* producer: librdkafka handle, produce with backpressure, delivery reports. */
#define _GNU_SOURCE /* pipe2 */
#include "clock.h"
#include "producer.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kconf.h"
#include "signals.h"

/* Positions of the per-record arguments in p->vu. */
enum { VU_RKT, VU_PARTITION, VU_FLAGS, VU_VALUE, VU_KEY, VU_OPAQUE, VU_TIMESTAMP, VU_HEADERS };

/* How long a purge after a second signal may take to report back. */
#define PURGE_WAIT_MS 5000

/* Records per rd_kafka_produce_batch() call. */
#define BATCH_MAX 1024

/* What librdkafka holds for a message beside its key and value (its
 * rd_kafka_msg_t and queue links), counted for --max-buffer. */
#define MSG_OVERHEAD 256

/* Bits of a message's opaque below the record number, without -J. */
#define OPAQUE_ALONE 2u /* produced again alone */
#define OPAQUE_SHIFT 2

int producer_defaults(rd_kafka_conf_t *conf, char *errstr, size_t errlen)
{
        static const char *const defaults[][2] = {
            {"acks", "all"},
            {"enable.idempotence", "true"},
            /* the Java client's and console producer's key placement */
            {"partitioner", "murmur2_random"},
        };
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
                if (kconf_set(conf, defaults[i][0], defaults[i][1], errstr, errlen) < 0)
                        return -1;
        return 0;
}

/* -J: why a record for a partition the topic lacks failed. */
#define UNKNOWN_PARTITION_WHY "the topic has no such partition (--by-key ignores the envelope's)"

/* The opaque of a message: recno << 2 | OPAQUE_ALONE | SHAPED_KEY_SPLIT,
 * or with -J the address of the record's struct kept. */
static void *opaque_of(uint64_t recno, unsigned flags)
{
        return (void *)(uintptr_t)(recno << OPAQUE_SHIFT | (flags & SHAPED_KEY_SPLIT));
}

uint64_t producer_recno(const struct producer *p, const void *opaque)
{
        if (p->keep)
                return ((const struct kept *)opaque)->recno;
        return (uint64_t)(uintptr_t)opaque >> OPAQUE_SHIFT;
}

/* The bytes a message holds, for --max-buffer: its key and value, and
 * with -J the record as read kept beside them. */
static size_t cost(size_t klen, size_t vlen, size_t rlen)
{
        return klen + vlen + rlen + MSG_OVERHEAD;
}

/* -J: one allocation holds the value, handed to librdkafka with F_FREE
 * (so it is not copied again), and after it the record as read (struct
 * kept) for the delivery report. A null or empty value cannot be handed
 * over so: its struct kept stands alone (own), the value goes with F_COPY,
 * and the report frees it. Sets *payload and *flags for produceva(). */
static struct kept *keep(uint64_t recno, const char *rec, size_t len, const void *val, size_t vlen,
                         void **payload, int *flags)
{
        size_t off = vlen ? (vlen + 7) & ~(size_t)7 : 0;
        char *blk = malloc(off + sizeof(struct kept) + len);
        if (!blk)
                return NULL;
        struct kept *k = (struct kept *)(void *)(blk + off);
        k->recno = recno;
        k->len = len;
        k->extra = 0;
        k->own = vlen == 0;
        k->alone = false;
        memcpy(k->rec, rec, len);
        *payload = (void *)val;
        *flags = RD_KAFKA_MSG_F_COPY;
        if (vlen) {
                memcpy(blk, val, vlen);
                *payload = blk;
                *flags = RD_KAFKA_MSG_F_FREE;
        }
        return k;
}

/* Avro, batched: one allocation holds the record as read, then its
 * encoded value and key, to which m is pointed; the report frees it. */
static struct kept *keep_batched(uint64_t recno, const char *rec, size_t len, struct shaped *m)
{
        size_t extra = m->vlen + (m->key ? m->klen : 0);
        struct kept *k = malloc(sizeof(*k) + len + extra);
        if (!k)
                return NULL;
        k->recno = recno;
        k->len = len;
        k->extra = extra;
        k->own = true;
        k->alone = false;
        memcpy(k->rec, rec, len);
        char *v = k->rec + len;
        if (m->val) {
                memcpy(v, m->val, m->vlen);
                m->val = v;
        }
        if (m->key) {
                memcpy(v + m->vlen, m->key, m->klen);
                m->key = v + m->vlen;
        }
        return k;
}

/* Whether a record that err kept from Kafka would get the same answer if
 * sent again: the broker or librdkafka refused it for what it is. */
static enum fail_kind fail_kind_of(rd_kafka_resp_err_t err)
{
        return alone_cause(err) || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ? FAIL_REFUSED
                                                                              : FAIL_UNDELIVERED;
}

/* Delivery report, served by rd_kafka_poll() on the main thread, for every
 * message: a failed one goes to failed, or, refused for a cause of one
 * record while it shared its request, to struct alone to be produced again
 * by itself; with -J its copy is freed. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        (void)rk;
        struct producer *p = opaque;
        struct kept *k = p->keep ? m->_private : NULL;
        uint64_t recno = k ? k->recno : producer_recno(p, m->_private);
        bool split = !k && ((uintptr_t)m->_private & SHAPED_KEY_SPLIT);
        bool alone = k ? k->alone : ((uintptr_t)m->_private & OPAQUE_ALONE) != 0;
        p->held -= cost(m->key_len, m->len, k ? k->len + k->extra : 0);
        if (alone)
                p->alone_out = false;
        if (m->err && !alone && alone_cause(m->err) && !p->fatal && signals_stop_count() < 2) {
                bool first = !p->alone.head;
                if (alone_push(&p->alone, m, recno, split, k ? k->rec : NULL, k ? k->len : 0) ==
                    0) {
                        if (first && p->verbosity > VERB_QUIET)
                                warnx("record %" PRIu64 " and those sent with it refused (%s): "
                                      "producing them again one at a time",
                                      recno, rd_kafka_err2str(m->err));
                        if (k && k->own)
                                free(k);
                        return;
                }
        }
        if (m->err) {
                p->counts->dr_failed++;
                const char *why = m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION && p->json
                                      ? UNKNOWN_PARTITION_WHY
                                      : rd_kafka_err2str(m->err);
                /* Refused for what it is only once it was refused alone. */
                enum fail_kind kind = (alone || !alone_cause(m->err)) ? fail_kind_of(m->err)
                                                                       : FAIL_UNDELIVERED;
                if (k)
                        failed_record(p->failed, recno, kind, why, k->rec, k->len);
                else
                        failed_message(p->failed, recno, kind, why, m->key, m->key_len, split,
                                       m->payload, m->len);
        } else {
                reports_settle(p->rep, recno);
                if (p->down) { /* a delivery proves a broker is back */
                        p->down = false;
                        reports_brokers(p->rep, false, NULL);
                }
        }
        /* A kept record inside the payload goes when librdkafka frees it. */
        if (k && k->own)
                free(k);
}

/* Errors from librdkafka: connection failures name the broker address. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        struct producer *p = opaque;
        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                char why[512];
                rd_kafka_fatal_error(rk, why, sizeof(why));
                warnx("fatal: %s", why);
                p->fatal = true;
        } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
                if (!p->down)
                        warnx("cannot reach brokers at %s; retrying until message.timeout.ms "
                              "(%ld ms)",
                              p->brokers, p->timeout_ms);
                p->down = true;
                char why[sizeof(p->brokers) + 32];
                snprintf(why, sizeof(why), "cannot reach brokers at %s", p->brokers);
                reports_brokers(p->rep, true, why);
        } else if (p->verbosity > VERB_QUIET || err != RD_KAFKA_RESP_ERR__TRANSPORT) {
                warnx("%s", reason);
        }
}

/* librdkafka's own log lines, from its threads. Connection failures are
 * reported by on_error already. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        const struct producer *p = rd_kafka_opaque(rk);
        /* -d: its debug lines are the point */
        int max = p->debug ? 7 : p->verbosity == VERB_QUIET ? 3 : 4;
        if (level <= max && strcmp(fac, "FAIL") != 0)
                warnx("%s: %s", fac, buf);
}

/* Reads an integer property from conf. */
static long conf_long(rd_kafka_conf_t *conf, const char *name, long dflt)
{
        char val[64];
        size_t n = sizeof(val);
        if (rd_kafka_conf_get(conf, name, val, &n) != RD_KAFKA_CONF_OK)
                return dflt;
        return strtol(val, NULL, 10);
}

int producer_new(struct producer *p, rd_kafka_conf_t *conf, const struct producer_opts *o,
                 struct failed *failed, struct counts *counts, struct reports *rep, char *errstr,
                 size_t errlen)
{
        memset(p, 0, sizeof(*p));
        p->wake[0] = p->wake[1] = -1;
        p->failed = failed;
        p->counts = counts;
        p->rep = rep;
        alone_init(&p->alone);
        p->max_held = o->max_buffer;
        shaper_init(&p->shaper);
        p->shaper.mode = o->mode;
        p->shaper.kdelim = o->kdelim;
        p->shaper.kdlen = o->kdlen;
        p->shaper.key = o->key;
        p->shaper.keylen = o->key ? strlen(o->key) : 0;
        p->shaper.field = o->key_field;
        p->shaper.by_key = o->by_key;
        p->shaper.null_empty = o->null_empty;
        p->json = o->mode == SHAPE_JSON;
        p->avro = o->avro;
        /* A record failed goes to --failed as read, not as sent (an
         * envelope) or encoded (Avro). Without --failed only its number is
         * named: -J keeps no copy then, and its value goes with F_COPY as
         * a line's does. Batched Avro keeps its encoding until the flush. */
        p->keep = (p->json && failed->path) || o->avro;
        p->verbosity = o->verbosity;
        size_t dn = 0; /* the size of the contexts' list, its NUL included */
        p->debug = rd_kafka_conf_get(conf, "debug", NULL, &dn) == RD_KAFKA_CONF_OK && dn > 1;
        p->max_bytes = conf_long(conf, "message.max.bytes", 1000000);
        p->timeout_ms = conf_long(conf, "message.timeout.ms", 300000);
        size_t n = sizeof(p->brokers);
        if (rd_kafka_conf_get(conf, "bootstrap.servers", p->brokers, &n) != RD_KAFKA_CONF_OK)
                snprintf(p->brokers, sizeof(p->brokers), "?");

        rd_kafka_conf_set_opaque(conf, p);
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_error_cb(conf, on_error);
        rd_kafka_conf_set_log_cb(conf, on_log);

        p->partition = o->partition;
        /* Only rd_kafka_produceva() takes headers and a timestamp per record. */
        p->batch = o->nheaders == 0 && !p->json;
        p->nvu = VU_HEADERS + (p->json ? 1 : o->nheaders);
        p->vu = calloc(p->nvu, sizeof(*p->vu));
        if (p->batch) {
                p->msgs = calloc(BATCH_MAX, sizeof(*p->msgs));
                p->recs = calloc(BATCH_MAX, sizeof(*p->recs));
        }
        if (!p->vu || (p->batch && (!p->msgs || !p->recs))) {
                snprintf(errstr, errlen, "out of memory");
                rd_kafka_conf_destroy(conf);
                producer_close(p);
                return -1;
        }
        /* conf is owned by rk from here on, when rd_kafka_new succeeds. */
        p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errlen);
        if (!p->rk) {
                rd_kafka_conf_destroy(conf);
                producer_close(p);
                return -1;
        }
        p->rkt = rd_kafka_topic_new(p->rk, o->topic, NULL);
        if (!p->rkt) {
                snprintf(errstr, errlen, "%s: %s", o->topic,
                         rd_kafka_err2str(rd_kafka_last_error()));
                producer_close(p);
                return -1;
        }
        /* librdkafka writes a byte to the pipe when reports wait, so that
         * the main loop, asleep in poll(), serves them at once: acks must
         * not wait for the next input or a timeout. */
        if (pipe2(p->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
                snprintf(errstr, errlen, "pipe: %s", strerror(errno));
                producer_close(p);
                return -1;
        }
        rd_kafka_queue_t *mainq = rd_kafka_queue_get_main(p->rk);
        rd_kafka_queue_io_event_enable(mainq, p->wake[1], "1", 1);
        rd_kafka_queue_destroy(mainq);

        p->vu[VU_RKT].vtype = RD_KAFKA_VTYPE_RKT;
        p->vu[VU_RKT].u.rkt = p->rkt;
        p->vu[VU_PARTITION].vtype = RD_KAFKA_VTYPE_PARTITION;
        p->vu[VU_PARTITION].u.i32 = o->partition;
        p->vu[VU_FLAGS].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        p->vu[VU_FLAGS].u.i = RD_KAFKA_MSG_F_COPY; /* the reader's buffer is reused */
        p->vu[VU_VALUE].vtype = RD_KAFKA_VTYPE_VALUE;
        p->vu[VU_KEY].vtype = RD_KAFKA_VTYPE_KEY;
        p->vu[VU_OPAQUE].vtype = RD_KAFKA_VTYPE_OPAQUE;
        p->vu[VU_TIMESTAMP].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        p->vu[VU_TIMESTAMP].u.i64 = 0; /* 0: librdkafka reads the clock */
        for (size_t i = 0; i < o->nheaders; i++) {
                rd_kafka_vu_t *h = &p->vu[VU_HEADERS + i];
                h->vtype = RD_KAFKA_VTYPE_HEADER;
                h->u.header.name = o->headers[i].name;
                h->u.header.val = o->headers[i].value;
                h->u.header.size = -1; /* a C string */
        }
        return 0;
}

/* Counts a record librdkafka refused and hands it to failed. */
static void refuse(struct producer *p, uint64_t recno, rd_kafka_resp_err_t code, const char *rec,
                   size_t len)
{
        char why[256];
        if (code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
                snprintf(why, sizeof(why), "%zu bytes, too large for message.max.bytes (%ld)", len,
                         p->max_bytes);
        else if (code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION && p->json)
                snprintf(why, sizeof(why), "%s", UNKNOWN_PARTITION_WHY);
        else
                snprintf(why, sizeof(why), "%s", rd_kafka_err2str(code));
        p->counts->rejected++;
        failed_record(p->failed, recno, fail_kind_of(code), why, rec, len);
}

/* Counts a record that a second signal or a fatal error kept from being
 * produced and hands it to failed. The first such record names the cause;
 * the rest are named like the input left unread after a stop. */
static void cut_short(struct producer *p, uint64_t recno, const char *rec, size_t len, bool first)
{
        p->counts->rejected++;
        failed_record(p->failed, recno, FAIL_UNDELIVERED,
                      first && p->fatal ? "not sent: fatal producer error"
                                        : "not sent: stopped by a second signal",
                      rec, len);
}

/* Records sent one at a time between two polls for their reports. */
#define POLL_EVERY 32

/* The local queue is full: lets deliveries make room. Returns -1 when a
 * second stop signal or a fatal error says to stop waiting. */
static int wait_for_room(struct producer *p)
{
        if (signals_stop_count() >= 2 || p->fatal)
                return -1;
        rd_kafka_poll(p->rk, 5);
        return 0;
}

int producer_send(struct producer *p, uint64_t recno, const char *rec, size_t len)
{
        struct shaped m;
        char why[256];
        if (shape_record(&p->shaper, rec, len, &m, why, sizeof(why)) < 0 ||
            (p->avro && kavro_encode(p->avro, &m, why, sizeof(why)) < 0)) {
                p->counts->rejected++;
                failed_record(p->failed, recno, FAIL_REFUSED, why, rec, len);
                return 0;
        }
        void *opaque = opaque_of(recno, m.flags);
        if (p->batch && p->keep) { /* Avro: the encoding lives until the flush */
                struct kept *k = keep_batched(recno, rec, len, &m);
                if (!k) {
                        p->counts->rejected++;
                        failed_record(p->failed, recno, FAIL_UNDELIVERED, "out of memory", rec, len);
                        return 0;
                }
                opaque = k;
        }
        if (p->batch) {
                rd_kafka_message_t *bm = &p->msgs[p->nmsgs];
                bm->payload = (void *)m.val;
                bm->len = m.vlen;
                bm->key = (void *)m.key;
                bm->key_len = m.klen;
                bm->_private = opaque;
                p->recs[p->nmsgs].rec = rec;
                p->recs[p->nmsgs].len = len;
                if (++p->nmsgs == BATCH_MAX)
                        return producer_flush(p);
                return 0;
        }
        rd_kafka_vu_t *vu = p->vu;
        size_t nvu = p->nvu;
        rd_kafka_headers_t *hdrs = NULL;
        int64_t now = vu[VU_TIMESTAMP].u.i64;
        int32_t part = vu[VU_PARTITION].u.i32;
        vu[VU_VALUE].u.mem.ptr = (void *)m.val;
        vu[VU_VALUE].u.mem.size = m.vlen;
        vu[VU_KEY].u.mem.ptr = (void *)m.key;
        vu[VU_KEY].u.mem.size = m.klen;
        vu[VU_OPAQUE].u.ptr = opaque;
        struct kept *k = NULL;
        void *blk = NULL; /* what to free when produceva() does not take it */
        if (p->keep) {
                k = keep(recno, rec, len, m.val, m.vlen, &vu[VU_VALUE].u.mem.ptr,
                         &vu[VU_FLAGS].u.i);
                if (!k) {
                        p->counts->rejected++;
                        failed_record(p->failed, recno, FAIL_UNDELIVERED, "out of memory", rec, len);
                        return 0;
                }
                blk = k->own ? (void *)k : vu[VU_VALUE].u.mem.ptr;
                vu[VU_OPAQUE].u.ptr = k;
        }
        if (p->json) {
                /* -p wins over the envelope's partition. */
                if (part == RD_KAFKA_PARTITION_UA)
                        vu[VU_PARTITION].u.i32 = m.partition;
                if (m.ts >= 0)
                        vu[VU_TIMESTAMP].u.i64 = m.ts;
                nvu = VU_HEADERS;
                if (m.nheaders) {
                        /* Names may hold any byte: added with their sizes. The
                         * list is librdkafka's once produceva() succeeds. */
                        hdrs = rd_kafka_headers_new(m.nheaders);
                        for (size_t i = 0; i < m.nheaders; i++)
                                rd_kafka_header_add(
                                    hdrs, m.headers[i].name, (ssize_t)m.headers[i].namelen,
                                    m.headers[i].value,
                                    m.headers[i].value ? (ssize_t)m.headers[i].len : 0);
                        vu[VU_HEADERS].vtype = RD_KAFKA_VTYPE_HEADERS;
                        vu[VU_HEADERS].u.headers = hdrs;
                        nvu++;
                }
        }
        int rc = 0;
        for (;;) {
                rd_kafka_error_t *e = rd_kafka_produceva(p->rk, vu, nvu);
                if (!e) {
                        p->counts->produced++;
                        /* librdkafka 2.0.2 takes a timestamp of 0 for "now"
                         * (rd_kafka_msg_new0): counted, named at the end. */
                        if (p->json && m.ts == 0 && !p->counts->ts_now++)
                                p->counts->ts_now_first = recno;
                        p->held += cost(m.klen, m.vlen, k ? k->len : 0);
                        hdrs = NULL; /* librdkafka's now; blk is freed after on_delivery */
                        blk = NULL;
                        break;
                }
                rd_kafka_resp_err_t code = rd_kafka_error_code(e);
                rd_kafka_error_destroy(e);
                if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        refuse(p, recno, code, rec, len);
                        break;
                }
                if (wait_for_room(p) < 0) {
                        cut_short(p, recno, rec, len, true);
                        rc = -1;
                        break;
                }
        }
        if (hdrs)
                rd_kafka_headers_destroy(hdrs);
        free(blk);
        vu[VU_FLAGS].u.i = RD_KAFKA_MSG_F_COPY;
        vu[VU_TIMESTAMP].u.i64 = now;
        vu[VU_PARTITION].u.i32 = part;
        /* Delivery reports served as we go, not thousands at the next
         * poll: what librdkafka frees for them is reused while still in
         * the allocator's caches (-J's CPU 2.79 -> 2.49 s per million in
         * a first measurement; bench/RESULTS.md).
         * As safe here as the poll of wait_for_room() above. */
        if (!rc && ++p->sent_alone == POLL_EVERY) {
                p->sent_alone = 0;
                rd_kafka_poll(p->rk, 0);
        }
        return rc;
}

int producer_flush(struct producer *p)
{
        size_t n = p->nmsgs;
        p->nmsgs = 0;
        while (n > 0) {
                rd_kafka_produce_batch(p->rkt, p->partition, RD_KAFKA_MSG_F_COPY, p->msgs, (int)n);
                /* Those refused for a full queue (once one is, all after it
                 * are) move to the front, in order, to be tried again. */
                size_t again = 0;
                for (size_t i = 0; i < n; i++) {
                        rd_kafka_resp_err_t code = p->msgs[i].err;
                        uint64_t recno = producer_recno(p, p->msgs[i]._private);
                        const struct kept *k = p->keep ? p->msgs[i]._private : NULL;
                        if (!code) {
                                p->counts->produced++;
                                p->held += cost(p->msgs[i].key_len, p->msgs[i].len,
                                                k ? k->len + k->extra : 0);
                        } else if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                                refuse(p, recno, code, p->recs[i].rec, p->recs[i].len);
                                free((void *)k); /* never handed over */
                        } else {
                                p->msgs[again] = p->msgs[i];
                                p->recs[again] = p->recs[i];
                                again++;
                        }
                }
                n = again;
                if (n > 0 && wait_for_room(p) < 0) {
                        for (size_t i = 0; i < n; i++) {
                                cut_short(p, producer_recno(p, p->msgs[i]._private), p->recs[i].rec,
                                          p->recs[i].len, i == 0);
                                if (p->keep)
                                        free(p->msgs[i]._private);
                        }
                        return -1;
                }
        }
        return 0;
}

/* Fails a record of struct alone that will not be produced again. */
static void fail_again(struct producer *p, struct again *e, enum fail_kind kind, const char *why)
{
        p->counts->dr_failed++;
        const char *key = e->key_null ? NULL : e->data;
        const char *val = e->val_null ? NULL : e->data + e->klen;
        if (p->keep)
                failed_record(p->failed, e->recno, kind, why, e->data + e->klen + e->vlen,
                              e->rlen);
        else
                failed_message(p->failed, e->recno, kind, why, key, e->klen, e->split, val,
                               e->vlen);
        alone_free(e);
}

/* A second signal, a fatal error or the end of the wait: the records
 * waiting to be produced again alone are failed. */
static void fail_alone(struct producer *p)
{
        struct again *e;
        while ((e = alone_pop(&p->alone)))
                fail_again(p, e, FAIL_UNDELIVERED,
                           p->fatal                     ? "not sent again: fatal producer error"
                           : signals_stop_count() >= 2 ? "not sent again: stopped by a second signal"
                                                        : "not sent again: delivery timed out");
}

/* Produces the next record of struct alone when nothing else is in
 * librdkafka, so that it travels alone in its request and its report is
 * about it only. Returns true when one was handed over. */
static bool send_alone(struct producer *p)
{
        if (!p->alone.head || p->alone_out || rd_kafka_outq_len(p->rk) > 0)
                return false;
        struct again *e = alone_pop(&p->alone);
        rd_kafka_vu_t vu[VU_HEADERS + 1];
        memcpy(vu, p->vu, sizeof(vu[0]) * VU_HEADERS);
        vu[VU_PARTITION].u.i32 = e->partition;
        vu[VU_FLAGS].u.i = RD_KAFKA_MSG_F_COPY;
        vu[VU_VALUE].u.mem.ptr = e->val_null ? NULL : e->data + e->klen;
        vu[VU_VALUE].u.mem.size = e->vlen;
        vu[VU_KEY].u.mem.ptr = e->key_null ? NULL : e->data;
        vu[VU_KEY].u.mem.size = e->klen;
        vu[VU_TIMESTAMP].u.i64 = e->ts > 0 ? e->ts : 0;
        size_t nvu = VU_HEADERS;
        if (e->hdrs) {
                vu[nvu].vtype = RD_KAFKA_VTYPE_HEADERS;
                vu[nvu].u.headers = e->hdrs;
                nvu++;
        }
        struct kept *k = NULL;
        if (p->keep) {
                k = malloc(sizeof(*k) + e->rlen);
                if (!k) {
                        fail_again(p, e, FAIL_UNDELIVERED, "out of memory");
                        return false;
                }
                k->recno = e->recno;
                k->len = e->rlen;
                k->extra = 0;
                k->own = true;
                k->alone = true;
                memcpy(k->rec, e->data + e->klen + e->vlen, e->rlen);
                vu[VU_OPAQUE].u.ptr = k;
        } else {
                vu[VU_OPAQUE].u.ptr = (void *)(uintptr_t)(e->recno << OPAQUE_SHIFT | OPAQUE_ALONE |
                                                          (e->split ? SHAPED_KEY_SPLIT : 0));
        }
        rd_kafka_error_t *err = rd_kafka_produceva(p->rk, vu, nvu);
        if (err) {
                free(k);
                fail_again(p, e, fail_kind_of(rd_kafka_error_code(err)),
                           rd_kafka_error_string(err));
                rd_kafka_error_destroy(err);
                return false;
        }
        /* The headers and the copies of key and value are librdkafka's now. */
        e->hdrs = NULL;
        p->held += cost(e->klen, e->vlen, k ? k->len : 0);
        p->alone_out = true;
        alone_free(e);
        return true;
}

void producer_set_time(struct producer *p)
{
        p->vu[VU_TIMESTAMP].u.i64 = clock_wall_ms();
}

void producer_poll(struct producer *p)
{
        char buf[64];
        while (read(p->wake[0], buf, sizeof(buf)) > 0)
                ;
        rd_kafka_poll(p->rk, 0);
        if (signals_stop_count() >= 2 || p->fatal)
                fail_alone(p);
        else
                send_alone(p);
        /* librdkafka says when all brokers are down, not when one is back:
         * ask for metadata (a short wait) to find out. */
        long long now = clock_mono_ms();
        if (p->down && now - p->probed_ms >= 1000) {
                p->probed_ms = now;
                const struct rd_kafka_metadata *md = NULL;
                if (rd_kafka_metadata(p->rk, 0, p->rkt, &md, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        p->down = false;
                        reports_brokers(p->rep, false, NULL);
                        if (p->verbosity > VERB_QUIET)
                                warnx("brokers at %s reached again", p->brokers);
                }
                if (md)
                        rd_kafka_metadata_destroy(md);
        }
}

int producer_wake_fd(const struct producer *p)
{
        return p->wake[0];
}

long producer_inflight(const struct producer *p)
{
        return rd_kafka_outq_len(p->rk) + (long)p->alone.n;
}

bool producer_busy(const struct producer *p)
{
        return p->alone.head || p->held + p->alone.bytes >= p->max_held;
}

void producer_drain(struct producer *p, void (*tick)(void *), void *arg)
{
        /* librdkafka fails each message after message.timeout.ms; the margin
         * only guards against a report that never comes. A record produced
         * again alone starts its own wait. */
        long long deadline = clock_mono_ms() + p->timeout_ms + 10000, purged_at = 0;
        while (rd_kafka_outq_len(p->rk) > 0 || p->alone.head) {
                long long now = clock_mono_ms();
                if (!purged_at && (signals_stop_count() >= 2 || p->fatal || now > deadline)) {
                        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                        purged_at = now;
                }
                if (purged_at)
                        fail_alone(p);
                else if (send_alone(p))
                        deadline = now + p->timeout_ms + 10000;
                if (purged_at && now - purged_at > PURGE_WAIT_MS)
                        break;
                rd_kafka_flush(p->rk, 100);
                tick(arg);
        }
        rd_kafka_poll(p->rk, 0);
        fail_alone(p);
}

bool producer_reached(struct producer *p)
{
        /* librdkafka fails records for an unknown partition while it parses
         * the metadata answer, a moment before it records the controller id
         * from that same answer: wait that moment (only an unreachable
         * cluster costs the whole 100 ms). */
        return rd_kafka_controllerid(p->rk, 100) >= 0;
}

void producer_close(struct producer *p)
{
        if (p->rkt)
                rd_kafka_topic_destroy(p->rkt);
        if (p->rk)
                rd_kafka_destroy(p->rk);
        for (int i = 0; i < 2; i++)
                if (p->wake[i] >= 0)
                        close(p->wake[i]);
        p->wake[0] = p->wake[1] = -1;
        free(p->vu);
        free(p->msgs);
        free(p->recs);
        shaper_free(&p->shaper);
        struct again *e;
        while ((e = alone_pop(&p->alone)))
                alone_free(e);
        p->rkt = NULL;
        p->rk = NULL;
        p->vu = NULL;
        p->msgs = NULL;
        p->recs = NULL;
}
