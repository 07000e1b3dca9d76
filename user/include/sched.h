/*
 * sched.h - CPU affinity and yielding, with glibc's names (which glibc
 * shows under _GNU_SOURCE).  A cpu_set_t holds CPU_SETSIZE bits (the
 * kernel's NR_CPUS, from kernel/proc/uapi/syscall.h); CPU numbers at or above
 * it are ignored by the macros, as glibc does.
 *
 * pid 0 in sched_setaffinity()/sched_getaffinity() means the calling
 * thread; a thread id (gettid()) names another thread.
 */
#ifndef _SCHED_H
#define _SCHED_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"

typedef struct {
	unsigned long __bits[CPU_SETSIZE / (8 * sizeof(unsigned long))];
} cpu_set_t;

#define __CPU_WORD(cpu)	((cpu) / (8 * sizeof(unsigned long)))
#define __CPU_BIT(cpu)	(1ul << ((cpu) % (8 * sizeof(unsigned long))))
#define __CPU_OK(cpu)	((unsigned long)(cpu) < CPU_SETSIZE)

#define CPU_ZERO(set)	__builtin_memset((set), 0, sizeof(cpu_set_t))
#define CPU_SET(cpu, set) \
	((void)(__CPU_OK(cpu) ? ((set)->__bits[__CPU_WORD(cpu)] |= __CPU_BIT(cpu)) : 0))
#define CPU_CLR(cpu, set) \
	((void)(__CPU_OK(cpu) ? ((set)->__bits[__CPU_WORD(cpu)] &= ~__CPU_BIT(cpu)) : 0))
#define CPU_ISSET(cpu, set) \
	(__CPU_OK(cpu) ? (((set)->__bits[__CPU_WORD(cpu)] & __CPU_BIT(cpu)) != 0) : 0)
#define CPU_COUNT(set)	__cpu_count(sizeof(cpu_set_t), (set))

int __cpu_count(size_t size, const cpu_set_t *set);
int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set);
int sched_getaffinity(pid_t pid, size_t size, cpu_set_t *set);
int sched_getcpu(void);
int sched_yield(void);

#endif
