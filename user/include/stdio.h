/*
 * stdio.h - streams over descriptors.  Output is unbuffered: each
 * printf() call formats through a small stack buffer and reaches the kernel
 * in as few write()s as it fits (one for lines under 256 bytes), so lines
 * from different threads do not interleave mid-line.  Input is read ahead
 * 512 bytes at a time (user/lib/stdio_file.c).  fopen() modes r w a with
 * + b e x.  Not supported (absent: a link error): scanf, setvbuf, ungetc,
 * tmpfile, popen.  Conversions are lib/printf.h's: no floating point,
 * "%p" prints 0x and 16 hex digits.
 */
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

typedef struct __file FILE;		/* opaque */
extern FILE *const stdin;
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
int fflush(FILE *f);			/* output is never buffered: gives back read-ahead */
void perror(const char *s);

FILE *fopen(const char *path, const char *mode);
FILE *fdopen(int fd, const char *mode);
int fclose(FILE *f);
int fgetc(FILE *f);
#define getc(f) fgetc(f)
int getchar(void);
char *fgets(char *s, int size, FILE *f);
size_t fread(void *ptr, size_t size, size_t nmemb, FILE *f);
size_t fwrite(const void *ptr, size_t size, size_t nmemb, FILE *f);
int fseek(FILE *f, long off, int whence);
long ftell(FILE *f);
void rewind(FILE *f);
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
int fileno(FILE *f);

#endif
