/*
 * time.h - clocks and sleeping.  struct timespec and the clock ids come
 * from kernel/proc/uapi/syscall.h.  CLOCK_REALTIME counts from boot here, like
 * CLOCK_MONOTONIC (there is no wall clock).
 */
#ifndef _TIME_H
#define _TIME_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"

int clock_gettime(clockid_t clk, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem);

#endif
