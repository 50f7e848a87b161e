/* opts: number parsing for the command line (sizes with K/M/G suffixes). */
#include <errno.h>
#include <stdlib.h>

#include "wsrecv.h"

/* Parses "1048576", "512K", "16M" or "1G" into bytes. Returns 0 or -1. */
int opt_size(const char *s, size_t *out)
{
        char *end;
        errno = 0;
        if (*s < '0' || *s > '9')
                return -1;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -1;
        unsigned shift = 0;
        switch (*end) {
        case '\0':
                break;
        case 'k':
        case 'K':
                shift = 10;
                break;
        case 'm':
        case 'M':
                shift = 20;
                break;
        case 'g':
        case 'G':
                shift = 30;
                break;
        default:
                return -1;
        }
        if (*end && end[1])
                return -1;
        if (v > ((unsigned long long)SIZE_MAX >> shift))
                return -1;
        *out = (size_t)(v << shift);
        return 0;
}

/* Parses a decimal number from 0 to max. Returns 0 or -1. */
int opt_uint(const char *s, unsigned max, unsigned *out)
{
        char *end;
        errno = 0;
        if (*s < '0' || *s > '9')
                return -1;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return -1;
        *out = (unsigned)v;
        return 0;
}
