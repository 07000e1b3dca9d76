/*
 * user/lib/stdio_file.c - stdio streams on descriptors: fopen(), fdopen(),
 * fclose(), reading (fgetc, fgets, fread), fwrite(), positioning.
 *
 * Invariant (libc.h): rbuf[rpos..rlen) is read ahead from the descriptor;
 * whatever moves the descriptor's offset or writes (fwrite, fseek,
 * fflush) first gives that read-ahead back with lseek(), so the stream's
 * position is what the program expects.  Pipes and the console cannot
 * seek: there the read-ahead is simply dropped on such a switch, as ISO C
 * leaves undefined.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "user/lib/libc.h"

static int mode_flags(const char *mode)
{
	int f;
	switch (mode[0]) {
	case 'r': f = O_RDONLY; break;
	case 'w': f = O_WRONLY | O_CREAT | O_TRUNC; break;
	case 'a': f = O_WRONLY | O_CREAT | O_APPEND; break;
	default: return -1;
	}
	for (const char *m = mode + 1; *m; m++) {
		if (*m == '+')
			f = (f & ~O_ACCMODE) | O_RDWR;
		else if (*m == 'e')
			f |= O_CLOEXEC;
		else if (*m == 'x')
			f |= O_EXCL;
		else if (*m != 'b')
			return -1;
	}
	return f;
}

FILE *fdopen(int fd, const char *mode)
{
	if (mode_flags(mode) < 0) {
		errno = EINVAL;
		return NULL;
	}
	FILE *f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	f->fd = fd;
	f->heap = 1;
	return f;
}

FILE *fopen(const char *path, const char *mode)
{
	int flags = mode_flags(mode);
	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	int fd = open(path, flags, 0666);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

/* Give back the read-ahead (the invariant). */
static void drop_readahead(FILE *f)
{
	if (f->rpos < f->rlen)
		lseek(f->fd, -(off_t)(f->rlen - f->rpos), SEEK_CUR);    /* fails on pipes: fine */
	f->rpos = f->rlen = 0;
}

int fflush(FILE *f)
{
	if (f)
		drop_readahead(f);
	return 0;               /* writes are never buffered */
}

int fclose(FILE *f)
{
	drop_readahead(f);
	int r = close(f->fd);
	if (f->heap)
		free(f);
	return r < 0 ? EOF : 0;
}

static int refill(FILE *f)
{
	ssize_t n = read(f->fd, f->rbuf, sizeof(f->rbuf));
	if (n <= 0) {
		if (n < 0)
			f->err = 1;
		else
			f->eof = 1;
		return -1;
	}
	f->rpos = 0;
	f->rlen = (size_t)n;
	return 0;
}

int fgetc(FILE *f)
{
	if (f->rpos == f->rlen && refill(f))
		return EOF;
	return (unsigned char)f->rbuf[f->rpos++];
}

int getchar(void)
{
	return fgetc(stdin);
}

char *fgets(char *s, int size, FILE *f)
{
	int n = 0;
	if (size <= 0)
		return NULL;
	while (n < size - 1) {
		int c = fgetc(f);
		if (c == EOF)
			break;
		s[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	s[n] = 0;
	return s;
}

size_t fread(void *ptr, size_t size, size_t nmemb, FILE *f)
{
	if (!size || !nmemb)
		return 0;
	size_t want = size * nmemb, got = 0;
	char *p = ptr;
	while (got < want) {
		if (f->rpos < f->rlen) {
			size_t n = f->rlen - f->rpos < want - got ? f->rlen - f->rpos : want - got;
			memcpy(p + got, f->rbuf + f->rpos, n);
			f->rpos += n;
			got += n;
		} else if (want - got >= sizeof(f->rbuf)) {
			ssize_t n = read(f->fd, p + got, want - got);   /* large: directly */
			if (n <= 0) {
				if (n < 0)
					f->err = 1;
				else
					f->eof = 1;
				break;
			}
			got += (size_t)n;
		} else if (refill(f)) {
			break;
		}
	}
	return got / size;
}

size_t fwrite(const void *ptr, size_t size, size_t nmemb, FILE *f)
{
	if (!size || !nmemb)
		return 0;
	drop_readahead(f);
	if (__write_all(f->fd, ptr, size * nmemb) < 0) {
		f->err = 1;
		return 0;
	}
	return nmemb;
}

int fseek(FILE *f, long off, int whence)
{
	if (whence == SEEK_CUR)
		off -= (long)(f->rlen - f->rpos);
	f->rpos = f->rlen = 0;
	if (lseek(f->fd, off, whence) < 0)
		return -1;
	f->eof = 0;
	return 0;
}

long ftell(FILE *f)
{
	off_t at = lseek(f->fd, 0, SEEK_CUR);
	return at < 0 ? -1 : (long)(at - (off_t)(f->rlen - f->rpos));
}

void rewind(FILE *f)
{
	fseek(f, 0, SEEK_SET);
	f->err = 0;
}

int feof(FILE *f) { return f->eof; }
int ferror(FILE *f) { return f->err; }
void clearerr(FILE *f) { f->eof = f->err = 0; }
int fileno(FILE *f) { return f->fd; }
