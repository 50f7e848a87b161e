/* producer: librdkafka handle, produce with backpressure, delivery reports. */
#define _GNU_SOURCE /* pipe2 */
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
#include "memfind.h"
#include "signals.h"

/* Positions of the per-record arguments in p->vu. */
enum { VU_RKT, VU_PARTITION, VU_FLAGS, VU_VALUE, VU_KEY, VU_OPAQUE, VU_TIMESTAMP, VU_HEADERS };

/* How long a purge after a second signal may take to report back. */
#define PURGE_WAIT_MS 5000

/* Records per rd_kafka_produce_batch() call. */
#define BATCH_MAX 1024

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

/* Delivery report, served by rd_kafka_poll() on the main thread. The
 * record number travels as the message opaque. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        (void)rk;
        struct producer *p = opaque;
        if (!m->err) {
                reports_settle(p->rep, (uint64_t)(uintptr_t)m->_private);
                if (p->down) { /* a delivery proves a broker is back */
                        p->down = false;
                        reports_brokers(p->rep, false, NULL);
                }
                return;
        }
        p->counts->dr_failed++;
        failed_message(p->failed, (uint64_t)(uintptr_t)m->_private, rd_kafka_err2str(m->err),
                       m->key, m->key_len, m->payload, m->len);
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
        } else if (!p->quiet || err != RD_KAFKA_RESP_ERR__TRANSPORT) {
                warnx("%s", reason);
        }
}

/* librdkafka's own log lines, from its threads. Connection failures are
 * reported by on_error already. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        const struct producer *p = rd_kafka_opaque(rk);
        int max = p->quiet ? 3 : 4;
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
        p->kdelim = o->kdelim;
        p->kdlen = o->kdlen;
        p->null_empty = o->null_empty;
        p->quiet = o->quiet;
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
        p->batch = o->nheaders == 0;
        p->nvu = VU_HEADERS + o->nheaders;
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
        else
                snprintf(why, sizeof(why), "%s", rd_kafka_err2str(code));
        p->counts->rejected++;
        failed_record(p->failed, recno, why, rec, len);
}

/* Counts a record that a second signal or a fatal error kept from being
 * produced and hands it to failed. The first such record names the cause;
 * the rest are named like the input left unread after a stop. */
static void cut_short(struct producer *p, uint64_t recno, const char *rec, size_t len, bool first)
{
        p->counts->rejected++;
        failed_record(p->failed, recno,
                      first && p->fatal ? "not sent: fatal producer error"
                                        : "not sent: stopped by a second signal",
                      rec, len);
}

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
        const char *key = NULL, *val = rec;
        size_t klen = 0, vlen = len;
        const char *d = p->kdelim ? memfind(rec, len, p->kdelim, p->kdlen) : NULL;
        if (d) {
                key = rec;
                klen = (size_t)(d - rec);
                val = d + p->kdlen;
                vlen = len - klen - p->kdlen;
        }
        if (p->null_empty) {
                if (key && klen == 0)
                        key = NULL;
                if (vlen == 0)
                        val = NULL;
        }
        if (p->batch) {
                rd_kafka_message_t *m = &p->msgs[p->nmsgs];
                m->payload = (void *)val;
                m->len = vlen;
                m->key = (void *)key;
                m->key_len = klen;
                m->_private = (void *)(uintptr_t)recno;
                p->recs[p->nmsgs].rec = rec;
                p->recs[p->nmsgs].len = len;
                if (++p->nmsgs == BATCH_MAX)
                        return producer_flush(p);
                return 0;
        }
        p->vu[VU_VALUE].u.mem.ptr = (void *)val;
        p->vu[VU_VALUE].u.mem.size = vlen;
        p->vu[VU_KEY].u.mem.ptr = (void *)key;
        p->vu[VU_KEY].u.mem.size = klen;
        p->vu[VU_OPAQUE].u.ptr = (void *)(uintptr_t)recno;
        for (;;) {
                rd_kafka_error_t *e = rd_kafka_produceva(p->rk, p->vu, p->nvu);
                if (!e) {
                        p->counts->produced++;
                        return 0;
                }
                rd_kafka_resp_err_t code = rd_kafka_error_code(e);
                rd_kafka_error_destroy(e);
                if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        refuse(p, recno, code, rec, len);
                        return 0;
                }
                if (wait_for_room(p) < 0) {
                        cut_short(p, recno, rec, len, true);
                        return -1;
                }
        }
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
                        uint64_t recno = (uint64_t)(uintptr_t)p->msgs[i]._private;
                        if (!code) {
                                p->counts->produced++;
                        } else if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                                refuse(p, recno, code, p->recs[i].rec, p->recs[i].len);
                        } else {
                                p->msgs[again] = p->msgs[i];
                                p->recs[again] = p->recs[i];
                                again++;
                        }
                }
                n = again;
                if (n > 0 && wait_for_room(p) < 0) {
                        for (size_t i = 0; i < n; i++)
                                cut_short(p, (uint64_t)(uintptr_t)p->msgs[i]._private,
                                          p->recs[i].rec, p->recs[i].len, i == 0);
                        return -1;
                }
        }
        return 0;
}

void producer_set_time(struct producer *p)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        p->vu[VU_TIMESTAMP].u.i64 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds on the monotonic clock. */
static long long mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void producer_poll(struct producer *p)
{
        char buf[64];
        while (read(p->wake[0], buf, sizeof(buf)) > 0)
                ;
        rd_kafka_poll(p->rk, 0);
        /* librdkafka says when all brokers are down, not when one is back:
         * ask for metadata (a short wait) to find out. */
        long long now = mono_ms();
        if (p->down && now - p->probed_ms >= 1000) {
                p->probed_ms = now;
                const struct rd_kafka_metadata *md = NULL;
                if (rd_kafka_metadata(p->rk, 0, p->rkt, &md, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        p->down = false;
                        reports_brokers(p->rep, false, NULL);
                        if (!p->quiet)
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
        return rd_kafka_outq_len(p->rk);
}

void producer_drain(struct producer *p, void (*tick)(void *), void *arg)
{
        /* librdkafka fails each message after message.timeout.ms; the margin
         * only guards against a report that never comes. */
        long long deadline = mono_ms() + p->timeout_ms + 10000, purged_at = 0;
        while (rd_kafka_outq_len(p->rk) > 0) {
                long long now = mono_ms();
                if (!purged_at && (signals_stop_count() >= 2 || p->fatal || now > deadline)) {
                        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                        purged_at = now;
                }
                if (purged_at && now - purged_at > PURGE_WAIT_MS)
                        break;
                rd_kafka_flush(p->rk, 100);
                tick(arg);
        }
        rd_kafka_poll(p->rk, 0);
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
        p->rkt = NULL;
        p->rk = NULL;
        p->vu = NULL;
        p->msgs = NULL;
        p->recs = NULL;
}
