/*
 * kernel/sched/sched.c - per-CPU round-robin scheduler with kernel preemption.
 *
 * Each CPU has a run queue: a FIFO of runnable threads under rq->lock, and
 * an idle thread that runs when the FIFO is empty.  The tick takes one
 * unit off the running thread's timeslice and asks for a reschedule when it
 * runs out; the request is acted on at the next preemption point: the end
 * of an interrupt that came from a context with preemption enabled, or the
 * last preempt_enable().
 *
 * The context switch.  schedule() takes this CPU's rq->lock with IRQs off,
 * picks the next thread and switches stacks.  The lock stays held across
 * the switch and is released by the thread that switches in (at the end of
 * schedule(), or in thread_start() for a new thread): the outgoing thread
 * is not yet safe to run elsewhere until its registers are saved.  That is
 * what ->on_cpu says: it is cleared (with release semantics) by the
 * incoming side only after the switch; a CPU about to run a thread waits
 * for it.  Migration of the outgoing thread to another CPU is done at that
 * same point (finish_switch), never before.
 *
 * Lock order: a run-queue lock is never held while taking another CPU's,
 * except in finish_switch, which takes a remote rq lock only after
 * releasing its own (idle_balance moves a thread the same way).
 * Wait-queue locks are taken before run-queue locks.
 *
 * Idle balancing.  A new or woken thread goes to the CPU it last ran on,
 * so two busy threads started from one CPU would share it while another
 * CPU idles.  An idle CPU therefore pulls: each pass of its idle loop
 * (after every switch to idle, and at every tick while idle) takes one
 * queued thread that may run on it from the busiest run queue.
 */
#include "kernel/trace/trace.h"
#include "kernel/sched/sched.h"
#include "kernel/atomic.h"
#include "kernel/panic.h"
#include "kernel/preempt.h"
#include "kernel/profile.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu_hooks.h"
#include "kernel/smp.h"
#include "kernel/locking/spinlock.h"
#include "kernel/stacktrace.h"
#include "kernel/time.h"
#include "kernel/trap_hooks.h"
#include "kernel/sched/timer.h"
#include "asm/context.h"
#include "mm/mm.h"
#include "asm/cpu.h"

/* Fields other CPUs read without rq->lock (nr_queued, switches, ready)
 * are stored with WRITE_ONCE (or a release) and read with READ_ONCE (or
 * an acquire). */
struct rq {
	spinlock_t lock;
	struct list_head queue;     /* runnable, not running */
	unsigned nr_queued;
	struct thread *idle;
	struct thread *prev;        /* the thread finish_switch cleans up after */
	uint64_t switches;
	bool ready;
} __aligned(64);

static struct rq runqueues[NR_CPUS];
unsigned long sched_sleep_warnings;

static inline struct rq *this_rq(void) { return &runqueues[smp_processor_id()]; }

bool sched_ready(void)
{
	return runqueues[smp_processor_id()].ready;
}

unsigned sched_nr_running(unsigned cpu) { return READ_ONCE(runqueues[cpu].nr_queued); }
uint64_t sched_context_switches(unsigned cpu) { return READ_ONCE(runqueues[cpu].switches); }

void sched_init_cpu(unsigned cpu, struct thread *idle)
{
	struct rq *rq = &runqueues[cpu];
	spin_lock_init(&rq->lock);
	INIT_LIST_HEAD(&rq->queue);
	rq->idle = idle;
	timer_init_cpu(cpu);
	/* Release: the lock, queue and idle thread above before other CPUs
	 * may queue threads here; pairs with the smp_load_acquire of ready
	 * in select_cpu() and idle_balance(). */
	smp_store_release(&rq->ready, true);
}

/* ---- debug: sleeping where one must not ------------------------------ */

void __might_sleep(const char *file, int line)
{
	/* Preemptible (that is the normal case): each field read in one
	 * instruction (this_cpu_read), never through a this_cpu() pointer
	 * that a migration would make stale. */
	const char *why = NULL;
	if (this_cpu_read(irq_nesting) > 0)
		why = "in interrupt context";
	else if (arch_irqs_disabled())
		why = "with interrupts disabled";
	else if (this_cpu_read(preempt_count) > 0)
		why = "with a spinlock held or preemption disabled";
	if (!why)
		return;
	__atomic_fetch_add(&sched_sleep_warnings, 1, __ATOMIC_RELAXED);     /* any CPU */
	struct thread *curr = current;
	pr_err("BUG: sleeping function called %s at %s:%d (CPU %u, preempt_count %d, thread %s)\n",
	       why, file, line, smp_processor_id(), preempt_count(),
	       curr ? curr->name : "?");
	dump_stack();
}

/* ---- run-queue operations (rq->lock held) ------------------------------ */

static void enqueue(struct rq *rq, struct thread *t)
{
	list_add_tail(&t->run_node, &rq->queue);
	WRITE_ONCE(rq->nr_queued, rq->nr_queued + 1);  /* read lockless by other CPUs */
	t->on_rq = true;
}

static struct thread *pick_next(struct rq *rq)
{
	if (list_empty(&rq->queue))
		return rq->idle;
	struct thread *t = list_first_entry(&rq->queue, struct thread, run_node);
	list_del(&t->run_node);
	WRITE_ONCE(rq->nr_queued, rq->nr_queued - 1);
	return t;
}

/* The CPU a thread should run on: where it last ran if allowed, else the
 * allowed online CPU with the shortest queue. */
static unsigned select_cpu(struct thread *t)
{
	if (cpumask_test_cpu(t->cpu, &t->affinity) && cpu_online(t->cpu))
		return t->cpu;
	unsigned best = NR_CPUS, cpu;
	for_each_cpu(cpu, &t->affinity) {
		/* Acquire: pairs with sched_init_cpu()'s release. */
		if (!cpu_online(cpu) || !smp_load_acquire(&runqueues[cpu].ready))
			continue;
		if (best == NR_CPUS ||
		    READ_ONCE(runqueues[cpu].nr_queued) < READ_ONCE(runqueues[best].nr_queued))
			best = cpu;
	}
	return best == NR_CPUS ? 0 : best;
}

/*
 * A thread was just queued on @cpu: make that CPU reschedule.  Here, by
 * setting need_resched (acted on at the next preemption point); elsewhere,
 * by the reschedule IPI, whose handler sets need_resched there
 * (reschedule_interrupt in kernel/smp.c), so a woken thread does not wait
 * for the running thread's timeslice to end.  Preemption is off across
 * the test so that "here" stays true until the flag is set (without
 * rescheduling at the end: the caller goes on to its next preemption
 * point, as before).
 */
static void kick_cpu(unsigned cpu)
{
	preempt_disable();
	if (cpu == smp_processor_id())
		this_cpu_write(need_resched, true);
	else
		smp_send_reschedule(cpu);
	preempt_enable_no_resched();
}

/* Queue @t on @cpu and make that CPU notice. */
static void activate(struct thread *t, unsigned cpu)
{
	struct rq *rq = &runqueues[cpu];
	unsigned long flags;
	spin_lock_irqsave(&rq->lock, flags);
	WRITE_ONCE(t->cpu, cpu);            /* lock_task_rq() reads it lockless */
	WRITE_ONCE(t->state, THREAD_RUNNABLE);
	enqueue(rq, t);
	spin_unlock_irqrestore(&rq->lock, flags);
	kick_cpu(cpu);
}

void sched_start_thread(struct thread *t)
{
	t->slice = SCHED_SLICE_TICKS;
	activate(t, select_cpu(t));
}

/* Lock the run queue @t belongs to; ->cpu can change until we hold it. */
static struct rq *lock_task_rq(struct thread *t, unsigned long *flags)
{
	for (;;) {
		unsigned cpu = READ_ONCE(t->cpu);
		struct rq *rq = &runqueues[cpu];
		spin_lock_irqsave(&rq->lock, *flags);
		if (READ_ONCE(t->cpu) == cpu)
			return rq;
		spin_unlock_irqrestore(&rq->lock, *flags);
	}
}

bool wake_up_thread(struct thread *t)
{
	unsigned long flags;
	struct rq *rq = lock_task_rq(t, &flags);
	/* Marked: the sleeper stores its state without this lock
	 * (set_current_state()).  The lock's acquisition above is our full
	 * barrier of the sleep/wake store-buffer pattern (see sched.h). */
	if (READ_ONCE(t->state) != THREAD_BLOCKED) {
		spin_unlock_irqrestore(&rq->lock, flags);
		return false;
	}
	WRITE_ONCE(t->state, THREAD_RUNNABLE);
	if (t->on_rq) {
		/* Still running (it has not reached schedule() yet, or is
		 * switching out): it will see RUNNABLE and stay runnable. */
		spin_unlock_irqrestore(&rq->lock, flags);
		return true;
	}
	unsigned cpu = t->cpu;
	if (!cpumask_test_cpu(cpu, &t->affinity) || !cpu_online(cpu)) {
		spin_unlock_irqrestore(&rq->lock, flags);
		cpu = select_cpu(t);
		rq = &runqueues[cpu];
		spin_lock_irqsave(&rq->lock, flags);
		WRITE_ONCE(t->cpu, cpu);
	}
	enqueue(rq, t);
	spin_unlock_irqrestore(&rq->lock, flags);
	kick_cpu(cpu);
	return true;
}

void set_current_state(enum thread_state s)
{
	WRITE_ONCE(current->state, s);      /* a waker reads it (wake_up_thread) */
	/* Full barrier: the state store is visible before the caller reads
	 * its wait condition.  Store-buffer pattern: pairs with the full
	 * barrier of the waker's rq-lock acquisition (lock_task_rq() in
	 * wake_up_thread()), which comes after it made the condition true
	 * and before it reads our state. */
	smp_mb();
}

/* ---- the switch ---------------------------------------------------------- */

/* Runs on the incoming thread, rq->lock held, IRQs off. */
static void finish_switch(struct rq *rq)
{
	struct thread *prev = rq->prev;
	rq->prev = NULL;
	int migrate = -1;
	bool reap = false;
	if (prev) {
		migrate = prev->migrate_to;
		prev->migrate_to = -1;
		reap = prev->state == THREAD_ZOMBIE && (prev->flags & THREAD_DETACHED);
		/* Release: prev's saved registers are in memory before another
		 * CPU can see on_cpu == 0 and switch to it (pairs with the
		 * acquire loads in __schedule() and thread_join()). */
		smp_store_release(&prev->on_cpu, false);
	}
	spin_unlock(&rq->lock);
	if (migrate >= 0)
		activate(prev, (unsigned)migrate);
	if (reap)
		thread_free(prev);
}

/*
 * @preempt: an involuntary switch (the tick's or a wakeup's, at a
 * preemption point).  The preempted thread stays queued whatever its state
 * says: it may have just marked itself THREAD_BLOCKED on the way to
 * sleeping, and if it were dequeued now, a wakeup that already happened
 * (it has yet to check its condition) would never come again.  It goes to
 * sleep for real only in its own call to schedule().
 */
static void __schedule(bool preempt)
{
	unsigned long flags;
	local_irq_save(flags);
	struct percpu *pc = this_cpu();
	struct rq *rq = this_rq();
	struct thread *prev = pc->curr;

	if (unlikely(pc->preempt_count != 0 || pc->irq_nesting != 0))
		/* Switching with a spinlock held (or inside an interrupt)
		 * would hand that state to the next thread: a kernel bug. */
		panic("scheduling while atomic: thread %s, preempt_count %d, irq depth %d",
		      prev->name, pc->preempt_count, pc->irq_nesting);
	rcu_note_context_switch();
	spin_lock(&rq->lock);
	pc->need_resched = false;

	if (prev->state == THREAD_RUNNING)
		WRITE_ONCE(prev->state, THREAD_RUNNABLE);     /* thread_join(), ps read it lockless */
	bool stays = prev->state == THREAD_RUNNABLE ||
		     (preempt && prev->state == THREAD_BLOCKED);
	if (stays && !(prev->flags & THREAD_IDLE)) {
		if (cpumask_test_cpu(rq - runqueues, &prev->affinity))
			enqueue(rq, prev);
		else
			prev->migrate_to = (int)select_cpu(prev);  /* after the switch */
	} else if (!stays) {
		prev->on_rq = false;        /* blocked or exited */
	}
	if (prev->migrate_to >= 0)
		prev->on_rq = true;         /* stays "queued" while it moves */

	struct thread *next = pick_next(rq);
	if (next == prev) {
		/* Nothing else to run (or prev was requeued and picked again). */
		if (prev->state == THREAD_RUNNABLE)
			WRITE_ONCE(prev->state, THREAD_RUNNING);
		prev->slice = SCHED_SLICE_TICKS;
		spin_unlock(&rq->lock);
		local_irq_restore(flags);
		return;
	}
	/* A thread woken onto this queue may still be switching out
	 * elsewhere: wait until its registers are saved (acquire: pairs with
	 * finish_switch()'s release of on_cpu). */
	while (smp_load_acquire(&next->on_cpu))
		cpu_relax();

	uint64_t now = ktime_ns();
	/* Marked: `ps` (ps_line) reads them without the lock. */
	WRITE_ONCE(prev->runtime_ns, prev->runtime_ns + (now - prev->switched_in));
	WRITE_ONCE(next->switched_in, now);
	if (next->state == THREAD_RUNNABLE)     /* not if preempted on its way to sleep */
		WRITE_ONCE(next->state, THREAD_RUNNING);
	WRITE_ONCE(next->cpu, (unsigned)(rq - runqueues));     /* see lock_task_rq() */
	next->on_cpu = true;
	next->slice = SCHED_SLICE_TICKS;
	rq->prev = prev;
	WRITE_ONCE(rq->switches, rq->switches + 1);            /* sched_context_switches() */
	trace(SCHED_SWITCH, prev->tid, next->tid, 0);
	/* Marked: read on other CPUs without the lock (rwsem.c's owner_running()). */
	WRITE_ONCE(pc->curr, next);
	switch_mm(next->mm);                /* CR3, cpumasks, lazy TLB */
	arch_switch_thread(prev, next);     /* kernel stack for traps, FPU */
	switch_context(&prev->saved_sp, next->saved_sp);

	/* Back in prev, possibly much later, possibly on another CPU. */
	finish_switch(this_rq());
	local_irq_restore(flags);
}

/* The profiler's sleep sites (kernel/profile.h) are the two return
 * addresses above schedule(), so it is never inlined; the kernel is built
 * with frame pointers (the Makefile's CFLAGS), which is what makes the
 * second level safe to read. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wframe-address"
__noinline void schedule(void)
{
	/* Profiling off: one load and a branch. */
	if (profile_enabled() && READ_ONCE(current->state) == THREAD_BLOCKED)
		profile_note_block((uintptr_t)__builtin_return_address(0),
				   (uintptr_t)__builtin_return_address(1));
	__schedule(false);
}
#pragma GCC diagnostic pop

void yield(void)
{
	schedule();
}

/* A new thread's first C code (from thread_trampoline). */
__attribute__((noreturn)) void thread_start(void (*fn)(void *), void *arg)
{
	finish_switch(this_rq());
	local_irq_enable();
	fn(arg);
	thread_exit(0);
}

/* ---- preemption ------------------------------------------------------------ */

void preempt_schedule_check(void)
{
	/* Called with preemption on (the count just reached 0): the thread
	 * may migrate between these reads, so each is one instruction on
	 * whichever CPU it is on; __schedule() rechecks with IRQs off. */
	if (this_cpu_read(need_resched) && this_cpu_read(irq_nesting) == 0 &&
	    !arch_irqs_disabled() && current && runqueues[smp_processor_id()].ready)
		__schedule(true);
}

void irq_exit_hook(struct trap_frame *f)
{
	struct percpu *pc = this_cpu();
	/* Preempt only a context that could have been preempted anyway:
	 * no spinlock held, not a nested interrupt, interrupts were on. */
	if (pc->need_resched && pc->irq_nesting == 0 && pc->preempt_count == 0 &&
	    trap_irqs_were_enabled(f) && pc->curr && runqueues[pc->cpu_id].ready)
		__schedule(true);
}

void sched_tick(void)
{
	struct percpu *pc = this_cpu();
	struct rq *rq = &runqueues[pc->cpu_id];
	if (!rq->ready)
		return;
	struct thread *t = pc->curr;
	if (t && !(t->flags & THREAD_IDLE) && --t->slice <= 0)
		pc->need_resched = true;
	if (t && (t->flags & THREAD_IDLE) && READ_ONCE(rq->nr_queued))
		pc->need_resched = true;
}

/* ---- idle ------------------------------------------------------------------ */

/*
 * Pull one queued thread that may run on this CPU from the CPU with the
 * longest queue.  IRQs off, on the idle thread.  The thread is taken off
 * the remote queue with ->cpu pointing here under the remote lock, then
 * queued here under ours, one lock at a time: meanwhile it is on no queue
 * but keeps on_rq, so a wakeup (which locks the queue ->cpu names, and so
 * finds ours) sees a queued thread and leaves it be.  A thread still
 * switching out (on_cpu) is left for the next pass.
 * Return: true if a thread was moved here.
 */
static bool idle_balance(struct rq *rq, unsigned this_cpu)
{
	unsigned cpu, busiest = NR_CPUS, most = 0;
	for_each_online_cpu(cpu) {
		unsigned n = READ_ONCE(runqueues[cpu].nr_queued);
		/* Acquire: pairs with sched_init_cpu()'s release. */
		if (cpu != this_cpu && smp_load_acquire(&runqueues[cpu].ready) && n > most) {
			most = n;
			busiest = cpu;
		}
	}
	if (busiest == NR_CPUS)
		return false;
	struct rq *src = &runqueues[busiest];
	struct thread *t, *moved = NULL;
	spin_lock(&src->lock);
	list_for_each_entry(t, &src->queue, run_node)
		if (cpumask_test_cpu(this_cpu, &t->affinity) && !READ_ONCE(t->on_cpu)) {
			moved = t;
			break;
		}
	if (moved) {
		list_del(&moved->run_node);
		WRITE_ONCE(src->nr_queued, src->nr_queued - 1);
		WRITE_ONCE(moved->cpu, this_cpu);
	}
	spin_unlock(&src->lock);
	if (!moved)
		return false;
	spin_lock(&rq->lock);
	enqueue(rq, moved);
	spin_unlock(&rq->lock);
	return true;
}

void cpu_idle_loop(void)
{
	struct rq *rq = this_rq();
	unsigned cpu = smp_processor_id();
	for (;;) {
		rcu_note_idle();
		local_irq_disable();
		if (!READ_ONCE(rq->nr_queued) && !this_cpu()->need_resched &&
		    !idle_balance(rq, cpu)) {
			/* sti;hlt: a wakeup IPI arriving after the check above
			 * still ends the halt. */
			arch_safe_halt();
			continue;
		}
		local_irq_enable();
		schedule();
	}
}
