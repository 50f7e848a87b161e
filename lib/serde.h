/* serde: how kprod and kcons take keys and values: as bytes (the default)
 * or as Avro through a Confluent-compatible schema registry, as kcat spells
 * it: -s value=avro, -s key=avro, -s avro (both), -r URL, and the
 * registry's -X schema.registry.* properties (kconf_set_pair). Functions
 * return 0, or -1 with a message in errstr; none prints or exits. */
#ifndef LIB_SERDE_H
#define LIB_SERDE_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"

enum serde_kind {
        SERDE_BYTES, /* as they are */
        SERDE_AVRO,  /* Avro binary in Confluent's framing, schemas in the registry */
};

struct serde_opts {
        enum serde_kind key, value;
        struct registry_conf reg; /* -r and the schema.registry.* properties */
};

/* Bytes for both, no registry. */
void serde_init(struct serde_opts *s);
/* Takes one -s argument: [key=|value=]avro (kcat also names "string"
 * for bytes as they are). */
int serde_format(struct serde_opts *s, const char *arg, char *errstr, size_t errlen);
/* Takes -r URL: the registry (schema.registry.url). */
int serde_url(struct serde_opts *s, const char *url, char *errstr, size_t errlen);
/* True when the key or the value is Avro. */
bool serde_any(const struct serde_opts *s);
/* Checks the options together: Avro needs a registry URL, and a registry
 * setting without Avro is a mistake worth naming. */
int serde_check(const struct serde_opts *s, char *errstr, size_t errlen);
/* Frees what the options hold. */
void serde_free(struct serde_opts *s);

#endif
