/*
 * user/lib/syscall.c - the errno convention of every wrapper, and the
 * generic syscall() of <unistd.h>.
 */
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "user/lib/syscall.h"

long __syscall_ret(long r)
{
	/* Linux's rule: only -4095..-1 are errors (mmap may return high addresses). */
	if ((unsigned long)r > -4096ul) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);	/* reads junk past the real ones: harmless */
	va_end(ap);
	return __syscall_ret(syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}
