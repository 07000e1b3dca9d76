/*
 * kernel/locking/rwsem.c - fair reader-writer semaphore with handoff.
 *
 * All state sits under wait_lock: simple to read, and every down_read()
 * writes the same cache line, which is exactly the bouncing the `rwsem`
 * benchmark measures (and speculative page faults exist to avoid).
 * Grants are handed off: the releaser updates readers/writer on behalf of
 * the waiters it wakes, and each waiter sleeps until its `granted` is set.
 */
#include "kernel/locking/rwsem.h"
#include "kernel/config.h"
#include "kernel/panic.h"
#include "kernel/sched/sched.h"

struct rwsem_waiter {
	struct list_head node;
	struct thread *thread;
	bool write;
	volatile bool granted;
};

/* Grant to the head of the queue. wait_lock held. */
static void grant_waiters(struct rw_semaphore *s)
{
	while (!list_empty(&s->waiters)) {
		struct rwsem_waiter *w = list_first_entry(&s->waiters, struct rwsem_waiter, node);
		if (w->write) {
			if (s->readers || s->writer)
				return;
			s->writer = true;
		} else {
			if (s->writer)
				return;
			s->readers++;
		}
		list_del(&w->node);
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

static void wait_for_grant(struct rw_semaphore *s, struct rwsem_waiter *w, unsigned long flags)
{
	list_add_tail(&w->node, &s->waiters);
	for (;;) {
		set_current_state(THREAD_BLOCKED);
		bool granted = w->granted;
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
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
#ifdef CONFIG_SLEEPLOCK_BROKEN
	s->readers++;               /* test-only: ignore writers */
	spin_unlock_irqrestore(&s->wait_lock, flags);
	return;
#endif
	if (!s->writer && list_empty(&s->waiters)) {
		s->readers++;
		spin_unlock_irqrestore(&s->wait_lock, flags);
		return;
	}
	struct rwsem_waiter w = { .thread = current, .write = false };
	wait_for_grant(s, &w, flags);
}

bool down_read_trylock(struct rw_semaphore *s)
{
	unsigned long flags;
	bool ok = false;
	spin_lock_irqsave(&s->wait_lock, flags);
	if (!s->writer && list_empty(&s->waiters)) {
		s->readers++;
		ok = true;
	}
	spin_unlock_irqrestore(&s->wait_lock, flags);
	return ok;
}

void up_read(struct rw_semaphore *s)
{
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
#ifndef CONFIG_SLEEPLOCK_BROKEN
	if (s->readers <= 0)
		panic("rwsem %s: up_read without a reader", s->name);
#endif
	if (--s->readers == 0)
		grant_waiters(s);
	spin_unlock_irqrestore(&s->wait_lock, flags);
}

void down_write(struct rw_semaphore *s)
{
	might_sleep();
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
#ifdef CONFIG_SLEEPLOCK_BROKEN
	s->writer = true;           /* test-only: ignore everyone */
	spin_unlock_irqrestore(&s->wait_lock, flags);
	return;
#endif
	if (!s->writer && !s->readers && list_empty(&s->waiters)) {
		s->writer = true;
		spin_unlock_irqrestore(&s->wait_lock, flags);
		return;
	}
	struct rwsem_waiter w = { .thread = current, .write = true };
	wait_for_grant(s, &w, flags);
}

bool down_write_trylock(struct rw_semaphore *s)
{
	unsigned long flags;
	bool ok = false;
	spin_lock_irqsave(&s->wait_lock, flags);
	if (!s->writer && !s->readers && list_empty(&s->waiters)) {
		s->writer = true;
		ok = true;
	}
	spin_unlock_irqrestore(&s->wait_lock, flags);
	return ok;
}

void up_write(struct rw_semaphore *s)
{
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
#ifndef CONFIG_SLEEPLOCK_BROKEN
	if (!s->writer)
		panic("rwsem %s: up_write without a writer", s->name);
#endif
	s->writer = false;
	grant_waiters(s);
	spin_unlock_irqrestore(&s->wait_lock, flags);
}
