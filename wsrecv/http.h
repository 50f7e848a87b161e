/* http: plain HTTP on the WebSocket port (see http.c). It knows no
 * server: the state it answers with comes from the callbacks given in
 * struct http, a snapshot per /healthz. Invariant: every plain HTTP
 * connection ends after its one answer (done). */
#ifndef WSRECV_HTTP_H
#define WSRECV_HTTP_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "listen.h"

/* What /healthz shows. */
struct health {
        uint64_t connections, messages, bytes, rejected;
        size_t buffered;       /* held of messages, against --max-buffer */
        const char *not_ready; /* why not ready, or NULL when ready */
        const char *paused;    /* why reading is paused for everyone, or NULL */
};

struct http_calls {
        /* The state now, for /healthz. */
        void (*health)(void *arg, struct health *h);
        /* True while the server stops: upgrades are answered 503. */
        bool (*stopping)(void *arg);
        /* True while over --max-conns: upgrades are answered 503. */
        bool (*crowded)(void *arg);
        /* A request was refused. */
        void (*refused)(void *arg);
};

struct http {
        const struct conf *conf;
        const struct peers *peers; /* to name a refused client */
        const struct http_calls *calls;
        void *arg;
        struct lws *done; /* answered; lws is rebinding it for a next request */
};

/* lws's HTTP reasons: /healthz, 404, 426, one answer per connection. */
int http_callback(struct http *h, struct lws *wsi, enum lws_callback_reasons reason, void *user,
                  void *in, size_t len);
/* Decides whether an upgrade request may become a WebSocket connection:
 * returns 0 to accept, 1 after answering with an error, -1 to hang up. */
int http_confirm_upgrade(struct http *h, struct lws *wsi);
/* With --www: refuses paths that lead out of the folder. */
int http_filter(struct http *h, struct lws *wsi, const char *uri);

#endif
