/* outbuf: a growable output buffer for one file descriptor.
 *
 * Tools append records with outbuf_put() (a memcpy, no syscall) and write
 * the whole buffer with one write() per batch. Errors are reported as -1
 * with errno set; EPIPE means the reader went away. */
#ifndef LIB_OUTBUF_H
#define LIB_OUTBUF_H

#include <stddef.h>

struct outbuf {
        int fd;
        char *data;
        size_t len; /* bytes held, from data + off */
        size_t off; /* bytes of data already written */
        size_t cap;
        int oom;        /* an allocation failed; the buffer is unusable */
        size_t touched; /* end of the bytes filled since the last trim */
        size_t trimmed; /* bytes before off given back up to here (0: none) */
        size_t keep;    /* outbuf_trim's keep (0: never trimmed) */
};

/* Prepares ob to write to fd, with an initial capacity of cap bytes. */
int outbuf_init(struct outbuf *ob, int fd, size_t cap);
/* Frees the buffer (it does not flush). */
void outbuf_free(struct outbuf *ob);
/* Makes room for n more bytes; returns a pointer to write them or NULL. */
char *outbuf_reserve(struct outbuf *ob, size_t n);
/* Appends n bytes. Returns 0, or -1 when memory ran out. */
int outbuf_put(struct outbuf *ob, const void *p, size_t n);
/* Appends one byte. */
int outbuf_putc(struct outbuf *ob, char c);
/* Drops what was appended after the first len pending bytes (a record cut
 * short when memory ran out) and makes the buffer usable again: the
 * records before it stay whole, and no torn one is ever written. */
void outbuf_cut(struct outbuf *ob, size_t len);
/* Drops every byte not yet written (the reader went away). */
void outbuf_discard(struct outbuf *ob);
/* Gives the memory of the bytes already written back to the system (the
 * pages around the pending bytes, beyond the first keep bytes), once there
 * is at least keep to give: a buffer that once held much keeps in memory
 * about what it holds now. From the first call on, moving the pending
 * bytes to the front (to make room) gives back what they leave behind as
 * they go, so that the move never holds two copies of them. */
void outbuf_trim(struct outbuf *ob, size_t keep);
/* Number of bytes waiting to be written. */
size_t outbuf_pending(const struct outbuf *ob);
/* Writes everything, retrying on EINTR. Returns 0 or -1 (errno set). */
int outbuf_flush(struct outbuf *ob);
/* Writes what the fd takes now (for non-blocking fds, or until a signal
 * interrupts a blocking write). Returns bytes written, 0 if it would block
 * (or was interrupted), or -1 on error (errno set). An error after some
 * bytes were written returns their count: the next call meets it again. */
long outbuf_write_some(struct outbuf *ob);

#endif
