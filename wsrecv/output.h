/* output: stdout as a lib/sink, written once per service turn and watched
 * for POLLOUT through lws while the reader is slow. It says how much each
 * turn wrote and whether stdout ended; what a write moves on (the acks,
 * the memory budget) is its caller's business. */
#ifndef WSRECV_OUTPUT_H
#define WSRECV_OUTPUT_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>

#include "sink.h"

struct output {
        struct sink sink;   /* sink.closed: the reader went away */
        struct lws *watch;  /* raw-file wsi on a dup of stdout, or NULL */
        bool ended;         /* we closed stdout (output_end): all was written */
};

/* Opens stdout for records of at most `room` bytes held; watches it in
 * vh's loop when it is non-blocking. -1 with errno. */
int output_open(struct output *o, struct lws_vhost *vh, size_t room);
/* Writes what stdout takes now; returns the bytes written (0: none). */
size_t output_pump(struct output *o);
/* Everything is written: closes stdout, so the next tool sees its end. */
void output_end(struct output *o);

#endif
