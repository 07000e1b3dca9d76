/*
 * sys/stat.h - stat(), fstat(), mkdir(); struct stat and the S_IF* types
 * are Linux's (kernel/proc/uapi/fs.h).  Times are zero (no clock in the
 * file system); permission bits are kept but never checked (one user).
 */
#ifndef _SYS_STAT_H
#define _SYS_STAT_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"

int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
int mkdir(const char *path, mode_t mode);

#endif
