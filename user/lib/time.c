/*
 * user/lib/time.c - clock_gettime() and nanosleep().
 */
#include <time.h>

#include "user/lib/syscall.h"

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	return (int)__syscall_ret(syscall2(SYS_clock_gettime, clk, (long)ts));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)__syscall_ret(syscall2(SYS_nanosleep, (long)req, (long)rem));
}
