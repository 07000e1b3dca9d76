/*
 * pthread.h - POSIX threads, the subset this kernel supports.
 *
 * Each thread gets a 128 KiB stack region of its own (lowest page a
 * PROT_NONE guard); pthread_join() frees it.  Attributes are not supported:
 * pass NULL (anything else gives EINVAL).  Threads must be joined (no
 * detach).  Mutexes spin, then yield; they are not robust or recursive.
 * Functions return 0 or an error number, as POSIX says; errno is untouched.
 */
#ifndef _PTHREAD_H
#define _PTHREAD_H

#include <sys/types.h>

typedef unsigned long pthread_t;		/* address of the thread's descriptor */
typedef struct { int __unused; } pthread_attr_t;
typedef struct { int __unused; } pthread_mutexattr_t;
typedef struct { volatile int __locked; } pthread_mutex_t;

#define PTHREAD_MUTEX_INITIALIZER { 0 }

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

#endif
