/*
 * sys/types.h - the POSIX integer types this libc uses.
 *
 * It also defines __KERNEL_LAB_LIBC__: a program built both here and
 * against glibc (user/bin/scale.c) tells the two apart with it.  __linux__
 * cannot: user code is compiled by the host's Linux gcc, which defines it.
 * unistd.h, sched.h, pthread.h, time.h, sys/mman.h and kcalls.h include
 * this header, so any of them brings the macro.
 */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H

#define __KERNEL_LAB_LIBC__ 1

#include <stddef.h>

typedef long ssize_t;
typedef long off_t;
typedef int pid_t;
typedef long time_t;
typedef int clockid_t;
typedef unsigned int useconds_t;
typedef unsigned int mode_t;

#endif
