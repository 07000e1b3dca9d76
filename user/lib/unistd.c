/*
 * user/lib/unistd.c - write(), _exit(), getpid(), fork(), gettid(), sleeping,
 * sysconf().
 */
#include <errno.h>
#include <kcalls.h>
#include <time.h>
#include <unistd.h>

#include "user/lib/libc.h"
#include "user/lib/syscall.h"

ssize_t write(int fd, const void *buf, size_t len)
{
	return __syscall_ret(syscall3(SYS_write, fd, (long)buf, (long)len));
}

long __write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0)
			return -1;
		if (n == 0) {		/* should not happen on the console */
			errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return (long)len;
}

void _exit(int status)
{
	syscall1(SYS_exit_group, status);
	for (;;)			/* the kernel does not come back */
		__asm__ volatile("ud2");
}

pid_t getpid(void)
{
	return (pid_t)syscall0(SYS_getpid);
}

pid_t fork(void)
{
	/* Nothing to flush first: stdio writes through (user/lib/stdio.c). */
	return (pid_t)__syscall_ret(syscall0(SYS_fork));
}

pid_t gettid(void)
{
	return (pid_t)syscall0(SYS_gettid);
}

int usleep(useconds_t usec)
{
	struct timespec ts = { usec / 1000000, (long)(usec % 1000000) * 1000 };

	return nanosleep(&ts, NULL);
}

unsigned int sleep(unsigned int seconds)
{
	struct timespec ts = { seconds, 0 }, rem = { 0, 0 };

	if (nanosleep(&ts, &rem) < 0)
		return (unsigned int)rem.tv_sec + (rem.tv_nsec > 0);
	return 0;
}

long sysconf(int name)
{
	switch (name) {
	case _SC_PAGESIZE:
		return 4096;
	case _SC_NPROCESSORS_CONF:	/* every CPU found is brought up */
	case _SC_NPROCESSORS_ONLN:
		return ncpus();
	case _SC_OPEN_MAX:
		return FD_MAX;
	default:
		errno = EINVAL;
		return -1;
	}
}
