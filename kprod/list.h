/* list: kprod -L, the cluster's brokers, topics, partitions and leaders on
 * stdout, as kcat -L shows them. */
#ifndef KPROD_LIST_H
#define KPROD_LIST_H

#include <librdkafka/rdkafka.h>

/* Lists all topics, or topic when it is not NULL; conf is owned by the
 * call. Returns 0, 1 (no such topic, output error), 2 (configuration) or 3
 * (no broker answered), after printing why. */
int list_metadata(rd_kafka_conf_t *conf, const char *topic);

#endif
