/* reader: large reads, records found with memchr, no copy per record. */
#include "reader.h"

#include "memfind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BUF (1024 * 1024)
#define READ_MIN (64 * 1024) /* compact when less room than this is left */

int reader_init(struct reader *r, int fd, const char *delim, size_t dlen, bool strip_cr,
                size_t maxrec)
{
        memset(r, 0, sizeof(*r));
        r->fd = fd;
        r->delim = delim;
        r->dlen = dlen;
        r->strip_cr = strip_cr;
        r->tail_is_record = true;
        r->cap = READ_BUF;
        if (maxrec + dlen + READ_MIN > r->cap)
                r->cap = maxrec + dlen + READ_MIN;
        r->buf = malloc(r->cap);
        return r->buf ? 0 : -1;
}

void reader_free(struct reader *r)
{
        free(r->buf);
        r->buf = NULL;
}

long reader_fill(struct reader *r)
{
        if (r->head == r->end) {
                r->head = r->end = r->scan = 0;
        } else if (r->head > 0 && r->cap - r->end < READ_MIN) {
                size_t n = r->end - r->head;
                memmove(r->buf, r->buf + r->head, n);
                r->scan -= r->head;
                r->head = 0;
                r->end = n;
        }
        if (r->end == r->cap)
                return 1; /* reader_next() hands the full buffer out as a piece first */
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0)
                return -1;
        if (n == 0)
                r->eof = true;
        r->end += (size_t)n;
        return (long)n;
}

enum rec_kind reader_next(struct reader *r, const char **rec, size_t *len)
{
        size_t avail = r->end - r->head;
        if (avail == 0 && r->eof && r->skipping && r->tail_is_record) {
                r->skipping = false;
                *rec = r->buf + r->head;
                *len = 0;
                return REC_PART_END; /* a long record ended by the end of input */
        }
        if (avail == 0)
                return REC_NONE;
        char *base = r->buf + r->head;
        const char *d = memfind(r->buf + r->scan, r->end - r->scan, r->delim, r->dlen);
        size_t n;
        if (d) {
                n = (size_t)(d - base);
                r->head += n + r->dlen;
                r->scan = r->head;
        } else if (r->eof && r->tail_is_record) {
                n = avail;
                r->head = r->scan = r->end;
        } else {
                /* The delimiter may start in the last dlen - 1 bytes. */
                size_t keep = r->dlen - 1;
                r->scan = avail > keep ? r->end - keep : r->head;
                if (!(r->skipping || avail == r->cap) || avail <= keep)
                        return REC_NONE;
                *rec = base;
                *len = avail - keep;
                r->head += *len;
                r->skipping = true;
                return REC_PART;
        }
        *rec = base;
        *len = n;
        if (r->skipping) {
                r->skipping = false;
                return REC_PART_END;
        }
        if (r->strip_cr && n > 0 && base[n - 1] == '\r')
                *len = n - 1;
        return REC_FULL;
}

size_t reader_rest(struct reader *r, const char **rec)
{
        *rec = r->buf + r->head;
        size_t n = r->end - r->head;
        r->head = r->scan = r->end;
        return n;
}
