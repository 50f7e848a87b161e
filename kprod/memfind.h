/* memfind: the first occurrence of a delimiter in a byte range. */
#ifndef KPROD_MEMFIND_H
#define KPROD_MEMFIND_H

#include <stddef.h>

/* The first d[0..dlen) in p[0..n), or NULL; memchr when dlen is 1. */
const char *memfind(const char *p, size_t n, const char *d, size_t dlen);

#endif
