/* record: how one complete message becomes the bytes of one record in the
 * output buffer (a line, a NUL-terminated record, a -J object), or a
 * refusal with the close code the client gets. Invariant: a record is
 * appended whole or not at all (never a torn record). Knows the
 * configuration, the buffer and lib/envelope, nothing else. */
#ifndef WSRECV_RECORD_H
#define WSRECV_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "outbuf.h"

/* Where a message came from: -J's headers. */
struct record_from {
        uint64_t conn; /* the connection's id */
        uint64_t seq;  /* the message's number on it, from 1 */
        const char *peer;
        const char *path; /* the request path, not NUL-terminated */
        size_t path_len;
};

/* Appends one complete message as a record. Returns 0, a WebSocket close
 * code (with *why set) when the message is refused, or -1 when memory ran
 * out. */
int record_message(const struct conf *conf, struct outbuf *ob, const struct record_from *from,
                   const void *data, size_t len, bool binary, const char **why);
/* The most bytes one record can take. */
size_t record_bound(const struct conf *conf);

#endif
