/*
 * user/lib/fileio.c - the descriptor and file calls of <unistd.h>,
 * <fcntl.h> and <sys/stat.h>: each one system call (Linux's number), its
 * error turned into -1 and errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include "user/lib/syscall.h"

ssize_t read(int fd, void *buf, size_t len)
{
	return __syscall_ret(syscall3(SYS_read, fd, (long)buf, (long)len));
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return __syscall_ret(syscall4(SYS_pread64, fd, (long)buf, (long)len, off));
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return __syscall_ret(syscall4(SYS_pwrite64, fd, (long)buf, (long)len, off));
}

int close(int fd)
{
	return (int)__syscall_ret(syscall1(SYS_close, fd));
}

off_t lseek(int fd, off_t off, int whence)
{
	return __syscall_ret(syscall3(SYS_lseek, fd, off, whence));
}

int ftruncate(int fd, off_t len)
{
	return (int)__syscall_ret(syscall2(SYS_ftruncate, fd, len));
}

int unlink(const char *path)
{
	return (int)__syscall_ret(syscall1(SYS_unlink, (long)path));
}

int rmdir(const char *path)
{
	return (int)__syscall_ret(syscall1(SYS_rmdir, (long)path));
}

int mkdir(const char *path, mode_t mode)
{
	return (int)__syscall_ret(syscall2(SYS_mkdir, (long)path, mode));
}

int dup(int fd)
{
	return (int)__syscall_ret(syscall1(SYS_dup, fd));
}

int dup2(int oldfd, int newfd)
{
	return (int)__syscall_ret(syscall2(SYS_dup2, oldfd, newfd));
}

int pipe(int fds[2])
{
	return (int)__syscall_ret(syscall1(SYS_pipe, (long)fds));
}

char *getcwd(char *buf, size_t size)
{
	if (!buf) {
		errno = ERANGE;
		return NULL;
	}
	return __syscall_ret(syscall2(SYS_getcwd, (long)buf, (long)size)) < 0 ? NULL : buf;
}

int chdir(const char *path)
{
	return (int)__syscall_ret(syscall1(SYS_chdir, (long)path));
}

int stat(const char *path, struct stat *st)
{
	return (int)__syscall_ret(syscall2(SYS_stat, (long)path, (long)st));
}

int fstat(int fd, struct stat *st)
{
	return (int)__syscall_ret(syscall2(SYS_fstat, fd, (long)st));
}

int isatty(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return 0;
	if (!S_ISCHR(st.st_mode)) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

/* The mode argument follows only with O_CREAT (POSIX); va_arg reads it then. */
#define MODE_ARG(flags, mode) do { va_list ap; va_start(ap, flags); \
	mode = (flags) & O_CREAT ? va_arg(ap, unsigned) : 0; va_end(ap); } while (0)

int openat(int dirfd, const char *path, int flags, ...)
{
	unsigned mode;
	MODE_ARG(flags, mode);
	return (int)__syscall_ret(syscall4(SYS_openat, dirfd, (long)path, flags, mode));
}

int open(const char *path, int flags, ...)
{
	unsigned mode;
	MODE_ARG(flags, mode);
	return (int)__syscall_ret(syscall3(SYS_open, (long)path, flags, mode));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int fcntl(int fd, int cmd, ...)
{
	(void)fd, (void)cmd;
	errno = ENOSYS;
	return -1;
}

int getpagesize(void)
{
	return 4096;
}
