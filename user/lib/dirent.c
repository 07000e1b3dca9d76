/*
 * user/lib/dirent.c - opendir()/readdir()/closedir() over getdents64.
 * Invariant: d->pos..d->len of d->buf are records not yet returned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "user/lib/syscall.h"

struct __dir {
	int fd;
	size_t pos, len;
	struct dirent ent;
	char buf[2048];
};

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	d->fd = fd;
	return d;
}

struct dirent *readdir(DIR *d)
{
	if (d->pos >= d->len) {
		long n = __syscall_ret(syscall3(SYS_getdents64, d->fd, (long)d->buf, sizeof(d->buf)));
		if (n <= 0)
			return NULL;	/* the end (errno untouched) or an error */
		d->pos = 0;
		d->len = (size_t)n;
	}
	struct linux_dirent64 *de = (struct linux_dirent64 *)(d->buf + d->pos);
	d->pos += de->d_reclen;
	d->ent.d_ino = de->d_ino;
	d->ent.d_type = de->d_type;
	strlcpy(d->ent.d_name, de->d_name, sizeof(d->ent.d_name));
	return &d->ent;
}

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d);
	return r;
}
