/*
 * kernel/sched/timer.c - the tick: HZ times a second on every CPU, from each
 * CPU's local APIC timer.  It counts ticks; the scheduler (timeslices) and
 * RCU (quiescent states) hook in here as they arrive.
 */
#include "kernel/sched/timer.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "kernel/sched/sched.h"
#include "kernel/rcu/rcu.h"
#include "lib/string.h"

unsigned int tick_hz = CONFIG_HZ;

static int set_hz(const char *v)
{
	unsigned long long hz;
	if (kstrtoull(v, 10, &hz) || hz < 10 || hz > 1000)
		return -EINVAL;
	tick_hz = (unsigned)hz;
	return 0;
}
KERNEL_PARAM(hz, "hz", "10-1000", "timer ticks per second (default: the build's HZ)", set_hz);

void timer_tick(struct trap_frame *f)
{
	struct percpu *pc = this_cpu();
	pc->ticks++;
	/* A quiescent state if the tick interrupted user mode, or kernel code
	 * with preemption enabled (every RCU reader disables it) that was not
	 * itself an interrupt handler. */
	rcu_tick(trap_from_user(f) || (pc->preempt_count == 0 && pc->irq_nesting == 1));
	sched_tick();
}
