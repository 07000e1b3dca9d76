/*
 * mm/fail_nth.c - see fail_nth.h.  The countdown is decremented with a
 * compare-and-swap, so that with no owner (calls from every CPU count)
 * exactly one call is the Nth.  Relaxed atomics: nothing else is published
 * with the count.
 */
#include "mm/fail_nth.h"
#include "kernel/percpu.h"
#include "kernel/preempt.h"
#include "kernel/sched/thread.h"
#include "lib/compiler.h"
#include "lib/string.h"
#include "kernel/errno.h"

void fail_nth_arm(struct fail_nth *f, unsigned long nth, const void *owner)
{
	WRITE_ONCE(f->owner, owner);
	WRITE_ONCE(f->countdown, nth);
}

bool fail_nth_pending(const struct fail_nth *f)
{
	return READ_ONCE(f->countdown) != 0;
}

bool fail_nth_should_fail(struct fail_nth *f)
{
	if (likely(!READ_ONCE(f->countdown)))
		return false;
	const void *owner = READ_ONCE(f->owner);
	if (owner && (in_interrupt() || (const void *)current != owner))
		return false;           /* an interrupt's or another thread's */
	unsigned long c = READ_ONCE(f->countdown);
	while (c && !__atomic_compare_exchange_n(&f->countdown, &c, c - 1, false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	if (c != 1)
		return false;
	__atomic_add_fetch(&f->injected, 1, __ATOMIC_RELAXED);
	return true;
}

int fail_nth_param(struct fail_nth *f, const char *v)
{
	unsigned long long n;
	if (kstrtoull(v, 10, &n) || n == 0)
		return -EINVAL;
	fail_nth_arm(f, (unsigned long)n, NULL);
	return 0;
}
