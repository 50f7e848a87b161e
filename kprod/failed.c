/* failed: undelivered records to --failed FILE and named on stderr. */
#include "failed.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define FLUSH_AT (1024 * 1024)
/* Records ended in the buffer before it is written: their ends tell, after
 * a write that stopped part way, which of them are whole in the file. */
#define ENDS_MAX 8192

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
        f->ends = malloc(ENDS_MAX * sizeof(*f->ends));
        if (!f->ends)
                return -1;
        if (outbuf_init(&f->side, -1, 4096) < 0) {
                free(f->ends);
                return -1;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0 || outbuf_init(&f->ob, fd, 64 * 1024) < 0) {
                int e = errno;
                if (fd >= 0)
                        close(fd);
                outbuf_free(&f->side);
                free(f->ends);
                f->ends = NULL;
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

/* Counts recno among the records whole in the file. */
static void count_kept(struct failed *f, uint64_t recno)
{
        if (!f->first_kept)
                f->first_kept = recno;
        f->kept++;
}

/* Counts recno among the records neither delivered nor kept. */
static void count_lost(struct failed *f, uint64_t recno)
{
        if (!f->first_lost || recno < f->first_lost)
                f->first_lost = recno;
        f->lost++;
}

/* The file cannot be written (error e): keeps the records whole in it, cuts
 * off the rest, counts what the buffer held as lost, and writes no more.
 * Stopping, rather than trying each next record, leaves a file that is a
 * prefix of the failed records, with no gaps to explain. */
static void stop(struct failed *f, int e)
{
        size_t i = 0;
        f->werrno = e;
        while (i < f->nends && f->ends[i].end <= f->disk) {
                f->whole = f->ends[i].end;
                count_kept(f, f->ends[i++].recno);
        }
        for (; i < f->nends; i++)
                count_lost(f, f->ends[i].recno);
        f->nends = 0;
        outbuf_discard(&f->ob);
        /* A record written in part is cut back out; a pipe cannot be. */
        if (f->disk > f->whole && ftruncate(f->ob.fd, (off_t)f->whole) < 0)
                f->torn = true;
}

/* Writes the buffer out; on an error, stops. */
static void flush_now(struct failed *f)
{
        size_t before = outbuf_pending(&f->ob);
        int rc = outbuf_flush(&f->ob);
        int e = errno;
        f->disk += before - outbuf_pending(&f->ob);
        if (rc < 0) {
                stop(f, e);
                return;
        }
        for (size_t i = 0; i < f->nends; i++)
                count_kept(f, f->ends[i].recno);
        if (f->nends)
                f->whole = f->ends[f->nends - 1].end;
        f->nends = 0;
}

/* Appends n bytes to the file's buffer; on an error, stops. */
static void emit(struct failed *f, const void *p, size_t n)
{
        if (!f->path || f->werrno)
                return;
        if (outbuf_put(&f->ob, p, n) < 0) {
                /* Memory ran out: what the buffer holds whole is written,
                 * the record being added is not. */
                outbuf_cut(&f->ob, outbuf_pending(&f->ob));
                flush_now(f);
                if (!f->werrno)
                        stop(f, ENOMEM);
                return;
        }
        f->put += n;
        if (outbuf_pending(&f->ob) >= FLUSH_AT)
                flush_now(f);
}

/* Notes that record recno ends at the last byte emitted. */
static void add_end(struct failed *f, uint64_t recno)
{
        if (f->werrno) {
                count_lost(f, recno);
                return;
        }
        f->ends[f->nends].end = f->put;
        f->ends[f->nends].recno = recno;
        if (++f->nends == ENDS_MAX)
                flush_now(f);
}

/* Moves the records that waited in side to the file, in order. */
static void move_side(struct failed *f)
{
        size_t from = 0;
        for (size_t i = 0; i < f->nsends; i++) {
                size_t to = (size_t)f->sends[i].end;
                emit(f, f->side.data + f->side.off + from, to - from);
                add_end(f, f->sends[i].recno);
                from = to;
        }
        f->nsends = 0;
        outbuf_discard(&f->side);
}

/* One whole record of n pieces, then the delimiter: to the file, or to
 * side while a record in pieces is open. */
static void whole(struct failed *f, uint64_t recno, enum fail_kind kind, const char *why,
                  const struct iovec *v, int n)
{
        name(f, recno, why);
        if (f->rep)
                reports_fail(f->rep, recno, kind == FAIL_REFUSED, why);
        if (!f->path)
                return;
        if (!f->open) {
                for (int i = 0; i < n; i++)
                        emit(f, v[i].iov_base, v[i].iov_len);
                emit(f, f->delim, f->dlen);
                add_end(f, recno);
                return;
        }
        size_t start = outbuf_pending(&f->side);
        int rc = 0;
        for (int i = 0; i < n; i++)
                rc |= outbuf_put(&f->side, v[i].iov_base, v[i].iov_len);
        rc |= outbuf_put(&f->side, f->delim, f->dlen);
        if (rc == 0 && f->nsends == f->capsends) {
                size_t cap = f->capsends ? 2 * f->capsends : 64;
                struct failed_end *e = realloc(f->sends, cap * sizeof(*e));
                if (e) {
                        f->sends = e;
                        f->capsends = cap;
                } else {
                        rc = -1;
                }
        }
        if (rc < 0) { /* out of memory: this one is not kept */
                outbuf_cut(&f->side, start);
                count_lost(f, recno);
                return;
        }
        f->sends[f->nsends].end = outbuf_pending(&f->side);
        f->sends[f->nsends++].recno = recno;
}

void failed_bytes(struct failed *f, const void *p, size_t n)
{
        emit(f, p, n);
}

void failed_begin(struct failed *f)
{
        f->begin = f->put;
        f->open = true;
}

void failed_cut(struct failed *f)
{
        f->open = false;
        if (!f->path)
                return;
        if (f->werrno) { /* stop() cut the file back already */
                move_side(f);
                return;
        }
        if (f->disk <= f->begin) { /* the piece is still in the buffer */
                outbuf_cut(&f->ob, (size_t)(f->begin - f->disk));
                f->put = f->begin;
        } else {
                outbuf_discard(&f->ob);
                if (ftruncate(f->ob.fd, (off_t)f->begin) == 0 &&
                    lseek(f->ob.fd, (off_t)f->begin, SEEK_SET) >= 0)
                        f->disk = f->begin;
                else
                        f->torn = true; /* a pipe keeps the piece; it has no delimiter */
                f->put = f->disk;
        }
        move_side(f);
}

void failed_end(struct failed *f, uint64_t recno, enum fail_kind kind, const char *why)
{
        emit(f, f->delim, f->dlen);
        name(f, recno, why);
        if (f->rep)
                reports_fail(f->rep, recno, kind == FAIL_REFUSED, why);
        f->open = false;
        if (!f->path)
                return;
        add_end(f, recno);
        move_side(f);
}

void failed_record(struct failed *f, uint64_t recno, enum fail_kind kind, const char *why,
                   const void *rec, size_t len)
{
        struct iovec v = {(void *)rec, len};
        whole(f, recno, kind, why, &v, 1);
}

void failed_message(struct failed *f, uint64_t recno, enum fail_kind kind, const char *why,
                    const void *key, size_t klen, bool had_kdelim, const void *val, size_t vlen)
{
        struct iovec v[3] = {{(void *)key, klen}, {(void *)f->kdelim, f->kdlen}, {(void *)val, vlen}};
        if (had_kdelim && f->kdelim)
                whole(f, recno, kind, why, v, 3);
        else
                whole(f, recno, kind, why, &v[2], 1);
}

int failed_flush(struct failed *f)
{
        if (f->open) /* never ended: not a record */
                failed_cut(f);
        name_pending(f);
        if (!f->path)
                return 0;
        if (!f->werrno)
                flush_now(f);
        if (f->werrno) {
                errno = f->werrno;
                return -1;
        }
        return 0;
}

int failed_close(struct failed *f)
{
        int rc = failed_flush(f);
        if (!f->path)
                return rc;
        /* Written is not kept until the disk has it (some file systems find
         * a full disk only now). A pipe cannot sync. */
        bool unsure = false;
        struct stat st;
        if (rc == 0 && fstat(f->ob.fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(f->ob.fd) < 0) {
                f->werrno = errno;
                unsure = true;
        }
        if (close(f->ob.fd) < 0 && !f->werrno) {
                f->werrno = errno;
                unsure = true;
        }
        if (unsure && f->kept) { /* nothing in the file is known to be on the disk */
                count_lost(f, f->first_kept);
                f->lost += f->kept - 1;
                f->kept = 0;
        }
        outbuf_free(&f->ob);
        outbuf_free(&f->side);
        free(f->ends);
        free(f->sends);
        f->ends = NULL;
        f->sends = NULL;
        if (!f->werrno)
                return 0;
        errno = f->werrno;
        return -1;
}
