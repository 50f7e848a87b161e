/* failed: where records that were not delivered go.
 *
 * With --failed FILE their bytes are written there unchanged, each followed
 * by the delimiter, so that the file can be fed back to kprod. In any case
 * stderr names them by record number, consecutive numbers with the same
 * reason merged into one line ("records 5-9 not delivered: ..."). */
/* Invariant: the file holds only whole records (bytes and delimiter), and
 * every record ended here is counted exactly once, in kept (whole in the
 * file, and synced at the close) or in lost (neither delivered nor kept).
 * At the first write error (a full disk, EIO) the file is cut back to the
 * end of its last whole record and nothing more is written to it: it keeps
 * a prefix of the failed records, in order, and every later one is lost.
 * Only a file that cannot be cut (a pipe) may keep a torn tail. Records
 * that fail while a record is being written in pieces wait in a buffer of
 * their own, and follow it: they never land inside it. */
#ifndef KPROD_FAILED_H
#define KPROD_FAILED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "outbuf.h"
#include "reports.h"

/* What --reports says of a record that was not delivered: whether sending it
 * again may store it (a timeout, a stop) or gets the same answer (it does not
 * fit the schema, is too large, names a partition the topic lacks). */
enum fail_kind { FAIL_UNDELIVERED, FAIL_REFUSED };

/* The end of a record in the buffer, in file offsets, and its number. */
struct failed_end {
        uint64_t end, recno;
};

struct failed {
        const char *path; /* NULL: stderr only */
        struct outbuf ob;
        int werrno; /* the first write error on path, or 0: then nothing more is written */
        const char *delim;
        size_t dlen;
        const char *kdelim; /* NULL without -K */
        size_t kdlen;
        /* the range of record numbers waiting to be named on stderr */
        uint64_t first, last;
        char why[256];
        struct reports *rep; /* --reports: each failure is reported there too */
        uint64_t begin;      /* where the record being written in pieces begins */
        uint64_t put;        /* file offset after the last byte buffered */
        uint64_t disk;       /* file offset after the last byte written */
        uint64_t whole;      /* file offset after the last whole record written */
        struct failed_end *ends; /* the records ended in the buffer, oldest first */
        size_t nends;
        uint64_t kept;       /* records whole in the file */
        uint64_t first_kept; /* the number of the first of them, or 0 */
        uint64_t lost;       /* records neither delivered nor kept in the file */
        uint64_t first_lost; /* the number of the first of them, or 0 */
        bool torn;           /* the file could not be cut back: it ends in a piece */
        bool open;           /* a record is being written in pieces */
        struct outbuf side;  /* whole records failed meanwhile, each with its delimiter */
        struct failed_end *sends; /* their ends in side, and numbers */
        size_t nsends, capsends;
};

/* Opens (creates, truncates) path, or prepares for stderr only when path
 * is NULL. Returns 0 or -1 (errno set). */
int failed_open(struct failed *f, const char *path, const char *delim, size_t dlen,
                const char *kdelim, size_t kdlen);
/* A record as read: its bytes, then the delimiter. */
void failed_record(struct failed *f, uint64_t recno, enum fail_kind kind, const char *why,
                   const void *rec, size_t len);
/* A record rebuilt from a message: key, key delimiter, value, delimiter.
 * The key and key delimiter are written when the record had the delimiter
 * (had_kdelim; with -Z its empty key is sent as NULL) and -K was given. */
void failed_message(struct failed *f, uint64_t recno, enum fail_kind kind, const char *why,
                    const void *key, size_t klen, bool had_kdelim, const void *val, size_t vlen);
/* A record written in pieces: failed_begin(), its bytes with
 * failed_bytes(), then failed_end() ends it, or failed_cut() takes what was
 * written of it back out of the file (it never ended). */
void failed_begin(struct failed *f);
void failed_bytes(struct failed *f, const void *p, size_t n);
void failed_end(struct failed *f, uint64_t recno, enum fail_kind kind, const char *why);
void failed_cut(struct failed *f);
/* Names what is still pending and writes everything. Returns 0, or -1 when
 * a write to the file failed (errno set; f->lost counts what it cost). */
int failed_flush(struct failed *f);
/* Flushes, syncs and closes. Returns 0, or -1 (errno set) when records
 * were not kept: f->lost of them, the first f->first_lost. */
int failed_close(struct failed *f);

#endif
