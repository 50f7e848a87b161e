/* reader: splits stdin into records at a delimiter.
 *
 * It reads whatever is available into one large buffer (no waiting for a
 * block to fill), finds delimiters with memchr/memmem and hands out records
 * as pointers into that buffer, valid until the next reader_fill(). A
 * record that does not fit in the buffer is handed out in pieces, so that
 * no input makes the buffer grow. */
#ifndef KPROD_READER_H
#define KPROD_READER_H

#include <stdbool.h>
#include <stddef.h>

enum rec_kind {
        REC_NONE,    /* no complete record in the buffer: read more */
        REC_FULL,    /* a whole record, without its delimiter */
        REC_PART,    /* a piece of a record too long for the buffer */
        REC_PART_END /* the last piece of such a record, without its delimiter */
};

struct reader {
        int fd;
        char *buf;
        size_t cap;
        size_t head; /* first byte not yet handed out */
        size_t end;  /* end of the bytes read */
        size_t scan; /* where the delimiter search resumes */
        const char *delim;
        size_t dlen;
        bool strip_cr; /* drop the CR of a CRLF line ending */
        bool skipping; /* inside a record too long for the buffer */
        bool eof;
        /* At end of input, the bytes after the last delimiter are the final
         * record (as kcat and cat see it); when false, they are a record
         * its writer did not finish, left for reader_rest(). */
        bool tail_is_record;
};

/* Prepares r to read fd, with tail_is_record set. Records of up to maxrec
 * bytes are always handed out whole. Returns 0 or -1 (errno set). */
int reader_init(struct reader *r, int fd, const char *delim, size_t dlen, bool strip_cr,
                size_t maxrec);
void reader_free(struct reader *r);
/* One read() of whatever is available. Returns the bytes read, 0 at end of
 * input (r->eof is then set), or -1 with errno set (EINTR, EAGAIN...). */
long reader_fill(struct reader *r);
/* The next record or piece in the buffer; at end of input, the bytes after
 * the last delimiter are the final record if tail_is_record. */
enum rec_kind reader_next(struct reader *r, const char **rec, size_t *len);
/* Takes the bytes after the last delimiter (an incomplete record) out of
 * the buffer. */
size_t reader_rest(struct reader *r, const char **rec);

#endif
