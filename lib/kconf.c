/* kconf: -X, -F and -b handling for the Kafka tools. */
#include "kconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kconf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr,
              size_t errlen)
{
        char why[512];
        if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
                snprintf(errstr, errlen, "%s", why);
                return -1;
        }
        return 0;
}

int kconf_set_pair(rd_kafka_conf_t *conf, struct registry_conf *reg, const char *pair,
                   char *errstr, size_t errlen)
{
        const char *eq = strchr(pair, '=');
        if (!eq || eq == pair) {
                snprintf(errstr, errlen, "\"%s\": expected property=value", pair);
                return -1;
        }
        char name[256];
        size_t nlen = (size_t)(eq - pair);
        if (nlen >= sizeof(name)) {
                snprintf(errstr, errlen, "\"%.40s...\": property name too long", pair);
                return -1;
        }
        memcpy(name, pair, nlen);
        name[nlen] = '\0';
        if (reg && registry_conf_knows(name))
                return registry_conf_set(reg, name, eq + 1, errstr, errlen);
        return kconf_set(conf, name, eq + 1, errstr, errlen);
}

/* Strips leading and trailing blanks in place; returns the new start. */
static char *trim(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        size_t n = strlen(s);
        while (n > 0 &&
               (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

int kconf_load_file(rd_kafka_conf_t *conf, struct registry_conf *reg, const char *path,
                    char *errstr, size_t errlen)
{
        FILE *f = fopen(path, "r");
        if (!f) {
                snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        char *line = NULL;
        size_t cap = 0;
        int lineno = 0, rc = 0;
        while (getline(&line, &cap, f) >= 0) {
                lineno++;
                char *s = trim(line);
                if (*s == '\0' || *s == '#')
                        continue;
                char why[512];
                if (kconf_set_pair(conf, reg, s, why, sizeof(why)) < 0) {
                        snprintf(errstr, errlen, "%s:%d: %s", path, lineno, why);
                        rc = -1;
                        break;
                }
        }
        if (rc == 0 && ferror(f)) {
                snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
                rc = -1;
        }
        free(line);
        fclose(f);
        return rc;
}

const char *kconf_brokers(const char *arg)
{
        if (arg && *arg)
                return arg;
        const char *env = getenv("KAFKA_BROKERS");
        if (env && *env)
                return env;
        return "localhost:9092";
}
