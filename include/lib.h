/* Freestanding helpers: string and memory functions, formatting.
 * fmt_vsnprintf understands %d %i %u %x %X %p %s %c %% with the flags
 * '-', '0', '#', a width or '*', a precision for %s, and the l/ll/z length
 * modifiers; it always NUL-terminates and returns the length it wanted. */
#ifndef UNUM_LIB_H
#define UNUM_LIB_H

#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Parse an unsigned number: decimal, 0x hex, with an optional K/M/G
 * suffix when 'suffix' is true. Returns 0 or -EINVAL (also on overflow
 * and trailing garbage). */
int parse_u64(const char *s, size_t len, uint64_t *out, bool suffix);
/* A sysctl write's numbers, as Linux's proc_dointvec_minmax parses them:
 * up to n, each after white space, optionally '-', in C's bases (0x..,
 * 0..), ended by a space, tab, newline or the end; v[i] set for those
 * written (the others keep theirs). The bytes used (trailing white space
 * too; len when 0), or -EINVAL for a value that is not a number or not
 * in min..max, or no value at all (v may be partly written then). */
long parse_sysctl_ints(const char *buf, size_t len, int *v, int n, int min, int max);

#endif
