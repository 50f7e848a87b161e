/* conn: the WebSocket connections (see conn.c). struct conn is defined and
 * owned in conn.c, with its message buffer; struct conns is every
 * connection together, with the --max-buffer budget and the queue of those
 * waiting for a ticket. It knows no server: what it needs of the others
 * (the output it appends records to, the ack list, the peers' names) it is
 * given at conns_init, and what it must ask it asks through conns_calls.
 *
 * Invariant: a struct conn lives while its WebSocket is open or an ack
 * entry names it (refs), and no longer; it is in `all` exactly while open. */
#ifndef WSRECV_CONN_H
#define WSRECV_CONN_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acks.h"
#include "budget.h"
#include "conf.h"
#include "listen.h"
#include "sink.h"

struct conn;

/* The longest reason a refusal frame carries (kprod's REPORT_WHY_MAX). */
#define REFUSAL_WHY_MAX 255
/* Refusals a connection keeps unsent at most: a client that reads none of
 * its frames is closed rather than let them grow. */
#define REFUSALS_MAX 64

/* What the connections ask of their owner. */
struct conns_calls {
        /* True when no ack that is owed can come any more (stdout is gone,
         * or kprod's reports ended): a closing connection need not wait. */
        bool (*acks_stopped)(void *arg);
};

/* What the connections count, for /healthz and the last line. */
struct conns_counts {
        uint64_t open;     /* open WebSocket connections */
        uint64_t messages; /* records written to the output buffer */
        uint64_t bytes;    /* message bytes received in those records */
        uint64_t rejected; /* connections closed for a bad message */
};

/* Every WebSocket connection. */
struct conns {
        const struct conf *conf;
        struct sink *out;           /* records are appended to out->ob */
        struct acks *acks;          /* with --ack: the records awaiting acks */
        const struct peers *peers;  /* the name of each client socket */
        const struct conns_calls *calls;
        void *arg;
        struct budget budget;     /* --max-buffer */
        lws_dll2_owner_t all;     /* every open connection */
        lws_dll2_owner_t waiting; /* waiting for a ticket, oldest first */
        lws_dll2_owner_t holders; /* holding one, oldest grant first */
        uint64_t next_id;
        bool draining; /* nothing more is read or taken */
        struct conns_counts n;
};

/* lws's per-connection user data, for HTTP requests and WebSockets alike. */
struct session {
        struct conn *conn; /* set once a WebSocket connection is established */
};

void conns_init(struct conns *cs, const struct conf *conf, struct sink *out, struct acks *acks,
                const struct peers *peers, const struct conns_calls *calls, void *arg);
/* lws's reasons for a WebSocket connection (ss: its user data). */
int conn_callback(struct conns *cs, struct lws *wsi, enum lws_callback_reasons reason,
                  struct session *ss, void *in, size_t len);
/* The ack list's callbacks for connections (acks.h). */
extern const struct acks_owner conn_acks;

/* After records were written or memory given back: tickets first, then
 * everyone once the low mark is reached. */
void conns_relieve(struct conns *cs);
/* Once a tick (now: monotonic ms): keeps paused clients valid, closes idle
 * ones, and refuses messages that hold a ticket too long while others
 * wait. */
void conns_tick(struct conns *cs, int64_t now);
/* Stops reading every connection and drops messages partly received. */
void conns_drain(struct conns *cs);
/* Asks every connection to close with code, once its acks are out. */
void conns_close_all(struct conns *cs, int code, const char *reason);
/* What wsrecv holds of messages, everything counted (for /healthz). */
size_t conns_held(const struct conns *cs);

#endif
