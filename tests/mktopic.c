/* mktopic: creates a topic on a real Kafka cluster with the Admin API, for
 * the suites' new_topic when KAFKA_BROKERS is set (the test broker takes
 * its topics over its control FIFO instead: librdkafka's mock cluster has
 * no CreateTopics).
 *
 * usage: mktopic -b brokers [-c name=value]... [-r replication] topic partitions
 * (-c: a topic configuration, such as max.message.bytes=2000)
 * Exit status: 0 created (or already there), 1 refused, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

int main(int argc, char **argv)
{
        const char *brokers = NULL;
        int replication = -1, opt; /* -1: the cluster's default */
        const char *configs[16];
        int nconfigs = 0;
        while ((opt = getopt(argc, argv, "b:c:r:")) != -1) {
                if (opt == 'b')
                        brokers = optarg;
                else if (opt == 'c' && nconfigs < 16 && strchr(optarg, '='))
                        configs[nconfigs++] = optarg;
                else if (opt == 'r')
                        replication = atoi(optarg);
                else
                        goto usage;
        }
        if (!brokers || argc - optind != 2 || atoi(argv[optind + 1]) < 1)
                goto usage;
        const char *topic = argv[optind];
        int partitions = atoi(argv[optind + 1]);

        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof(errstr))) {
                fprintf(stderr, "mktopic: %s\n", errstr);
                rd_kafka_conf_destroy(conf);
                return 2;
        }
        /* conf is owned by rk from here on. */
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mktopic: %s\n", errstr);
                return 1;
        }
        rd_kafka_NewTopic_t *nt =
            rd_kafka_NewTopic_new(topic, partitions, replication, errstr, sizeof(errstr));
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        int status = 1;
        if (!nt) {
                fprintf(stderr, "mktopic: %s\n", errstr);
                goto out;
        }
        for (int i = 0; i < nconfigs; i++) {
                char name[256];
                const char *eq = strchr(configs[i], '=');
                snprintf(name, sizeof(name), "%.*s", (int)(eq - configs[i]), configs[i]);
                rd_kafka_NewTopic_set_config(nt, name, eq + 1);
        }
        rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_operation_timeout(ao, 10000, errstr, sizeof(errstr));
        rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 20000);
        if (!ev) {
                fprintf(stderr, "mktopic: %s: no answer from %s\n", topic, brokers);
        } else if (rd_kafka_event_error(ev)) {
                fprintf(stderr, "mktopic: %s: %s\n", topic, rd_kafka_event_error_string(ev));
        } else {
                size_t n;
                const rd_kafka_topic_result_t **res =
                    rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
                rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(res[0]) : 0;
                if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                        fprintf(stderr, "mktopic: %s: %s\n", topic,
                                rd_kafka_topic_result_error_string(res[0]));
                else
                        status = 0;
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(ao);
        rd_kafka_NewTopic_destroy(nt);
out:
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return status;
usage:
        fprintf(stderr,
                "usage: mktopic -b brokers [-c name=value]... [-r replication] topic partitions\n");
        return 2;
}
