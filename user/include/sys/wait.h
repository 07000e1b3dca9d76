/*
 * sys/wait.h - waiting for child processes.  The options and the status
 * macros are the kernel's (kernel/proc/uapi/wait.h), with Linux's values:
 * WIFEXITED/WEXITSTATUS for a child that called exit() or returned from
 * main, WIFSIGNALED/WTERMSIG for one killed (kill(), or SIGSEGV: a fault).
 */
#ifndef _SYS_WAIT_H
#define _SYS_WAIT_H

#include <sys/types.h>
#include "kernel/proc/uapi/wait.h"

/**
 * waitpid() - wait for a child to end, and reap it.
 * @pid: the child, or -1 (or 0: there is one process group) for any.
 * @status: if not NULL, its wait status.
 * @options: 0, or WNOHANG: do not sleep.
 * Return: the child's pid; 0 with WNOHANG if none has ended; -1 with errno
 * (ECHILD: no such child; EINTR: this process is being killed; EINVAL:
 * an unknown option; EFAULT).
 */
pid_t waitpid(pid_t pid, int *status, int options);
/** wait() - waitpid(-1, @status, 0). */
pid_t wait(int *status);

#endif
