/*
 * fcntl.h - open(), openat(), creat() and the O_* flags (Linux's values,
 * from kernel/proc/uapi/fs.h).
 *
 * openat() takes AT_FDCWD or an absolute path; a directory descriptor as
 * the base gives ENOSYS.  O_NONBLOCK is refused (EINVAL): every
 * descriptor blocks.  fcntl() is not supported: it returns -1 with ENOSYS
 * (use O_CLOEXEC at open).
 */
#ifndef _FCNTL_H
#define _FCNTL_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"

int open(const char *path, int flags, ...);	/* mode (with O_CREAT) follows */
int openat(int dirfd, const char *path, int flags, ...);
int creat(const char *path, mode_t mode);
int fcntl(int fd, int cmd, ...);		/* ENOSYS */

#endif
