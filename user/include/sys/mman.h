/*
 * sys/mman.h - memory mappings.  Constants come from kernel/proc/uapi/syscall.h.
 *
 * Supported: private and shared, anonymous and file mappings (exactly one
 * of MAP_PRIVATE and MAP_SHARED; MAP_ANONYMOUS with fd -1 and off 0),
 * MAP_FIXED and MAP_POPULATE (docs/user.md).  madvise() knows
 * MADV_DONTNEED only.
 * Failures: mmap() returns MAP_FAILED, the others -1; errno tells why.
 */
#ifndef _SYS_MMAN_H
#define _SYS_MMAN_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"

#define MAP_ANON MAP_ANONYMOUS

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
int madvise(void *addr, size_t len, int advice);

#endif
