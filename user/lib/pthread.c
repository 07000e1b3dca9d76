/*
 * user/lib/pthread.c - POSIX threads on the kernel's SYS_thread_create /
 * SYS_thread_join, and the per-thread errno.
 *
 * A thread's memory is one THREAD_REGION-sized, THREAD_REGION-aligned
 * mapping:
 *
 *     base                                             base + THREAD_REGION
 *     | guard page (PROT_NONE) | stack, grows down <-- | struct thread |
 *
 * so __thread_self() (libc.h) finds the descriptor by masking RSP: errno
 * and pthread_self() cost no system call and need no TLS register.  The
 * guard page turns a stack overflow into a fault that kills the process
 * instead of silent corruption.  The joiner unmaps the region, after
 * SYS_thread_join has returned: the thread is gone and no longer runs on it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>

#include "user/lib/libc.h"
#include "user/lib/syscall.h"

struct thread __main_thread;

int *__errno_location(void)
{
	return &__thread_self()->errno_value;
}

/*
 * The new thread starts here, with RDI = its descriptor.  The kernel sets
 * RSP to the stack_top we gave it (16n - 8, as just after a call); aligning
 * again makes the entry correct whatever it did.  RBP = 0 ends backtraces.
 */
void __thread_start(void);
__asm__(".text\n"
	".globl __thread_start\n"
	".type __thread_start, @function\n"
	"__thread_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call __thread_main\n"
	"	ud2\n"
	".size __thread_start, . - __thread_start\n");

void __thread_main(struct thread *t) __attribute__((noreturn, used));

void __thread_main(struct thread *t)
{
	pthread_exit(t->fn(t->arg));
}

void pthread_exit(void *retval)
{
	struct thread *t = __thread_self();

	/* Published by SYS_exit; the joiner reads it after SYS_thread_join. */
	t->retval = retval;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	syscall1(SYS_exit, 0);
	for (;;)
		__asm__ volatile("ud2");
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	uintptr_t map, base, top;
	struct thread *t;
	long tid;

	if (attr && (attr->__detach != PTHREAD_CREATE_JOINABLE ||
		     attr->__stacksize > PTHREAD_STACK_MAX))
		return EINVAL;          /* asked for more than is given: pthread.h */
	/* Map twice the size, then trim to an aligned region. */
	map = (uintptr_t)mmap(NULL, 2 * THREAD_REGION, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == (uintptr_t)MAP_FAILED)
		return EAGAIN;
	base = (map + THREAD_REGION - 1) & ~(THREAD_REGION - 1);
	if (base > map)
		munmap((void *)map, base - map);
	if (map + 2 * THREAD_REGION > base + THREAD_REGION)
		munmap((void *)(base + THREAD_REGION),
		       map + 2 * THREAD_REGION - (base + THREAD_REGION));
	if (mprotect((void *)base, PAGE_SIZE, PROT_NONE) < 0)
		goto fail;

	t = (struct thread *)(base + THREAD_REGION - sizeof(struct thread));
	t->fn = fn;
	t->arg = arg;
	t->retval = NULL;
	t->errno_value = 0;
	top = ((uintptr_t)t & ~15ul) - 8;	/* as if __thread_start was called */

	tid = syscall3(SYS_thread_create, (long)__thread_start, (long)t, (long)top);
	if (tid < 0)
		goto fail;
	t->tid = (int)tid;	/* the new thread never reads it */
	*thread = (pthread_t)t;
	return 0;
fail:
	munmap((void *)base, THREAD_REGION);
	return EAGAIN;
}

int pthread_join(pthread_t thread, void **retval)
{
	struct thread *t = (struct thread *)thread;
	int code;
	long r;

	if (t == __thread_self())
		return EDEADLK;
	if (t == &__main_thread)
		return EINVAL;		/* the main thread cannot be joined here */
	r = syscall2(SYS_thread_join, t->tid, (long)&code);
	if (r < 0)
		return (int)-r;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (retval)
		*retval = t->retval;
	munmap((void *)((uintptr_t)t & ~(THREAD_REGION - 1)), THREAD_REGION);
	return 0;
}

pthread_t pthread_self(void)
{
	return (pthread_t)__thread_self();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	(void)attr;
	m->__locked = 0;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	return m->__locked ? EBUSY : 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return __atomic_exchange_n(&m->__locked, 1, __ATOMIC_ACQUIRE) ? EBUSY : 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	/* Test before exchanging, to spin on a shared cache line; yield so a
	 * preempted holder can finish. */
	while (pthread_mutex_trylock(m)) {
		for (int i = 0; __atomic_load_n(&m->__locked, __ATOMIC_RELAXED); i++) {
			if (i % 64 == 63)
				sched_yield();
			else
				__builtin_ia32_pause();
		}
	}
	return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	__atomic_store_n(&m->__locked, 0, __ATOMIC_RELEASE);
	return 0;
}
