/*
 * kernel/rcu/rcu.c - grace periods and callbacks.
 *
 * The design is Classic RCU's: one global grace period at a time, and a
 * mask of the CPUs that still owe it a quiescent state.  Starting a grace
 * period sets every online CPU's bit; each CPU clears its own at its next
 * quiescent state (a context switch, an idle-loop pass, or a tick that
 * interrupted user mode or kernel code with preemption enabled: readers
 * disable preemption, so none of these can happen inside a reader); when
 * the mask is empty, every reader that was running when the period began
 * has finished.  A mask (rather than per-CPU counters compared by a
 * scanner) keeps the code short and the invariant visible; its cost, one
 * shared cache line per grace period per CPU, is irrelevant at our scale.
 *
 * gp_seq counts grace periods, Linux style: even while idle, odd while one
 * runs; a callback queued when gp_seq is s waits for gp_seq to reach
 * (s + 3) & ~1, the end of the first grace period that starts after it.
 *
 * Callbacks are queued per CPU (IRQs off, this CPU only) in two segments,
 * `next` (no grace period chosen yet) and `wait` (waiting for wait_seq);
 * the tick moves finished ones to `done`, and a per-CPU thread, rcu/N,
 * invokes them: in a thread, outside the hard-IRQ part of the tick.
 * An idle CPU is never a problem: the periodic tick interrupts its halt,
 * and that tick is a quiescent state.
 */
#include "kernel/trace/trace.h"
#include "kernel/rcu/rcu.h"
#include "kernel/config.h"
#include "kernel/cpumask.h"
#include "kernel/sched/completion.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/locking/mutex.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched/sched.h"
#include "kernel/smp.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "kernel/sched/wait.h"
#include "mm/kmalloc.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LATENCY_SAMPLES 64

unsigned rcu_stall_timeout_ms = 10000;

struct rcu_cpu {
	struct rcu_head *next, **next_tail;
	struct rcu_head *wait, **wait_tail;
	unsigned long wait_seq;
	struct rcu_head *done, **done_tail;
	volatile bool qs_owed;          /* this CPU's bit is set in qs_needed */
	struct thread *cb_thread;
	struct wait_queue_head cb_wq;
	uint64_t queued, invoked;
} __aligned(64);

static struct rcu_cpu rcu_cpus[NR_CPUS];
DEFINE_SPINLOCK(rcu_gp_lock);
static volatile unsigned long gp_seq;
static cpumask_t qs_needed;
static uint64_t gp_start_ns;
static bool gp_wanted;
static bool rcu_ready;
static unsigned long stall_warned_seq;

/* statistics: under rcu_gp_lock, or relaxed atomics; gp_completed and
 * stalls are also read without the lock (marked); the peaks are a racy
 * maximum of marked accesses (a lost update only lowers a peak) */
static uint64_t gp_completed, latencies[LATENCY_SAMPLES];
static uint64_t cbs_waiting, cbs_peak, bytes_waiting, bytes_peak, stalls;

static unsigned long seq_snap(void)
{
	return (READ_ONCE(gp_seq) + 3) & ~1ul;
}

static bool seq_done(unsigned long s)
{
	return (long)(READ_ONCE(gp_seq) - s) >= 0;
}

/* Start a grace period if one is wanted and none runs. rcu_gp_lock held. */
static void gp_maybe_start(void)
{
	if (!gp_wanted || (gp_seq & 1))
		return;
	WRITE_ONCE(gp_wanted, false);   /* read locklessly by gp_request() */
	/* The start time first, then the gp_seq that publishes the period:
	 * the stall detector reads them locklessly in the other order
	 * (rcu_gp_age_ns).  The same smp_wmb() orders the clear of gp_wanted
	 * above before gp_seq: pairs with gp_request()'s smp_rmb(). */
	WRITE_ONCE(gp_start_ns, ktime_ns());
	smp_wmb();
	WRITE_ONCE(gp_seq, gp_seq + 1);
	trace(RCU_GP_START, gp_seq, 0, 0);
	cpumask_copy(&qs_needed, &cpu_online_mask);
	unsigned cpu;
	for_each_online_cpu(cpu)
		WRITE_ONCE(rcu_cpus[cpu].qs_owed, true);
#ifdef CONFIG_RCU_BROKEN
	/* Test-only: declare every CPU quiescent at once.  Readers that are
	 * running right now are not waited for: the torture must notice. */
	for_each_online_cpu(cpu)
		WRITE_ONCE(rcu_cpus[cpu].qs_owed, false);
	cpumask_clear(&qs_needed);
#endif
}

/* rcu_gp_lock held. */
static void gp_maybe_end(void)
{
	/* LAB 4 BEGIN: end the running grace period only once every CPU has reported a quiescent state (qs_needed empty), with the full barrier that orders the readers before the end is published */
	if (!(gp_seq & 1) || !cpumask_empty(&qs_needed))
		return;
	/* Full barrier: everything the readers did before their quiescent
	 * states (each reported under this lock, rcu_qs()) is ordered before
	 * the end of the period is published.  Pairs with the full barrier a
	 * CPU passes between seeing the end (seq_done() in
	 * advance_callbacks()) and running the callbacks (see there), and
	 * with synchronize_rcu()'s smp_mb. */
	smp_mb();
	/* LAB 4 STUB:
	if (!(gp_seq & 1))
		return;
	*/
	/* LAB 4 END */
	WRITE_ONCE(gp_seq, gp_seq + 1);
	trace(RCU_GP_END, gp_seq, 0, 0);
	latencies[gp_completed % LATENCY_SAMPLES] = ktime_ns() - gp_start_ns;
	WRITE_ONCE(gp_completed, gp_completed + 1);     /* rcu_gp_completed() reads it lockless */
	gp_maybe_start();
}

static void gp_request(void)
{
	/* Already wanted: skip the lock.  Without this, every call_rcu()
	 * while callbacks waited took rcu_gp_lock, one line for all CPUs.
	 * Pairing: gp_maybe_start() clears gp_wanted, then smp_wmb(), then
	 * advances gp_seq; our caller (advance_callbacks(): seq_snap() or
	 * seq_done()) read gp_seq, then smp_rmb() below, then gp_wanted.  So
	 * a set flag we read was set after the start of every period whose
	 * gp_seq we read: the period that consumes it starts after our read,
	 * hence after the snapshot our callbacks wait on, and ends late
	 * enough for them.  A clear flag takes the lock as before.  Either
	 * way this decides only when a period starts, never whether one has
	 * elapsed (callbacks still wait for seq_done()): a wrong skip would
	 * delay callbacks until the next tick's advance_callbacks() asks
	 * again, not run them early. */
	smp_rmb();
	if (READ_ONCE(gp_wanted))
		return;
	unsigned long flags;
	spin_lock_irqsave(&rcu_gp_lock, flags);
	WRITE_ONCE(gp_wanted, true);
	gp_maybe_start();
	gp_maybe_end();     /* RCU_BROKEN ends it at once */
	spin_unlock_irqrestore(&rcu_gp_lock, flags);
}

void rcu_qs(void)
{
	unsigned cpu = smp_processor_id();
	struct rcu_cpu *rc = &rcu_cpus[cpu];
	if (!READ_ONCE(rc->qs_owed))
		return;
	unsigned long flags;
	spin_lock_irqsave(&rcu_gp_lock, flags);
	/* LAB 4 BEGIN: report this CPU's quiescent state: if it still owes one, clear qs_owed and its bit in qs_needed, then try to end the grace period */
	if (rc->qs_owed) {
		rc->qs_owed = false;
		trace(RCU_QS, gp_seq, 0, 0);
		cpumask_clear_cpu(cpu, &qs_needed);
		gp_maybe_end();
	}
	/* LAB 4 STUB:
	rc->qs_owed = false;
	(void)cpu;
	*/
	/* LAB 4 END */
	spin_unlock_irqrestore(&rcu_gp_lock, flags);
}

static void list_append(struct rcu_head ***tail, struct rcu_head **head, struct rcu_head *h)
{
	h->next = NULL;
	**tail = h;
	*tail = &h->next;
	(void)head;
}

/*
 * Move callbacks along; IRQs off, this CPU's lists. Returns true if some are done.
 *
 * seq_done() is a plain READ_ONCE of gp_seq, not an acquire: what orders
 * the callbacks after the grace period is a full barrier between this
 * read and rcu_cb_thread() invoking them on this CPU, always there: a
 * caller that moved callbacks to `done` (we return true) calls wake_up(),
 * whose wq->lock is a locked RMW, before it returns to the interrupted or
 * preempted context, and the thread otherwise reaches them only through
 * a context switch (rq->lock) or its own prepare_to_wait/finish_wait.
 * With gp_maybe_end()'s smp_mb before the gp_seq store, the readers'
 * accesses come before the callbacks' (the frees) on every CPU.
 */
static bool advance_callbacks(struct rcu_cpu *rc)
{
	/* LAB 4 BEGIN: move callbacks next -> wait (snapshot wait_seq with seq_snap(), request a grace period) -> done once seq_done(wait_seq); return true when some reached done */
	bool want_gp = false, woke = false;
	if (rc->wait && seq_done(rc->wait_seq)) {
		*rc->done_tail = rc->wait;
		rc->done_tail = rc->wait_tail;
		rc->wait = NULL;
		rc->wait_tail = &rc->wait;
		woke = true;
	}
	if (!rc->wait && rc->next) {
		rc->wait = rc->next;
		rc->wait_tail = rc->next_tail;
		rc->wait_seq = seq_snap();
		rc->next = NULL;
		rc->next_tail = &rc->next;
		want_gp = true;
	}
	if (rc->wait && !seq_done(rc->wait_seq))
		want_gp = true;
	if (want_gp)
		gp_request();
	if (rc->wait && seq_done(rc->wait_seq))
		return advance_callbacks(rc) || woke;   /* RCU_BROKEN: already over */
	return woke;
	/* LAB 4 STUB:
	(void)seq_snap, (void)seq_done, (void)gp_request;
	if (!rc->next)
		return false;
	*rc->done_tail = rc->next;
	rc->done_tail = rc->next_tail;
	rc->next = NULL;
	rc->next_tail = &rc->next;
	return true;
	*/
	/* LAB 4 END */
}

void call_rcu_sized(struct rcu_head *head, rcu_callback_t func, size_t bytes)
{
	head->func = func;
	unsigned long flags;
	local_irq_save(flags);
	struct rcu_cpu *rc = &rcu_cpus[smp_processor_id()];
	list_append(&rc->next_tail, &rc->next, head);
	WRITE_ONCE(rc->queued, rc->queued + 1);         /* read by rcu_get_stats() */
	uint64_t w = __atomic_add_fetch(&cbs_waiting, 1, __ATOMIC_RELAXED);
	if (w > READ_ONCE(cbs_peak))
		WRITE_ONCE(cbs_peak, w);
	uint64_t b = __atomic_add_fetch(&bytes_waiting, bytes, __ATOMIC_RELAXED);
	if (b > READ_ONCE(bytes_peak))
		WRITE_ONCE(bytes_peak, b);
	/* Advance, but leave waking rcu/N to the tick (rcu_tick()), which
	 * wakes it when `done` holds anything: one batch a tick, as Linux runs
	 * ready callbacks from the tick's softirq.  Woken from here, rcu/N
	 * was switched to after nearly every call_rcu() of an mmap/munmap
	 * loop (kfree_rcu of VMAs and tables: about 20,000 switches in 4 s
	 * at 2 vCPUs), and its kfree()s fought the other CPU's kmalloc()s for
	 * the heap lock (docs/performance.md, finding 10).  A callback waits
	 * at most one tick longer; a grace period takes ticks anyway. */
	if (READ_ONCE(rcu_ready))
		advance_callbacks(rc);
	local_irq_restore(flags);
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	call_rcu_sized(head, func, 0);
}

void rcu_bytes_done(size_t bytes)
{
	__atomic_sub_fetch(&bytes_waiting, bytes, __ATOMIC_RELAXED);
}

static void invoke(struct rcu_head *h)
{
	uintptr_t f = (uintptr_t)h->func;
	if (f < 4096) {                 /* kfree_rcu: f is the offset */
		void *obj = (char *)h - f;
		rcu_bytes_done(ksize(obj));
		kfree(obj);
	} else {
		h->func(h);
	}
}

static void rcu_cb_thread(void *arg)
{
	struct rcu_cpu *rc = arg;
	for (;;) {
		wait_event(&rc->cb_wq, READ_ONCE(rc->done) != NULL);
		unsigned long flags;
		local_irq_save(flags);
		struct rcu_head *list = rc->done;
		rc->done = NULL;
		rc->done_tail = &rc->done;
		local_irq_restore(flags);
		unsigned ran = 0;
		while (list) {
			struct rcu_head *next = list->next;
			invoke(list);
			WRITE_ONCE(rc->invoked, rc->invoked + 1);   /* read by rcu_get_stats() */
			__atomic_sub_fetch(&cbs_waiting, 1, __ATOMIC_RELAXED);
			list = next;
			ran++;
		}
		trace(RCU_CB_RUN, ran, 0, 0);
	}
}

/*
 * Lockless, in this order: gp_seq, then gp_start_ns, then gp_seq again,
 * then the clock.  gp_maybe_start() writes the start time before the
 * gp_seq that publishes it, so the start read after an odd gp_seq is that
 * period's or a later one's, and the second gp_seq says which.  The clock
 * comes last: read before the start time (as it once was), it can be
 * older than a period that began in between, and the unsigned difference
 * wraps to centuries, a false stall report under load.  The last guard
 * covers clocks of two CPUs that disagree by a little.
 */
uint64_t rcu_gp_age_ns(unsigned long *seq)
{
	unsigned long s = smp_load_acquire(&gp_seq);
	*seq = s;
	if (!(s & 1))
		return 0;
	/* The acquire above and this smp_rmb pair with gp_maybe_start()'s
	 * smp_wmb (start time, then gp_seq). */
	uint64_t start = READ_ONCE(gp_start_ns);
	smp_rmb();
	if (READ_ONCE(gp_seq) != s)
		return 0;               /* over already; another may have begun */
	uint64_t now = ktime_ns();
	return now > start ? now - start : 0;
}

void rcu_tick(bool quiescent)
{
	if (!READ_ONCE(rcu_ready))
		return;
	unsigned cpu = smp_processor_id();
	struct rcu_cpu *rc = &rcu_cpus[cpu];
	if (quiescent)
		rcu_qs();
	/* `done` may also have been filled by call_rcu_sized() since the
	 * last tick, which does not wake rcu/N itself.  Without this check
	 * those callbacks would wait for the next batch to reach `done` here:
	 * later, never earlier than their grace period. */
	if (rc->cb_thread && (advance_callbacks(rc) || rc->done))
		wake_up(&rc->cb_wq);
	/* The stall detector: one CPU watches the grace period's age. */
	unsigned long s;
	if (cpu == 0 && rcu_gp_age_ns(&s) > (uint64_t)READ_ONCE(rcu_stall_timeout_ms) * 1000000ull &&
	    s != stall_warned_seq) {
		stall_warned_seq = s;
		WRITE_ONCE(stalls, stalls + 1);         /* read by rcu_get_stats() */
		/* A snapshot (each word read once): other CPUs clear their
		 * bits under rcu_gp_lock meanwhile, which we do not hold. */
		cpumask_t owed;
		cpumask_copy(&owed, &qs_needed);
		unsigned c;
		for_each_cpu(c, &owed) {
			pr_warn("rcu: stall: CPU %u has owed grace period %lu a quiescent state for over %u ms\n",
				c, s, rcu_stall_timeout_ms);
			smp_request_backtrace(c);
		}
	}
}

/* ---- synchronize_rcu and rcu_barrier ------------------------------------- */

struct rcu_sync {
	struct rcu_head head;
	struct completion done;
};

static void wake_sync(struct rcu_head *h)
{
	struct rcu_sync *s = container_of(h, struct rcu_sync, head);
	complete(&s->done);
}

void synchronize_rcu(void)
{
	might_sleep();
	struct rcu_sync s;
	init_completion(&s.done);
	call_rcu(&s.head, wake_sync);
	wait_for_completion(&s.done);
	smp_mb();
}

static atomic_t barrier_left;
static struct completion barrier_done;
static struct rcu_head barrier_heads[NR_CPUS];
static struct mutex barrier_mutex;

static void barrier_cb(struct rcu_head *h)
{
	(void)h;
	if (atomic_dec_and_test(&barrier_left))
		complete(&barrier_done);
}

static void queue_barrier(void *arg)
{
	(void)arg;
	call_rcu(&barrier_heads[smp_processor_id()], barrier_cb);
}

void rcu_barrier(void)
{
	might_sleep();
	mutex_lock(&barrier_mutex);
	init_completion(&barrier_done);
	atomic_set(&barrier_left, 1);
	unsigned cpu;
	for_each_online_cpu(cpu) {
		atomic_inc(&barrier_left);
		/* Callbacks run in queue order on each CPU: ours comes last. */
		smp_call_function_single(cpu, queue_barrier, NULL, true);
	}
	if (atomic_dec_and_test(&barrier_left))
		complete(&barrier_done);
	wait_for_completion(&barrier_done);
	mutex_unlock(&barrier_mutex);
}

/* ---- setup, statistics, monitor -------------------------------------------- */

void rcu_init(void)
{
	for (unsigned c = 0; c < NR_CPUS; c++) {
		struct rcu_cpu *rc = &rcu_cpus[c];
		rc->next_tail = &rc->next;
		rc->wait_tail = &rc->wait;
		rc->done_tail = &rc->done;
		init_waitqueue_head(&rc->cb_wq);
	}
	mutex_init(&barrier_mutex);
}

void rcu_start_cpu_thread(unsigned cpu)
{
	char name[16];
	snprintf(name, sizeof(name), "rcu/%u", cpu);
	cpumask_t m;
	cpumask_clear(&m);
	cpumask_set_cpu(cpu, &m);
	rcu_cpus[cpu].cb_thread = thread_create(name, rcu_cb_thread, &rcu_cpus[cpu], &m, THREAD_DETACHED);
	if (!rcu_cpus[cpu].cb_thread)
		panic("rcu: no memory for the callback thread of CPU %u", cpu);
	WRITE_ONCE(rcu_ready, true);    /* read by every CPU's tick and call_rcu() */
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

uint64_t rcu_gp_completed(void)
{
	return READ_ONCE(gp_completed);
}

void rcu_get_stats(struct rcu_stats *s)
{
	uint64_t lat[LATENCY_SAMPLES];
	unsigned long flags;
	spin_lock_irqsave(&rcu_gp_lock, flags);
	unsigned n = gp_completed < LATENCY_SAMPLES ? (unsigned)gp_completed : LATENCY_SAMPLES;
	memcpy(lat, latencies, sizeof(lat));
	s->gp_completed = gp_completed;
	s->gp_seq = gp_seq;
	s->stalls = READ_ONCE(stalls);
	spin_unlock_irqrestore(&rcu_gp_lock, flags);
	for (unsigned i = 1; i < n; i++)        /* insertion sort of <= 64 samples */
		for (unsigned j = i; j > 0 && cmp_u64(lat[j - 1], lat[j]) > 0; j--) {
			uint64_t t = lat[j]; lat[j] = lat[j - 1]; lat[j - 1] = t;
		}
	s->gp_latency_min_ns = n ? lat[0] : 0;
	s->gp_latency_median_ns = n ? lat[n / 2] : 0;
	s->gp_latency_max_ns = n ? lat[n - 1] : 0;
	s->cbs_queued = s->cbs_invoked = 0;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		s->cbs_queued += READ_ONCE(rcu_cpus[c].queued);
		s->cbs_invoked += READ_ONCE(rcu_cpus[c].invoked);
	}
	s->cbs_waiting = READ_ONCE(cbs_waiting);
	s->cbs_peak = READ_ONCE(cbs_peak);
	s->bytes_waiting = READ_ONCE(bytes_waiting);
	s->bytes_peak = READ_ONCE(bytes_peak);
}

static int cmd_rcu(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		mon_printf("error: rcu takes no arguments\n");
		return -EINVAL;
	}
	struct rcu_stats s;
	rcu_get_stats(&s);
	mon_printf("grace periods: %llu completed, gp_seq %llu (%s)\n", (unsigned long long)s.gp_completed,
		   (unsigned long long)s.gp_seq, s.gp_seq & 1 ? "one in progress" : "idle");
	mon_printf("latency (last %u): min %llu us, median %llu us, max %llu us\n",
		   (unsigned)(s.gp_completed < LATENCY_SAMPLES ? s.gp_completed : LATENCY_SAMPLES),
		   (unsigned long long)(s.gp_latency_min_ns / 1000),
		   (unsigned long long)(s.gp_latency_median_ns / 1000),
		   (unsigned long long)(s.gp_latency_max_ns / 1000));
	mon_printf("callbacks: %llu queued, %llu invoked, %llu waiting (peak %llu)\n",
		   (unsigned long long)s.cbs_queued, (unsigned long long)s.cbs_invoked,
		   (unsigned long long)s.cbs_waiting, (unsigned long long)s.cbs_peak);
	mon_printf("bytes waiting: %llu (peak %llu); stalls reported: %llu\n",
		   (unsigned long long)s.bytes_waiting, (unsigned long long)s.bytes_peak,
		   (unsigned long long)s.stalls);
	return 0;
}
MONITOR_COMMAND(rcu, "rcu", "", "RCU grace periods, latency, callbacks", cmd_rcu);
