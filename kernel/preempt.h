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

static inline int preempt_count(void) { return this_cpu_read(preempt_count); }

/* Each update below is ONE instruction on this CPU's count (this_cpu_inc:
 * on x86-64 `addl $1, %gs:off`).  Done as "find this CPU's area, then add
 * through the pointer", an interrupt between the two steps could preempt
 * and migrate the thread: its count would go up on the CPU it left (which
 * then runs other threads unpreemptible) and stay 0 where it runs, where
 * the tick would then take a quiescent state inside an RCU reader.
 * scripts/check-percpu.py checks the built image for that form. */
static inline void preempt_disable(void)
{
	this_cpu_inc(preempt_count);
	barrier();
}

/** preempt_schedule_check() - reschedule now if one is pending (scheduler). */
void preempt_schedule_check(void);

static inline void preempt_enable_no_resched(void)
{
	barrier();
	this_cpu_dec(preempt_count);
}

static inline void preempt_enable(void)
{
	barrier();
	/* The decrement and the test are one instruction: once the count is
	 * zero this thread may migrate, and a second read could see another
	 * CPU's count.  The call only when a reschedule is pending, as
	 * Linux's preempt_count_dec_and_test() (x86 folds the flag into the
	 * count): a read of need_resched on whatever CPU this now runs is
	 * enough, preempt_schedule_check() reads it again (and the next
	 * interrupt exit preempts if this read missed it). */
	if (this_cpu_dec_and_test(preempt_count) && unlikely(this_cpu_read(need_resched)))
		preempt_schedule_check();
}

/** in_interrupt() - true inside a hard-IRQ handler. */
static inline bool in_interrupt(void) { return this_cpu_read(irq_nesting) > 0; }

/**
 * in_nmi() - true inside the NMI handler.  Code that may run there must
 * not wait for another CPU: the kick that would end the wait is an NMI,
 * blocked until this handler returns (printk buffers, spinlocks spin).
 */
static inline bool in_nmi(void) { return this_cpu_read(nmi_nesting) > 0; }

#endif
