/* outbuf: growable buffer written to a file descriptor in large writes. */
#include "outbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int outbuf_init(struct outbuf *ob, int fd, size_t cap)
{
        memset(ob, 0, sizeof(*ob));
        ob->fd = fd;
        ob->cap = cap ? cap : 4096;
        ob->data = malloc(ob->cap);
        if (!ob->data) {
                ob->oom = 1;
                return -1;
        }
        return 0;
}

void outbuf_free(struct outbuf *ob)
{
        free(ob->data);
        ob->data = NULL;
        ob->len = ob->off = ob->cap = 0;
}

/* Moves unwritten bytes to the front, or grows, so that n more bytes fit. */
char *outbuf_reserve(struct outbuf *ob, size_t n)
{
        if (ob->oom)
                return NULL;
        if (ob->off + ob->len + n <= ob->cap)
                return ob->data + ob->off + ob->len;
        if (ob->off > 0) {
                memmove(ob->data, ob->data + ob->off, ob->len);
                ob->off = 0;
                if (ob->len + n <= ob->cap)
                        return ob->data + ob->len;
        }
        size_t cap = ob->cap;
        while (cap < ob->len + n) {
                if (cap > (size_t)-1 / 2) {
                        ob->oom = 1;
                        return NULL;
                }
                cap *= 2;
        }
        char *p = realloc(ob->data, cap);
        if (!p) {
                ob->oom = 1;
                return NULL;
        }
        ob->data = p;
        ob->cap = cap;
        return ob->data + ob->len;
}

int outbuf_put(struct outbuf *ob, const void *p, size_t n)
{
        char *dst = outbuf_reserve(ob, n);
        if (!dst)
                return -1;
        if (n)
                memcpy(dst, p, n);
        ob->len += n;
        return 0;
}

int outbuf_putc(struct outbuf *ob, char c)
{
        return outbuf_put(ob, &c, 1);
}

void outbuf_discard(struct outbuf *ob)
{
        ob->len = ob->off = 0;
}

size_t outbuf_pending(const struct outbuf *ob)
{
        return ob->len;
}

long outbuf_write_some(struct outbuf *ob)
{
        long total = 0;
        while (ob->len > 0) {
                ssize_t w = write(ob->fd, ob->data + ob->off, ob->len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                break;
                        return -1;
                }
                ob->off += (size_t)w;
                ob->len -= (size_t)w;
                total += w;
        }
        if (ob->len == 0)
                ob->off = 0;
        return total;
}

int outbuf_flush(struct outbuf *ob)
{
        while (ob->len > 0) {
                ssize_t w = write(ob->fd, ob->data + ob->off, ob->len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                ob->off += (size_t)w;
                ob->len -= (size_t)w;
        }
        ob->off = 0;
        return 0;
}
