/* kmeta: the cluster's metadata as text, for kprod -L and kcons -L (the
 * layout of kcat -L: brokers, then topics with their partitions, leaders,
 * replicas and in-sync replicas). */
#ifndef LIB_KMETA_H
#define LIB_KMETA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "outbuf.h"

/* Asks the cluster for the metadata of every topic (naming no topic, so no
 * broker creates one) and appends the listing of all of them, or of the
 * topics named in topics[0..ntopics-1], to ob. Returns 0; or -1 with a
 * message in err: no answer within timeout_ms (*unreachable set), or a
 * named topic does not exist. */
int kmeta_list(rd_kafka_t *rk, char *const *topics, int ntopics, int timeout_ms, struct outbuf *ob,
               int *unreachable, char *err, size_t errlen);

#endif
