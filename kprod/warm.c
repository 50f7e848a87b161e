/* warm: wait until a topic's partition leaders answer (see warm.h). */
#include "warm.h"

#include <stdio.h>
#include <time.h>

#include "clock.h"

/* How long to wait between two rounds of questions. */
#define ROUND_MS 10
/* The longest one question may take, so that stop() is asked often. */
#define ASK_MS 500

/* The number of partitions of rkt's topic; 0 when the metadata did not
 * come (why says so), -1 when the topic does not exist. */
static int partitions(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int timeout_ms, char *why,
                      size_t whylen)
{
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
        if (err) {
                snprintf(why, whylen, "metadata: %s", rd_kafka_err2str(err));
                return 0;
        }
        int n = 0;
        if (md->topic_cnt != 1 || md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
                n = -1;
        else if (md->topics[0].err)
                snprintf(why, whylen, "%s", rd_kafka_err2str(md->topics[0].err));
        else
                n = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
        return n;
}

/* One round: asks every partition's end offset. Returns true when all
 * answered; else why names the first that did not. */
static bool answered(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, int timeout_ms,
                     char *why, size_t whylen)
{
        for (int i = 0; i < parts->cnt; i++) {
                parts->elems[i].offset = RD_KAFKA_OFFSET_END; /* ListOffsets: the latest */
                parts->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, parts, timeout_ms);
        if (err) {
                snprintf(why, whylen, "%s", rd_kafka_err2str(err));
                return false;
        }
        for (int i = 0; i < parts->cnt; i++)
                if (parts->elems[i].err) {
                        snprintf(why, whylen, "partition %d: %s", (int)parts->elems[i].partition,
                                 rd_kafka_err2str(parts->elems[i].err));
                        return false;
                }
        return true;
}

enum warm_result warm_wait(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int timeout_ms,
                           bool (*stop)(void *), void *arg, char *why, size_t whylen)
{
        int64_t end = clock_mono_ms() + timeout_ms;
        rd_kafka_topic_partition_list_t *parts = NULL;
        enum warm_result r = WARM_TIMEOUT;
        snprintf(why, whylen, "no answer");
        for (;;) {
                int64_t left = end - clock_mono_ms();
                if (left <= 0)
                        break;
                int ask = left < ASK_MS ? (int)left : ASK_MS;
                /* The error callback says when no broker can be reached. */
                rd_kafka_poll(rk, 0);
                if (stop(arg)) {
                        r = WARM_UNKNOWN;
                        break;
                }
                if (!parts) {
                        int n = partitions(rk, rkt, ask, why, whylen);
                        if (n < 0) {
                                r = WARM_UNKNOWN;
                                break;
                        }
                        if (n > 0 && (parts = rd_kafka_topic_partition_list_new(n)))
                                for (int i = 0; i < n; i++)
                                        rd_kafka_topic_partition_list_add(
                                            parts, rd_kafka_topic_name(rkt), i);
                }
                if (parts && answered(rk, parts, ask, why, whylen)) {
                        r = WARM_READY;
                        break;
                }
                struct timespec ts = {0, ROUND_MS * 1000000L};
                nanosleep(&ts, NULL);
        }
        if (parts)
                rd_kafka_topic_partition_list_destroy(parts);
        return r;
}
