/*
 * kernel/sched/completion.c - completions on top of wait queues.
 */
#include "kernel/sched/completion.h"
#include "kernel/sched/sched.h"

#define DONE_ALL (~0u / 2)

void complete(struct completion *c)
{
	unsigned long flags;
	spin_lock_irqsave(&c->wq.lock, flags);
	if (c->done < DONE_ALL)
		c->done++;
	spin_unlock_irqrestore(&c->wq.lock, flags);
	wake_up(&c->wq);
}

void complete_all(struct completion *c)
{
	unsigned long flags;
	spin_lock_irqsave(&c->wq.lock, flags);
	c->done = DONE_ALL;
	spin_unlock_irqrestore(&c->wq.lock, flags);
	wake_up(&c->wq);
}

/* Consume one completion if there is one. */
static bool try_consume(struct completion *c)
{
	unsigned long flags;
	bool ok = false;
	spin_lock_irqsave(&c->wq.lock, flags);
	if (c->done) {
		if (c->done != DONE_ALL)
			c->done--;
		ok = true;
	}
	spin_unlock_irqrestore(&c->wq.lock, flags);
	return ok;
}

void wait_for_completion(struct completion *c)
{
	wait_event(&c->wq, try_consume(c));
}

bool wait_for_completion_timeout(struct completion *c, uint64_t ns)
{
	return wait_event_timeout(&c->wq, try_consume(c), ns) != 0;
}
