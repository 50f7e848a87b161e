/* auth: who may connect: the --origin allowlist and the --token-file
 * shared secret. Invariant: a token is compared in time that does not
 * depend on where it differs. */
#ifndef WSRECV_AUTH_H
#define WSRECV_AUTH_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

bool auth_origin_ok(struct lws *wsi, const struct conf *conf);
bool auth_token_ok(struct lws *wsi, const struct conf *conf);
/* The token in file (its first line), or NULL with err set. */
char *auth_read_token(const char *file, char *err, size_t errlen);

#endif
