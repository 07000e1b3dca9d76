/*
 * user/lib/stdio.c - printf() and friends on top of lib/printf.c.
 *
 * Invariant: nothing is buffered between calls.  Each call formats into a
 * 256-byte stack buffer that is written out when full and at the end, so
 * output shorter than that reaches the kernel in a single write().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/printf.h"
#include "user/lib/libc.h"

static struct __file stdin_file = { .fd = 0 }, stdout_file = { .fd = 1 }, stderr_file = { .fd = 2 };
FILE *const stdin = &stdin_file;
FILE *const stdout = &stdout_file;
FILE *const stderr = &stderr_file;

#define OUTBUF 256

struct outbuf {
	int fd;
	int error;		/* a write failed: the call returns -1 */
	size_t len;
	char buf[OUTBUF];
};

static void outbuf_flush(struct outbuf *o)
{
	if (o->len && __write_all(o->fd, o->buf, o->len) < 0)
		o->error = 1;
	o->len = 0;
}

static void outbuf_putc(char c, void *ctx)
{
	struct outbuf *o = ctx;

	if (o->len == OUTBUF)
		outbuf_flush(o);
	o->buf[o->len++] = c;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct outbuf o = { .fd = f->fd };
	int n = vcbprintf(outbuf_putc, &o, fmt, ap);

	outbuf_flush(&o);
	return o.error ? -1 : n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);	/* unbounded, as ISO C */
	va_end(ap);
	return n;
}

int fputs(const char *s, FILE *f)
{
	return __write_all(f->fd, s, strlen(s)) < 0 ? EOF : 0;
}

int puts(const char *s)
{
	return printf("%s\n", s) < 0 ? EOF : 0;	/* one write: the line stays whole */
}

int fputc(int c, FILE *f)
{
	unsigned char ch = (unsigned char)c;

	return __write_all(f->fd, &ch, 1) < 0 ? EOF : ch;
}

int putchar(int c)
{
	return fputc(c, stdout);
}


void perror(const char *s)
{
	int e = errno;

	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, strerror(e));
	else
		fprintf(stderr, "%s\n", strerror(e));
}
