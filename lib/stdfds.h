/* stdfds: standard input, output and error opened before anything else.
 *
 * A tool started with one of them closed (`kprod <&-`) would otherwise see
 * the number reused by the next descriptor opened (a librdkafka socket or
 * pipe) and read or write that instead. Standard error is made line
 * buffered, so that each message leaves in one write. */
#ifndef LIB_STDFDS_H
#define LIB_STDFDS_H

/* Opens /dev/null on each of descriptors 0, 1 and 2 that is closed and
 * makes stderr line buffered. Returns a mask of those that were closed (bit
 * 0 for stdin), or -1 when one could not be opened (errno set). Call first
 * in main(). */
int stdfds_guard(void);

#endif
