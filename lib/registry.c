/* registry: a Confluent-compatible schema registry client with a cache.
 *
 * The cache owns every answer: entries are allocated one by one, only ever
 * added, and freed by registry_destroy alone, so a registry_schema handed
 * out stays valid for the client's life. A tool keeps a few schemas, so a
 * list searched from its head is enough. */
#include "registry.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "framing.h"
#include "jsonread.h"

/* An answer larger than this is not a schema registry's. */
#define MAX_ANSWER (16u << 20)
/* The message of an error answer, cut to this much in errstr. */
#define MAX_MESSAGE 400

/* The three questions, as the cache keys them. */
enum question { Q_REGISTER, Q_LATEST, Q_ID };

struct entry {
        enum question q;
        char *subject;       /* Q_REGISTER, Q_LATEST */
        char *asked;         /* Q_REGISTER: the schema text registered;
                                Q_ID: the registry's message when missing */
        char *asked_type;    /* Q_REGISTER: its type as asked, or NULL */
        bool missing;        /* Q_ID: the registry said there is no such id */
        struct registry_schema s; /* the answer (schema NULL for Q_REGISTER) */
        struct entry *next;
};

struct registry {
        CURL *curl;
        struct curl_slist *headers;
        char **urls; /* the base URLs, without a trailing '/' */
        size_t nurls;
        size_t current; /* the URL that answered last: tried first */
        struct entry *cache;
        unsigned long requests;
        char curlerr[CURL_ERROR_SIZE];
        /* The answer being received. */
        char *body;
        size_t len, cap;
        bool too_big;
};

/* Settings. */

void registry_conf_init(struct registry_conf *c)
{
        memset(c, 0, sizeof(*c));
        c->timeout_ms = 30000;
}

void registry_conf_free(struct registry_conf *c)
{
        free(c->url);
        free(c->userinfo);
        free(c->ca);
        free(c->cert);
        free(c->key);
        free(c->key_pass);
        registry_conf_init(c);
}

/* The string properties and where each goes: Confluent's serializer
 * property names (and libserdes' prefixed basic auth). Never the bare
 * names of Confluent's registry client (ssl.ca.location, ...): those are
 * librdkafka's own, for the brokers. */
static char **conf_field(struct registry_conf *c, const char *name)
{
        if (!strcmp(name, "schema.registry.url"))
                return &c->url;
        if (!strcmp(name, "basic.auth.user.info") ||
            !strcmp(name, "schema.registry.basic.auth.user.info"))
                return &c->userinfo;
        if (!strcmp(name, "schema.registry.ssl.ca.location"))
                return &c->ca;
        if (!strcmp(name, "schema.registry.ssl.certificate.location"))
                return &c->cert;
        if (!strcmp(name, "schema.registry.ssl.key.location"))
                return &c->key;
        if (!strcmp(name, "schema.registry.ssl.key.password"))
                return &c->key_pass;
        return NULL;
}

int registry_conf_knows(const char *name)
{
        struct registry_conf c;
        return conf_field(&c, name) != NULL || !strcmp(name, "schema.registry.request.timeout.ms");
}

int registry_conf_set(struct registry_conf *c, const char *name, const char *value, char *errstr,
                      size_t errlen)
{
        if (!strcmp(name, "schema.registry.request.timeout.ms")) {
                char *end;
                errno = 0;
                long v = strtol(value, &end, 10);
                if (errno || end == value || *end || v < 1) {
                        snprintf(errstr, errlen, "%s=%s: expected milliseconds (1 or more)", name,
                                 value);
                        return REGISTRY_ECONFIG;
                }
                c->timeout_ms = v;
                return 0;
        }
        char **field = conf_field(c, name);
        if (!field) {
                snprintf(errstr, errlen, "%s: no such schema registry property", name);
                return REGISTRY_ECONFIG;
        }
        if (field == &c->userinfo && !strchr(value, ':')) {
                snprintf(errstr, errlen, "%s: expected user:password", name);
                return REGISTRY_ECONFIG;
        }
        char *copy = strdup(value);
        if (!copy) {
                snprintf(errstr, errlen, "%s: out of memory", name);
                return REGISTRY_ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

int registry_conf_set_pair(struct registry_conf *c, const char *pair, char *errstr,
                           size_t errlen)
{
        const char *eq = strchr(pair, '=');
        if (!eq || eq == pair) {
                snprintf(errstr, errlen, "\"%s\": expected property=value", pair);
                return REGISTRY_ECONFIG;
        }
        char name[128];
        size_t nlen = (size_t)(eq - pair);
        if (nlen >= sizeof(name)) {
                snprintf(errstr, errlen, "\"%.40s...\": no such schema registry property", pair);
                return REGISTRY_ECONFIG;
        }
        memcpy(name, pair, nlen);
        name[nlen] = '\0';
        return registry_conf_set(c, name, eq + 1, errstr, errlen);
}

/* The client. */

/* Collects the answer's body, refusing one larger than MAX_ANSWER. */
static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
        struct registry *r = arg;
        size_t add = size * n;
        if (add > MAX_ANSWER - r->len) {
                r->too_big = true;
                return 0;
        }
        if (r->len + add + 1 > r->cap) {
                size_t cap = r->cap ? r->cap : 4096;
                while (cap < r->len + add + 1)
                        cap *= 2;
                char *b = realloc(r->body, cap);
                if (!b)
                        return 0;
                r->body = b;
                r->cap = cap;
        }
        memcpy(r->body + r->len, p, add);
        r->len += add;
        r->body[r->len] = '\0';
        return add;
}

/* Splits the comma-separated URL list into r->urls. Returns 0 or -1. */
static int split_urls(struct registry *r, const char *list, char *errstr, size_t errlen)
{
        size_t n = 1;
        for (const char *p = list; *p; p++)
                n += *p == ',';
        r->urls = calloc(n, sizeof(*r->urls));
        if (!r->urls)
                goto oom;
        for (const char *p = list; *p || p == list;) {
                const char *e = strchr(p, ',');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                while (len && (*p == ' ' || *p == '\t'))
                        p++, len--;
                while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '/'))
                        len--;
                if (len) {
                        if (strncmp(p, "http://", 7) && strncmp(p, "https://", 8)) {
                                snprintf(errstr, errlen,
                                         "schema.registry.url: %.*s: expected http:// or https://",
                                         (int)len, p);
                                return -1;
                        }
                        if (!(r->urls[r->nurls] = strndup(p, len)))
                                goto oom;
                        r->nurls++;
                }
                if (!e)
                        break;
                p = e + 1;
        }
        if (r->nurls == 0) {
                snprintf(errstr, errlen, "schema.registry.url: no URL given");
                return -1;
        }
        return 0;
oom:
        snprintf(errstr, errlen, "schema registry client: out of memory");
        return -1;
}

/* Sets the options every request shares. Returns 0 or -1. */
static int set_options(struct registry *r, const struct registry_conf *c)
{
        CURL *h = r->curl;
        bool ok = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curlerr) == CURLE_OK &&
                  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
                  curl_easy_setopt(h, CURLOPT_WRITEDATA, r) == CURLE_OK &&
                  curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers) == CURLE_OK &&
                  /* No signals: the tools' threads and their own handlers. */
                  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
                  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
                  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms) == CURLE_OK &&
                  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                                   c->timeout_ms < 10000 ? c->timeout_ms : 10000L) == CURLE_OK &&
                  curl_easy_setopt(h, CURLOPT_USERAGENT, "kafka-tools-registry/1") == CURLE_OK;
        if (ok && c->userinfo)
                ok = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) == CURLE_OK &&
                     curl_easy_setopt(h, CURLOPT_USERPWD, c->userinfo) == CURLE_OK;
        if (ok && c->ca)
                ok = curl_easy_setopt(h, CURLOPT_CAINFO, c->ca) == CURLE_OK;
        if (ok && c->cert)
                ok = curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert) == CURLE_OK;
        if (ok && c->key)
                ok = curl_easy_setopt(h, CURLOPT_SSLKEY, c->key) == CURLE_OK;
        if (ok && c->key_pass)
                ok = curl_easy_setopt(h, CURLOPT_KEYPASSWD, c->key_pass) == CURLE_OK;
        return ok ? 0 : -1;
}

struct registry *registry_new(const struct registry_conf *c, char *errstr, size_t errlen)
{
        if (!c->url) {
                snprintf(errstr, errlen, "schema.registry.url: no URL given");
                return NULL;
        }
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                snprintf(errstr, errlen, "schema registry client: libcurl failed to start");
                return NULL;
        }
        struct registry *r = calloc(1, sizeof(*r));
        if (!r) {
                snprintf(errstr, errlen, "schema registry client: out of memory");
                curl_global_cleanup();
                return NULL;
        }
        if (split_urls(r, c->url, errstr, errlen) < 0) {
                registry_destroy(r);
                return NULL;
        }
        /* Confluent's own type first; Apicurio answers application/json,
         * which the last one takes. */
        struct curl_slist *h = curl_slist_append(
            NULL, "Accept: application/vnd.schemaregistry.v1+json, "
                  "application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5");
        if (h)
                r->headers = h;
        if (h && (h = curl_slist_append(r->headers,
                                        "Content-Type: application/vnd.schemaregistry.v1+json")))
                r->headers = h;
        /* No "Expect: 100-continue" wait before a large schema is sent. */
        if (h && (h = curl_slist_append(r->headers, "Expect:")))
                r->headers = h;
        r->curl = h ? curl_easy_init() : NULL;
        if (!r->curl || set_options(r, c) < 0) {
                snprintf(errstr, errlen, "schema registry client: libcurl could not be set up");
                registry_destroy(r);
                return NULL;
        }
        return r;
}

/* Frees one cache entry and what it holds. */
static void entry_free(struct entry *e)
{
        free(e->subject);
        free(e->asked);
        free(e->asked_type);
        free((char *)e->s.type);
        free((char *)e->s.schema);
        free(e);
}

void registry_destroy(struct registry *r)
{
        if (!r)
                return;
        for (struct entry *e = r->cache, *next; e; e = next) {
                next = e->next;
                entry_free(e);
        }
        for (size_t i = 0; i < r->nurls; i++)
                free(r->urls[i]);
        free(r->urls);
        if (r->curl)
                curl_easy_cleanup(r->curl);
        curl_slist_free_all(r->headers);
        free(r->body);
        free(r);
        curl_global_cleanup();
}

unsigned long registry_requests(const struct registry *r)
{
        return r->requests;
}

/* Errors and answers. */

/* Moves j to the value of the member name of the answer's top-level
 * object. False when the answer is not an object or lacks it. */
static bool find_member(const struct registry *r, struct jr *j, const char *name)
{
        size_t nlen = strlen(name);
        jr_init(j, r->body ? r->body : "", r->len);
        if (!jr_eat(j, '{') || jr_eat(j, '}'))
                return false;
        do {
                const char *k;
                size_t klen;
                if (jr_string(j, NULL, &k, &klen) < 0 || !jr_eat(j, ':'))
                        return false;
                /* Checked only: k is NULL for a name with escapes, which
                 * none of the API's names needs, so it is not one of them. */
                if (k && klen == nlen && memcmp(k, name, nlen) == 0) {
                        jr_ws(j);
                        return true;
                }
                if (jr_skip(j) < 0)
                        return false;
        } while (jr_eat(j, ','));
        return false;
}

/* Reads the whole number member name of the answer into *v (it must fit an
 * int32_t and not be negative). */
static bool answer_int(const struct registry *r, const char *name, int32_t *v)
{
        struct jr j;
        int64_t n;
        if (!find_member(r, &j, name) || jr_int(&j, &n) < 0 || n < 0 || n > INT32_MAX)
                return false;
        *v = (int32_t)n;
        return true;
}

/* Copies the string member name of the answer, NUL-terminated, into *out
 * (NULL when it is missing or null). Returns 0, or -1 when memory ran out
 * or it is not a string of UTF-8 text without NUL. */
static int answer_string(const struct registry *r, const char *name, char **out)
{
        struct jr j;
        *out = NULL;
        if (!find_member(r, &j, name) || jr_null(&j))
                return 0;
        char *buf = malloc(r->len + 1);
        if (!buf)
                return -1;
        const char *val;
        size_t len;
        if (jr_string(&j, buf, &val, &len) == 0 && !memchr(val, '\0', len) && utf8_valid(val, len))
                *out = strndup(val, len);
        free(buf);
        return *out ? 0 : -1;
}

/* Puts the registry's message of an error answer (Confluent's
 * {"error_code":N,"message":"..."}) in errstr after what, else its status;
 * returns the kind of error the status means. */
static int answer_error(struct registry *r, long status, const char *what, char *errstr,
                        size_t errlen)
{
        int kind = status == 404                    ? REGISTRY_ENOTFOUND
                   : status >= 400 && status < 500 ? REGISTRY_EREFUSED
                                                    : REGISTRY_ESERVER;
        char *msg = NULL;
        int32_t code;
        if (answer_string(r, "message", &msg) == 0 && msg) {
                /* One line: a registry's message may hold newlines. */
                for (char *p = msg; *p; p++)
                        if (*p == '\n' || *p == '\r' || *p == '\t')
                                *p = ' ';
                if (answer_int(r, "error_code", &code))
                        snprintf(errstr, errlen, "%s: HTTP %ld: %.*s (error_code %ld)", what,
                                 status, MAX_MESSAGE, msg, (long)code);
                else
                        snprintf(errstr, errlen, "%s: HTTP %ld: %.*s", what, status, MAX_MESSAGE,
                                 msg);
                free(msg);
        } else if (status >= 200 && status < 300) {
                snprintf(errstr, errlen, "%s: HTTP %ld: not a schema registry's answer", what,
                         status);
                kind = REGISTRY_ESERVER;
        } else {
                snprintf(errstr, errlen, "%s: HTTP %ld from the schema registry", what, status);
        }
        return kind;
}

/* Copies url into out without its user:password@ part, if there is
 * one: a message must not show the password. Returns out. */
static const char *shown_url(const char *url, char *out, size_t outlen)
{
        const char *host = strstr(url, "://");
        host = host ? host + 3 : url;
        const char *at = strchr(host, '@'), *slash = strchr(host, '/');
        if (at && (!slash || at < slash))
                snprintf(out, outlen, "%.*s%s", (int)(host - url), url, at + 1);
        else
                snprintf(out, outlen, "%s", url);
        return out;
}

/* Sends one request (body NULL: a GET) to path under each base URL in turn,
 * from the last one that answered, until one answers. Sets *status. */
static int request(struct registry *r, const char *path, const char *body, long *status,
                   const char *what, char *errstr, size_t errlen)
{
        CURLcode rc = CURLE_OK;
        char *url = NULL;
        for (size_t tried = 0; tried < r->nurls; tried++) {
                size_t i = (r->current + tried) % r->nurls;
                size_t n = strlen(r->urls[i]) + strlen(path) + 1;
                free(url);
                if (!(url = malloc(n))) {
                        snprintf(errstr, errlen, "%s: out of memory", what);
                        return REGISTRY_ENOMEM;
                }
                snprintf(url, n, "%s%s", r->urls[i], path);
                r->len = 0;
                r->too_big = false;
                r->curlerr[0] = '\0';
                bool ok = curl_easy_setopt(r->curl, CURLOPT_URL, url) == CURLE_OK;
                if (ok && body)
                        ok = curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body) == CURLE_OK;
                else if (ok)
                        ok = curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L) == CURLE_OK;
                if (!ok) {
                        free(url);
                        snprintf(errstr, errlen, "%s: libcurl refused the request", what);
                        return REGISTRY_ENOMEM;
                }
                r->requests++;
                rc = curl_easy_perform(r->curl);
                if (rc == CURLE_OK) {
                        curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
                        r->current = i;
                        free(url);
                        return 0;
                }
                char shown[512];
                shown_url(url, shown, sizeof(shown));
                if (r->too_big || rc == CURLE_WRITE_ERROR) {
                        snprintf(errstr, errlen, "%s: %s: %s", what, shown,
                                 r->too_big ? "answer larger than 16 MiB" : "out of memory");
                        free(url);
                        return r->too_big ? REGISTRY_ESERVER : REGISTRY_ENOMEM;
                }
                /* The last URL's reason is the one reported. */
                snprintf(errstr, errlen, "%s: %s: %s%s%s%s", what, shown, curl_easy_strerror(rc),
                         r->curlerr[0] ? " (" : "", r->curlerr, r->curlerr[0] ? ")" : "");
        }
        free(url);
        return REGISTRY_EUNREACHABLE;
}

/* Fills e->s from an answer holding "schema" and maybe "schemaType". */
static int answer_schema(const struct registry *r, struct entry *e, const char *what,
                         char *errstr, size_t errlen)
{
        char *schema, *type;
        if (answer_string(r, "schema", &schema) < 0 || !schema) {
                free(schema);
                snprintf(errstr, errlen, "%s: the answer holds no schema", what);
                return REGISTRY_ESERVER;
        }
        if (answer_string(r, "schemaType", &type) < 0 || (!type && !(type = strdup("AVRO")))) {
                free(schema);
                free(type);
                snprintf(errstr, errlen, "%s: the answer's schemaType is not a string", what);
                return REGISTRY_ESERVER;
        }
        e->s.schema = schema;
        e->s.len = strlen(schema);
        e->s.type = type;
        return 0;
}

/* Percent-encodes a subject for a URL path into a new string (NULL: out of
 * memory): a subject is any text, '/' and '?' included. */
static char *escape_subject(const char *subject)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t n = strlen(subject);
        char *out = malloc(3 * n + 1), *o = out;
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)subject; *p; p++) {
                if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
                        *o++ = (char)*p;
                } else {
                        *o++ = '%';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 15];
                }
        }
        *o = '\0';
        return out;
}

/* Adds a new entry for question q at the cache's head. */
static struct entry *cache_add(struct registry *r, enum question q)
{
        struct entry *e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->q = q;
        e->next = r->cache;
        r->cache = e;
        return e;
}

/* Frees an entry that cache_add just added (its question failed). */
static void cache_drop(struct registry *r, struct entry *e)
{
        r->cache = e->next;
        entry_free(e);
}

/* True when both are NULL or equal strings. */
static bool same(const char *a, const char *b)
{
        return a == b || (a && b && !strcmp(a, b));
}

/* The three questions. */

int registry_register(struct registry *r, const char *subject, const char *schema,
                      const char *type, int32_t *id, char *errstr, size_t errlen)
{
        for (struct entry *e = r->cache; e; e = e->next)
                if (e->q == Q_REGISTER && !strcmp(e->subject, subject) &&
                    !strcmp(e->asked, schema) && same(e->asked_type, type)) {
                        *id = e->s.id;
                        return 0;
                }
        char what[160];
        snprintf(what, sizeof(what), "registering a schema under subject %.100s", subject);
        size_t slen = strlen(schema);
        if (!utf8_valid(schema, slen)) {
                snprintf(errstr, errlen, "%s: the schema is not UTF-8 text", what);
                return REGISTRY_EREFUSED;
        }
        /* {"schema":"...","schemaType":"..."}: Avro by naming no type, which
         * every version of the API reads as Avro. */
        size_t room = json_string_room(slen);
        size_t troom = type ? json_string_room(strlen(type)) : 0;
        if (room == (size_t)-1 || troom == (size_t)-1) {
                snprintf(errstr, errlen, "%s: the schema is too large", what);
                return REGISTRY_EREFUSED;
        }
        char *esc = escape_subject(subject);
        char *body = malloc(room + troom + 32);
        char *path = esc ? malloc(strlen(esc) + 32) : NULL;
        struct entry *e = path && body ? cache_add(r, Q_REGISTER) : NULL;
        if (!e || !(e->subject = strdup(subject)) || !(e->asked = strdup(schema)) ||
            (type && !(e->asked_type = strdup(type)))) {
                if (e)
                        cache_drop(r, e);
                free(esc);
                free(body);
                free(path);
                snprintf(errstr, errlen, "%s: out of memory", what);
                return REGISTRY_ENOMEM;
        }
        char *o = body;
        memcpy(o, "{\"schema\":", 10);
        o = json_write_string(o + 10, schema, slen);
        if (type) {
                memcpy(o, ",\"schemaType\":", 14);
                o = json_write_string(o + 14, type, strlen(type));
        }
        memcpy(o, "}", 2);
        sprintf(path, "/subjects/%s/versions", esc);
        free(esc);
        long status = 0;
        int rc = request(r, path, body, &status, what, errstr, errlen);
        free(path);
        free(body);
        if (rc == 0 && status != 200)
                rc = answer_error(r, status, what, errstr, errlen);
        else if (rc == 0 && !answer_int(r, "id", &e->s.id)) {
                snprintf(errstr, errlen, "%s: the answer holds no id", what);
                rc = REGISTRY_ESERVER;
        }
        if (rc < 0) {
                cache_drop(r, e);
                return rc;
        }
        *id = e->s.id;
        return 0;
}

int registry_latest(struct registry *r, const char *subject, const struct registry_schema **out,
                    char *errstr, size_t errlen)
{
        for (struct entry *e = r->cache; e; e = e->next)
                if (e->q == Q_LATEST && !strcmp(e->subject, subject)) {
                        *out = &e->s;
                        return 0;
                }
        char what[160];
        snprintf(what, sizeof(what), "the latest schema of subject %.100s", subject);
        char *esc = escape_subject(subject);
        char *path = esc ? malloc(strlen(esc) + 32) : NULL;
        struct entry *e = path ? cache_add(r, Q_LATEST) : NULL;
        if (!e || !(e->subject = strdup(subject))) {
                if (e)
                        cache_drop(r, e);
                free(esc);
                free(path);
                snprintf(errstr, errlen, "%s: out of memory", what);
                return REGISTRY_ENOMEM;
        }
        sprintf(path, "/subjects/%s/versions/latest", esc);
        free(esc);
        long status = 0;
        int rc = request(r, path, NULL, &status, what, errstr, errlen);
        free(path);
        if (rc == 0 && status != 200)
                rc = answer_error(r, status, what, errstr, errlen);
        else if (rc == 0 && (!answer_int(r, "id", &e->s.id) ||
                             !answer_int(r, "version", &e->s.version))) {
                snprintf(errstr, errlen, "%s: the answer holds no id and version", what);
                rc = REGISTRY_ESERVER;
        }
        if (rc == 0)
                rc = answer_schema(r, e, what, errstr, errlen);
        if (rc < 0) {
                cache_drop(r, e);
                return rc;
        }
        *out = &e->s;
        return 0;
}

int registry_by_id(struct registry *r, int32_t id, const struct registry_schema **out,
                   char *errstr, size_t errlen)
{
        char what[64];
        snprintf(what, sizeof(what), "schema id %ld", (long)id);
        for (struct entry *e = r->cache; e; e = e->next)
                if (e->q == Q_ID && e->s.id == id) {
                        if (e->missing) {
                                snprintf(errstr, errlen, "%s", e->asked);
                                return REGISTRY_ENOTFOUND;
                        }
                        *out = &e->s;
                        return 0;
                }
        struct entry *e = cache_add(r, Q_ID);
        if (!e) {
                snprintf(errstr, errlen, "%s: out of memory", what);
                return REGISTRY_ENOMEM;
        }
        e->s.id = id;
        char path[64];
        snprintf(path, sizeof(path), "/schemas/ids/%ld", (long)id);
        long status = 0;
        int rc = request(r, path, NULL, &status, what, errstr, errlen);
        if (rc == 0 && status != 200)
                rc = answer_error(r, status, what, errstr, errlen);
        else if (rc == 0)
                rc = answer_schema(r, e, what, errstr, errlen);
        /* Ids are never reused: "no such id" is asked once, and its message
         * kept to be given again. */
        if (rc == REGISTRY_ENOTFOUND && (e->asked = strdup(errstr))) {
                e->missing = true;
                return rc;
        }
        if (rc < 0) {
                cache_drop(r, e);
                return rc;
        }
        *out = &e->s;
        return 0;
}
