/*
 * kernel/locking/rwsem.c - fair reader-writer semaphore: one atomic on the
 * fast paths, a queue with handoff under contention.
 *
 * @count holds RWSEM_WRITER, RWSEM_WAITERS and one RWSEM_READER per
 * reader.  down_read() adds a READER unit and keeps it if neither WRITER
 * nor WAITERS was set; otherwise it takes the unit back and queues.  So an
 * uncontended reader writes the lock's cache line once, as Linux's does
 * (the lock line still bounces between CPUs: that is what speculative and
 * per-VMA faults avoid; a spinlock around every down_read was not).
 *
 * The slow path, under wait_lock: set WAITERS, queue, then try to grant to
 * the head of the queue (the lock may have been released meanwhile).
 * Grants are handed off: the granter updates @count on behalf of the
 * waiter and sets its `granted`; the waiter sleeps until then.
 *
 * No lost wakeup: every change of @count is an atomic read-modify-write,
 * so they are totally ordered.  Whoever leaves @count at exactly WAITERS
 * (no holder, somebody queued) - a release, or a reader backing off -
 * calls grant_waiters().  A waiter that set WAITERS after such a release
 * runs grant_waiters() itself after queueing.  Either way the queue head
 * is granted once the lock is free.
 *
 * Optimistic spinning.  A contended acquirer first spins (rwsem_spin()):
 * while a writer holds the lock and is the thread running on the CPU it
 * took the lock on, or for at most RWSEM_SPIN_READERS_NS while readers
 * hold it, retrying the trylock.  Under emulation a handover through the
 * queue costs a sleep, an IPI and a host-thread wake-up: tens of
 * microseconds, against a critical section of a few (an mmap); measured,
 * two threads looping mmap/munmap handed mmap_lock over this way tens of
 * thousands of times a second (docs/performance.md).  The spinner never
 * passes a queued waiter: it gives up when WAITERS is set, and the
 * trylocks fail while it is.  Owner tracking needs no barrier for
 * safety: owner/owner_cpu are only compared with a CPU's `curr`, never
 * dereferenced, and a stale read only ends a spin early (then it queues,
 * as without spinning) or lets it run to its bound.
 */
#include "kernel/locking/rwsem.h"
#include "kernel/atomic.h"
#include "kernel/config.h"
#include "kernel/panic.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/params.h"
#include "kernel/paravirt.h"
#include "kernel/percpu.h"
#include "kernel/preempt.h"
#include "kernel/time.h"
#include "kernel/errno.h"
#include "asm/cpu.h"

struct rwsem_waiter {
	struct list_head node;
	struct thread *thread;
	bool write;
	volatile bool granted;
};

/* Spin on readers at most this long: they give no sign of running. */
#define RWSEM_SPIN_READERS_NS 20000
/* And on a running writer at most this long (a safety bound: a writer
 * that runs this long is doing real work, let the CPU go). */
#define RWSEM_SPIN_WRITER_NS 2000000

bool rwsem_spin_enabled = true;
static struct rwsem_spin_stats spin_stats;

static int set_rwsem_spin(const char *v)
{
	return param_parse_switch(v, &rwsem_spin_enabled);
}
KERNEL_PARAM(rwsem_spin, "rwsem_spin", "0|1",
	     "optimistic spinning of contended rwsems (mmap_lock) before sleeping (default 1)",
	     set_rwsem_spin);

struct rwsem_spin_stats rwsem_spin_stats(void)
{
	return (struct rwsem_spin_stats){
		.acquired = __atomic_load_n(&spin_stats.acquired, __ATOMIC_RELAXED),
		.gave_up = __atomic_load_n(&spin_stats.gave_up, __ATOMIC_RELAXED),
		.sleeps = __atomic_load_n(&spin_stats.sleeps, __ATOMIC_RELAXED),
	};
}

void rwsem_spin_stats_reset(void)
{
	__atomic_store_n(&spin_stats.acquired, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&spin_stats.gave_up, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&spin_stats.sleeps, 0, __ATOMIC_RELAXED);
}

static bool write_trylock(struct rw_semaphore *s);

static void set_owner(struct rw_semaphore *s)
{
	WRITE_ONCE(s->owner_cpu, smp_processor_id());
	WRITE_ONCE(s->owner, current);
}

/* Is the writer that holds @s running right now?  Compares pointers
 * only: the owner may exit once it has released, and is never read. */
static bool owner_running(const struct rw_semaphore *s, bool *known)
{
	struct thread *o = READ_ONCE(s->owner);
	unsigned cpu = READ_ONCE(s->owner_cpu);
	*known = o != NULL;
	/* Running in the guest's view, and its vCPU not out (the steal-time
	 * record, where a host or the host model keeps one: Linux's
	 * vcpu_is_preempted()): spinning on a preempted holder only burns
	 * the time its vCPU needs. */
	return o && cpu < NR_CPUS && READ_ONCE(cpu_data(cpu)->curr) == o && !pv_vcpu_preempted(cpu);
}

/* Spin for @s before queueing (see the header).  Return: true holding it. */
static bool rwsem_spin(struct rw_semaphore *s, bool write)
{
	if (!READ_ONCE(rwsem_spin_enabled))
		return false;
	bool got = false;
	preempt_disable();          /* we spin on a CPU: stay on it, don't be the owner's obstacle */
	uint64_t t0 = get_cycles();
	uint64_t readers_end = t0 + ns_to_tsc(RWSEM_SPIN_READERS_NS);
	uint64_t writer_end = t0 + ns_to_tsc(RWSEM_SPIN_WRITER_NS);
	uint64_t now = t0;
	unsigned rounds = 0;
	for (;;) {
		long c = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
		if (c & RWSEM_WAITERS)
			break;                      /* others queued first: join them */
		if (write ? c == 0 && write_trylock(s) :
			    !(c & RWSEM_WRITER) && down_read_trylock(s)) {
			got = true;
			break;
		}
		if (this_cpu_read(need_resched))
			break;
		/* The clock every 64 rounds only: under multi-threaded TCG each
		 * RDTSC takes a QEMU-wide lock that the holder's own clock
		 * reads need too (docs/performance.md). */
		if ((++rounds & 63) == 1)
			now = get_cycles();
		if (c & RWSEM_WRITER) {
			bool known;
			/* Owner not yet recorded (it has just taken the lock):
			 * spin on, within the readers' bound. */
			if (!owner_running(s, &known) ? known || now > readers_end : now > writer_end)
				break;
		} else if (now > readers_end) {
			break;
		}
		cpu_relax();
	}
	preempt_enable();
	__atomic_fetch_add(got ? &spin_stats.acquired : &spin_stats.gave_up, 1, __ATOMIC_RELAXED);
	return got;
}

static long count_add(struct rw_semaphore *s, long v)
{
	return __atomic_add_fetch(&s->count, v, __ATOMIC_ACQ_REL);
}

/* Grant to the head of the queue while it can have the lock.  wait_lock
 * held (so the queue and WAITERS change only here and in queue_and_wait). */
static void grant_waiters(struct rw_semaphore *s)
{
	while (!list_empty(&s->waiters)) {
		struct rwsem_waiter *w = list_first_entry(&s->waiters, struct rwsem_waiter, node);
		long c = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
		if (w->write) {
			/* Free but for the WAITERS bit: no holder, and no reader
			 * between its add and its back-off (it will call us). */
			if ((c & ~RWSEM_WAITERS) != 0)
				return;
			if (!__atomic_compare_exchange_n(&s->count, &c, c | RWSEM_WRITER, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
		} else {
			if (c & RWSEM_WRITER)
				return;
			if (!__atomic_compare_exchange_n(&s->count, &c, c + RWSEM_READER, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
		}
		list_del(&w->node);
		if (list_empty(&s->waiters))
			__atomic_fetch_and(&s->count, ~RWSEM_WAITERS, __ATOMIC_RELEASE);
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

/* @count was left at @c by our atomic: grant if that made the lock free
 * with waiters queued. */
static void maybe_grant(struct rw_semaphore *s, long c)
{
	if (c != RWSEM_WAITERS)
		return;
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
	grant_waiters(s);
	spin_unlock_irqrestore(&s->wait_lock, flags);
}

static void queue_and_wait(struct rw_semaphore *s, bool write)
{
	struct rwsem_waiter w = { .thread = current, .write = write };
	unsigned long flags;
	spin_lock_irqsave(&s->wait_lock, flags);
	__atomic_fetch_or(&s->count, RWSEM_WAITERS, __ATOMIC_ACQ_REL);
	list_add_tail(&w.node, &s->waiters);
	grant_waiters(s);           /* it may have become free before WAITERS was set */
	for (;;) {
		set_current_state(THREAD_BLOCKED);
		bool granted = w.granted;
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
	long c = count_add(s, RWSEM_READER);
#ifdef CONFIG_SLEEPLOCK_BROKEN
	(void)c;
	return;                     /* test-only: ignore writers */
#endif
	if (!(c & (RWSEM_WRITER | RWSEM_WAITERS)))
		return;
	/* Back off; spin while the writer runs; else queue behind whoever
	 * holds or waits. */
	maybe_grant(s, count_add(s, -RWSEM_READER));
	if (!(c & RWSEM_WAITERS) && rwsem_spin(s, false))
		return;
	__atomic_fetch_add(&spin_stats.sleeps, 1, __ATOMIC_RELAXED);
	queue_and_wait(s, false);
}

bool down_read_trylock(struct rw_semaphore *s)
{
	long c = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
	do {
		if (c & (RWSEM_WRITER | RWSEM_WAITERS))
			return false;
	} while (!__atomic_compare_exchange_n(&s->count, &c, c + RWSEM_READER, false,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

void up_read(struct rw_semaphore *s)
{
	long c = count_add(s, -RWSEM_READER);
#ifndef CONFIG_SLEEPLOCK_BROKEN
	if (c < 0)
		panic("rwsem %s: up_read without a reader", s->name);
#endif
	maybe_grant(s, c);
}

void down_write(struct rw_semaphore *s)
{
	might_sleep();
#ifdef CONFIG_SLEEPLOCK_BROKEN
	__atomic_fetch_or(&s->count, RWSEM_WRITER, __ATOMIC_ACQ_REL);
	return;                     /* test-only: ignore everyone */
#endif
	if (write_trylock(s) || rwsem_spin(s, true)) {
		set_owner(s);
		return;
	}
	__atomic_fetch_add(&spin_stats.sleeps, 1, __ATOMIC_RELAXED);
	queue_and_wait(s, true);
	set_owner(s);
}

/* Take it for write if free; the owner is the caller's to record. */
static bool write_trylock(struct rw_semaphore *s)
{
	long c = 0;
	return __atomic_compare_exchange_n(&s->count, &c, RWSEM_WRITER, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

bool down_write_trylock(struct rw_semaphore *s)
{
	if (!write_trylock(s))
		return false;
	set_owner(s);
	return true;
}

void up_write(struct rw_semaphore *s)
{
#ifdef CONFIG_SLEEPLOCK_BROKEN
	__atomic_fetch_and(&s->count, ~RWSEM_WRITER, __ATOMIC_RELEASE);
	return;
#endif
	/* No owner before the release: a spinner that then sees the lock
	 * taken by the next writer, but this owner, stops at once at worst. */
	WRITE_ONCE(s->owner, NULL);
	long c = count_add(s, -RWSEM_WRITER);
	if (c < 0 || (c & RWSEM_WRITER))
		panic("rwsem %s: up_write without a writer", s->name);
	maybe_grant(s, c);
}

void downgrade_write(struct rw_semaphore *s)
{
#ifdef CONFIG_SLEEPLOCK_BROKEN
	__atomic_fetch_and(&s->count, ~RWSEM_WRITER, __ATOMIC_RELEASE);
	return;
#endif
	WRITE_ONCE(s->owner, NULL);
	/* One atomic: WRITER out, one READER in, so no writer can get in
	 * between (release: the write section's stores before any reader
	 * that this lets in). */
	long c = count_add(s, RWSEM_READER - RWSEM_WRITER);
	if (c & RWSEM_WRITER)
		panic("rwsem %s: downgrade_write without a writer", s->name);
	/* Readers queued at the head may come in now (a writer at the head
	 * still waits for us, and so do readers behind it: fairness). */
	if (c & RWSEM_WAITERS) {
		unsigned long flags;
		spin_lock_irqsave(&s->wait_lock, flags);
		grant_waiters(s);
		spin_unlock_irqrestore(&s->wait_lock, flags);
	}
}
