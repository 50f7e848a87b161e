/* server: one running server (see server.c), the glue between the
 * modules: struct server holds each module's state, and server.c is the
 * only file that calls every module. Invariant: one per process. */
#ifndef WSRECV_SERVER_H
#define WSRECV_SERVER_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acks.h"
#include "conf.h"
#include "conn.h"
#include "gate.h"
#include "http.h"
#include "listen.h"
#include "output.h"
#include "ready.h"
#include "reports.h"

/* Counters shown by /healthz and the last line. */
struct counters {
        uint64_t connections; /* open WebSocket connections */
        uint64_t messages;    /* records written to the output buffer */
        uint64_t bytes;       /* message bytes received in those records */
        uint64_t rejected;    /* connections refused or closed for a bad message */
};

/* Everything one running server has; one per process, passed around. */
struct server {
        const struct conf *conf;
        struct lws_context *context;
        struct lws_vhost *vhost;
        struct lws *listener; /* raw-file wsi on the listening socket */
        bool listen_paused;   /* out of descriptors: accept again next tick */
        int listen_fd;
        char listen_name[64]; /* "127.0.0.1:8443" or "[::1]:8443" */
        struct peers peers;
        struct output out; /* stdout */
        struct conns conns; /* the WebSocket connections and --max-buffer */
        struct acks acks;
        struct reports rep;
        struct ready ready;
        struct gate gate;
        uint64_t rejected; /* sockets refused before they were WebSockets */
        uint64_t sockets;  /* client sockets open, handshakes included */
        bool draining; /* stop accepting and reading, then close clients */
        struct http http; /* plain HTTP (http.c) */
        lws_sorted_usec_list_t tick;
};

int server_create(struct server *srv, const struct conf *conf, char *err, size_t errlen);
void server_drain(struct server *srv);
void server_pump(struct server *srv);
void server_close_all(struct server *srv, int code, const char *reason);
struct counters server_counters(const struct server *srv);
void server_destroy(struct server *srv);
unsigned handshake_secs(const struct conf *conf);
int server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

#endif
