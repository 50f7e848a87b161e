/* reportline: the delivery report lines that kprod --reports writes and
 * wsrecv --ack-from reads (kprod(1), DELIVERY REPORTS), in one place.
 *
 *   records HEX     first line: kprod splits its input at the delimiter
 *                   whose bytes are HEX ("0a": newline), so that its reader
 *                   knows their record numbers count the same records
 *   settled N       records 1..N are all settled
 *   failed N WHY    record N was not delivered (a timeout, a broker that
 *                   went away): the same record may be stored later
 *   refused N WHY   record N is refused for what it is (it does not fit the
 *                   schema, is too large, names no partition the topic
 *                   has): sending it again gets the same answer
 *   down WHY        no broker can be reached
 *   up              a broker can be reached again
 *
 * WHY is one line of text, at most REPORT_WHY_MAX bytes. */
#ifndef LIB_REPORTLINE_H
#define LIB_REPORTLINE_H

#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

#define REPORT_WHY_MAX 255
/* Longest delimiter a records line names, in bytes. */
#define REPORT_DELIM_MAX 32

enum report_kind {
        REPORT_UNKNOWN,
        REPORT_RECORDS,
        REPORT_SETTLED,
        REPORT_FAILED,
        REPORT_REFUSED,
        REPORT_DOWN,
        REPORT_UP,
};

struct report {
        enum report_kind kind;
        uint64_t n;                   /* settled, failed, refused */
        const char *why;              /* failed, refused, down: into the line */
        char delim[REPORT_DELIM_MAX]; /* records */
        size_t dlen;
};

/* Each appends one line; 0, or -1 when memory ran out. */
int report_put_records(struct outbuf *ob, const char *delim, size_t dlen);
int report_put_settled(struct outbuf *ob, uint64_t n);
int report_put_failed(struct outbuf *ob, uint64_t n, const char *why);
int report_put_refused(struct outbuf *ob, uint64_t n, const char *why);
int report_put_down(struct outbuf *ob, const char *why);
int report_put_up(struct outbuf *ob);

/* Parses one line, without its newline; kind is REPORT_UNKNOWN for a line
 * that is none of the above. */
void report_parse(const char *line, struct report *r);

#endif
