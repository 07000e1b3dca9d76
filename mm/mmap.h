/*
 * mm/mmap.h - the memory system calls, on an mm (see mmap.c).
 * Each returns the result of the system call: >= 0, or a negative errno.
 */
#ifndef MM_MMAP_H
#define MM_MMAP_H

#include <stdint.h>

struct mm_struct;

long do_mmap(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
struct file;
/**
 * do_mmap_file() - do_mmap() of an open file the caller holds (a kernel
 * thread has no descriptors: the benchmarks); the mapping takes its own
 * reference.  No access-mode checks (the kernel is trusted).
 * Return: the address or a negative errno.
 */
long do_mmap_file(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot, int flags,
		  struct file *file, uint64_t off);
long do_munmap(struct mm_struct *mm, uintptr_t addr, uint64_t len);
long do_mprotect(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot);
long do_madvise(struct mm_struct *mm, uintptr_t addr, uint64_t len, int advice);

#endif
