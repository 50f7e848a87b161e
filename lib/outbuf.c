/* outbuf: growable buffer written to a file descriptor in large writes.
 *
 * Invariant: once trimmed (outbuf_trim), a buffer's memory in use is about
 * what it holds: the pending bytes, the first keep bytes, what is not yet
 * worth giving back (less than keep), and while the pending bytes move to
 * the front, one MOVE_CHUNK more, never both copies of them (unless it
 * cannot grow, see outbuf_reserve). */
#include "outbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* How much of the pending bytes moves to the front before the memory they
 * leave is given back: a few madvise calls for a buffer of megabytes. */
#define MOVE_CHUNK (256 * 1024)

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

/* Gives back the whole pages inside [from, to) of the buffer's data. */
static void give_back(struct outbuf *ob, size_t from, size_t to)
{
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        uintptr_t a = ((uintptr_t)ob->data + from + page - 1) & ~(uintptr_t)(page - 1);
        uintptr_t b = ((uintptr_t)ob->data + to) & ~(uintptr_t)(page - 1);
        /* Whole pages only, so the allocator's own data around the buffer
         * is never touched. */
        if (b > a)
                madvise((void *)a, b - a, MADV_DONTNEED);
}

/* The offset in ob's data of the page boundary at or below offset at. */
static size_t page_below(const struct outbuf *ob, size_t at)
{
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        return (((uintptr_t)ob->data + at) & ~(page - 1)) - (uintptr_t)ob->data;
}

/* Moves the pending bytes to the front. A buffer that trims gives back
 * the pages they leave behind (beyond their new end and the first keep
 * bytes) a chunk at a time as they go: a single memmove filled the front
 * while the old copy was still in memory, up to twice what the buffer
 * holds (issue 18: wsrecv 7 MB over --max-buffer). When they move over
 * themselves, none of the old copy is free before off bytes are moved:
 * outbuf_reserve grows instead where it can. */
static void move_front(struct outbuf *ob)
{
        if (!ob->keep) {
                memmove(ob->data, ob->data + ob->off, ob->len);
                return;
        }
        size_t from = ob->len > ob->keep ? ob->len : ob->keep;
        for (size_t done = 0; done < ob->len;) {
                size_t n = ob->len - done < MOVE_CHUNK ? ob->len - done : MOVE_CHUNK;
                memmove(ob->data + done, ob->data + ob->off + done, n);
                done += n;
                /* The old copy up to here is moved: what of it lies past
                 * the new end holds nothing now. */
                size_t to = ob->off + done;
                if (to > from) {
                        give_back(ob, from, to);
                        if (page_below(ob, to) > from)
                                from = page_below(ob, to);
                }
        }
}

/* Makes ob's capacity at least need, doubling it. Returns 0, or -1 with
 * the buffer as it was. */
static int grow(struct outbuf *ob, size_t need)
{
        size_t cap = ob->cap;
        while (cap < need) {
                if (cap > (size_t)-1 / 2)
                        return -1;
                cap *= 2;
        }
        char *p = realloc(ob->data, cap);
        if (!p)
                return -1;
        ob->data = p;
        ob->cap = cap;
        ob->trimmed = 0;
        return 0;
}

/* Moves unwritten bytes to the front, or grows, so that n more bytes fit.
 * A buffer that trims grows rather than move its bytes over themselves
 * (off < len): that move fills pages at the front before any of the old
 * copy is free. Growing a buffer of megabytes costs address space only
 * (glibc moves the pages of an mmap'd block, it does not copy them), and
 * happens only while it holds more than half its capacity, so it ends at
 * about four times the most it holds; should it fail, the bytes move. */
char *outbuf_reserve(struct outbuf *ob, size_t n)
{
        if (ob->oom)
                return NULL;
        size_t end = ob->off + ob->len;
        if (end + n <= ob->cap)
                return ob->data + end;
        if (ob->keep && ob->off < ob->len && grow(ob, end + n) == 0)
                return ob->data + end;
        if (ob->off > 0) {
                if (end > ob->touched)
                        ob->touched = end;
                move_front(ob);
                ob->off = 0;
                ob->trimmed = 0;
                if (ob->len + n <= ob->cap)
                        return ob->data + ob->len;
        }
        if (grow(ob, ob->len + n) < 0) {
                ob->oom = 1;
                return NULL;
        }
        return ob->data + ob->len;
}

void outbuf_cut(struct outbuf *ob, size_t len)
{
        if (len < ob->len)
                ob->len = len;
        ob->oom = 0; /* a failed realloc left the old buffer as it was */
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

void outbuf_trim(struct outbuf *ob, size_t keep)
{
        size_t end = ob->off + ob->len;
        ob->keep = keep;
        if (ob->touched < end)
                ob->touched = end;
        if (!ob->data)
                return;
        /* The bytes before off are written; those after end are free. */
        size_t head_from = ob->trimmed > keep ? ob->trimmed : keep;
        size_t head = ob->off > head_from ? ob->off - head_from : 0;
        size_t tail_from = end > keep ? end : keep;
        size_t tail = ob->touched > tail_from ? ob->touched - tail_from : 0;
        if (head + tail < keep)
                return;
        if (head) {
                give_back(ob, head_from, ob->off);
                ob->trimmed = ob->off;
        }
        if (tail)
                give_back(ob, tail_from, ob->touched);
        ob->touched = end;
}

int outbuf_putc(struct outbuf *ob, char c)
{
        return outbuf_put(ob, &c, 1);
}

void outbuf_discard(struct outbuf *ob)
{
        ob->len = ob->off = ob->trimmed = 0;
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
                        /* A signal (EINTR) ends the call too: the caller
                         * decides whether to stop or to go on. */
                        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                                break;
                        /* Bytes written before the error did reach the fd:
                         * count them; the next write meets the error again. */
                        if (total > 0)
                                break;
                        return -1;
                }
                ob->off += (size_t)w;
                ob->len -= (size_t)w;
                total += w;
        }
        if (ob->len == 0) {
                if (ob->off > ob->touched)
                        ob->touched = ob->off;
                ob->off = 0;
                ob->trimmed = 0;
        }
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
        if (ob->off > ob->touched)
                ob->touched = ob->off;
        ob->off = 0;
        ob->trimmed = 0;
        return 0;
}
