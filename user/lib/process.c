/*
 * user/lib/process.c - the POSIX process calls: execve(), execv(),
 * waitpid(), wait(), kill(), getppid(), and getenv() over `environ`
 * (start.c sets it).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "user/lib/libc.h"
#include "user/lib/syscall.h"

int execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)__syscall_ret(syscall3(SYS_execve, (long)path, (long)argv, (long)envp));
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	return (pid_t)__syscall_ret(syscall4(SYS_wait4, pid, (long)status, options, 0));
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

int kill(pid_t pid, int sig)
{
	return (int)__syscall_ret(syscall2(SYS_kill, pid, sig));
}

pid_t getppid(void)
{
	return (pid_t)syscall0(SYS_getppid);
}

char *getenv(const char *name)
{
	size_t n = strlen(name);

	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}
