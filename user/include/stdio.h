/*
 * stdio.h - formatted output to the console.  Streams are unbuffered: each
 * printf() call formats through a small stack buffer and reaches the kernel
 * in as few write()s as it fits (one for lines under 256 bytes), so lines
 * from different threads do not interleave mid-line.  No input, no files.
 * Conversions are lib/printf.h's: no floating point, "%p" prints 0x and 16
 * hex digits.
 */
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

typedef struct __file FILE;		/* opaque: only stdout and stderr exist */
extern FILE *const stdout;
extern FILE *const stderr;

int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(__printf__, 1, 0)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int vfprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(__printf__, 2, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(__printf__, 3, 0)));
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int puts(const char *s);
int fputs(const char *s, FILE *f);
int putchar(int c);
int fputc(int c, FILE *f);
#define putc(c, f) fputc(c, f)
int fflush(FILE *f);			/* nothing is buffered: returns 0 */
void perror(const char *s);

#endif
