/* fdwatch: our own descriptors (the listening socket, stdout, the gate's
 * epoll set, kprod's reports) watched in the lws loop, as raw files of one
 * protocol of ours; lws calls that protocol's callback when one is
 * readable, writeable (on request) or closed. Once adopted, a descriptor
 * is lws's: it closes it with its watcher. */
#ifndef WSRECV_FDWATCH_H
#define WSRECV_FDWATCH_H

#include <libwebsockets.h>
#include <stdbool.h>

/* The name of the protocol of our descriptors: one no client can offer as
 * its subprotocol (a token has no space), as lws would bind it. */
extern const char fdwatch_protocol[];

/* Adopts fd into vh's loop; the watcher, or NULL (fd is still ours). */
struct lws *fdwatch_add(struct lws_vhost *vh, int fd);
/* True for the watchers of fdwatch_add, false for clients. */
bool fdwatch_is(struct lws *wsi);

#endif
