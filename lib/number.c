/* number: decimal whole numbers and sizes with K, M, G suffixes. */
#include "number.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int number_parse(const char *s, long long min, long long max, long long *out)
{
        const char *d = s[0] == '-' && min < 0 ? s + 1 : s;
        if (*d < '0' || *d > '9')
                return -1;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end != '\0' || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

int number_size(const char *s, size_t *out)
{
        if (*s < '0' || *s > '9')
                return -1;
        char *end;
        errno = 0;
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
