/* opts: what the command line asked kcons to do. */
#ifndef KCONS_OPTS_H
#define KCONS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offsets.h"
#include "serde.h"
#include "verbosity.h"

/* How each message becomes bytes on stdout. */
enum out_mode {
        OUT_VALUE,  /* value, then the record delimiter (-K adds key and key delimiter) */
        OUT_FORMAT, /* -f FORMAT */
        OUT_JSON,   /* -J */
};

/* One -X or -F argument, applied in command-line order. */
struct conf_arg {
        char opt; /* 'X' or 'F' */
        const char *arg;
};

struct opts {
        const char *brokers; /* -b, else $KAFKA_BROKERS, else localhost:9092 */
        const char *group;   /* -g GROUP, or NULL for direct assignment */
        char **topics;       /* TOPIC... (regex topics start with ^) */
        int ntopics;
        int32_t partition;       /* -p N, or -1 for all */
        struct start_spec start; /* -o start */
        int64_t stop_ts;         /* -o e@TIMESTAMP_MS, or -1 */
        bool list;               /* -L: print the cluster's metadata instead */
        bool exit_at_end;        /* -e */
        bool until_now;          /* --until-now */
        int64_t max_count;       /* -c N, or -1 */
        enum out_mode mode;
        const char *format; /* -f */
        char delim[16];     /* -D, -0: after each record */
        size_t delimlen;
        char keydelim[16];      /* -K: between key and value */
        size_t keydelimlen;     /* 0: no key printed */
        bool null_as_text;      /* -Z: print NULL for null keys and values */
        bool unbuffered;        /* -u: write after every message */
        enum verbosity verbosity; /* -q, -v */
        const char *debug;      /* -d CONTEXTS */
        struct serde_opts serde; /* -s, -r and the -X schema.registry.* properties */
        struct conf_arg *confs;  /* -X and -F */
        int nconfs;
        char **job;   /* -- COMMAND ARGS...: run it on the stream, or NULL */
        char **words; /* the command line as given, which job points into */
};

#endif
