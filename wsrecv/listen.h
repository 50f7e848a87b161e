/* listen: our own listening socket and the sockets it accepts; it returns
 * descriptors and hands each accepted one to a callback, and knows no
 * server. Invariant: an entry of struct peers is the name of the peer of
 * its descriptor while that descriptor is a client socket: noted when
 * accepted, so that a client that resets at once (even before lws has
 * called us about it) still has a name, which getpeername() would no
 * longer give. */
#ifndef WSRECV_LISTEN_H
#define WSRECV_LISTEN_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf.h"

/* The peer of every client socket, by descriptor. */
struct peers {
        char (*name)[PEER_MAX];
        size_t n; /* descriptors it has room for */
};

/* Opens the listening socket; its name ("127.0.0.1:8443", "[::1]:8443")
 * into name. Returns the descriptor, or -1 with err set. */
int listen_open(const char *addr, int port, bool reuseport, char *name, size_t namelen, char *err,
                size_t errlen);
/* Accepts the connections waiting on lfd, a batch at most, and hands each
 * to on_accept (which owns it from then on). Returns 0, or -1 when out of
 * descriptors (the caller stops listening for a moment). */
int listen_accept(int lfd, void (*on_accept)(void *arg, int fd, const struct sockaddr_storage *ss),
                  void *arg);
/* Hands a client socket to lws in vh as a new HTTP (and maybe TLS)
 * connection, with the bytes of its request head already read, if any
 * (head, len). lws owns fd from then on, and closes it on failure too.
 * Returns 0 or -1. */
int listen_adopt(struct lws_vhost *vh, int fd, const char *head, size_t len);

/* Notes the name of the peer of client socket fd. 0, or -1: no memory. */
int peers_note(struct peers *p, int fd, const struct sockaddr_storage *ss);
/* The peer of client socket fd, as -J and the logs show it ("?": none). */
const char *peers_name(const struct peers *p, int fd);
void peers_free(struct peers *p);

#endif
