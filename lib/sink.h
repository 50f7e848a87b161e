/* sink: a tool's standard output, written without ever blocking the tool.
 *
 * Records are appended to s->ob (an outbuf); sink_write() writes what the
 * reader takes now. A pipe or socket is made non-blocking, so that a tool
 * whose reader stalls keeps serving signals, clients and brokers; files and
 * terminals are written as they are. s->written counts every byte that
 * reached the fd, and each tool maps that count to its promise: kcons stores
 * the offsets of messages written, wsrecv acknowledges messages written.
 * A reader that went away shows up as s->closed (EPIPE, or an idle pipe
 * whose reader exited).
 *
 * s->taken <= s->written counts the bytes the reader is known to have
 * read: for a sink tracking its reader (sink_track_reader) on a pipe, what
 * was written minus what the pipe still holds unread (FIONREAD), measured
 * only while a reader is there; otherwise it follows s->written. */
#ifndef LIB_SINK_H
#define LIB_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

struct sink {
        struct outbuf ob;
        uint64_t written; /* bytes that reached the fd */
        bool nonblocking; /* the fd is a pipe or socket we made non-blocking */
        int saved_flags;  /* its flags before, restored by sink_close */
        bool closed;      /* the reader went away */
        int error;        /* errno of a failed write other than EPIPE, or 0 */
        uint64_t taken;   /* bytes the reader is known to have read */
        int unread_fd;    /* the pipe end asked for its unread bytes, or -1 */
        bool own_end;     /* unread_fd is the end we write: its reader may go */
};

/* Prepares s to write fd through a buffer of cap bytes (it grows if needed).
 * Returns 0 or -1 (errno set). */
int sink_open(struct sink *s, int fd, size_t cap);
/* Bytes appended and not yet written. */
size_t sink_pending(const struct sink *s);
/* Bytes ever appended: the output offset just past the last record. */
uint64_t sink_appended(const struct sink *s);
/* Writes what the fd takes now. Returns the bytes written (0 when it would
 * block or nothing is pending), or -1 when the reader went away (s->closed)
 * or the write failed (s->error). */
long sink_write(struct sink *s);
/* Waits at most timeout_ms for the fd to take more. Returns 1 when it can,
 * 0 on timeout or a signal, -1 when the reader went away (s->closed). */
int sink_wait(struct sink *s, int timeout_ms);
/* Writes everything pending, waiting for the reader in steps of 100 ms
 * while give_up(arg) is false. Returns 0 when all is written, -1 when the
 * reader went away or a write failed, 1 when give_up said to stop. */
int sink_drain(struct sink *s, bool (*give_up)(void *), void *arg);
/* True when the fd is a pipe whose reader has exited (checked without
 * writing, for a tool with nothing to write). Sets s->closed. */
bool sink_reader_gone(struct sink *s);
/* Makes s->taken count only what the reader of a pipe has read: read_fd
 * is the pipe's read end when the caller holds one too (exact at any time,
 * even after the reader exited), or -1 to ask the end written. Not a pipe:
 * taken stays equal to written. */
void sink_track_reader(struct sink *s, int read_fd);
/* Measures now what the reader has taken; returns s->taken. */
uint64_t sink_taken(struct sink *s);
/* Waits until the reader has taken everything written, checking in steps
 * of 20 ms while give_up(arg) is false. Returns 0 when it has, -1 when the
 * reader went away first, 1 when give_up said to stop. */
int sink_wait_taken(struct sink *s, bool (*give_up)(void *), void *arg);
/* Drops the bytes not yet written (the reader went away). */
void sink_discard(struct sink *s);
/* Restores the fd's flags and frees the buffer; does not write. */
void sink_close(struct sink *s);

#endif
