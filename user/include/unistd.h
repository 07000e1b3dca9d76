/*
 * unistd.h - process, descriptor and file calls, sysconf(), getopt().
 *
 * Descriptors name files of the RAM file system, pipes and the console
 * (fds 0, 1, 2 at start; reading the console gives end of file: its input
 * belongs to the kernel monitor).  Not here yet: fork, execve, waitpid,
 * getppid (docs/user.md says which issue brings them), access, link,
 * symlink, chown (no users or links): their absence is a link error, not
 * a silent stub.
 */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <sys/types.h>
#include "kernel/proc/uapi/syscall.h"   /* SEEK_*, the limits */

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* sysconf() names, with glibc's values. */
#define _SC_PAGESIZE		30
#define _SC_PAGE_SIZE		_SC_PAGESIZE
#define _SC_OPEN_MAX		4
#define _SC_NPROCESSORS_CONF	83
#define _SC_NPROCESSORS_ONLN	84

ssize_t read(int fd, void *buf, size_t len);
ssize_t write(int fd, const void *buf, size_t len);
ssize_t pread(int fd, void *buf, size_t len, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t len, off_t off);
int close(int fd);
off_t lseek(int fd, off_t off, int whence);
int ftruncate(int fd, off_t len);
int unlink(const char *path);
int rmdir(const char *path);
int dup(int fd);
int dup2(int oldfd, int newfd);
int pipe(int fds[2]);
char *getcwd(char *buf, size_t size);	/* buf NULL: ERANGE (no malloc'ing form) */
int chdir(const char *path);
int isatty(int fd);			/* 1 on the console, else 0 with ENOTTY */
int getpagesize(void);
void _exit(int status) __attribute__((noreturn));
pid_t getpid(void);
/**
 * fork() - a new process: a copy of this one, its memory shared
 * copy-on-write, running only the calling thread (docs/fork.md).
 * Return: the child's pid in the parent, 0 in the child; -1 with errno
 * EAGAIN (too many children not yet reaped) or ENOMEM.  Reap the child
 * with wait_pid().
 */
pid_t fork(void);
/** getppid() - the parent's pid; 0 when the parent is the kernel (a program
 * the monitor ran, or an orphan: the kernel reaps orphans). */
pid_t getppid(void);

/* The environment of this process: NULL-terminated "NAME=value" strings. */
extern char **environ;

/**
 * execve() - replace this process's program with the embedded program
 * @path ("/bin/NAME" or "NAME"), with arguments @argv and environment
 * @envp (NULL-terminated vectors; NULL counts as empty).  Every other
 * thread of the process ends; pid, parent and children stay.
 * Return: only on failure, -1 with errno (ENOENT: no such program,
 * ENOEXEC: bad ELF, EFAULT: a bad pointer, E2BIG: more than 64 strings or
 * 3 KiB of them, ENAMETOOLONG, ENOMEM); the caller is then untouched.
 */
int execve(const char *path, char *const argv[], char *const envp[]);
/** execv() - execve() with this process's environment. */
int execv(const char *path, char *const argv[]);
pid_t gettid(void);			/* as glibc's (a GNU extension) */
int usleep(useconds_t usec);
unsigned int sleep(unsigned int seconds);
long syscall(long nr, ...);		/* raw call: -1 and errno on failure */

/**
 * sysconf() - a system limit or option.
 * @name: _SC_PAGESIZE (4096), _SC_NPROCESSORS_ONLN or _SC_NPROCESSORS_CONF
 *        (both the kernel's online CPUs: it brings up every CPU it finds),
 *        _SC_OPEN_MAX (FD_MAX).
 * Return: the value, or -1 with errno EINVAL for any other name.
 */
long sysconf(int name);

/* getopt(): POSIX's, short options only ("ab:c"); no GNU permutation. */
extern char *optarg;
extern int optind, opterr, optopt;
int getopt(int argc, char *const argv[], const char *optstring);

#endif
