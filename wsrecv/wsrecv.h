/* wsrecv: the configuration, server state and per-connection state that the
 * files of this tool share. Each .c file owns one job; see its header comment. */
#ifndef WSRECV_H
#define WSRECV_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

enum newline_mode { NEWLINE_REJECT, NEWLINE_SPACE };
enum binary_mode { BINARY_REFUSE, BINARY_RAW, BINARY_BASE64 };
enum log_level { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1 };

/* What the command line asked for; filled by main.c, read-only afterwards. */
struct conf {
        const char *addr;
        int port;
        const char *path; /* accept upgrades only here, or NULL */
        const char *www;  /* folder served over HTTP, or NULL */
        bool reuseport;
        const char *cert, *key;
        bool nul;  /* -0 */
        bool json; /* -J */
        enum newline_mode newline;
        enum binary_mode binary;
        bool ack;
        size_t max_message;
        size_t max_buffer;
        unsigned max_conns;
        unsigned idle; /* seconds, 0: never */
        unsigned ping; /* seconds, 0: never */
        const char **origins;
        size_t norigins;
        char *token; /* from --token-file, or NULL */
        enum log_level log;
};

/* Counters shown by /healthz. */
struct counters {
        uint64_t connections; /* open WebSocket connections */
        uint64_t messages;    /* records written to the output buffer */
        uint64_t bytes;       /* message bytes received in those records */
        uint64_t rejected;    /* connections refused or closed for a bad message */
};

/* stdout: the buffer, its watcher and the flow control it drives. */
struct output {
        struct outbuf ob;
        bool nonblocking;          /* stdout is a pipe or socket, watched for POLLOUT */
        int saved_flags;           /* stdout's flags before, restored at the end */
        struct lws *watch;         /* raw-file wsi on a dup of stdout, or NULL */
        uint64_t appended;         /* bytes ever appended */
        uint64_t written;          /* bytes ever written */
        size_t asm_bytes;          /* bytes held in partly received messages */
        size_t high, low;          /* pause reading at high, resume at low */
        bool closed;               /* the reader went away (EPIPE) */
        int error;                 /* errno of a failed write, 0 if none */
        lws_dll2_owner_t paused;   /* sessions not being read */
        lws_dll2_owner_t awaiting; /* sessions waiting for an ack */
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
        struct output out;
        struct counters n;
        lws_dll2_owner_t sessions; /* every open WebSocket connection */
        uint64_t next_id;
        int64_t now_ms; /* wall clock, refreshed once per loop turn */
        bool draining;  /* stop accepting, close clients */
        lws_sorted_usec_list_t tick;
        const lws_retry_bo_t *retry;
};

/* Per-connection state: lws allocates it (per_session_data_size) and zeroes
 * it; the same struct serves plain HTTP requests (healthz fields). */
struct session {
        struct lws *wsi;
        struct server *srv;
        lws_dll2_t link;       /* in srv->sessions */
        lws_dll2_t pause_link; /* in out.paused */
        lws_dll2_t ack_link;   /* in out.awaiting */
        uint64_t id;
        uint64_t seq;            /* messages of this connection written so far */
        uint64_t last_end;       /* output offset just after its newest record */
        uint64_t ck_seq, ck_end; /* the message an ack waits for */
        uint64_t ack_due;        /* highest seq known to be written */
        uint64_t ack_sent;
        int64_t last_rx_ms;
        char *msg; /* a message being assembled from fragments */
        size_t msg_len, msg_cap;
        bool in_msg, msg_binary;
        bool established, paused;
        int close_code; /* close with this when next writeable */
        bool close_started;
        const char *close_reason;
        char *meta; /* -J: the request path, a header of every record */
        size_t meta_len;
        char peer[56];
        /* plain HTTP (/healthz) */
        char *body;
        size_t body_len;
};

/* server.c */
int server_create(struct server *srv, const struct conf *conf, char *err, size_t errlen);
void server_drain(struct server *srv, int code, const char *reason);
void server_destroy(struct server *srv);
int server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

/* listen.c */
void peer_name(int fd, char *name, size_t len);
int listen_open(const char *addr, int port, bool reuseport, char *name, size_t namelen, char *err,
                size_t errlen);
int listen_accept(struct server *srv);

/* session.c */
int session_callback(struct lws *wsi, enum lws_callback_reasons reason, struct session *s, void *in,
                     size_t len);
void session_close(struct session *s, int code, const char *reason);

/* record.c */
int record_message(struct server *srv, struct session *s, const void *data, size_t len, bool binary,
                   const char **why);

/* output.c */
int output_init(struct output *out, const struct conf *conf);
int output_watch(struct server *srv);
void output_pump(struct server *srv);
bool output_over(const struct output *out);
void output_pause(struct server *srv, struct session *s);
void output_forget(struct server *srv, struct session *s);
void output_noted(struct server *srv, struct session *s);
int output_finish(struct output *out);
void output_free(struct output *out);
bool output_reader_gone(const struct output *out);

/* http.c */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, struct session *s, void *in,
                  size_t len);
int http_confirm_upgrade(struct lws *wsi, struct server *srv);

/* auth.c */
bool auth_origin_ok(struct lws *wsi, const struct conf *conf);
bool auth_token_ok(struct lws *wsi, const struct conf *conf);
char *auth_read_token(const char *file, char *err, size_t errlen);

/* opts.c */
int opt_size(const char *s, size_t *out);
int opt_uint(const char *s, unsigned max, unsigned *out);

#endif
