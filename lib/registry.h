/* registry: a client of a Confluent-compatible schema registry (Confluent
 * Schema Registry; Apicurio Registry under /apis/ccompat/v7), over HTTP(S)
 * with libcurl.
 *
 * Three questions, as Confluent's API asks them: register a schema under a
 * subject (its id), the subject's latest version (id, version, schema), a
 * schema by id. The client owns a cache, and its invariant is: each
 * question is sent to the registry at most once in the client's life, so a
 * tool asks once per schema or subject, never once per record. An answer
 * cached is an answer the registry gave with success, or (for an id only)
 * "no such id": ids are never reused, and a topic full of messages naming
 * one unknown id must not send a request per message.
 *
 * Every function returns 0 or one of the negative REGISTRY_E* kinds, with a
 * message in errstr (which the caller owns): the registry's own message and
 * HTTP status, or curl's reason when it cannot be reached. None prints or
 * exits. A client is for one thread at a time; clients may live in several
 * threads (registry_new calls curl_global_init, thread-safe in Debian's
 * libcurl 7.88). */
#ifndef LIB_REGISTRY_H
#define LIB_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

/* What went wrong, for a tool's exit status. */
enum {
        REGISTRY_EUNREACHABLE = -1, /* no answer: connection, TLS, timeout */
        REGISTRY_ENOTFOUND = -2,    /* HTTP 404: no such subject, version or id */
        REGISTRY_EREFUSED = -3,     /* another 4xx: an incompatible or invalid schema,
                                       unauthorized, ... */
        REGISTRY_ESERVER = -4,      /* 5xx, or an answer that is not the API's */
        REGISTRY_ENOMEM = -5,       /* out of memory */
        REGISTRY_ECONFIG = -6,      /* a setting unknown or bad */
};

/* The settings, by Confluent's client property names (registry_conf_set). */
struct registry_conf {
        char *url;       /* schema.registry.url: one or more, comma-separated */
        char *userinfo;  /* basic.auth.user.info: "user:password" */
        char *ca;        /* schema.registry.ssl.ca.location */
        char *cert;      /* schema.registry.ssl.certificate.location */
        char *key;       /* schema.registry.ssl.key.location */
        char *key_pass;  /* schema.registry.ssl.key.password */
        long timeout_ms; /* schema.registry.request.timeout.ms: a whole request */
};

/* Empty settings: no URL, a 30 s request timeout. */
void registry_conf_init(struct registry_conf *c);
/* Sets one property by name. An unknown name or a bad value is an error. */
int registry_conf_set(struct registry_conf *c, const char *name, const char *value, char *errstr,
                      size_t errlen);
/* Sets a "name=value" pair as given to -X. */
int registry_conf_set_pair(struct registry_conf *c, const char *pair, char *errstr,
                           size_t errlen);
/* True when name is one of the properties above (for a tool that sends
 * the rest of its -X settings to librdkafka). */
int registry_conf_knows(const char *name);
/* Frees the strings the settings hold. */
void registry_conf_free(struct registry_conf *c);

/* A schema as the registry answered it, owned by the client's cache: valid
 * until registry_destroy. */
struct registry_schema {
        int32_t id;
        int32_t version;    /* the subject's version; 0 when not asked by subject */
        const char *type;   /* "AVRO" when the registry named none */
        const char *schema; /* the schema's text, NUL-terminated */
        size_t len;
};

struct registry;

/* A client with a copy of the settings (which need a URL). NULL on failure. */
struct registry *registry_new(const struct registry_conf *c, char *errstr, size_t errlen);
/* Frees the client, its cache and its connections. */
void registry_destroy(struct registry *r);

/* Registers schema (its text; type NULL means Avro, else "JSON",
 * "PROTOBUF") under subject and sets *id. A schema already registered there
 * gives its existing id. */
int registry_register(struct registry *r, const char *subject, const char *schema,
                      const char *type, int32_t *id, char *errstr, size_t errlen);
/* Sets *out to the latest version of subject, as first asked. */
int registry_latest(struct registry *r, const char *subject, const struct registry_schema **out,
                    char *errstr, size_t errlen);
/* Sets *out to the schema with this id. */
int registry_by_id(struct registry *r, int32_t id, const struct registry_schema **out,
                   char *errstr, size_t errlen);
/* The number of HTTP requests the client has sent (a test sees the cache). */
unsigned long registry_requests(const struct registry *r);

#endif
