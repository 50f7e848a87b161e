/* avrocache: the writers' schemas of a registry by id, each fetched and
 * parsed once, with its decoder.
 *
 * Invariant: each id is asked of the registry (lib/registry, which keeps
 * the answer) and parsed at most once in the cache's life; an id the
 * registry does not know or whose schema does not parse is remembered as
 * such, so a topic full of messages naming it costs one request and one
 * parse, not one per message. An answer that is not final (the registry
 * unreachable, a server error) is not remembered: the next call asks
 * again. Functions return 0 or a negative REGISTRY_E* kind, or
 * AV_CACHE_EBADSCHEMA, with a message in errstr; none prints or exits. */
#ifndef LIB_AVROCACHE_H
#define LIB_AVROCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "avrodec.h"
#include "avroschema.h"
#include "registry.h"

/* The schema the registry gave for an id is not one avroschema parses (or
 * is not Avro). */
#define AV_CACHE_EBADSCHEMA (-100)

struct av_cache;

/* A cache over reg (which must outlive it), or NULL (no memory). */
struct av_cache *av_cache_new(struct registry *reg);
/* Frees the cache, its schemas and decoders. */
void av_cache_free(struct av_cache *c);
/* Sets *dec to the decoder of the writer's schema with this id (owned by
 * the cache, valid until av_cache_free). */
int av_cache_decoder(struct av_cache *c, int32_t id, struct av_dec **dec, char *errstr,
                     size_t errlen);

#endif
