/*
 * sys/mman.h - memory mappings.  Constants come from kernel/proc/uapi/syscall.h.
 *
 * Supported: anonymous private mappings only (MAP_PRIVATE|MAP_ANONYMOUS,
 * optionally MAP_FIXED, fd ignored, off 0); MAP_SHARED and file mappings
 * fail with EINVAL.  madvise() knows MADV_DONTNEED only.
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
