/* conn: one WebSocket connection (see conn.c): struct conn is defined and
 * owned here, with its message buffer. Invariant: a struct conn lives
 * while its WebSocket is open or an ack entry names it (refs), and no
 * longer. */
#ifndef WSRECV_CONN_H
#define WSRECV_CONN_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acks.h"
#include "conf.h"

struct server;

/* The longest reason a refusal frame carries (kprod's REPORT_WHY_MAX). */
#define REFUSAL_WHY_MAX 255
/* Refusals a connection keeps unsent at most: a client that reads none of
 * its frames is closed rather than let them grow. */
#define REFUSALS_MAX 64

/* A message kprod refused for what it is, to be told to its client. */
struct refusal {
        uint64_t seq;
        char why[REFUSAL_WHY_MAX + 1];
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
        struct refusal *refused; /* refusals not yet sent, oldest first from refused_head */
        size_t nrefused, refused_head, refused_cap;
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

/* lws's reasons for a WebSocket connection (ss: its user data). */
int conn_callback(struct lws *wsi, enum lws_callback_reasons reason, struct session *ss, void *in,
                  size_t len);
/* Closes c with code once its acks are out. */
void conn_close(struct conn *c, int code, const char *reason);
/* Counts a refusal and closes c with code. */
void conn_refuse(struct conn *c, int code, const char *why);
/* Reads from c or stops, as the server's state says. */
void conn_update_rx(struct conn *c);
/* The ack list's callbacks for connections (acks.h). */
extern const struct acks_owner conn_acks;
/* True when c sent nothing for --idle seconds. */
bool conn_idle(struct conn *c, int64_t now);
/* Forgets c's message in pieces, its buffer and its ticket. */
void conn_release(struct conn *c);
/* Every connection: stop reading at the high mark, read again below the
 * low mark and grant tickets, refuse messages holding a ticket too long. */
void conns_check(struct server *srv);
void conns_relieve(struct server *srv);
void conns_expire(struct server *srv);

#endif
