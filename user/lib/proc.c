/*
 * user/lib/proc.c - process life: exit(), abort(), atexit(), and the
 * kernel's own spawn(), wait_pid(), ncpus() (<kcalls.h>).
 */
#include <kcalls.h>
#include <stdlib.h>
#include <unistd.h>

#include "user/lib/libc.h"
#include "user/lib/syscall.h"

#define ATEXIT_MAX 32

static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

void exit(int status)
{
	/* Last registered runs first.  Nothing to flush: stdio is unbuffered. */
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	_exit(status);		/* SYS_exit_group: every thread of the process */
}

void abort(void)
{
	static const char msg[] = "abort() called\n";

	__write_all(2, msg, sizeof(msg) - 1);
	_exit(128 + 6);		/* what a shell shows for SIGABRT */
}

int spawn(const char *name, char *const argv[])
{
	char *const def[] = { (char *)name, NULL };

	return (int)__syscall_ret(syscall2(SYS_spawn, (long)name,
					   (long)(argv ? argv : def)));
}

int wait_pid(int pid, int *status)
{
	return (int)__syscall_ret(syscall2(SYS_waitpid, pid, (long)status));
}

int ncpus(void)
{
	return (int)__syscall_ret(syscall0(SYS_ncpus));
}

int bench_report(const char *name, const char *metric, long x, const char *unit,
		 unsigned long median, unsigned long min, unsigned long max, unsigned long runs)
{
	unsigned long v[4] = { median, min, max, runs };
	return (int)__syscall_ret(syscall5(SYS_bench_report, (long)name, (long)metric, x,
					   (long)unit, (long)v));
}

int pinbuf_register(void *addr, unsigned long len, int write)
{
	return (int)__syscall_ret(syscall3(SYS_pinbuf_register, (long)addr, (long)len, write));
}

int pinbuf_unregister(int id)
{
	return (int)__syscall_ret(syscall1(SYS_pinbuf_unregister, id));
}

int pinbuf_peek(int id, unsigned long page, unsigned long out[2])
{
	return (int)__syscall_ret(syscall3(SYS_pinbuf_peek, id, (long)page, (long)out));
}

long gup_test(void *addr, unsigned long nr, unsigned flags, unsigned long *cycles)
{
	return __syscall_ret(syscall4(SYS_gup_test, (long)addr, (long)nr, flags, (long)cycles));
}

int fault_stats(unsigned long out[FAULT_STAT_NR])
{
	return (int)__syscall_ret(syscall1(SYS_fault_stats, (long)out));
}
