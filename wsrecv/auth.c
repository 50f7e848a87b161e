/* auth: who may connect: the --origin allowlist and the --token-file shared
 * secret (an "Authorization: Bearer" header, or ?token= for browsers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"

/* Compares in time that does not depend on where the strings differ. */
static bool same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
        unsigned char diff = alen != blen;
        size_t n = alen < blen ? alen : blen;
        for (size_t i = 0; i < n; i++)
                diff |= (unsigned char)(a[i] ^ b[i]);
        return diff == 0;
}

/* True when no allowlist is set, or the Origin header is on it. A request
 * without Origin is refused when there is an allowlist. */
bool auth_origin_ok(struct lws *wsi, const struct conf *conf)
{
        char origin[512];
        if (!conf->norigins)
                return true;
        int n = lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN);
        if (n <= 0)
                return false;
        while (n > 0 && origin[n - 1] == '/')
                origin[--n] = '\0';
        for (size_t i = 0; i < conf->norigins; i++) {
                size_t len = strlen(conf->origins[i]);
                while (len > 0 && conf->origins[i][len - 1] == '/')
                        len--;
                if (len == (size_t)n && !strncasecmp(origin, conf->origins[i], len))
                        return true;
        }
        return false;
}

/* True when no token is required, or the request carries the right one. */
bool auth_token_ok(struct lws *wsi, const struct conf *conf)
{
        char buf[1024];
        if (!conf->token)
                return true;
        size_t tlen = strlen(conf->token);
        int n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_AUTHORIZATION);
        if (n > 7 && !strncasecmp(buf, "Bearer ", 7) &&
            same_secret(buf + 7, (size_t)n - 7, conf->token, tlen))
                return true;
        const char *v = lws_get_urlarg_by_name(wsi, "token=", buf, sizeof(buf));
        return v && same_secret(v, strlen(v), conf->token, tlen);
}

/* Reads the token: the file's first line, without its line end. Returns a
 * string the caller frees, or NULL with a message in err. */
char *auth_read_token(const char *file, char *err, size_t errlen)
{
        FILE *f = fopen(file, "r");
        if (!f) {
                snprintf(err, errlen, "%s: %s", file, strerror(errno));
                return NULL;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, f);
        fclose(f);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
        if (n <= 0) {
                free(line);
                snprintf(err, errlen, "%s: no token on its first line", file);
                return NULL;
        }
        return line;
}
