/* opts: what the command line asked kprod to do. */
#ifndef KPROD_OPTS_H
#define KPROD_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avro.h"
#include "producer.h"
#include "serde.h"

/* One -X, -F or -z argument, applied in command-line order. */
struct conf_arg {
        char opt; /* 'X', 'F' or 'z' */
        const char *arg;
};

struct options {
        const char *topic;
        const char *brokers; /* -b, else -X/-F bootstrap.servers, else $KAFKA_BROKERS */
        const char *failed_path;
        const char *reports_path;
        char delim[64];
        size_t dlen;
        bool default_delim; /* newline, with the CR of CRLF dropped */
        char kdelim[64];
        size_t kdlen;
        const char *key;       /* -k */
        const char *key_field; /* --key-field */
        bool json;             /* -J */
        bool by_key;           /* --by-key */
        bool list;             /* -L */
        int32_t partition;
        struct header *headers; /* -H */
        size_t nheaders;
        bool keep_empty;
        bool null_empty;
        enum verbosity verbosity; /* -q, -v */
        size_t max_buffer;      /* --max-buffer */
        struct conf_arg *confs; /* -X, -F, -d and -z */
        int nconfs;
        struct serde_opts serde;          /* -s, -r and the registry's -X properties */
        struct kavro_source value_schema; /* --value-schema, --value-schema-id */
        struct kavro_source key_schema;   /* --key-schema, --key-schema-id */
};

#endif
