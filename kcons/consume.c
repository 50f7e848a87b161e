/* consume: read batches, print them, store offsets of what was written. */
#include "clock.h"
#include "consume.h"

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

/* Messages taken from librdkafka per call. */
#define BATCH 4096
/* Buffered bytes that trigger a write even while messages keep coming. */
#define FLUSH_AT (1u << 20)
/* How long the final commit may take before kcons gives up on it. */
#define COMMIT_TIMEOUT_MS 10000

/* Stores the next offsets of the partitions whose messages were written,
 * so that the next commit covers them and nothing unwritten. */
static void store_written(struct run *r)
{
        rd_kafka_topic_partition_list_t *list = parts_take_dirty(&r->parts);
        if (!list)
                return;
        /* A partition revoked meanwhile fails with _STATE: its messages are
         * read again by its next owner, which is what at-least-once wants. */
        rd_kafka_offsets_store(r->rk, list);
        rd_kafka_topic_partition_list_destroy(list);
}

/* Notes that the message just formatted ends the output so far. */
static int mark(struct run *r, size_t part, int64_t next)
{
        if (r->nmarks == r->capmarks) {
                size_t cap = r->capmarks ? r->capmarks * 2 : 4096;
                struct mark *v = realloc(r->marks, cap * sizeof(*v));
                if (!v)
                        return -1;
                r->marks = v;
                r->capmarks = cap;
        }
        r->marks[r->nmarks++] = (struct mark){sink_appended(&r->out), next, part};
        return 0;
}

/* The messages whose bytes the reader has all read: their partitions'
 * next offsets move past them, to be stored. */
static void taken_upto(struct run *r)
{
        uint64_t taken = sink_taken(&r->out);
        size_t i = 0;
        while (i < r->nmarks && r->marks[i].end <= taken) {
                struct part *p = &r->parts.v[r->marks[i].part];
                p->next_offset = r->marks[i].next;
                p->dirty = true;
                i++;
        }
        if (!i)
                return;
        r->taken += (int64_t)i;
        r->nmarks -= i;
        memmove(r->marks, r->marks + i, r->nmarks * sizeof(*r->marks));
}

int64_t consume_written(const struct run *r)
{
        int64_t n = r->taken;
        for (size_t i = 0; i < r->nmarks && r->marks[i].end <= r->out.written; i++)
                n++;
        return n;
}

/* True when the job (--) has exited: nothing more is written to it. */
static bool job_gone(struct run *r)
{
        return r->job && job_poll(r->job);
}

/* A write waiting for a slow reader gives up at a stop signal, or when the
 * job that reads it has exited. */
static bool stopping(void *arg)
{
        return signals_stop_count() > 0 || job_gone(arg);
}

/* Writes the buffer, waiting for a slow reader until a stop signal; stores
 * the offsets of the messages the reader took, and of those only (with a
 * job, they wait for its exit status). Returns 0 when everything is
 * written, 1 when a signal cut the wait short, -1 when the reader went
 * away or a write failed. */
static int flush_and_store(struct run *r)
{
        int rc = r->out_closed ? -1 : sink_drain(&r->out, stopping, r);
        taken_upto(r);
        if (!r->o->group)
                parts_drop_dirty(&r->parts);
        else if (!r->job)
                store_written(r);
        if (rc < 0 && !r->out_closed) {
                if (r->out.error) {
                        errno = r->out.error;
                        warn("stdout");
                        r->status = EXIT_FAIL;
                }
                r->out_closed = true; /* EPIPE: the reader is done, a normal end */
                sink_discard(&r->out);
                r->nmarks = 0;
        }
        return rc;
}

/* Marks a partition finished and stops fetching it. */
static void finish_part(struct run *r, struct part *p)
{
        p->done = true;
        rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(one, p->topic, p->partition);
        rd_kafka_pause_partitions(r->rk, one);
        rd_kafka_topic_partition_list_destroy(one);
}

static bool count_reached(const struct run *r)
{
        return r->o->max_count >= 0 && r->taken + (int64_t)r->nmarks >= r->o->max_count;
}

/* True when the run's end condition (-c, -e, --until-now, e@) is met. */
static bool finished(const struct run *r)
{
        const struct opts *o = r->o;
        if (count_reached(r))
                return true;
        if (!(o->exit_at_end || o->until_now || o->stop_ts >= 0) || !r->assigned_once)
                return false;
        for (size_t i = 0; i < r->parts.n; i++) {
                const struct part *p = &r->parts.v[i];
                if (p->assigned && !p->done && !(o->exit_at_end && p->eof))
                        return false;
        }
        return true;
}

/* Handles an error event from the consumer: fatal ones end the run. */
static void on_error(struct run *r, const rd_kafka_message_t *m)
{
        const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL;
        switch (m->err) {
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR__FATAL:
        case RD_KAFKA_RESP_ERR__AUTHENTICATION:
                if (topic)
                        warnx("topic %s: %s", topic, rd_kafka_message_errstr(m));
                else
                        warnx("%s", rd_kafka_message_errstr(m));
                r->status = EXIT_FAIL;
                return;
        default:
                /* Transient (a broker went away, a timeout): librdkafka
                 * retries; say so once per kind of error. */
                if (r->o->verbosity >= VERB_NORMAL && m->err != r->last_err) {
                        warnx("%s", rd_kafka_message_errstr(m));
                        r->last_err = m->err;
                }
        }
}

/* The end of a partition's log was reached. */
static void on_eof(struct run *r, const rd_kafka_message_t *m)
{
        struct part *p = parts_of(&r->parts, m);
        if (!p)
                return;
        p->eof = true;
        /* Messages written from now on carry later timestamps, so a stop time
         * already past is reached at the end of the log. */
        if (r->o->until_now || (r->o->stop_ts >= 0 && r->o->stop_ts <= clock_wall_ms()))
                p->done = true;
}

/* Puts one message into the output buffer, or decides it is past the end. */
static void on_message(struct run *r, const rd_kafka_message_t *m)
{
        const struct opts *o = r->o;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                on_eof(r, m);
                return;
        }
        if (m->err) {
                on_error(r, m);
                return;
        }
        struct part *p = parts_of(&r->parts, m);
        if (!p) {
                warnx("out of memory");
                r->status = EXIT_FAIL;
                return;
        }
        p->eof = false;
        if (p->done || count_reached(r))
                return;
        if ((o->stop_ts >= 0 && rd_kafka_message_timestamp(m, NULL) >= o->stop_ts) ||
            (p->stop_offset >= 0 && m->offset >= p->stop_offset)) {
                finish_part(r, p);
                return;
        }
        struct msg_view v;
        int st = decode_message(&r->dec, m, &v);
        if (st) {
                /* Not written, so not stored: the next run reads it again. */
                warnx("%s", r->dec.why);
                r->status = st;
                return;
        }
        size_t before = outbuf_pending(&r->out.ob);
        if (format_message(&r->fmt, &r->out.ob, m, &v) < 0 ||
            mark(r, (size_t)(p - r->parts.v), m->offset + 1) < 0) {
                outbuf_cut(&r->out.ob, before); /* never a torn record */
                warnx("out of memory");
                r->status = EXIT_FAIL;
                return;
        }
        if (format_is_ambiguous(&r->fmt, &v) && r->ambiguous++ == 0 &&
            o->verbosity >= VERB_NORMAL)
                warnx("%s [%d] at offset %lld: the message contains the output delimiter, "
                      "so its record is ambiguous (-J keeps every message whole)",
                      p->topic, (int)p->partition, (long long)m->offset);
        if (p->stop_offset >= 0 && m->offset + 1 >= p->stop_offset)
                finish_part(r, p);
        if (o->unbuffered)
                flush_and_store(r);
}

/* Commits the stored offsets and waits for the answer, giving up on a
 * second signal or after COMMIT_TIMEOUT_MS. */
static void commit_stored(struct run *r)
{
        rd_kafka_queue_t *cq = rd_kafka_queue_new(r->rk);
        rd_kafka_resp_err_t e = rd_kafka_commit_queue(r->rk, NULL, cq, NULL, NULL);
        for (int waited = 0; !e && waited < COMMIT_TIMEOUT_MS && signals_stop_count() < 2;
             waited += 100) {
                rd_kafka_event_t *ev = rd_kafka_queue_poll(cq, 100);
                if (!ev)
                        continue;
                e = rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT
                        ? rd_kafka_event_error(ev)
                        : RD_KAFKA_RESP_ERR_NO_ERROR;
                int done = rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT;
                rd_kafka_event_destroy(ev);
                if (done)
                        break;
        }
        if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
                warnx("commit: %s", rd_kafka_err2str(e));
                r->status = EXIT_FAIL;
        }
        rd_kafka_queue_destroy(cq);
}

/* Stops fetching every partition assigned: a job's input has ended. */
static void pause_assigned(struct run *r)
{
        rd_kafka_topic_partition_list_t *list = NULL;
        if (rd_kafka_assignment(r->rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR && list) {
                rd_kafka_pause_partitions(r->rk, list);
                rd_kafka_topic_partition_list_destroy(list);
        }
}

/* The end of the -- form: ends the job's input, waits for the job (serving
 * the consumer meanwhile, so that the group keeps it), and commits what the
 * job read only when it exited 0. Returns the exit status: the job's when it
 * failed, else kcons's own. */
static int finish_job(struct run *r)
{
        struct job *j = r->job;
        sink_discard(&r->out); /* never written: never taken */
        r->out_closed = true;
        job_end_input(j);
        pause_assigned(r);
        while (!job_poll(j)) {
                /* A second stop quits: the job is asked to, and nothing is
                 * committed. */
                if (signals_stop_count() >= 2)
                        job_terminate(j);
                rd_kafka_message_t *m = rd_kafka_consume_queue(r->q, 100);
                if (m) /* a partition assigned meanwhile: not given to the job */
                        rd_kafka_message_destroy(m);
        }
        taken_upto(r); /* exact: kcons holds the read end the job left */
        int st = job_status(j);
        if (st == 0 && !j->signalled && r->o->group) {
                store_written(r);
                commit_stored(r);
        } else {
                parts_drop_dirty(&r->parts);
                if (r->o->group && r->o->verbosity >= VERB_NORMAL)
                        warnx("%s: exit status %d: nothing committed; the next run reads "
                              "again all it was given",
                              r->o->job[0], st);
        }
        return st ? st : r->status;
}

/* -o N with -g: the starts outside a partition's offsets, moved inside. */
static rd_kafka_resp_err_t clamp_starts(struct run *r, rd_kafka_topic_partition_list_t *parts)
{
        int64_t *ends = calloc(2 * (size_t)parts->cnt + 1, sizeof(*ends));
        if (!ends)
                return RD_KAFKA_RESP_ERR__NOENT;
        int64_t *lo = ends, *hi = ends + parts->cnt;
        rd_kafka_resp_err_t e = offsets_ends(r->rk, parts, lo, hi, 10000);
        if (!e)
                offsets_clamp(parts, lo, hi, r->o->verbosity == VERB_QUIET);
        free(ends);
        return e;
}

void consume_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        struct run *r = opaque;
        bool coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                for (int i = 0; i < parts->cnt; i++) {
                        struct part *p =
                            parts_get(&r->parts, parts->elems[i].topic, parts->elems[i].partition);
                        if (p) {
                                p->assigned = true;
                                p->eof = false;
                        }
                }
                if (r->o->until_now && consume_read_ends(r, parts) < 0)
                        r->status = EXIT_FAIL;
                /* -o N, -N and s@ override the committed offsets. */
                enum start_kind k = r->o->start.kind;
                if (r->o->start.given &&
                    (k == START_OFFSET || k == START_TAIL || k == START_TIME)) {
                        rd_kafka_resp_err_t e = offsets_apply(rk, &r->o->start, parts, 10000);
                        if (!e && k == START_OFFSET)
                                e = clamp_starts(r, parts);
                        if (e) {
                                warnx("-o: %s", rd_kafka_err2str(e));
                                r->status = EXIT_FAIL;
                        }
                }
                if (coop) {
                        rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
                        if (e)
                                rd_kafka_error_destroy(e);
                } else {
                        rd_kafka_assign(rk, parts);
                }
                r->assigned_once = true;
                return;
        }
        /* Revoked (or an error): write what is buffered and commit it while
         * the partitions are still ours. */
        flush_and_store(r);
        /* A job's offsets wait for its exit status: its partitions' next
         * owner reads again what it was given. */
        if (!r->job && !rd_kafka_assignment_lost(rk))
                rd_kafka_commit(rk, NULL, 0);
        for (int i = 0; i < parts->cnt; i++) {
                struct part *p =
                    parts_get(&r->parts, parts->elems[i].topic, parts->elems[i].partition);
                if (p)
                        p->assigned = false;
        }
        if (coop) {
                rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
                if (e)
                        rd_kafka_error_destroy(e);
        } else {
                rd_kafka_assign(rk, NULL);
        }
}

int consume_read_ends(struct run *r, const rd_kafka_topic_partition_list_t *parts)
{
        for (int i = 0; i < parts->cnt; i++) {
                struct part *p =
                    parts_get(&r->parts, parts->elems[i].topic, parts->elems[i].partition);
                if (!p)
                        return -1;
                if (p->stop_offset >= 0)
                        continue;
                int64_t lo, hi;
                rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
                    r->rk, p->topic, p->partition, &lo, &hi, 10000);
                if (e) {
                        warnx("%s [%d]: cannot read the end offset: %s", p->topic,
                              (int)p->partition, rd_kafka_err2str(e));
                        return -1;
                }
                p->stop_offset = hi;
                if (hi <= lo)
                        p->done = true;
        }
        return 0;
}

int consume_run(struct run *r)
{
        rd_kafka_message_t **msgs = malloc(BATCH * sizeof(*msgs));
        if (!msgs) {
                warnx("out of memory");
                return EXIT_FAIL;
        }
        rd_kafka_queue_t *q = r->q;
        while (r->status == EXIT_OK && !r->out_closed && signals_stop_count() == 0 &&
               !job_gone(r)) {
                ssize_t n = rd_kafka_consume_batch_queue(q, 0, msgs, BATCH);
                if (n == 0) {
                        /* Nothing waiting: show what we have, then block a
                         * little (which also lets signals and the end be seen). */
                        flush_and_store(r);
                        if (finished(r) || sink_reader_gone(&r->out))
                                break;
                        /* A batch call would wait for a full batch or the whole
                         * timeout; one message ends this wait as soon as it comes. */
                        msgs[0] = rd_kafka_consume_queue(q, 100);
                        n = msgs[0] ? 1 : 0;
                        if (n)
                                n += rd_kafka_consume_batch_queue(q, 0, msgs + 1, BATCH - 1);
                }
                if (n < 0) {
                        warnx("consume: %s", rd_kafka_err2str(rd_kafka_last_error()));
                        r->status = EXIT_FAIL;
                        break;
                }
                for (ssize_t i = 0; i < n; i++) {
                        if (r->status == EXIT_OK)
                                on_message(r, msgs[i]);
                        rd_kafka_message_destroy(msgs[i]);
                }
                if (sink_pending(&r->out) >= FLUSH_AT)
                        flush_and_store(r);
                if (finished(r))
                        break;
        }
        int rc = flush_and_store(r);
        free(msgs);
        if (r->job)
                return finish_job(r);
        if (rc > 0 && r->o->verbosity >= VERB_NORMAL)
                warnx("stopped with %zu messages not taken: the reader took nothing more; "
                      "their offsets are not stored",
                      r->nmarks);
        /* At the end, what still sits in the pipe is not taken yet: wait
         * for the reader to read it (or to go, or a stop). */
        if (rc == 0 && r->o->group && !r->out_closed) {
                sink_wait_taken(&r->out, stopping, r);
                flush_and_store(r);
        }
        if (r->o->group && signals_stop_count() < 2)
                commit_stored(r);
        return r->status;
}
