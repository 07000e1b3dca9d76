/*
 * kernel/locking/rwsem.c - fair reader-writer semaphore: one atomic on the
 * fast paths, a queue with handoff under contention.
 *
 * @count holds RWSEM_WRITER, RWSEM_WAITERS and one RWSEM_READER per
 * reader.  down_read() adds a READER unit and keeps it if neither WRITER
 * nor WAITERS was set; otherwise it takes the unit back and queues.  So an
 * uncontended reader writes the lock's cache line once, as Linux's does
 * (the lock line still bounces between CPUs: that is what speculative and
 * per-VMA faults avoid; a spinlock around every down_read was not).
 *
 * The slow path, under wait_lock: set WAITERS, queue, then try to grant to
 * the head of the queue (the lock may have been released meanwhile).
 * Grants are handed off: the granter updates @count on behalf of the
 * waiter and sets its `granted`; the waiter sleeps until then.
 *
 * No lost wakeup: every change of @count is an atomic read-modify-write,
 * so they are totally ordered.  Whoever leaves @count at exactly WAITERS
 * (no holder, somebody queued) - a release, or a reader backing off -
 * calls grant_waiters().  A waiter that set WAITERS after such a release
 * runs grant_waiters() itself after queueing.  Either way the queue head
 * is granted once the lock is free.
 */
#include "kernel/locking/rwsem.h"
#include "kernel/atomic.h"
#include "kernel/config.h"
#include "kernel/panic.h"
#include "kernel/sched/sched.h"

struct rwsem_waiter {
	struct list_head node;
	struct thread *thread;
	bool write;
	volatile bool granted;
};

static long count_add(struct rw_semaphore *s, long v)
{
	return __atomic_add_fetch(&s->count, v, __ATOMIC_ACQ_REL);
}

/* Grant to the head of the queue while it can have the lock.  wait_lock
 * held (so the queue and WAITERS change only here and in queue_and_wait). */
static void grant_waiters(struct rw_semaphore *s)
{
	while (!list_empty(&s->waiters)) {
		struct rwsem_waiter *w = list_first_entry(&s->waiters, struct rwsem_waiter, node);
		long c = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
		if (w->write) {
			/* Free but for the WAITERS bit: no holder, and no reader
			 * between its add and its back-off (it will call us). */
			if ((c & ~RWSEM_WAITERS) != 0)
				return;
			if (!__atomic_compare_exchange_n(&s->count, &c, c | RWSEM_WRITER, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
		} else {
			if (c & RWSEM_WRITER)
				return;
			if (!__atomic_compare_exchange_n(&s->count, &c, c + RWSEM_READER, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
		}
		list_del(&w->node);
		if (list_empty(&s->waiters))
			__atomic_fetch_and(&s->count, ~RWSEM_WAITERS, __ATOMIC_RELEASE);
		struct thread *t = w->thread;
		/* After granted is set the waiter may return and its stack
		 * frame (w) vanish; it cannot, though, before we release
		 * wait_lock, which it takes to check granted. */
		w->granted = true;
		wake_up_thread(t);
		if (w->write)
			return;
	}
}

/* @count was left at @c by our atomic: grant if that made the lock free
 * with waiters queued. */
static void maybe_grant(struct rw_semaphore *s, long c)
{
	if (c != RWSEM_WAITERS)
		return;
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
	grant_waiters(s);
	spin_unlock_irqrestore(&s->wait_lock, flags);
}

static void queue_and_wait(struct rw_semaphore *s, bool write)
{
	struct rwsem_waiter w = { .thread = current, .write = write };
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
	__atomic_fetch_or(&s->count, RWSEM_WAITERS, __ATOMIC_ACQ_REL);
	list_add_tail(&w.node, &s->waiters);
	grant_waiters(s);           /* it may have become free before WAITERS was set */
	for (;;) {
		set_current_state(THREAD_BLOCKED);
		bool granted = w.granted;
		spin_unlock_irqrestore(&s->wait_lock, flags);
		if (granted)
			break;
		schedule();
		spin_lock_irqsave(&s->wait_lock, flags);
	}
	__set_current_state(THREAD_RUNNING);
}

void down_read(struct rw_semaphore *s)
{
	might_sleep();
	long c = count_add(s, RWSEM_READER);
#ifdef CONFIG_SLEEPLOCK_BROKEN
	(void)c;
	return;                     /* test-only: ignore writers */
#endif
	if (!(c & (RWSEM_WRITER | RWSEM_WAITERS)))
		return;
	/* Back off, then queue behind whoever holds or waits. */
	maybe_grant(s, count_add(s, -RWSEM_READER));
	queue_and_wait(s, false);
}

bool down_read_trylock(struct rw_semaphore *s)
{
	long c = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
	do {
		if (c & (RWSEM_WRITER | RWSEM_WAITERS))
			return false;
	} while (!__atomic_compare_exchange_n(&s->count, &c, c + RWSEM_READER, false,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

void up_read(struct rw_semaphore *s)
{
	long c = count_add(s, -RWSEM_READER);
#ifndef CONFIG_SLEEPLOCK_BROKEN
	if (c < 0)
		panic("rwsem %s: up_read without a reader", s->name);
#endif
	maybe_grant(s, c);
}

void down_write(struct rw_semaphore *s)
{
	might_sleep();
#ifdef CONFIG_SLEEPLOCK_BROKEN
	__atomic_fetch_or(&s->count, RWSEM_WRITER, __ATOMIC_ACQ_REL);
	return;                     /* test-only: ignore everyone */
#endif
	if (down_write_trylock(s))
		return;
	queue_and_wait(s, true);
}

bool down_write_trylock(struct rw_semaphore *s)
{
	long c = 0;
	return __atomic_compare_exchange_n(&s->count, &c, RWSEM_WRITER, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void up_write(struct rw_semaphore *s)
{
#ifdef CONFIG_SLEEPLOCK_BROKEN
	__atomic_fetch_and(&s->count, ~RWSEM_WRITER, __ATOMIC_RELEASE);
	return;
#endif
	long c = count_add(s, -RWSEM_WRITER);
	if (c < 0 || (c & RWSEM_WRITER))
		panic("rwsem %s: up_write without a writer", s->name);
	maybe_grant(s, c);
}
