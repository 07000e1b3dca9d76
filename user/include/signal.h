/*
 * signal.h - sending signals.  There are no handlers: SIGKILL and SIGTERM
 * (the only ones kill() sends) always terminate, and a fault ends a
 * process with SIGSEGV.  Numbers from kernel/proc/uapi/wait.h.
 */
#ifndef _SIGNAL_H
#define _SIGNAL_H

#include <sys/types.h>
#include "kernel/proc/uapi/wait.h"

/**
 * kill() - send @sig to process @pid: SIGKILL, SIGTERM, or 0 (only check).
 * Only this process and its descendants may be signalled.
 * Return: 0, or -1 with errno (ESRCH: no such process; EPERM: not a
 * descendant; EINVAL: another signal, or @pid <= 0: no process groups).
 */
int kill(pid_t pid, int sig);

#endif
