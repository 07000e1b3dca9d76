/*
 * user/lib/posix_string.c - the <string.h> calls that lib/string.c (the
 * kernel's, compiled in as is) does not have.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *strcpy(char *dst, const char *src)
{
	memcpy(dst, src, strlen(src) + 1);
	return dst;
}

char *strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	return p ? memcpy(p, s, n) : NULL;
}

static const struct {
	int num;
	const char *text;
} errors[] = {
	{ 0, "Success" },
	{ EPERM, "EPERM (Operation not permitted)" },
	{ ENOENT, "ENOENT (No such file or directory)" },
	{ ESRCH, "ESRCH (No such process)" },
	{ EINTR, "EINTR (Interrupted system call)" },
	{ EIO, "EIO (Input/output error)" },
	{ E2BIG, "E2BIG (Argument list too long)" },
	{ ENOEXEC, "ENOEXEC (Exec format error)" },
	{ ECHILD, "ECHILD (No child processes)" },
	{ EAGAIN, "EAGAIN (Resource temporarily unavailable)" },
	{ ENOMEM, "ENOMEM (Cannot allocate memory)" },
	{ EACCES, "EACCES (Permission denied)" },
	{ EFAULT, "EFAULT (Bad address)" },
	{ EBUSY, "EBUSY (Device or resource busy)" },
	{ EEXIST, "EEXIST (File exists)" },
	{ ENODEV, "ENODEV (No such device)" },
	{ EINVAL, "EINVAL (Invalid argument)" },
	{ ENOSPC, "ENOSPC (No space left on device)" },
	{ ERANGE, "ERANGE (Numerical result out of range)" },
	{ EDEADLK, "EDEADLK (Resource deadlock avoided)" },
	{ ENOSYS, "ENOSYS (Function not implemented)" },
	{ ETIMEDOUT, "ETIMEDOUT (Connection timed out)" },
	{ EBADF, "EBADF (Bad file descriptor)" },
	{ EXDEV, "EXDEV (Invalid cross-device link)" },
	{ ENOTDIR, "ENOTDIR (Not a directory)" },
	{ EISDIR, "EISDIR (Is a directory)" },
	{ ENFILE, "ENFILE (Too many open files in system)" },
	{ EMFILE, "EMFILE (Too many open files)" },
	{ ENOTTY, "ENOTTY (Inappropriate ioctl for device)" },
	{ EFBIG, "EFBIG (File too large)" },
	{ ESPIPE, "ESPIPE (Illegal seek)" },
	{ EROFS, "EROFS (Read-only file system)" },
	{ EPIPE, "EPIPE (Broken pipe)" },
	{ ENAMETOOLONG, "ENAMETOOLONG (File name too long)" },
	{ ENOTEMPTY, "ENOTEMPTY (Directory not empty)" },
	{ EOVERFLOW, "EOVERFLOW (Value too large for defined data type)" },
};

char *strerror(int errnum)
{
	static char unknown[32];	/* not thread-safe, like ISO C's */

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].num == errnum)
			return (char *)errors[i].text;
	snprintf(unknown, sizeof(unknown), "Unknown error %d", errnum);
	return unknown;
}
