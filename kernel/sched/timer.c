/*
 * kernel/sched/timer.c - the tick, and sleeping with a deadline.
 *
 * The tick comes HZ times a second on every CPU (from the arch's timer).
 * It counts ticks, reports RCU quiescent states, charges the scheduler's
 * timeslice, wakes the sleepers whose deadline passed, and, when the
 * profiler is on, samples where the CPU was (kernel/profile.c).
 *
 * Sleep timers: each CPU keeps the threads sleeping with a deadline in a
 * list sorted by deadline, under its own lock (taken with IRQs off: the
 * tick takes it too).  A thread arms its timer on the CPU it runs on and
 * remembers which list holds it, since it may run elsewhere after the
 * sleep.  Expired sleepers are collected under the lock and woken outside
 * it: waking takes a run-queue lock, and run-queue locks are never held
 * while taking a timer lock, so the order is timer lock, then none.
 */
#include "kernel/sched/timer.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "kernel/paravirt.h"
#include "kernel/irqflags.h"
#include "kernel/locking/spinlock.h"
#include "kernel/time.h"
#include "lib/list.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "kernel/profile.h"
#include "kernel/sched/sched.h"
#include "kernel/rcu/rcu.h"
#include "asm/traps.h"
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

static struct timer_base {
	spinlock_t lock;
	struct list_head sleepers;  /* threads with a deadline, soonest first */
} __aligned(64) timer_bases[NR_CPUS];

void timer_init_cpu(unsigned cpu)
{
	spin_lock_init(&timer_bases[cpu].lock);
	INIT_LIST_HEAD(&timer_bases[cpu].sleepers);
}

static void timer_arm(struct timer_base *tb, struct thread *t)
{
	struct thread *pos;
	list_for_each_entry(pos, &tb->sleepers, timer_node)
		if (pos->wake_deadline > t->wake_deadline)
			break;
	list_add_tail(&t->timer_node, &pos->timer_node);    /* before pos */
	t->timer_armed = true;
}

uint64_t schedule_timeout(uint64_t ns)
{
	struct thread *me = current;
	uint64_t deadline = ktime_ns() + ns;
	unsigned long flags;
	/* The timer lives on this CPU's list; preemption could move us, so
	 * arm it with IRQs off and remember which list holds it. */
	local_irq_save(flags);
	struct timer_base *tb = &timer_bases[smp_processor_id()];
	spin_lock(&tb->lock);
	me->wake_deadline = deadline;
	timer_arm(tb, me);
	spin_unlock(&tb->lock);
	local_irq_restore(flags);

	schedule();

	spin_lock_irqsave(&tb->lock, flags);
	if (me->timer_armed) {
		list_del(&me->timer_node);
		me->timer_armed = false;
	}
	spin_unlock_irqrestore(&tb->lock, flags);
	uint64_t now = ktime_ns();
	return now >= deadline ? 0 : deadline - now;
}

void msleep(unsigned ms)
{
	might_sleep();
	uint64_t end = ktime_ns() + (uint64_t)ms * 1000000;
	for (;;) {
		uint64_t now = ktime_ns();
		if (now >= end)
			return;
		set_current_state(THREAD_BLOCKED);
		schedule_timeout(end - now);
	}
}

/* From the tick (IRQs off): wake this CPU's sleepers whose deadline passed. */
static void run_sleep_timers(void)
{
	struct timer_base *tb = &timer_bases[smp_processor_id()];
	struct thread *expired[16];
	int n = 0;
	uint64_t now = ktime_ns();
	spin_lock(&tb->lock);
	while (n < 16 && !list_empty(&tb->sleepers)) {
		struct thread *s = list_first_entry(&tb->sleepers, struct thread, timer_node);
		if (s->wake_deadline > now)
			break;
		list_del(&s->timer_node);
		s->timer_armed = false;
		expired[n++] = s;
	}
	spin_unlock(&tb->lock);
	for (int i = 0; i < n; i++)
		wake_up_thread(expired[i]);
}

void timer_tick(struct trap_frame *f)
{
	struct percpu *pc = this_cpu();     /* hard IRQ: cannot migrate */
	this_cpu_inc(ticks);
	profile_tick(f);            /* one sample per tick: off, one load */
	/* A quiescent state if the tick interrupted user mode, or kernel code
	 * with preemption enabled (every RCU reader disables it) that was not
	 * itself an interrupt handler. */
	rcu_tick(trap_from_user(f) || (pc->preempt_count == 0 && pc->irq_nesting == 1));
	sched_tick();
	pvmodel_tick();             /* the host model may preempt other vCPUs */
	printk_nmi_flush();         /* lines NMI handlers buffered, if any */
	if (sched_ready())
		run_sleep_timers();
}
