/*
 * dirent.h - reading directories: opendir(), readdir(), closedir(), over
 * getdents64 (kernel/proc/uapi/syscall.h).  One DIR holds one buffer of
 * records; readdir() returns a pointer into it, valid until the next call.
 */
#ifndef _DIRENT_H
#define _DIRENT_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"

struct dirent {
	unsigned long d_ino;
	unsigned char d_type;       /* DT_* */
	char d_name[NAME_MAX + 1];
};

typedef struct __dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);

#endif
