/*
 * user/lib/pthread_sync.c - thread attributes, condition variables and
 * barriers (pthread.h), built on a counter and spin-then-yield waits:
 * there is no futex yet, so a waiter polls.
 *
 * Condition variable: a sequence number.  A waiter reads it while holding
 * the mutex, unlocks, waits for it to change, relocks.  signal/broadcast
 * bump it (with the mutex held or not).  No wakeup is lost: a signal after
 * the waiter's read changes the number it waits on; one before the read
 * happened before the waiter took the mutex and tested its predicate,
 * which the signaller changed first (the mutex orders the two).  The
 * waiter's load is an acquire, pairing with the bump's release, so what
 * the signaller wrote before it is visible after the wait.  Every waiter
 * wakes on any bump (signal as broadcast): POSIX allows spurious wakeups.
 *
 * Barrier: threads count in; the last resets the count and advances the
 * round (release), the others wait for the round to change (acquire).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

int pthread_attr_init(pthread_attr_t *attr)
{
	attr->__detach = PTHREAD_CREATE_JOINABLE;
	attr->__stacksize = PTHREAD_STACK_MAX;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->__detach = state;         /* DETACHED: pthread_create() refuses it */
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (size < PTHREAD_STACK_MIN)
		return EINVAL;
	attr->__stacksize = size;       /* over PTHREAD_STACK_MAX: pthread_create() refuses */
	return 0;
}

/* Spin a little, then yield the CPU, until *@p != @old. */
static void wait_change(volatile unsigned *p, unsigned old)
{
	for (int i = 0; __atomic_load_n(p, __ATOMIC_ACQUIRE) == old; i++) {
		if (i % 64 == 63)
			sched_yield();
		else
			__builtin_ia32_pause();
	}
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
	(void)attr;
	c->__seq = 0;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	(void)c;
	return 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	unsigned seq = __atomic_load_n(&c->__seq, __ATOMIC_RELAXED);   /* under m */
	pthread_mutex_unlock(m);
	wait_change(&c->__seq, seq);    /* acquire: pairs with the bump's release */
	pthread_mutex_lock(m);
	return 0;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	__atomic_fetch_add(&c->__seq, 1, __ATOMIC_RELEASE);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	return pthread_cond_signal(c);
}

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count)
{
	(void)attr;
	if (!count)
		return EINVAL;
	b->__count = count;
	b->__arrived = 0;
	b->__round = 0;
	return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	return b->__arrived ? EBUSY : 0;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
	unsigned round = __atomic_load_n(&b->__round, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&b->__arrived, 1, __ATOMIC_ACQ_REL) == b->__count) {
		b->__arrived = 0;
		/* Release: the reset (and all we did) before the new round. */
		__atomic_fetch_add(&b->__round, 1, __ATOMIC_RELEASE);
		return PTHREAD_BARRIER_SERIAL_THREAD;
	}
	wait_change(&b->__round, round);
	return 0;
}
