/*
 * user/lib/sched.c - affinity, current CPU, yielding.
 */
#include <sched.h>
#include <string.h>

#include "user/lib/syscall.h"

int __cpu_count(size_t size, const cpu_set_t *set)
{
	int n = 0;

	for (size_t i = 0; i < size / sizeof(unsigned long); i++)
		n += __builtin_popcountl(set->__bits[i]);
	return n;
}

int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set)
{
	return (int)__syscall_ret(syscall3(SYS_sched_setaffinity, pid, (long)size,
					   (long)set));
}

int sched_getaffinity(pid_t pid, size_t size, cpu_set_t *set)
{
	long r = __syscall_ret(syscall3(SYS_sched_getaffinity, pid, (long)size,
					(long)set));

	/* The raw call returns the bytes it wrote; POSIX-style, clear the rest. */
	if (r < 0)
		return -1;
	if ((size_t)r < size)
		memset((char *)set + r, 0, size - (size_t)r);
	return 0;
}

int sched_getcpu(void)
{
	unsigned int cpu = 0;
	long r = __syscall_ret(syscall3(SYS_getcpu, (long)&cpu, 0, 0));

	return r < 0 ? -1 : (int)cpu;
}

int sched_yield(void)
{
	return (int)__syscall_ret(syscall0(SYS_sched_yield));
}
