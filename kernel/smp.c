/*
 * kernel/smp.c - cross-CPU function calls and the reschedule kick.
 *
 * Each CPU has a lock-free queue (a singly linked stack
 * pushed with compare-and-swap, drained with one exchange) and one IPI
 * vector.  A caller pushes a node onto each target's queue and sends the
 * IPI only if the queue was empty: a non-empty queue means an IPI is
 * already on its way and the handler, which drains the whole queue, will
 * see the new node too.  The handler reverses the drained stack so calls
 * run in the order they were queued.
 *
 * A request counts the targets that have not finished (`pending`).  With
 * wait=true the request and its nodes live on the caller's side (its stack
 * and its per-CPU node array) and the caller spins until pending is 0, with
 * interrupts on, so that it keeps answering other CPUs' calls: two CPUs
 * calling each other at once do not deadlock.  With wait=false the request
 * is allocated and the last target to finish frees it.
 *
 * A waiting caller spins for spin_budget cpu_relax() iterations (as a spinlock
 * waiter does), then halts its CPU until the last target kicks it, so that
 * on an overcommitted host its vCPU gives the host core to the targets it
 * waits for.  The "I halt" mark is bit CALL_HALTING of `pending` itself:
 * the caller sets it with one atomic OR, the targets count down with
 * atomic fetch-and-subtract, and both being read-modify-writes of one word
 * they are totally ordered: either the last decrement comes first (the OR
 * returns a zero count and the caller does not halt) or the OR comes first
 * (the last target's fetch returns CALL_HALTING|1 and it kicks).  The kick
 * is an NMI sent after the decrement, and the caller's final check and HLT
 * are the arch's one compare-and-HLT window, so no kick is lost
 * (kernel/locking/spinlock.c argues the window in full).  The target reads
 * the caller's CPU before its decrement: after it the handle may be gone.
 *
 * Bringing the other CPUs up is kernel/smpboot.c; NMI backtraces and the
 * panic stop are kernel/nmi.c.
 */
#include "kernel/smp.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/irqflags.h"
#include "kernel/preempt.h"
#include "kernel/printk.h"
#include "kernel/locking/spinlock.h"
#include "mm/kmalloc.h"
#include "asm/ipi.h"
#include "asm/traps.h"
#include "asm/cpu.h"
#include "lib/string.h"
#include "kernel/trace/trace.h"

struct call_node {
	struct call_node *next;
	struct smp_call_handle *req;
};

/* An asynchronous request: the handle and one node per target, freed by
 * the last target to finish. */
struct call_request {
	struct smp_call_handle h;
	struct call_node nodes[];
};

/* One queue per CPU, each on its own cache line. */
static struct {
	struct call_node *head;
} __aligned(64) call_queue[NR_CPUS];

/* Per calling CPU, one node per target for waiting calls. */
static struct call_node *sync_nodes[NR_CPUS];

/* Bit of `pending` that says the caller halts (see the header). */
#define CALL_HALTING (1 << 30)

/* Halting waits, for `locks` (relaxed counters). */
static uint64_t call_wait_waits, call_wait_halts, call_wait_kicks;


/* ---- the call queues ------------------------------------------------ */

/* Push @node on @cpu's queue. Returns true if the queue was empty. */
static bool call_queue_push(unsigned cpu, struct call_node *node)
{
	struct call_node *head = READ_ONCE(call_queue[cpu].head);
	do {
		node->next = head;
		/* The CAS is a full barrier: node and request contents are
		 * visible to whoever drains the queue after it (pairs with
		 * call_queue_run()'s exchange). */
	} while (!__atomic_compare_exchange_n(&call_queue[cpu].head, &head, node, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	/* LAB 2 BEGIN: say whether the queue was empty before this push: only then must the caller send an IPI */
	/* @head is what the successful CAS replaced.  Non-empty: an IPI is
	 * already on its way (its sender saw the queue empty), and the
	 * handler drains the whole queue with one exchange, so it takes
	 * this node too. */
	return head == NULL;
	/* LAB 2 STUB:
	(void)head;
	return true;
	*/
	/* LAB 2 END */
}

static void call_queue_run(void)
{
	/* A full barrier: pairs with call_queue_push()'s compare-and-swap, so
	 * every node taken here, and the request it points to, is read as
	 * its sender wrote it before pushing. */
	struct call_node *list = xchg(&call_queue[smp_processor_id()].head, (struct call_node *)NULL);
	struct call_node *fifo = NULL;
	/* LAB 2 BEGIN: the drained list is newest first: reverse it into fifo, oldest first */
	while (list) {
		struct call_node *next = list->next;
		list->next = fifo;
		fifo = list;
		list = next;
	}
	/* LAB 2 STUB:
	fifo = list;
	*/
	/* LAB 2 END */
	while (fifo) {
		struct call_node *next = fifo->next;
		struct smp_call_handle *req = fifo->req;
		bool free_it = req->free_when_done;
		unsigned waiter = req->waiter_cpu;
		trace(IPI_RECV, waiter, req, 0);
		req->fn(req->arg);
		/* The decrement (a full barrier) publishes fn's effects to the
		 * waiter.  After it, a waiting caller may return and its request
		 * vanish: touch neither req nor the node again. */
		int old = atomic_fetch_add(-1, &req->pending);
		trace(IPI_ACK, waiter, req, (old & ~CALL_HALTING) - 1);
		if (old == 1 && free_it)
			kfree(container_of(req, struct call_request, h));
		else if (old == (CALL_HALTING | 1)) {
			/* The last one, and the caller halts: wake it. */
			__atomic_fetch_add(&call_wait_kicks, 1, __ATOMIC_RELAXED);
			smp_send_kick(waiter);
		}
		fifo = next;
	}
}

static void call_function_interrupt(struct trap_frame *f)
{
	(void)f;
	this_cpu_inc(ipis_received);
	call_queue_run();
}

static void reschedule_interrupt(struct trap_frame *f)
{
	(void)f;
	this_cpu_inc(ipis_received);
	/* A thread was queued here by another CPU (kick_cpu in sched.c):
	 * ask for a reschedule, which irq_exit_hook performs on the way out
	 * if the interrupted context is preemptible, or the next preemption
	 * point does.  Without it the thread waited for the running one's
	 * timeslice to end.  The IPI is sent after the enqueue's rq-lock
	 * release (and the x2APIC fence), so __schedule finds the thread. */
	this_cpu_write(need_resched, true);
}

static void send_call_ipi(unsigned cpu, struct call_node *node)
{
	trace(IPI_SEND, cpu, node->req, 0);
	if (call_queue_push(cpu, node)) {
		this_cpu_inc(ipis_sent);     /* preemptible: one instruction */
		arch_send_ipi(cpu, VEC_CALL_FUNCTION);
	}
}

int smp_call_start(const cpumask_t *mask, smp_call_func_t fn, void *arg, struct smp_call_handle *h)
{
	unsigned me = smp_processor_id(), cpu;
	cpumask_t targets;
	cpumask_and(&targets, mask, &cpu_online_mask);
	cpumask_clear_cpu(me, &targets);
	h->fn = fn;
	h->arg = arg;
	h->free_when_done = false;
	h->waiter_cpu = me;
	int n = (int)cpumask_weight(&targets);
	atomic_set(&h->pending, n);
	for_each_cpu(cpu, &targets) {
		struct call_node *node = &sync_nodes[me][cpu];
		node->req = h;
		send_call_ipi(cpu, node);
	}
	return n;
}

/* The halting half of smp_call_wait(): mark the wait, then halt until the
 * count is zero.  Returns at once if the targets finished meanwhile. */
static __noinline void call_halt_wait(struct smp_call_handle *h)
{
	/* One RMW on the word the targets count down: ordered against the
	 * last decrement either way (the header's argument). */
	int old = __atomic_fetch_or(&h->pending.counter, CALL_HALTING, __ATOMIC_SEQ_CST);
	if ((old & ~CALL_HALTING) == 0)
		return;
	__atomic_fetch_add(&call_wait_halts, 1, __ATOMIC_RELAXED);
	/* Acquire: pairs with the last target's fetch-and-subtract (a full
	 * barrier, after fn), as in the spinning loop. */
	while (atomic_read_acquire(&h->pending) != CALL_HALTING)
		arch_halt_unless_u32((volatile uint32_t *)&h->pending.counter, CALL_HALTING);
}

void smp_call_wait(struct smp_call_handle *h)
{
	/* Acquire: pairs with the full barrier of each target's
	 * fetch-and-subtract in call_queue_run(), which comes after fn;
	 * once we read 0, everything fn did is visible to us.  IRQs are on:
	 * we keep answering other CPUs' calls while we wait (a halted CPU
	 * too: the call IPI ends its HLT). */
	if (atomic_read_acquire(&h->pending) == 0)
		return;
	__atomic_fetch_add(&call_wait_waits, 1, __ATOMIC_RELAXED);
	unsigned budget = READ_ONCE(spin_budget), n = 0;
	while (atomic_read_acquire(&h->pending) != 0) {
		cpu_relax();
		/* Halt only on the CPU the targets will kick (smp_call_start's). */
		if (++n >= budget && h->waiter_cpu == smp_processor_id()) {
			call_halt_wait(h);
			return;
		}
	}
}

struct smp_call_wait_stats smp_call_wait_stats(void)
{
	return (struct smp_call_wait_stats){ .waits = READ_ONCE(call_wait_waits),
		.halts = READ_ONCE(call_wait_halts), .kicks = READ_ONCE(call_wait_kicks) };
}

void smp_call_wait_stats_reset(void)
{
	WRITE_ONCE(call_wait_waits, 0);
	WRITE_ONCE(call_wait_halts, 0);
	WRITE_ONCE(call_wait_kicks, 0);
}

int smp_call_function_many(const cpumask_t *mask, smp_call_func_t fn, void *arg, bool wait)
{
	if (wait && irqs_disabled()) {
		/* We would spin with IRQs off while a target may be spinning
		 * on a call to us: neither could answer.  Refuse. */
		WARN_ON(1);
		pr_err("smp_call_function: waiting with interrupts disabled would deadlock\n");
		return -EDEADLK;
	}
	preempt_disable();
	if (wait) {
		struct smp_call_handle h;
		smp_call_start(mask, fn, arg, &h);
		smp_call_wait(&h);
		preempt_enable();
		return 0;
	}
	unsigned me = smp_processor_id(), cpu;
	cpumask_t targets;
	cpumask_and(&targets, mask, &cpu_online_mask);
	cpumask_clear_cpu(me, &targets);
	unsigned n = cpumask_weight(&targets);
	if (n == 0) {
		preempt_enable();
		return 0;
	}
	struct call_request *req = kmalloc(sizeof(*req) + n * sizeof(struct call_node));
	if (!req) {
		preempt_enable();
		return -ENOMEM;
	}
	req->h.fn = fn;
	req->h.arg = arg;
	req->h.free_when_done = true;
	atomic_set(&req->h.pending, (int)n);
	unsigned i = 0;
	for_each_cpu(cpu, &targets) {
		struct call_node *node = &req->nodes[i++];
		node->req = &req->h;
		send_call_ipi(cpu, node);
	}
	preempt_enable();
	return 0;
}

int smp_call_function_single(unsigned cpu, smp_call_func_t fn, void *arg, bool wait)
{
	if (cpu >= NR_CPUS || !cpu_online(cpu))
		return -EINVAL;
	preempt_disable();
	if (cpu == smp_processor_id()) {
		unsigned long flags;
		local_irq_save(flags);
		fn(arg);
		local_irq_restore(flags);
		preempt_enable();
		return 0;
	}
	cpumask_t m;
	cpumask_clear(&m);
	cpumask_set_cpu(cpu, &m);
	int r = smp_call_function_many(&m, fn, arg, wait);
	preempt_enable();
	return r;
}

int smp_call_function(smp_call_func_t fn, void *arg, bool wait)
{
	return smp_call_function_many(&cpu_online_mask, fn, arg, wait);
}

void smp_send_reschedule(unsigned cpu)
{
	if (cpu == smp_processor_id() || !cpu_online(cpu))
		return;
	this_cpu_inc(ipis_sent);     /* preemptible: one instruction */
	arch_send_ipi(cpu, VEC_RESCHEDULE);
}

int smp_call_prepare_cpu(unsigned cpu)
{
	sync_nodes[cpu] = kzalloc(nr_cpus_possible * sizeof(struct call_node));
	return sync_nodes[cpu] ? 0 : -ENOMEM;
}

void smp_call_init(void)
{
	irq_register_vector(VEC_CALL_FUNCTION, call_function_interrupt);
	irq_register_vector(VEC_RESCHEDULE, reschedule_interrupt);
	if (smp_call_prepare_cpu(0) != 0)
		panic("smp: out of memory");
}
