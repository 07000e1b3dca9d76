/*
 * kernel/smp.c - bringing up the application processors, cross-CPU
 * function calls, and stopping every CPU on panic.
 *
 * Cross-CPU calls.  Each CPU has a lock-free queue (a singly linked stack
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
 */
#include "kernel/smp.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/preempt.h"
#include "kernel/printk.h"
#include "kernel/params.h"
#include "kernel/stacktrace.h"
#include "kernel/sched/sched.h"
#include "kernel/time.h"
#include "kernel/monitor.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "asm/ipi.h"
#include "asm/smpboot.h"
#include "asm/traps.h"
#include "asm/cpu.h"
#include "lib/string.h"

#define AP_STACK_ORDER 2                /* 16 KiB boot/idle stacks */

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

static unsigned int max_cpus = NR_CPUS;
static bool smp_disabled;

/* ---- command line ---------------------------------------------------- */

static int set_maxcpus(const char *v)
{
	unsigned long long n;
	if (kstrtoull(v, 10, &n) || n < 1 || n > NR_CPUS)
		return -EINVAL;
	max_cpus = (unsigned)n;
	return 0;
}
KERNEL_PARAM(maxcpus, "maxcpus", "N", "start at most N CPUs (1-256)", set_maxcpus);

static int set_nosmp(const char *v)
{
	(void)v;
	smp_disabled = true;
	return 0;
}
KERNEL_PARAM(nosmp, "nosmp", "", "start only the boot CPU", set_nosmp);

/* ---- the call queues ------------------------------------------------ */

/* Push @node on @cpu's queue. Returns true if the queue was empty. */
static bool call_queue_push(unsigned cpu, struct call_node *node)
{
	struct call_node *head = READ_ONCE(call_queue[cpu].head);
	do {
		node->next = head;
		/* The CAS is a full barrier: node and request contents are
		 * visible to whoever drains the queue after it. */
	} while (!__atomic_compare_exchange_n(&call_queue[cpu].head, &head, node, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return head == NULL;
}

static void call_queue_run(void)
{
	struct call_node *list = xchg(&call_queue[smp_processor_id()].head, (struct call_node *)NULL);
	struct call_node *fifo = NULL;
	while (list) {          /* reverse: oldest first */
		struct call_node *next = list->next;
		list->next = fifo;
		fifo = list;
		list = next;
	}
	while (fifo) {
		struct call_node *next = fifo->next;
		struct smp_call_handle *req = fifo->req;
		bool free_it = req->free_when_done;
		req->fn(req->arg);
		/* The decrement (a full barrier) publishes fn's effects to the
		 * waiter.  After it, a waiting caller may return and its request
		 * vanish: touch neither req nor the node again. */
		if (atomic_dec_and_test(&req->pending) && free_it)
			kfree(container_of(req, struct call_request, h));
		fifo = next;
	}
}

static void call_function_interrupt(struct trap_frame *f)
{
	(void)f;
	this_cpu()->ipis_received++;
	call_queue_run();
}

static void reschedule_interrupt(struct trap_frame *f)
{
	(void)f;
	this_cpu()->ipis_received++;
	/* The scheduler acts at interrupt exit (irq_exit_hook). */
}

static void send_call_ipi(unsigned cpu, struct call_node *node)
{
	if (call_queue_push(cpu, node)) {
		this_cpu()->ipis_sent++;
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
	int n = (int)cpumask_weight(&targets);
	atomic_set(&h->pending, n);
	for_each_cpu(cpu, &targets) {
		struct call_node *node = &sync_nodes[me][cpu];
		node->req = h;
		send_call_ipi(cpu, node);
	}
	return n;
}

void smp_call_wait(struct smp_call_handle *h)
{
	/* atomic_read is READ_ONCE; on x86 the loads that follow cannot pass
	 * it, so fn's effects are visible once we see 0.  IRQs are on: we
	 * keep answering other CPUs' calls while we wait. */
	while (atomic_read(&h->pending) != 0)
		cpu_relax();
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
	this_cpu()->ipis_sent++;
	arch_send_ipi(cpu, VEC_RESCHEDULE);
}

/* ---- backtraces on request (the RCU stall detector) --------------------- */

static volatile bool backtrace_wanted[NR_CPUS];

void smp_request_backtrace(unsigned cpu)
{
	if (cpu == smp_processor_id()) {
		dump_stack();
		return;
	}
	backtrace_wanted[cpu] = true;
	arch_send_nmi(cpu);
}

bool smp_backtrace_nmi(struct trap_frame *f)
{
	unsigned me = smp_processor_id();
	if (!backtrace_wanted[me])
		return false;
	backtrace_wanted[me] = false;
	printk(KERN_WARNING "CPU %u backtrace (requested):\n", me);
	dump_trap_frame(f);
	print_backtrace(f->rip, f->rbp);
	return true;
}

/* ---- panic: stop everybody else ------------------------------------- */

static volatile bool cpu_stopped[NR_CPUS];

void smp_panic_stop_self(struct trap_frame *f)
{
	unsigned me = smp_processor_id();
	printk(KERN_EMERG "CPU %u stopped by panic:\n", me);
	dump_trap_frame(f);
	print_backtrace(f->rip, f->rbp);
	cpu_stopped[me] = true;
	for (;;) {
		arch_irq_disable();
		halt();
	}
}

void smp_stop_other_cpus(void)
{
	unsigned me = smp_processor_id(), cpu;
	/* One at a time, so their reports do not interleave. */
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		arch_send_nmi(cpu);
		uint64_t deadline = rdtsc() + ns_to_tsc(1000000000ull);
		while (!cpu_stopped[cpu] && rdtsc() < deadline)
			cpu_relax();
		if (!cpu_stopped[cpu])
			printk(KERN_EMERG "CPU %u did not answer the stop NMI\n", cpu);
	}
}

/* ---- bringing up the APs -------------------------------------------- */

/* The AP's first C code, on its own stack, from the trampoline. */
__attribute__((noreturn)) void ap_entry(unsigned cpu)
{
	arch_ap_setup(cpu);
	cpumask_set_cpu(cpu, &cpu_online_mask);
	/* Release: everything above is visible before the BSP sees us online. */
	smp_store_release(&this_cpu()->online, true);
	arch_irq_enable();
	sched_ap_start();       /* becomes this CPU's idle thread */
}

static bool alloc_sync_nodes(unsigned cpu)
{
	sync_nodes[cpu] = kzalloc(nr_cpus_possible * sizeof(struct call_node));
	return sync_nodes[cpu] != NULL;
}

void smp_init(void)
{
	irq_register_vector(VEC_CALL_FUNCTION, call_function_interrupt);
	irq_register_vector(VEC_RESCHEDULE, reschedule_interrupt);
	if (!alloc_sync_nodes(0))
		panic("smp: out of memory");
	if (smp_disabled || max_cpus == 1 || nr_cpus_possible == 1) {
		pr_info("smp: %s; running on the boot CPU only\n",
			nr_cpus_possible == 1 ? "one CPU present" : "SMP disabled on the command line");
		return;
	}
	if (arch_smp_prepare() != 0) {
		pr_warn("smp: cannot prepare the trampoline; running on the boot CPU only\n");
		return;
	}
	unsigned started = 1;
	for (unsigned cpu = 1; cpu < nr_cpus_possible && started < max_cpus; cpu++) {
		struct page *stack = alloc_pages(AP_STACK_ORDER);
		if (!stack || !alloc_sync_nodes(cpu)) {
			pr_warn("smp: out of memory for CPU %u\n", cpu);
			break;
		}
		void *top = (char *)page_address(stack) + (PAGE_SIZE << AP_STACK_ORDER);
		cpu_data(cpu)->kernel_stack_top = top;
		if (!arch_boot_ap(cpu, cpu_data(cpu)->apic_id, top)) {
			pr_warn("smp: CPU with APIC id %u did not come up; continuing without it\n",
				cpu_data(cpu)->apic_id);
			continue;       /* its stack stays allocated: it might still wake */
		}
		started++;
	}
	arch_smp_done();
	pr_info("smp: %u of %u CPUs online\n", num_online_cpus(), nr_cpus_possible);
}

/* ---- monitor ---------------------------------------------------------- */

static int cmd_cpus(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		mon_printf("error: cpus takes no arguments\n");
		return -EINVAL;
	}
	mon_printf("%4s %8s %7s %10s %10s %10s\n", "cpu", "apic id", "online", "ticks", "ipis sent", "ipis recv");
	for (unsigned c = 0; c < nr_cpus_possible; c++) {
		struct percpu *p = cpu_data(c);
		mon_printf("%4u %8u %7s %10llu %10llu %10llu\n", c, p->apic_id,
			   cpu_online(c) ? "yes" : "no", (unsigned long long)p->ticks,
			   (unsigned long long)p->ipis_sent, (unsigned long long)p->ipis_received);
	}
	return 0;
}
MONITOR_COMMAND(cpus, "cpus", "", "CPUs: APIC id, online, ticks, IPIs sent and received", cmd_cpus);
