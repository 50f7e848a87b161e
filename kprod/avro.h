/* avro: kprod's values (and keys) as Avro in a schema registry's framing.
 *
 * At the start, each Avro side (value, key) gets its writer's schema: a
 * schema file registered under the topic's subject (TOPIC-value,
 * TOPIC-key: Confluent's default naming), a schema id, or else the
 * subject's latest version. Then each record's JSON is encoded with it:
 * the magic byte, the id, the Avro body. Invariant: the schemas and ids
 * never change after kavro_open, so every record of a run is written with
 * the same writer's schema. */
#ifndef KPROD_AVRO_H
#define KPROD_AVRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"
#include "registry.h"
#include "serde.h"
#include "shape.h"

/* Where one side's schema comes from. */
struct kavro_source {
        const char *file; /* --value-schema FILE: registered, or NULL */
        int64_t id;       /* --value-schema-id N, or -1 */
};

struct kavro_side {
        bool on;
        bool is_key;
        uint32_t id;
        struct av_schema *schema;
        struct av_enc *enc;
        struct outbuf out; /* the last record's encoding, after the 5 bytes of
                              the framing's header, written once */
        bool takes_string; /* the schema takes a JSON string at its top */
        struct outbuf lit; /* an envelope's string as a JSON literal */
        char subject[512];
};

struct kavro {
        struct registry *reg;
        struct kavro_side value, key;
};

/* kavro_open's failures: a schema file that cannot be read; anything
 * else about the registry or a schema. */
enum { KAVRO_EFILE = -2, KAVRO_ESCHEMA = -1 };

/* Gets the schemas of the Avro sides serde names. Returns 0, or a KAVRO_E*
 * with a message in why: the registry's own, or why a schema cannot be
 * used. */
int kavro_open(struct kavro *a, const struct serde_opts *s, const char *topic,
               const struct kavro_source *value, const struct kavro_source *key, char *why,
               size_t whylen);
/* Replaces the JSON of m's Avro sides by their encoding (valid until the
 * next call). Returns 0, or -1 with the path and reason in why (".released:
 * expected int, got \"1999\""), naming the key when it is the key's. */
int kavro_encode(struct kavro *a, struct shaped *m, char *why, size_t whylen);
/* Frees everything kavro_open made. */
void kavro_close(struct kavro *a);

#endif
