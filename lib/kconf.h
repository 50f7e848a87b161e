/* kconf: librdkafka configuration from the command line, shared by kprod
 * and kcons. Every function reports failure as -1 with a message in errstr
 * (which the caller owns); none prints or exits. */
#ifndef LIB_KCONF_H
#define LIB_KCONF_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "registry.h"

/* Sets name=value. An unknown property or a bad value is an error. */
int kconf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr,
              size_t errlen);
/* Sets a "name=value" pair as given to -X: in reg when it is a schema
 * registry's property (registry_conf_knows; reg may be NULL), else in conf. */
int kconf_set_pair(rd_kafka_conf_t *conf, struct registry_conf *reg, const char *pair,
                   char *errstr, size_t errlen);
/* Reads "name=value" lines from path (as given to -F) into conf and reg,
 * as kconf_set_pair; blank lines and lines starting with # are skipped.
 * Errors name the file and line. */
int kconf_load_file(rd_kafka_conf_t *conf, struct registry_conf *reg, const char *path,
                    char *errstr, size_t errlen);
/* The bootstrap servers to use: the -b argument if given, else
 * $KAFKA_BROKERS, else localhost:9092. */
const char *kconf_brokers(const char *arg);

#endif
