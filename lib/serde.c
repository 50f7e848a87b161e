/* serde: -s and -r, as kcat spells them (see serde.h). */
#include <stdio.h>
#include <string.h>

#include "serde.h"

void serde_init(struct serde_opts *s)
{
        s->key = s->value = SERDE_BYTES;
        registry_conf_init(&s->reg);
}

int serde_format(struct serde_opts *s, const char *arg, char *errstr, size_t errlen)
{
        const char *kind = arg;
        bool key = true, value = true;
        if (!strncmp(arg, "key=", 4)) {
                kind = arg + 4;
                value = false;
        } else if (!strncmp(arg, "value=", 6)) {
                kind = arg + 6;
                key = false;
        }
        enum serde_kind k;
        if (!strcmp(kind, "avro")) {
                k = SERDE_AVRO;
        } else if (!strcmp(kind, "string") || !strcmp(kind, "bytes")) {
                k = SERDE_BYTES;
        } else {
                snprintf(errstr, errlen, "-s %s: expected [key=|value=]avro (or string)", arg);
                return -1;
        }
        if (key)
                s->key = k;
        if (value)
                s->value = k;
        return 0;
}

int serde_url(struct serde_opts *s, const char *url, char *errstr, size_t errlen)
{
        return registry_conf_set(&s->reg, "schema.registry.url", url, errstr, errlen);
}

bool serde_any(const struct serde_opts *s)
{
        return s->key == SERDE_AVRO || s->value == SERDE_AVRO;
}

int serde_check(const struct serde_opts *s, char *errstr, size_t errlen)
{
        if (serde_any(s) && !s->reg.url) {
                snprintf(errstr, errlen, "-s avro needs a schema registry: -r URL "
                                         "(or -X schema.registry.url=URL)");
                return -1;
        }
        if (!serde_any(s) && s->reg.url) {
                snprintf(errstr, errlen, "-r: a schema registry is for Avro keys or values: "
                                         "add -s value=avro or -s key=avro");
                return -1;
        }
        return 0;
}

void serde_free(struct serde_opts *s)
{
        registry_conf_free(&s->reg);
}
