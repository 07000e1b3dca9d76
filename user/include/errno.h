/*
 * errno.h - error numbers (Linux's values, from kernel/errno.h) and errno.
 *
 * errno is per thread: it lives in the calling thread's descriptor, which
 * __errno_location() finds from the stack pointer (see user/lib/pthread.c).
 * System-call wrappers set it only on failure, as POSIX says.
 */
#ifndef _ERRNO_H
#define _ERRNO_H

#include "kernel/errno.h"

int *__errno_location(void) __attribute__((const));
#define errno (*__errno_location())

#endif
