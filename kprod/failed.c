/* failed: undelivered records to --failed FILE and named on stderr. */
#include "failed.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_AT (1024 * 1024)

int failed_open(struct failed *f, const char *path, const char *delim, size_t dlen,
                const char *kdelim, size_t kdlen)
{
        memset(f, 0, sizeof(*f));
        f->ob.fd = -1;
        f->path = path;
        f->delim = delim;
        f->dlen = dlen;
        f->kdelim = kdelim;
        f->kdlen = kdlen;
        if (!path)
                return 0;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
                return -1;
        if (outbuf_init(&f->ob, fd, 64 * 1024) < 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        return 0;
}

/* Prints the pending range of record numbers, if any. */
static void name_pending(struct failed *f)
{
        if (f->first == 0)
                return;
        if (f->first == f->last)
                warnx("record %" PRIu64 " not delivered: %s", f->first, f->why);
        else
                warnx("records %" PRIu64 "-%" PRIu64 " not delivered: %s", f->first, f->last,
                      f->why);
        f->first = f->last = 0;
}

/* Adds recno to the range to name on stderr. */
static void name(struct failed *f, uint64_t recno, const char *why)
{
        if (f->first && recno == f->last + 1 && strcmp(why, f->why) == 0) {
                f->last = recno;
                return;
        }
        name_pending(f);
        f->first = f->last = recno;
        snprintf(f->why, sizeof(f->why), "%s", why);
}

/* Writes the buffer out once it is large; remembers the first error. */
static void maybe_flush(struct failed *f)
{
        if (f->ob.oom && !f->werrno)
                f->werrno = ENOMEM;
        if (outbuf_pending(&f->ob) < FLUSH_AT || f->werrno)
                return;
        if (outbuf_flush(&f->ob) < 0)
                f->werrno = errno;
}

void failed_bytes(struct failed *f, const void *p, size_t n)
{
        if (!f->path || f->werrno)
                return;
        outbuf_put(&f->ob, p, n);
        maybe_flush(f);
}

void failed_begin(struct failed *f)
{
        if (!f->path)
                return;
        off_t at = lseek(f->ob.fd, 0, SEEK_CUR);
        f->begin = at < 0 ? -1 : at + (off_t)outbuf_pending(&f->ob);
}

void failed_cut(struct failed *f)
{
        if (!f->path || f->werrno || f->begin < 0)
                return;
        /* A file that cannot be cut (a pipe) keeps the piece; it has no
         * delimiter after it. */
        if (outbuf_flush(&f->ob) == 0 && ftruncate(f->ob.fd, f->begin) == 0)
                lseek(f->ob.fd, f->begin, SEEK_SET);
}

void failed_end(struct failed *f, uint64_t recno, const char *why)
{
        failed_bytes(f, f->delim, f->dlen);
        name(f, recno, why);
        if (f->rep)
                reports_fail(f->rep, recno, why);
}

void failed_record(struct failed *f, uint64_t recno, const char *why, const void *rec, size_t len)
{
        failed_bytes(f, rec, len);
        failed_end(f, recno, why);
}

void failed_message(struct failed *f, uint64_t recno, const char *why, const void *key, size_t klen,
                    bool had_kdelim, const void *val, size_t vlen)
{
        if (had_kdelim && f->kdelim) {
                failed_bytes(f, key, klen);
                failed_bytes(f, f->kdelim, f->kdlen);
        }
        failed_record(f, recno, why, val, vlen);
}

int failed_flush(struct failed *f)
{
        name_pending(f);
        if (!f->path)
                return 0;
        if (!f->werrno && outbuf_flush(&f->ob) < 0)
                f->werrno = errno;
        if (f->werrno) {
                errno = f->werrno;
                return -1;
        }
        return 0;
}

int failed_close(struct failed *f)
{
        int rc = failed_flush(f);
        if (f->path) {
                if (close(f->ob.fd) < 0 && rc == 0)
                        rc = -1;
                outbuf_free(&f->ob);
        }
        return rc;
}
