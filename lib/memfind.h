/* memfind: the first occurrence of a delimiter in a byte range (kprod
 * splits records with it, kcons checks whether a message holds one). */
#ifndef LIB_MEMFIND_H
#define LIB_MEMFIND_H

#include <stddef.h>

/* The first d[0..dlen) in p[0..n), or NULL; memchr when dlen is 1. */
const char *memfind(const char *p, size_t n, const char *d, size_t dlen);

#endif
