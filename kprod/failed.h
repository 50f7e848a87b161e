/* failed: where records that were not delivered go.
 *
 * With --failed FILE their bytes are written there unchanged, each followed
 * by the delimiter, so that the file can be fed back to kprod. In any case
 * stderr names them by record number, consecutive numbers with the same
 * reason merged into one line ("records 5-9 not delivered: ..."). */
#ifndef KPROD_FAILED_H
#define KPROD_FAILED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "outbuf.h"
#include "reports.h"

struct failed {
        const char *path; /* NULL: stderr only */
        struct outbuf ob;
        int werrno; /* the first write error on path, or 0 */
        const char *delim;
        size_t dlen;
        const char *kdelim; /* NULL without -K */
        size_t kdlen;
        /* the range of record numbers waiting to be named on stderr */
        uint64_t first, last;
        char why[256];
        struct reports *rep; /* --reports: each failure is reported there too */
        off_t begin;         /* where the record being written in pieces begins */
};

/* Opens (creates, truncates) path, or prepares for stderr only when path
 * is NULL. Returns 0 or -1 (errno set). */
int failed_open(struct failed *f, const char *path, const char *delim, size_t dlen,
                const char *kdelim, size_t kdlen);
/* A record as read: its bytes, then the delimiter. */
void failed_record(struct failed *f, uint64_t recno, const char *why, const void *rec, size_t len);
/* A record rebuilt from a message: key, key delimiter, value, delimiter.
 * The key and key delimiter are written when the record had the delimiter
 * (had_kdelim; with -Z its empty key is sent as NULL) and -K was given. */
void failed_message(struct failed *f, uint64_t recno, const char *why, const void *key, size_t klen,
                    bool had_kdelim, const void *val, size_t vlen);
/* A record written in pieces: failed_begin(), its bytes with
 * failed_bytes(), then failed_end() ends it, or failed_cut() takes what was
 * written of it back out of the file (it never ended). */
void failed_begin(struct failed *f);
void failed_bytes(struct failed *f, const void *p, size_t n);
void failed_end(struct failed *f, uint64_t recno, const char *why);
void failed_cut(struct failed *f);
/* Names what is still pending and writes everything. Returns 0, or -1 when
 * a write to the file failed (errno set). */
int failed_flush(struct failed *f);
/* Flushes and closes. Returns 0 or -1 (errno set). */
int failed_close(struct failed *f);

#endif
