/* kmeta: the cluster's metadata as text, for kprod -L and kcons -L (the
 * layout of kcat -L: brokers, then topics with their partitions, leaders,
 * replicas and in-sync replicas). Each tool asks for the metadata its own
 * way; the listing is made here. */
#ifndef LIB_KMETA_H
#define LIB_KMETA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "outbuf.h"

/* Appends the listing of md (all topics, or those named in
 * topics[0..ntopics-1]) to ob; controller is the controller's broker id or
 * -1. Returns 0; or -1 with a message in err when a named topic does not
 * exist or memory ran out. */
int kmeta_format(const struct rd_kafka_metadata *md, int32_t controller, char *const *topics,
                 int ntopics, struct outbuf *ob, char *err, size_t errlen);

#endif
