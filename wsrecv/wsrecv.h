/* wsrecv: the configuration, server state and per-connection state that the
 * files of this tool share. Each .c file owns one job; see its header comment. */
#ifndef WSRECV_H
#define WSRECV_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acks.h"
#include "budget.h"
#include "clock.h"
#include "conf.h"
#include "exits.h"
#include "fdwatch.h"
#include "log.h"
#include "output.h"
#include "record.h"
#include "reports.h"
#include "sink.h"

/* Counters shown by /healthz. */
struct counters {
        uint64_t connections; /* open WebSocket connections */
        uint64_t messages;    /* records written to the output buffer */
        uint64_t bytes;       /* message bytes received in those records */
        uint64_t rejected;    /* connections refused or closed for a bad message */
};

/* One WebSocket connection. Allocated when it is established; lives on
 * after the connection closes while ack entries still name it. */
struct conn {
        struct lws *wsi; /* NULL once closed */
        struct server *srv;
        lws_dll2_t link;      /* in srv->conns while open */
        lws_dll2_t wait_link; /* in srv->waiting, or srv->holders while holding a ticket */
        uint64_t id;
        uint64_t seq;       /* messages of this connection written so far */
        uint64_t ack_due;   /* highest seq known stored (or written) */
        uint64_t ack_sent;  /* highest seq acknowledged to the client */
        uint64_t failed_at; /* first seq Kafka did not store, or 0 */
        unsigned refs;      /* ack entries naming this connection */
        int64_t last_rx_ms; /* monotonic time of the last message or pong */
        /* the message being assembled from pieces */
        char *msg;
        size_t msg_len, msg_cap;
        bool in_msg, msg_binary;
        bool ticket;      /* holds a reservation for a message in pieces */
        int64_t ticket_ms; /* monotonic time it was granted */
        bool waiting;     /* in srv->waiting */
        bool paused;      /* reading is stopped (lws rx flow control) */
        bool peer_closed; /* the client sent its close frame */
        int close_code;   /* close with this when next writeable */
        const char *close_reason;
        char close_text[124];
        bool close_started;
        char *meta; /* -J: the request path, a header of every record */
        size_t meta_len;
        char peer[PEER_MAX];
};

/* lws's per-connection user data, for HTTP requests and WebSockets alike. */
struct session {
        struct conn *conn; /* set once a WebSocket connection is established */
};

/* Readiness (ready.c): what /healthz and the log last said about it. */
struct ready {
        bool stalled;  /* an ack has been owed longer than --ack-wait */
        char why[160]; /* the reason /healthz gives, when not ready */
};

/* Connections still reading their request head (plain ws:// and http://). */
struct gate {
        int epfd; /* epoll set of their sockets, watched through lws */
        struct lws *watch;
        lws_dll2_owner_t conns; /* oldest first */
        size_t n;
        size_t bytes;     /* their head buffers */
        size_t max_bytes; /* the most those may take */
};

/* The peer of every client socket, by descriptor, named by listen.c when
 * it accepted the socket: a client that resets at once (even before lws
 * has called us about it) still has a name, which getpeername() would no
 * longer give. An entry is valid while its descriptor is a client socket. */
struct peers {
        char (*name)[PEER_MAX];
        size_t n; /* descriptors it has room for */
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
        struct budget budget;     /* --max-buffer */
        lws_dll2_owner_t waiting; /* connections waiting for a ticket, oldest first */
        lws_dll2_owner_t holders; /* connections holding one, oldest grant first */
        struct acks acks;
        struct reports rep;
        struct ready ready;
        struct gate gate;
        struct counters n;
        uint64_t sockets;       /* client sockets open, handshakes included */
        lws_dll2_owner_t conns; /* every open WebSocket connection */
        uint64_t next_id;
        bool draining; /* stop accepting and reading, then close clients */
        struct lws *http_done; /* answered; lws is rebinding it for a next request */
        lws_sorted_usec_list_t tick;
};

/* server.c */
int server_create(struct server *srv, const struct conf *conf, char *err, size_t errlen);
void server_drain(struct server *srv);
void server_pump(struct server *srv);
void server_close_all(struct server *srv, int code, const char *reason);
void server_destroy(struct server *srv);
unsigned handshake_secs(const struct conf *conf);
int server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

/* listen.c */
const char *listen_peer(const struct server *srv, int fd);
void listen_free(struct server *srv);
int listen_open(const char *addr, int port, bool reuseport, char *name, size_t namelen, char *err,
                size_t errlen);
int listen_accept(struct server *srv);
int listen_adopt(struct server *srv, int fd, const char *head, size_t len);

/* gate.c */
int gate_open(struct server *srv);
int gate_add(struct server *srv, int fd);
void gate_service(struct server *srv);
void gate_expire(struct server *srv);
void gate_close(struct server *srv);

/* conn.c */
int conn_callback(struct lws *wsi, enum lws_callback_reasons reason, struct session *ss,
                     void *in, size_t len);
void conn_close(struct conn *c, int code, const char *reason);
void conn_refuse(struct conn *c, int code, const char *why);
void conn_update_rx(struct conn *c);
extern const struct acks_owner conn_acks;
bool conn_idle(struct conn *c, int64_t now);
void conn_release(struct conn *c);
void conns_check(struct server *srv);
void conns_relieve(struct server *srv);
void conns_expire(struct server *srv);

/* ready.c */
const char *ready_reason(struct server *srv);
void ready_check(struct server *srv);

/* http.c */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, struct session *ss, void *in,
                  size_t len);
int http_confirm_upgrade(struct lws *wsi, struct server *srv);
int http_filter(struct lws *wsi, struct server *srv, const char *uri);

/* auth.c */
bool auth_origin_ok(struct lws *wsi, const struct conf *conf);
bool auth_token_ok(struct lws *wsi, const struct conf *conf);
char *auth_read_token(const char *file, char *err, size_t errlen);

#endif
