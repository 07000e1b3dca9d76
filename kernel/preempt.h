/*
 * kernel/preempt.h - preemption control.
 *
 * preempt_count in this CPU's percpu area counts nested reasons not to
 * preempt (spinlocks held, explicit preempt_disable(), RCU readers).  The
 * scheduler preempts at interrupt exit only when it is zero.  The barriers
 * are compiler barriers: the count is only read by this CPU, but the
 * critical section's accesses must not be moved outside it.
 */
#ifndef KERNEL_PREEMPT_H
#define KERNEL_PREEMPT_H

#include "kernel/percpu.h"
#include "asm/barrier.h"

static inline int preempt_count(void) { return this_cpu()->preempt_count; }

static inline void preempt_disable(void)
{
	this_cpu()->preempt_count++;
	barrier();
}

/** preempt_schedule_check() - reschedule now if one is pending (scheduler). */
void preempt_schedule_check(void);

static inline void preempt_enable_no_resched(void)
{
	barrier();
	this_cpu()->preempt_count--;
}

static inline void preempt_enable(void)
{
	barrier();
	if (--this_cpu()->preempt_count == 0)
		preempt_schedule_check();
}

/** in_interrupt() - true inside a hard-IRQ handler. */
static inline bool in_interrupt(void) { return this_cpu()->irq_nesting > 0; }

#endif
