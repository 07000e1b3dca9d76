/*
 * stdlib.h - memory allocation, process exit, number parsing.
 * malloc() is thread-safe; blocks are 16-byte aligned (see user/lib/malloc.c).
 */
#ifndef _STDLIB_H
#define _STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);

void exit(int status) __attribute__((noreturn));	/* ends every thread */
void abort(void) __attribute__((noreturn));		/* exit status 134 */
int atexit(void (*fn)(void));

int atoi(const char *s);
long atol(const char *s);
long strtol(const char *s, char **end, int base);	/* lib/string.c: no errno */
unsigned long strtoul(const char *s, char **end, int base);
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
int mkstemp(char *tmpl);	/* tmpl ends in XXXXXX; opens O_RDWR|O_CREAT|O_EXCL, 0600 */
char *getenv(const char *name);			/* NULL: not set */
int abs(int x);
long labs(long x);

#endif
