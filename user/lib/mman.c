/*
 * user/lib/mman.c - mmap(), munmap(), mprotect(), madvise(): thin
 * wrappers; all checking of arguments is the kernel's.
 */
#include <sys/mman.h>

#include "user/lib/syscall.h"

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);

	return (void *)__syscall_ret(r);	/* -1 is MAP_FAILED */
}

int munmap(void *addr, size_t len)
{
	return (int)__syscall_ret(syscall2(SYS_munmap, (long)addr, (long)len));
}

int mprotect(void *addr, size_t len, int prot)
{
	return (int)__syscall_ret(syscall3(SYS_mprotect, (long)addr, (long)len, prot));
}

int madvise(void *addr, size_t len, int advice)
{
	return (int)__syscall_ret(syscall3(SYS_madvise, (long)addr, (long)len, advice));
}
