/* number: whole numbers and sizes as written on a command line, parsed in
 * one place for the three tools. */
#ifndef LIB_NUMBER_H
#define LIB_NUMBER_H

#include <stddef.h>

/* Parses a decimal whole number in [min, max]: digits only, after a '-'
 * when min is negative; no sign, space or anything else. Returns 0 or -1. */
int number_parse(const char *s, long long min, long long max, long long *out);
/* Parses a size: "1048576", or with a K, M or G suffix ("512K", "16M",
 * "1G", powers of 1024). Returns 0 or -1. */
int number_size(const char *s, size_t *out);

#endif
