/* registry_test: drives lib/registry against a schema registry, for
 * tests/registry.bats. The questions run in order in one client, so that
 * repeating one shows the cache:
 *
 *   registry_test [-X name=value]... QUESTION...
 *     register SUBJECT SCHEMA    prints "register SUBJECT: id N"
 *     register-as TYPE SUBJECT SCHEMA
 *     latest SUBJECT             prints "latest SUBJECT: id N version V type T" and
 *                                "schema: TEXT"
 *     id N                       prints "id N: type T" and "schema: TEXT"
 *     requests                   prints "requests: N", the HTTP requests sent so far
 *     knows NAME                 prints "knows NAME: yes" when NAME is a registry
 *                                property (registry_conf_knows), else "...: no"
 *
 * A question that fails prints "QUESTION ARG: error KIND: MESSAGE" (KIND one
 * of unreachable, notfound, refused, server, config, nomem) and the rest go on.
 * Exit status: 0 every question answered, 1 one failed, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* The name of an error kind, as printed. */
static const char *kind_name(int rc)
{
        switch (rc) {
        case REGISTRY_EUNREACHABLE:
                return "unreachable";
        case REGISTRY_ENOTFOUND:
                return "notfound";
        case REGISTRY_EREFUSED:
                return "refused";
        case REGISTRY_ESERVER:
                return "server";
        case REGISTRY_ECONFIG:
                return "config";
        default:
                return "nomem";
        }
}

/* Prints the usage line and returns the usage status. */
static int usage(void)
{
        fprintf(stderr, "usage: registry_test [-X name=value]... "
                        "{register SUBJECT SCHEMA | register-as TYPE SUBJECT SCHEMA | "
                        "latest SUBJECT | id N | requests | knows NAME}...\n");
        return 2;
}

int main(int argc, char **argv)
{
        struct registry_conf conf;
        char err[1024];
        int i = 1;
        registry_conf_init(&conf);
        for (; i + 1 < argc && !strcmp(argv[i], "-X"); i += 2)
                if (registry_conf_set_pair(&conf, argv[i + 1], err, sizeof(err)) < 0) {
                        fprintf(stderr, "registry_test: -X %s\n", err);
                        registry_conf_free(&conf);
                        return 2;
                }
        struct registry *r = registry_new(&conf, err, sizeof(err));
        registry_conf_free(&conf);
        if (!r) {
                fprintf(stderr, "registry_test: %s\n", err);
                return 2;
        }
        int status = 0;
        while (i < argc) {
                const char *q = argv[i];
                const struct registry_schema *s = NULL;
                const char *arg = i + 1 < argc ? argv[i + 1] : ""; /* named in an error */
                int rc;
                if (!strcmp(q, "requests")) {
                        printf("requests: %lu\n", registry_requests(r));
                        i++;
                        continue;
                } else if (!strcmp(q, "knows") && i + 1 < argc) {
                        printf("knows %s: %s\n", arg, registry_conf_knows(arg) ? "yes" : "no");
                        i += 2;
                        continue;
                } else if (!strcmp(q, "register") && i + 2 < argc) {
                        int32_t id = 0;
                        rc = registry_register(r, argv[i + 1], argv[i + 2], NULL, &id, err,
                                               sizeof(err));
                        if (rc == 0)
                                printf("register %s: id %ld\n", argv[i + 1], (long)id);
                        i += 3;
                } else if (!strcmp(q, "register-as") && i + 3 < argc) {
                        int32_t id = 0;
                        arg = argv[i + 2];
                        rc = registry_register(r, argv[i + 2], argv[i + 3], argv[i + 1], &id, err,
                                               sizeof(err));
                        if (rc == 0)
                                printf("register %s: id %ld\n", argv[i + 2], (long)id);
                        i += 4;
                } else if (!strcmp(q, "latest") && i + 1 < argc) {
                        rc = registry_latest(r, argv[i + 1], &s, err, sizeof(err));
                        if (rc == 0)
                                printf("latest %s: id %ld version %ld type %s\nschema: %s\n",
                                       argv[i + 1], (long)s->id, (long)s->version, s->type,
                                       s->schema);
                        i += 2;
                } else if (!strcmp(q, "id") && i + 1 < argc) {
                        char *end;
                        long id = strtol(argv[i + 1], &end, 10);
                        if (*end || end == argv[i + 1] || id < 0 || id > INT32_MAX) {
                                registry_destroy(r);
                                return usage();
                        }
                        rc = registry_by_id(r, (int32_t)id, &s, err, sizeof(err));
                        if (rc == 0)
                                printf("id %ld: type %s\nschema: %s\n", id, s->type, s->schema);
                        i += 2;
                } else {
                        registry_destroy(r);
                        return usage();
                }
                if (rc < 0) {
                        printf("%s %s: error %s: %s\n", q, arg, kind_name(rc), err);
                        status = 1;
                }
        }
        registry_destroy(r);
        return status;
}
