/*
 * kernel/locking/mutex.c - mutexes with direct handoff.
 *
 * Unlock with waiters gives ownership straight to the oldest waiter (sets
 * ->owner to it before waking it), so a thread that keeps relocking cannot
 * overtake the queue.  The waiter sleeps until it sees itself as owner.
 *
 * ->owner is written and read under wait_lock, except by
 * mutex_is_locked() (a racy peek, READ_ONCE): so the stores are
 * WRITE_ONCE.
 */
#include "kernel/locking/mutex.h"
#include "kernel/config.h"
#include "kernel/panic.h"
#include "kernel/sched/sched.h"

struct mutex_waiter {
	struct list_head node;
	struct thread *thread;
};

void mutex_lock(struct mutex *m)
{
	might_sleep();
	struct thread *me = current;
	unsigned long flags;
	spin_lock_irqsave(&m->wait_lock, flags);
	if (m->owner == me)
		panic("mutex %s: recursive mutex_lock by thread %s", m->name, me->name);
#ifdef CONFIG_SLEEPLOCK_BROKEN
	/* Test-only: never wait.  Mutual exclusion is gone. */
	WRITE_ONCE(m->owner, me);
	spin_unlock_irqrestore(&m->wait_lock, flags);
	return;
#endif
	if (!m->owner) {
		WRITE_ONCE(m->owner, me);
		spin_unlock_irqrestore(&m->wait_lock, flags);
		return;
	}
	struct mutex_waiter w = { .thread = me };
	list_add_tail(&w.node, &m->waiters);
	for (;;) {
		/* Blocked before dropping the lock: the unlocker's wakeup
		 * (after it made us owner) cannot be missed. */
		set_current_state(THREAD_BLOCKED);
		bool mine = m->owner == me;
		spin_unlock_irqrestore(&m->wait_lock, flags);
		if (mine)
			break;
		schedule();
		spin_lock_irqsave(&m->wait_lock, flags);
	}
	__set_current_state(THREAD_RUNNING);
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long flags;
	bool ok = false;
	spin_lock_irqsave(&m->wait_lock, flags);
	if (!m->owner) {
		WRITE_ONCE(m->owner, current);
		ok = true;
	}
	spin_unlock_irqrestore(&m->wait_lock, flags);
	return ok;
}

void mutex_unlock(struct mutex *m)
{
	unsigned long flags;
	spin_lock_irqsave(&m->wait_lock, flags);
#ifndef CONFIG_SLEEPLOCK_BROKEN
	if (m->owner != current)
		panic("mutex %s: unlocked by %s, owner is %s", m->name, current->name,
		      m->owner ? m->owner->name : "nobody");
#endif
	if (list_empty(&m->waiters)) {
		WRITE_ONCE(m->owner, NULL);
		spin_unlock_irqrestore(&m->wait_lock, flags);
		return;
	}
	struct mutex_waiter *w = list_first_entry(&m->waiters, struct mutex_waiter, node);
	list_del(&w->node);
	struct thread *next = w->thread;    /* w lives on its stack: read it first */
	WRITE_ONCE(m->owner, next);
	wake_up_thread(next);
	spin_unlock_irqrestore(&m->wait_lock, flags);
}
