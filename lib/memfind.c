/* memfind: memchr for one-byte delimiters, glibc's memmem for longer. */
#define _GNU_SOURCE /* memmem */
#include "memfind.h"

#include <string.h>

const char *memfind(const char *p, size_t n, const char *d, size_t dlen)
{
        if (dlen == 1)
                return memchr(p, d[0], n);
        return memmem(p, n, d, dlen);
}
