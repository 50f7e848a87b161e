/* offsets: parse -o and turn it into librdkafka start offsets. */
#include "offsets.h"

#include "number.h"

#include <err.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parses a whole non-negative decimal number. Returns 0 or -1. */
static int parse_count(const char *s, int64_t *out)
{
        long long v;
        if (number_parse(s, 0, INT64_MAX, &v) < 0)
                return -1;
        *out = v;
        return 0;
}

int offsets_parse(const char *arg, struct start_spec *start, int64_t *stop_ts)
{
        int64_t v;
        if (strncmp(arg, "e@", 2) == 0) {
                if (parse_count(arg + 2, &v) < 0)
                        return -1;
                *stop_ts = v;
                return 0;
        }
        struct start_spec s = {.given = 1};
        if (strcmp(arg, "beginning") == 0) {
                s.kind = START_BEGINNING;
        } else if (strcmp(arg, "end") == 0) {
                s.kind = START_END;
        } else if (strcmp(arg, "stored") == 0) {
                s.kind = START_STORED;
        } else if (strncmp(arg, "s@", 2) == 0) {
                if (parse_count(arg + 2, &v) < 0)
                        return -1;
                s.kind = START_TIME;
                s.value = v;
        } else if (arg[0] == '-') {
                if (parse_count(arg + 1, &v) < 0 || v == 0)
                        return -1;
                s.kind = START_TAIL;
                s.value = v;
        } else {
                if (parse_count(arg, &v) < 0)
                        return -1;
                s.kind = START_OFFSET;
                s.value = v;
        }
        *start = s;
        return 0;
}

/* True for the errors a partition's offsets lookup gives while its leader is
 * not known yet or moving (a topic just created, a broker restarting). */
static bool leader_moving(rd_kafka_resp_err_t e)
{
        return e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
               e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
               e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
               e == RD_KAFKA_RESP_ERR_NOT_COORDINATOR;
}

/* rd_kafka_offsets_for_times, asked again every 100 ms for up to
 * timeout_ms while a partition's leader is moving: librdkafka 2.0.2 returns
 * those errors per partition without retrying (on a real broker, right
 * after a topic is created). The first partition error left is returned. */
static rd_kafka_resp_err_t offsets_for_times(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *q,
                                             int timeout_ms)
{
        rd_kafka_topic_partition_list_t *asked = rd_kafka_topic_partition_list_copy(q);
        rd_kafka_resp_err_t e;
        for (int waited = 0;; waited += 100) {
                e = rd_kafka_offsets_for_times(rk, q, timeout_ms);
                bool retry = leader_moving(e);
                for (int i = 0; !e && i < q->cnt; i++)
                        retry |= leader_moving(q->elems[i].err);
                if (!retry || waited >= timeout_ms)
                        break;
                for (int i = 0; i < q->cnt; i++) {
                        q->elems[i].offset = asked->elems[i].offset;
                        q->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
                }
                nanosleep(&(struct timespec){.tv_nsec = 100 * 1000000}, NULL);
        }
        for (int i = 0; !e && i < q->cnt; i++)
                e = q->elems[i].err;
        rd_kafka_topic_partition_list_destroy(asked);
        return e;
}

rd_kafka_resp_err_t offsets_apply(rd_kafka_t *rk, const struct start_spec *spec,
                                  rd_kafka_topic_partition_list_t *parts, int timeout_ms)
{
        int64_t off;
        switch (spec->kind) {
        case START_BEGINNING:
                off = RD_KAFKA_OFFSET_BEGINNING;
                break;
        case START_END:
                off = RD_KAFKA_OFFSET_END;
                break;
        case START_STORED:
                off = RD_KAFKA_OFFSET_STORED;
                break;
        case START_OFFSET:
                off = spec->value;
                break;
        case START_TAIL:
                off = RD_KAFKA_OFFSET_TAIL(spec->value);
                break;
        case START_TIME:
        default:
                /* offsets_for_times reads the timestamp from .offset and
                 * replaces it with the first offset at or after it (or the
                 * end, -1, when there is none). */
                for (int i = 0; i < parts->cnt; i++)
                        parts->elems[i].offset = spec->value;
                return offsets_for_times(rk, parts, timeout_ms);
        }
        for (int i = 0; i < parts->cnt; i++)
                parts->elems[i].offset = off;
        return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Fills out[i] with the offset ListOffsets gives for "timestamp" ts
 * (-2: the first offset, -1: the next offset to be written). */
static rd_kafka_resp_err_t list_offsets(rd_kafka_t *rk,
                                        const rd_kafka_topic_partition_list_t *parts, int64_t ts,
                                        int64_t *out, int timeout_ms)
{
        rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_copy(parts);
        for (int i = 0; i < q->cnt; i++)
                q->elems[i].offset = ts;
        rd_kafka_resp_err_t e = offsets_for_times(rk, q, timeout_ms);
        for (int i = 0; !e && i < q->cnt; i++)
                out[i] = q->elems[i].offset;
        rd_kafka_topic_partition_list_destroy(q);
        return e;
}

rd_kafka_resp_err_t offsets_ends(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts,
                                 int64_t *lo, int64_t *hi, int timeout_ms)
{
        rd_kafka_resp_err_t e = list_offsets(rk, parts, -2, lo, timeout_ms);
        return e ? e : list_offsets(rk, parts, -1, hi, timeout_ms);
}

rd_kafka_resp_err_t offsets_resolve(rd_kafka_t *rk, const struct start_spec *spec,
                                    rd_kafka_topic_partition_list_t *parts, const int64_t *lo,
                                    const int64_t *hi, int timeout_ms)
{
        rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (spec->kind == START_TIME || spec->kind == START_OFFSET)
                e = offsets_apply(rk, spec, parts, timeout_ms);
        for (int i = 0; !e && i < parts->cnt; i++) {
                int64_t *off = &parts->elems[i].offset;
                switch (spec->kind) {
                case START_BEGINNING:
                        *off = lo[i];
                        break;
                case START_END:
                        *off = hi[i];
                        break;
                case START_TAIL:
                        *off = hi[i] - spec->value > lo[i] ? hi[i] - spec->value : lo[i];
                        break;
                case START_TIME:
                        if (*off < 0) /* no message that late: the end */
                                *off = hi[i];
                        break;
                default:
                        break;
                }
        }
        return e;
}

void offsets_clamp(rd_kafka_topic_partition_list_t *parts, const int64_t *lo, const int64_t *hi,
                   int quiet)
{
        for (int i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[i];
                if (tp->offset < 0 || (tp->offset >= lo[i] && tp->offset <= hi[i]))
                        continue;
                if (!quiet)
                        warnx(
                            tp->offset > hi[i]
                                ? "%s [%d]: offset %lld is past the end (%lld): starting at the end"
                                : "%s [%d]: offset %lld is no longer kept (the first is %lld): "
                                  "starting there",
                            tp->topic, (int)tp->partition, (long long)tp->offset,
                            (long long)(tp->offset > hi[i] ? hi[i] : lo[i]));
                tp->offset = tp->offset > hi[i] ? hi[i] : lo[i];
        }
}
