/*
 * pthread.h - POSIX threads, the subset this kernel supports.
 *
 * Each thread gets a 128 KiB stack region of its own (lowest page a
 * PROT_NONE guard); pthread_join() frees it.  Attributes: an attribute
 * object from pthread_attr_init() is accepted as long as it asks for what
 * is given anyway (joinable; a stack size up to PTHREAD_STACK_MAX);
 * asking for more (detached threads, a bigger stack) gives EINVAL, it is
 * never silently ignored.  Mutexes, condition variables and barriers spin,
 * then yield (no futex): right, but a waiter burns a share of its CPU.
 * They are not robust, recursive or process-shared.
 * Functions return 0 or an error number, as POSIX says; errno is untouched.
 */
#ifndef _PTHREAD_H
#define _PTHREAD_H

#include <sys/types.h>

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1       /* not supported: EINVAL */
#define PTHREAD_STACK_MIN  16384
#define PTHREAD_STACK_MAX  (120 * 1024) /* what the 128 KiB region leaves */
#define PTHREAD_BARRIER_SERIAL_THREAD (-1)

typedef unsigned long pthread_t;		/* address of the thread's descriptor */
typedef struct { int __detach; size_t __stacksize; } pthread_attr_t;
typedef struct { int __unused; } pthread_mutexattr_t;
typedef struct { int __unused; } pthread_condattr_t;
typedef struct { int __unused; } pthread_barrierattr_t;
typedef struct { volatile int __locked; } pthread_mutex_t;
typedef struct { volatile unsigned __seq; } pthread_cond_t;
typedef struct {
	unsigned __count;               /* threads that meet at it */
	volatile unsigned __arrived;    /* of this round */
	volatile unsigned __round;
} pthread_barrier_t;

#define PTHREAD_MUTEX_INITIALIZER { 0 }
#define PTHREAD_COND_INITIALIZER { 0 }

int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size);

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg);
int pthread_join(pthread_t thread, void **retval);
void pthread_exit(void *retval) __attribute__((noreturn));
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_unlock(pthread_mutex_t *m);

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_signal(pthread_cond_t *c);	/* wakes every waiter: allowed */
int pthread_cond_broadcast(pthread_cond_t *c);

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count);
int pthread_barrier_destroy(pthread_barrier_t *b);
int pthread_barrier_wait(pthread_barrier_t *b);

#endif
