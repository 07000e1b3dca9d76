/*
 * kernel/sched/wait.c - wait queues (see wait.h for the no-lost-wakeup argument).
 * Lock order: wq->lock, then (inside wake_up_thread) a run-queue lock.
 */
#include "kernel/sched/wait.h"
#include "kernel/sched/sched.h"

void wait_entry_init(struct wait_entry *e, bool exclusive)
{
	e->thread = current;
	e->exclusive = exclusive;
	INIT_LIST_HEAD(&e->node);
}

void prepare_to_wait(struct wait_queue_head *wq, struct wait_entry *e)
{
	unsigned long flags;
	spin_lock_irqsave(&wq->lock, flags);
	if (list_empty(&e->node))
		list_add_tail(&e->node, &wq->waiters);
	/* Under the lock: a waker scanning the queue after this sees us. */
	set_current_state(THREAD_BLOCKED);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void finish_wait(struct wait_queue_head *wq, struct wait_entry *e)
{
	__set_current_state(THREAD_RUNNING);
	unsigned long flags;
	spin_lock_irqsave(&wq->lock, flags);
	if (!list_empty(&e->node))
		list_del_init(&e->node);
	spin_unlock_irqrestore(&wq->lock, flags);
}

static void __wake_up(struct wait_queue_head *wq, bool one)
{
	unsigned long flags;
	spin_lock_irqsave(&wq->lock, flags);
	struct wait_entry *e, *tmp;
	list_for_each_entry_safe(e, tmp, &wq->waiters, node) {
		bool woke = wake_up_thread(e->thread);
		if (one && woke && e->exclusive)
			break;
	}
	spin_unlock_irqrestore(&wq->lock, flags);
}

void wake_up(struct wait_queue_head *wq) { __wake_up(wq, false); }
void wake_up_one(struct wait_queue_head *wq) { __wake_up(wq, true); }
