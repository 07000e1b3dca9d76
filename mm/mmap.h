/*
 * mm/mmap.h - the memory system calls, on an mm (see mmap.c).
 * Each returns the result of the system call: >= 0, or a negative errno.
 */
#ifndef MM_MMAP_H
#define MM_MMAP_H

#include <stdint.h>

struct mm_struct;

long do_mmap(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
long do_munmap(struct mm_struct *mm, uintptr_t addr, uint64_t len);
long do_mprotect(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot);
long do_madvise(struct mm_struct *mm, uintptr_t addr, uint64_t len, int advice);

#endif
