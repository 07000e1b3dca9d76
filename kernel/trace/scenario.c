/*
 * kernel/trace/scenario.c - the kernel side of `make trace SCENARIO=...`:
 * `tracescn=NAME` on the command line runs one small, named interleaving
 * with tracing on, exports the trace (traceexport=, default the trace
 * port) and leaves QEMU.  scripts/tracerun.py picks the build switches, the
 * CPUs and the window of the picture; docs/tracing.md shows the results.
 *
 *   shootdown  a munmap of a 2 MiB-aligned area on a mm all CPUs run: the
 *              initiator's IPIs, every target's flush and ack, and (its
 *              page table freed) the table's way out: rcu batch or at once
 *   lazy       the same with one CPU holding the mm lazily: a madvise
 *              (no table freed) skips it, the munmap (tables freed) reaches it
 *   rcu        the shootdown, then rcu_barrier(): the grace period that
 *              frees the table batch, each CPU's quiescent state
 *   pv         SHOOTDOWN=pv: one vCPU preempted by the host model while
 *              the munmap runs: its flush is deferred, done on its entry
 * (spf-abort, gup-fallback and unsafe trace the fault, gup and pv test
 * suites with a stop trigger instead: scripts/tracerun.py.)
 *
 * Every other CPU runs a thread of this file's (trace_scn_start()), which
 * the trace suite uses too: one copy of the setup.
 */
#include "kernel/trace/scenario.h"
#include "kernel/trace/trace.h"
#include "kernel/trace/export.h"
#include "kernel/errno.h"
#include "kernel/paravirt.h"
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/completion.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/uaccess.h"
#include "mm/tlb.h"
#include "kernel/time.h"
#include "asm/cpu.h"
#include "asm/page.h"
#include "lib/string.h"

static struct trace_scn *cur;
static volatile int scn_stop, scn_ready;
static struct completion lazy_go;

/* Load the scenario's mm here, touch its page (a TLB entry to flush), say so. */
static void join_mm(void)
{
	kthread_use_mm(cur->mm);
	uint64_t v;
	copy_from_user(&v, (void *)cur->area, sizeof(v));
	__atomic_fetch_add(&scn_ready, 1, __ATOMIC_SEQ_CST);
}

/* Run the mm here until told to stop: a flush target, never lazy. */
static void spinner(void *arg)
{
	(void)arg;
	join_mm();
	while (!READ_ONCE(scn_stop))
		cpu_relax();
	kthread_unuse_mm(cur->mm);
}

/* Sleep with the mm as ours: the CPU's idle thread then holds it lazily. */
static void sleeper(void *arg)
{
	(void)arg;
	join_mm();
	wait_for_completion(&lazy_go);
	kthread_unuse_mm(cur->mm);
}

int trace_scn_map(struct trace_scn *s, uintptr_t a, unsigned pages)
{
	uint64_t len = (uint64_t)pages * PAGE_SIZE;
	if (do_mmap(s->mm, a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		    -1, 0) != (long)a)
		return -1;
	for (unsigned i = 0; i < pages; i++) {
		uint64_t one = 1;
		if (copy_to_user((void *)(a + (uintptr_t)i * PAGE_SIZE), &one, sizeof(one)))
			return -1;
	}
	return 0;
}

int trace_scn_start(struct trace_scn *s, uintptr_t area, const cpumask_t *lazy)
{
	memset(s, 0, sizeof(*s));
	s->mm = mm_create();
	if (!s->mm)
		return -ENOMEM;
	s->area = area;
	cur = s;
	kthread_use_mm(s->mm);
	if (trace_scn_map(s, area, 1)) {
		trace_scn_stop(s);
		return -ENOMEM;
	}
	scn_stop = scn_ready = 0;
	init_completion(&lazy_go);
	unsigned me = smp_processor_id(), cpu;
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		bool sleeps = lazy && cpumask_test_cpu(cpu, lazy);
		struct thread *t = thread_create_on(cpu, sleeps ? "trace-lazy" : "trace-spin",
						    sleeps ? sleeper : spinner, NULL);
		if (t)
			s->th[s->n++] = t;
	}
	while (READ_ONCE(scn_ready) < (int)s->n)
		msleep(1);
	/* A sleeper's CPU goes lazy once it switches to its idle thread. */
	if (lazy)
		for_each_cpu(cpu, lazy)
			for (int i = 0; i < 100 && !tlb_cpu_lazy(cpu, s->mm); i++)
				msleep(1);
	return 0;
}

void trace_scn_stop(struct trace_scn *s)
{
	scn_stop = 1;
	complete_all(&lazy_go);
	for (unsigned i = 0; i < s->n; i++)
		thread_join(s->th[i]);
	s->n = 0;
	kthread_unuse_mm(s->mm);
	mm_put(s->mm);
	s->mm = NULL;
	cur = NULL;
}

/* ---- the scenarios ---------------------------------------------------- */

#define SCN_AREA 0x60000000ul       /* 2 MiB aligned: its own PTE table */
#define SCN_PAGES 8

static char scn_name[24];

static int set_tracescn(const char *v)
{
	static const char *const names[] = { "shootdown", "lazy", "rcu", "pv" };
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(v, names[i]) == 0) {
			strlcpy(scn_name, v, sizeof(scn_name));
			return 0;
		}
	pr_warn("trace: tracescn must be shootdown, lazy, rcu or pv (the others trace test suites: make trace)\n");
	return -EINVAL;
}
KERNEL_PARAM(tracescn, "tracescn", "shootdown|lazy|rcu|pv",
	     "run one traced scenario, export the trace, exit (make trace)", set_tracescn);

bool trace_scenario_requested(void)
{
	return scn_name[0] != 0;
}

/* A CPU other than this one, for the lazy and pv scenarios. */
static unsigned other_cpu(void)
{
	unsigned me = smp_processor_id(), cpu;
	for_each_online_cpu(cpu)
		if (cpu != me)
			return cpu;
	return me;
}

int trace_scenario_run(void)
{
	static struct trace_scn s;
	cpumask_t lazy;
	cpumask_clear(&lazy);
	bool is_lazy = strcmp(scn_name, "lazy") == 0, is_pv = strcmp(scn_name, "pv") == 0;
	unsigned victim = other_cpu();
	if (num_online_cpus() < 2) {
		pr_err("trace: scenario %s needs 2 CPUs or more\n", scn_name);
		return -EINVAL;
	}
	if (is_lazy)
		cpumask_set_cpu(victim, &lazy);
	int err = trace_scn_start(&s, SCN_AREA, &lazy);
	if (err)
		return err;
	if (trace_scn_map(&s, SCN_AREA + PAGE_SIZE, SCN_PAGES - 1))
		pr_warn("trace: scenario: mapping failed\n");
	/* Tracing on for the scenario alone (trace= may have said more). */
	if (!READ_ONCE(trace_switch.mask))
		trace_set_mask(~0u);
	trace_clear();
	trace(MARK, 1, 0, 0);
	if (is_lazy) {
		/* No table freed: the lazy CPU is skipped. */
		do_madvise(s.mm, SCN_AREA + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED);
	}
	if (is_pv) {
		/* Take the victim out for 5 ms and wait until its record says
		 * preempted.  The model's own random preemptions may hold the
		 * request slot, and a request whose NMI is lost is dropped at
		 * the victim's second tick: try again, 20 times at most. */
		bool out = false;
		for (int i = 0; i < 20 && pv_host != PV_HOST_NONE && !out; i++) {
			if (!pvmodel_preempt(victim, 5000)) {
				msleep(1);
				continue;
			}
			uint64_t until = ktime_ns() + 20000000ull;
			while (!(out = pv_vcpu_preempted(victim)) && ktime_ns() < until)
				cpu_relax();
		}
		if (!out)
			pr_warn("trace: pv scenario: the host model did not preempt CPU %u (SHOOTDOWN=pv?)\n",
				victim);
	}
	/* The whole area, page table and all: table-freeing flush. */
	do_munmap(s.mm, SCN_AREA, (uint64_t)SCN_PAGES * PAGE_SIZE);
	trace(MARK, 2, 0, 0);
	if (is_pv)
		mdelay(6);          /* the preempted vCPU comes back and flushes on entry */
	rcu_barrier();              /* the table batch's grace period and its callback */
	trace(MARK, 3, 0, 0);
	trace_scn_stop(&s);
	return 0;
}
