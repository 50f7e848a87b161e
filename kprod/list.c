/* list: metadata for -L. */
#include "clock.h"
#include "list.h"

#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "exits.h"
#include "kmeta.h"
#include "outbuf.h"

/* How long -L waits for the cluster's answer. */
#define LIST_TIMEOUT_MS 10000

/* Set by the error callback when librdkafka finds every broker down. */
static void on_list_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        (void)rk;
        (void)reason;
        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                *(bool *)opaque = true;
}

int list_metadata(rd_kafka_conf_t *conf, const char *topic)
{
        char why[512], brokers[512];
        size_t n = sizeof(brokers);
        bool down = false;
        if (rd_kafka_conf_get(conf, "bootstrap.servers", brokers, &n) != RD_KAFKA_CONF_OK)
                snprintf(brokers, sizeof(brokers), "?");
        rd_kafka_conf_set_error_cb(conf, on_list_error);
        rd_kafka_conf_set_opaque(conf, &down);
        /* On success rd_kafka_new takes conf; on failure it is still ours. */
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                warnx("%s", why);
                return EXIT_USAGE;
        }
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e;
        long long deadline = clock_mono_ms() + LIST_TIMEOUT_MS;
        /* Short tries, so that every broker being down ends the wait early. */
        while ((e = rd_kafka_metadata(rk, 1, NULL, &md, 250)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_poll(rk, 0);
                if (down || clock_mono_ms() > deadline) {
                        warnx("cannot reach the brokers at %s: %s", brokers, rd_kafka_err2str(e));
                        rd_kafka_destroy(rk);
                        return EXIT_UNREACHABLE;
                }
        }
        struct outbuf ob;
        int status = EXIT_OK;
        char *const topics[1] = {(char *)topic};
        if (outbuf_init(&ob, STDOUT_FILENO, 4096) < 0) {
                warn("malloc");
                status = EXIT_FAIL;
        } else if (kmeta_format(md, rd_kafka_controllerid(rk, 1000), topics, topic ? 1 : 0, &ob,
                                why, sizeof(why)) < 0) {
                warnx("%s", why);
                status = EXIT_FAIL;
        } else if (outbuf_flush(&ob) < 0 && errno != EPIPE) {
                warn("stdout");
                status = EXIT_FAIL;
        }
        outbuf_free(&ob);
        rd_kafka_metadata_destroy(md);
        rd_kafka_destroy(rk);
        return status;
}
