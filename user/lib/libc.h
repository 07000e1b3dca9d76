/*
 * user/lib/libc.h - the libc's internal interfaces between its files.
 */
#ifndef USER_LIB_LIBC_H
#define USER_LIB_LIBC_H

#include <stddef.h>
#include <stdint.h>

/*
 * A thread's descriptor.  For a pthread it sits at the top of its stack
 * region (THREAD_REGION bytes, THREAD_REGION-aligned), so the running
 * thread finds its own from RSP with a mask and no system call; the main
 * thread's is a static, recognised by RSP lying in the main stack.
 */
struct thread {
	void *(*fn)(void *);
	void *arg;
	void *retval;		/* fn's result, read by the joiner */
	int tid;		/* kernel thread id; 0 until pthread_create knows it */
	int errno_value;	/* this thread's errno */
};

#define THREAD_REGION	(128ul << 10)	/* stack + guard + descriptor */
#define PAGE_SIZE	4096ul

extern uintptr_t __main_stack_top;	/* set by __libc_start() first thing */
extern struct thread __main_thread;

/**
 * __thread_self() - the calling thread's descriptor.
 * Context: any thread, any time after __libc_start() began.
 */
static inline struct thread *__thread_self(void)
{
	uintptr_t sp;

	__asm__("mov %%rsp, %0" : "=r"(sp));
	/* USER_STACK_SIZE (8 MiB) bounds the main stack; see kernel/uapi. */
	if (__main_stack_top - sp < (8ul << 20))
		return &__main_thread;
	return (struct thread *)((sp & ~(THREAD_REGION - 1)) + THREAD_REGION -
				 sizeof(struct thread));
}

/*
 * A stdio stream (FILE).  Writes are not buffered (stdio.c's invariant);
 * reads go through @rbuf, so fgets() and fgetc() cost one read() per
 * buffer, not per byte.  rbuf[rpos..rlen) is read from @fd but not yet
 * consumed: the descriptor's offset is ahead of the stream's by that much.
 */
struct __file {
	int fd;
	int eof, err;
	int heap;			/* fopen()ed: fclose() frees it */
	size_t rpos, rlen;
	char rbuf[512];
};

/* Write all of @len bytes to @fd; returns @len or -1 (errno set). */
long __write_all(int fd, const void *buf, size_t len);

#endif
