/*
 * unistd.h - process and I/O calls.  Only fds 1 and 2 (the console) exist;
 * there is no read() yet.
 */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <sys/types.h>

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

ssize_t write(int fd, const void *buf, size_t len);
void _exit(int status) __attribute__((noreturn));
pid_t getpid(void);
pid_t gettid(void);			/* as glibc's (a GNU extension) */
int usleep(useconds_t usec);
unsigned int sleep(unsigned int seconds);
long syscall(long nr, ...);		/* raw call: -1 and errno on failure */

#endif
