/* avroschema: an Avro schema (JSON text) compiled into a tree of nodes that
 * the encoder (lib/avroenc) and the decoder (lib/avrodec) walk.
 *
 * The text is first checked by Debian's avro-c (names, types, references);
 * then read again here, because avro-c keeps neither logical types nor
 * field defaults, which both sides need. Invariant: a schema's nodes are
 * owned by the schema and never change after av_schema_parse returns, so
 * any number of encoders and decoders can share one. */
#ifndef LIB_AVROSCHEMA_H
#define LIB_AVROSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

enum av_type {
        AV_NULL,
        AV_BOOLEAN,
        AV_INT,
        AV_LONG,
        AV_FLOAT,
        AV_DOUBLE,
        AV_BYTES,
        AV_STRING,
        AV_RECORD,
        AV_ENUM,
        AV_ARRAY,
        AV_MAP,
        AV_FIXED,
        AV_UNION,
};

/* The logical types of Avro 1.11; one on a type it does not fit is ignored,
 * as the specification asks. */
enum av_logical {
        AV_LT_NONE,
        AV_LT_DATE,              /* int: days since 1970-01-01 */
        AV_LT_TIME_MILLIS,       /* int: ms after midnight */
        AV_LT_TIME_MICROS,       /* long: us after midnight */
        AV_LT_TIMESTAMP_MILLIS,  /* long: ms since the epoch, UTC */
        AV_LT_TIMESTAMP_MICROS,  /* long */
        AV_LT_LOCAL_TS_MILLIS,   /* long: ms since 1970-01-01T00:00, local time */
        AV_LT_LOCAL_TS_MICROS,   /* long */
        AV_LT_DECIMAL,           /* bytes or fixed: two's-complement unscaled value */
        AV_LT_UUID,              /* string */
};

/* The kinds of JSON value a node takes (accepts) and writes (emits), which
 * decide a union's branch. */
enum {
        AV_K_NULL = 1,
        AV_K_BOOL = 2,
        AV_K_WHOLE = 4, /* a number without fraction or exponent */
        AV_K_FRAC = 8,  /* any other number */
        AV_K_STR = 16,
        AV_K_OBJ = 32,
        AV_K_ARR = 64,
};

struct av_node;

struct av_field {
        char *name;
        size_t namelen;
        struct av_node *type;
        const char *def; /* the default's JSON text in the schema, or NULL */
        size_t deflen;
        size_t id; /* from 0, unique in the schema: an encoder's index */
};

struct av_node {
        enum av_type type;
        enum av_logical logical;
        char *name; /* full name of a named type, else the type's name ("int",
                       "map"): the key of the union wrapper {"name":value} */
        size_t namelen;
        size_t n;                   /* fields, symbols or branches */
        struct av_field *fields;    /* record */
        char **symbols;             /* enum */
        size_t *symlens;            /* enum */
        struct av_node **branches;  /* union */
        bool *plain;                /* union: branch i written without the wrapper */
        struct av_node *items;      /* array items, map values */
        size_t size;                /* fixed */
        int precision, scale;       /* decimal */
        unsigned accepts, emits;    /* AV_K_* */
        bool may_be_empty;          /* can encode to no bytes at all */
        struct av_node *next_alloc; /* the schema's list of nodes */
};

struct av_schema {
        struct av_node *root;
        struct av_node *nodes; /* every node, for freeing */
        size_t nfields;        /* fields in all records */
        char *text;            /* a copy of the JSON: defaults point into it */
        size_t textlen;
};

/* Parses the n bytes of JSON at json into a schema. Returns it, or NULL with
 * a message in err (errlen bytes). */
struct av_schema *av_schema_parse(const char *json, size_t n, char *err, size_t errlen);
/* Frees a schema and its nodes. */
void av_schema_free(struct av_schema *s);

#endif
