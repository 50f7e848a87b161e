/* gate: plain (ws://, http://) connections until their request head is
 * in (see gate.c). It knows no server: it tells its owner through the
 * callbacks given to gate_open. Invariant: bytes is what the heads take
 * beyond their first buffer, never over max_bytes; every socket given to
 * gate_add ends in exactly one of on_head (handed on) or on_closed. */
#ifndef WSRECV_GATE_H
#define WSRECV_GATE_H

#include <libwebsockets.h>
#include <stddef.h>

struct gate_calls {
        /* fd's head is in: hand it on (head, len are the gate's, valid
         * during the call). */
        void (*on_head)(void *arg, int fd, const char *head, size_t len);
        /* The gate answered fd with an HTTP error. */
        void (*on_refused)(void *arg, int fd, unsigned code, const char *why);
        /* The gate closed fd. */
        void (*on_closed)(void *arg, int fd);
};

struct gate {
        const struct gate_calls *calls;
        void *arg;
        int epfd; /* epoll set of their sockets, watched through lws */
        struct lws *watch;
        lws_dll2_owner_t conns; /* oldest first */
        size_t n;
        size_t bytes;       /* their head buffers */
        size_t max_bytes;   /* the most those may take */
        unsigned head_secs; /* the time a head has to arrive */
};

/* Sets g up to watch its sockets in vh's loop. -1 with errno. */
int gate_open(struct gate *g, struct lws_vhost *vh, size_t max_bytes, unsigned head_secs,
              const struct gate_calls *calls, void *arg);
/* Takes a new client socket (the gate owns it from then on). */
int gate_add(struct gate *g, int fd);
/* Reads what the sockets sent (the watcher is readable). */
void gate_service(struct gate *g);
/* Once a tick: answers late heads 408, closes answered clients that linger. */
void gate_expire(struct gate *g);
/* Closes every socket it holds (the server is stopping). */
void gate_close(struct gate *g);

#endif
