/*
 * unistd.h - process and I/O calls, sysconf().  Only fds 1 and 2 (the
 * console) exist; there is no read() yet.
 */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <sys/types.h>

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* sysconf() names, with glibc's values. */
#define _SC_PAGESIZE		30
#define _SC_PAGE_SIZE		_SC_PAGESIZE
#define _SC_NPROCESSORS_CONF	83
#define _SC_NPROCESSORS_ONLN	84

ssize_t write(int fd, const void *buf, size_t len);
void _exit(int status) __attribute__((noreturn));
pid_t getpid(void);
/**
 * fork() - a new process: a copy of this one, its memory shared
 * copy-on-write, running only the calling thread (docs/fork.md).
 * Return: the child's pid in the parent, 0 in the child; -1 with errno
 * EAGAIN (too many children not yet reaped) or ENOMEM.  Reap the child
 * with wait_pid().
 */
pid_t fork(void);
pid_t gettid(void);			/* as glibc's (a GNU extension) */
int usleep(useconds_t usec);
unsigned int sleep(unsigned int seconds);
long syscall(long nr, ...);		/* raw call: -1 and errno on failure */

/**
 * sysconf() - a system limit or option.
 * @name: _SC_PAGESIZE (4096), _SC_NPROCESSORS_ONLN or _SC_NPROCESSORS_CONF
 *        (both the kernel's online CPUs: it brings up every CPU it finds).
 * Return: the value, or -1 with errno EINVAL for any other name.
 */
long sysconf(int name);

#endif
