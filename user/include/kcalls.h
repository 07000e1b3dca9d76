/*
 * kcalls.h - this kernel's own calls, which POSIX has no match for
 * (numbers from 1000 in kernel/proc/uapi/syscall.h).  Like the POSIX wrappers
 * they return -1 and set errno on failure.
 */
#ifndef _KCALLS_H
#define _KCALLS_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"

/**
 * spawn() - start a new process running an embedded program.
 * @name: the program's name in the kernel's table (user/bin/<name>.c).
 * @argv: its argument vector, NULL-terminated; argv[0] is by convention
 *        the name.  NULL (or empty) is taken as { name, NULL }.  @name may
 *        also be "/bin/NAME" (the same loader as execve()).
 * Return: the new process's pid, or -1 with errno (ENOENT: no such program;
 * EAGAIN: SPAWN_MAX_CHILDREN children are not waited for yet).
 */
int spawn(const char *name, char *const argv[]);

/**
 * wait_pid() - wait for a child process to end (a simple waitpid()).
 * @pid: the child's pid, as spawn() returned it.
 * @status: if not NULL, receives its wait status (<sys/wait.h>: WIFEXITED
 *          and WEXITSTATUS, or WIFSIGNALED and WTERMSIG for a process
 *          killed by kill() or a fault).  The same as waitpid(pid, st, 0).
 * Return: @pid, or -1 with errno (ECHILD: not a child of the caller, the
 * caller itself, or a child another thread already waits for; EINTR: the
 * caller's process is being killed).
 */
int wait_pid(int pid, int *status);

/** ncpus() - number of online CPUs. */
int ncpus(void);

/**
 * bench_report() - print one `BENCH {json}` result line through the kernel,
 * which adds the configuration, CPU count and accelerator (for user-space
 * benchmarks run by `make bench`).  @name, @metric and @unit are made of
 * letters, digits, `_` and `/`, shorter than BENCH_NAME_MAX,
 * BENCH_METRIC_MAX and BENCH_UNIT_MAX bytes (kernel/proc/uapi/syscall.h).
 * Return: 0, or -1 with errno (EFAULT, EINVAL: a character not allowed,
 * E2BIG: a string too long).
 */
int bench_report(const char *name, const char *metric, long x, const char *unit,
		 unsigned long median, unsigned long min, unsigned long max, unsigned long runs);

/**
 * pinbuf_register() - pin [@addr, @addr + @len) (page aligned) for the
 * kernel's pretend device, which then writes { PINBUF_DEV_MAGIC, pass }
 * at the start of each page every millisecond, through the pinned frames.
 * @write: pin for writing (the mapping must be writable).
 * Return: an id, or -1 with errno (EINVAL, EFAULT: not all mapped, EBUSY:
 * PINBUF_MAX buffers registered, ENOMEM).
 */
int pinbuf_register(void *addr, unsigned long len, int write);
/** pinbuf_unregister() - unpin buffer @id. Return: 0, or -1 with errno (EINVAL). */
int pinbuf_unregister(int id);
/** pinbuf_peek() - the device's view: the first two words of page @page of buffer @id. */
int pinbuf_peek(int id, unsigned long page, unsigned long out[2]);
/**
 * gup_test() - have the kernel take @nr pages at @addr (GUP_TEST_* flags:
 * fast part only, slow part only, pin, write), time the call, release them.
 * Return: pages taken (*@cycles: the call's TSC cycles), or -1 with errno.
 */
long gup_test(void *addr, unsigned long nr, unsigned flags, unsigned long *cycles);
/**
 * fault_stats() - the kernel's page-fault counts since boot, every CPU and
 * process together: @out[FAULT_STAT_LOCKED], [FAULT_STAT_SPF], ... (the
 * FAULT_STAT_* words of kernel/proc/uapi/syscall.h).  For benchmarks.
 * Return: 0, or -1 with errno (EFAULT).
 */
int fault_stats(unsigned long out[FAULT_STAT_NR]);

#endif
