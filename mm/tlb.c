/*
 * mm/tlb.c - TLB shootdown and lazy TLB.
 *
 * Per CPU we track which mm CR3 holds (loaded_mm), up to which of its TLB
 * generations this CPU has flushed (loaded_gen), and whether it holds the
 * mm only lazily (a kernel thread runs; see below).  Each mm counts
 * generations: every flush_tlb_mm_range bumps mm->tlb_gen.
 *
 * A flush (the caller has already changed the PTEs):
 *   1. new_gen = ++mm->tlb_gen (a full barrier: PTE stores come first);
 *   2. targets = mm->cpumask minus this CPU, minus lazy CPUs unless page
 *      tables were freed;
 *   3. concurrent mode: send the requests, flush locally while the other
 *      CPUs work, then wait for every acknowledgement (Amit et al.);
 *      otherwise flush locally first, then send and wait;
 *   4. a CPU handling a request that finds loaded_gen >= new_gen does
 *      nothing (an earlier full flush covered it); one exactly one
 *      generation behind flushes the range page by page up to the ceiling;
 *      anything else flushes everything and catches up to mm->tlb_gen.
 *
 * Lazy TLB.  Switching to a kernel thread leaves CR3 alone (no reload, no
 * TLB loss) and marks the CPU lazy; it stays in the mm's cpumask.  Flushes
 * that free no page tables skip lazy CPUs: the kernel thread never touches
 * user addresses, and when the CPU switches back to this mm it compares
 * loaded_gen with mm->tlb_gen and flushes if it missed anything.  Flushes
 * that free page-table pages reach lazy CPUs too: the CPU's page walker can
 * still hold paging-structure entries read from a freed table and may walk
 * it speculatively at any time, user code or not; such a CPU drops the mm
 * altogether (loads the kernel's tables) instead of flushing.
 *
 * The race between a flusher and a CPU switching to the mm (or leaving lazy
 * mode) is the store-buffer pattern: each side writes (tlb_gen; cpumask or
 * is_lazy) and then reads the other's variable, with a full barrier in
 * between, so at least one of them sees the other.
 */
#include "mm/tlb.h"
#include "mm/tlb_backend.h"
#include "kernel/config.h"
#include "mm/mm.h"
#include "mm/paging.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/paravirt.h"
#include "kernel/percpu.h"
#include "kernel/preempt.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "asm/cpu.h"
#include "asm/page.h"
#include "lib/string.h"
#include "kernel/trace/trace.h"

/* Tunables: the monitor (or a test) may change them while flushes run,
 * so they are read and written with READ_ONCE/WRITE_ONCE; nothing is
 * ordered by them. */
unsigned tlb_flush_ceiling = 33;
bool tlb_concurrent_flush = true;

/* Written only by the CPU itself, IRQs off.  loaded_mm and is_lazy are
 * also read by flushers on other CPUs (tlb_cpu_lazy()): marked accesses
 * (WRITE_ONCE here, volatile for is_lazy), and the store-buffer argument
 * at the top orders them.  The statistics are relaxed counters: the owner
 * adds with tlb_stat_add() (WRITE_ONCE), tlb_get_stats() reads them with
 * READ_ONCE; nothing is ordered by them. */
static struct tlb_cpu {
	struct mm_struct *loaded_mm;    /* what CR3 points at; NULL: the kernel's */
	uint64_t loaded_gen;            /* loaded_mm's generation flushed up to */
	volatile bool is_lazy;
	struct tlb_stats stats;
} __aligned(64) tlb_cpus[NR_CPUS];

/* One owner-only counter of this CPU's stats (see struct tlb_cpu). */
static inline void tlb_stat_add(uint64_t *c, uint64_t n)
{
	WRITE_ONCE(*c, *c + n);
}

struct flush_info {
	struct mm_struct *mm;
	uintptr_t start, end;
	uint64_t new_gen;
	bool freed_tables;
};

static inline struct tlb_cpu *this_tlb(void) { return &tlb_cpus[smp_processor_id()]; }

bool tlb_cpu_lazy(unsigned cpu, struct mm_struct *mm)
{
	return READ_ONCE(tlb_cpus[cpu].loaded_mm) == mm && READ_ONCE(tlb_cpus[cpu].is_lazy);
}

static void load_kernel_tables(struct tlb_cpu *t)
{
	struct mm_struct *old = t->loaded_mm;
	arch_load_pgd(kernel_pgd_phys);
	WRITE_ONCE(t->loaded_mm, NULL);     /* read by tlb_cpu_lazy() */
	t->is_lazy = false;
	if (old)
		cpumask_clear_cpu(smp_processor_id(), &old->cpumask);
}

void leave_mm(struct mm_struct *mm)
{
	unsigned long flags;
	local_irq_save(flags);
	struct tlb_cpu *t = this_tlb();
	if (t->loaded_mm == mm)
		load_kernel_tables(t);
	local_irq_restore(flags);
}

void switch_mm(struct mm_struct *next)
{
	struct tlb_cpu *t = this_tlb();
	unsigned cpu = smp_processor_id();
	if (!next) {
		/* A kernel thread: keep whatever is loaded, lazily. */
		if (t->loaded_mm)
			t->is_lazy = true;
		return;
	}
	if (t->loaded_mm == next) {
		/* Back from lazy mode: catch up on flushes we were spared. */
		t->is_lazy = false;
		/* is_lazy store before the tlb_gen load (see top): pairs with
		 * the full barrier of flush_tlb_mm_range()'s tlb_gen increment,
		 * which comes before it reads our is_lazy. */
		smp_mb();
		uint64_t gen = (uint64_t)atomic64_read(&next->tlb_gen);
		if (t->loaded_gen < gen) {
			arch_flush_tlb_all();
			tlb_stat_add(&t->stats.full_flushes, 1);
			t->loaded_gen = gen;
		}
		return;
	}
	/* A real switch.  Join the cpumask first (atomic: a full barrier),
	 * then read the generation: a flush we miss in the mask bumped the
	 * generation before reading it, and the CR3 write below flushes all
	 * that came before.  Store-buffer pattern; the other side's barrier
	 * is flush_tlb_mm_range()'s tlb_gen increment, before its
	 * cpumask_copy(). */
	cpumask_set_cpu(cpu, &next->cpumask);
	uint64_t gen = (uint64_t)atomic64_read(&next->tlb_gen);
	struct mm_struct *old = t->loaded_mm;
	arch_load_pgd(next->pgd_phys);
	if (old)
		cpumask_clear_cpu(cpu, &old->cpumask);
	WRITE_ONCE(t->loaded_mm, next);     /* read by tlb_cpu_lazy() */
	t->loaded_gen = gen;
	t->is_lazy = false;
}

/* Flush this CPU for @f.  IRQs off. */
static void flush_this_cpu(const struct flush_info *f)
{
	struct tlb_cpu *t = this_tlb();
	if (t->loaded_mm != f->mm)
		return;             /* switched away: its CR3 write flushed */
	if (t->is_lazy) {
		if (f->freed_tables) {
			load_kernel_tables(t);
			tlb_stat_add(&t->stats.lazy_exits, 1);
		}
		return;             /* otherwise it catches up when it returns */
	}
	/* LAB 3 BEGIN: use the generations: skip a request already covered, flush one behind page by page up to the ceiling, else flush all and catch up */
	if (t->loaded_gen >= f->new_gen) {
		tlb_stat_add(&t->stats.gen_skips, 1);
		return;
	}
	uint64_t pages = (f->end - f->start) / PAGE_SIZE;
	if (t->loaded_gen + 1 == f->new_gen && pages <= READ_ONCE(tlb_flush_ceiling)) {
		for (uintptr_t va = f->start; va < f->end; va += PAGE_SIZE)
			arch_flush_tlb_one(va);
		tlb_stat_add(&t->stats.pages_flushed, pages);
#ifdef CONFIG_TLBGEN_BROKEN
		/* Test-only: claim every generation issued so far.  A
		 * concurrent flusher's request (a higher generation, another
		 * range) still on its way here is then skipped as covered:
		 * its pages stay stale.  The tlb suite's concurrent-flusher
		 * test must notice. */
		t->loaded_gen = (uint64_t)atomic64_read(&f->mm->tlb_gen);
#else
		/* new_gen, not mm->tlb_gen: this flush covered only its own
		 * range; a later generation's range is not flushed yet. */
		t->loaded_gen = f->new_gen;
#endif
	} else {
		/* Behind by more than this request, or a big range: flush all
		 * and catch up with every generation issued so far. */
		uint64_t gen = (uint64_t)atomic64_read(&f->mm->tlb_gen);
		arch_flush_tlb_all();
		tlb_stat_add(&t->stats.full_flushes, 1);
		t->loaded_gen = gen;
	}
	/* LAB 3 STUB:
	uint64_t gen = (uint64_t)atomic64_read(&f->mm->tlb_gen);
	arch_flush_tlb_all();
	tlb_stat_add(&t->stats.full_flushes, 1);
	t->loaded_gen = gen;
	*/
	/* LAB 3 END */
}

static void flush_remote(void *arg)
{
	tlb_stat_add(&this_tlb()->stats.flushes_received, 1);
	flush_this_cpu(arg);
	trace(TLB_FLUSH, ((const struct flush_info *)arg)->mm, ((const struct flush_info *)arg)->new_gen, 0);
}

void flush_tlb_mm_range(struct mm_struct *mm, uintptr_t start, uintptr_t end,
			unsigned stride, bool freed_tables)
{
	(void)stride;       /* 4 KiB pages only, for now */
	preempt_disable();
	struct tlb_cpu *me = this_tlb();
	struct flush_info f = { mm, start, end, 0, freed_tables };
	/* Full barrier: the PTE changes are visible before the generation,
	 * and the generation before we read the cpumask and the lazy flags
	 * below.  That is our side of the store-buffer pattern (see top):
	 * switch_mm() stores its cpumask bit (an atomic) or is_lazy = false
	 * (then smp_mb) before it reads tlb_gen, so either we see that CPU
	 * as a non-lazy target or it sees our new generation and flushes. */
	f.new_gen = (uint64_t)atomic64_add_return(1, &mm->tlb_gen);

	cpumask_t targets, must_run;
	cpumask_copy(&targets, &mm->cpumask);
	cpumask_clear_cpu(smp_processor_id(), &targets);
	cpumask_clear(&must_run);
	unsigned cpu;
	for_each_cpu(cpu, &targets) {
		if (!tlb_cpu_lazy(cpu, mm))
			continue;
		/* LAB 3 BEGIN: a lazy CPU: leave it out unless page tables were freed; then it must run the call itself (must_run) */
		if (freed_tables) {
			/* It must leave the mm itself: no host flush may
			 * stand in for the call (mm/tlb_backend.h). */
			cpumask_set_cpu(cpu, &must_run);
		} else {
			cpumask_clear_cpu(cpu, &targets);
			tlb_stat_add(&me->stats.lazy_skipped, 1);
			trace(TLB_LAZY_SKIP, cpu, mm, 0);
		}
		/* LAB 3 STUB:
		cpumask_set_cpu(cpu, &must_run);
		*/
		/* LAB 3 END */
	}
	unsigned n = cpumask_weight(&targets);
	trace(TLB_START, mm, (end - start) / PAGE_SIZE, n);
	struct smp_call_handle h;
	unsigned long flags;
	int sent = 0;
	struct tlb_send_counts c = { 0, 0 };

	if (n && READ_ONCE(tlb_concurrent_flush)) {
		sent = tlb_backend.send(&targets, &must_run, flush_remote, &f, &h, &c);
		local_irq_save(flags);
		flush_this_cpu(&f);
		local_irq_restore(flags);
	} else {
		local_irq_save(flags);
		flush_this_cpu(&f);
		local_irq_restore(flags);
		if (n)
			sent = tlb_backend.send(&targets, &must_run, flush_remote, &f, &h, &c);
	}
	if (n) {
		uint64_t t0 = get_cycles();
		tlb_backend.wait(&h);
		tlb_stat_add(&me->stats.wait_cycles, get_cycles() - t0);
		tlb_stat_add(&me->stats.shootdowns, 1);
		tlb_stat_add(&me->stats.ipis_sent, (uint64_t)sent);
		tlb_stat_add(&me->stats.flushes_deferred, c.deferred);  /* pv: left to the host */
		tlb_stat_add(&me->stats.ipis_to_preempted, c.to_preempted);
	}
	trace(TLB_DONE, mm, f.new_gen, sent);
	preempt_enable();
}

void tlb_get_stats(unsigned cpu, struct tlb_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		if (cpu != NR_CPUS && c != cpu)
			continue;
		const struct tlb_stats *s = &tlb_cpus[c].stats;
		out->shootdowns += READ_ONCE(s->shootdowns);
		out->ipis_sent += READ_ONCE(s->ipis_sent);
		out->flushes_received += READ_ONCE(s->flushes_received);
		out->pages_flushed += READ_ONCE(s->pages_flushed);
		out->full_flushes += READ_ONCE(s->full_flushes);
		out->gen_skips += READ_ONCE(s->gen_skips);
		out->lazy_skipped += READ_ONCE(s->lazy_skipped);
		out->lazy_exits += READ_ONCE(s->lazy_exits);
		out->wait_cycles += READ_ONCE(s->wait_cycles);
		out->flushes_deferred += READ_ONCE(s->flushes_deferred);
		out->ipis_to_preempted += READ_ONCE(s->ipis_to_preempted);
		out->deferred_done += READ_ONCE(pvmodel_stats[c].flushes_on_entry);
	}
}

/* ---- monitor: tlb ------------------------------------------------------------ */

static int cmd_tlb(int argc, char **argv)
{
	unsigned long long v;
	if (argc == 3 && strcmp(argv[1], "ceiling") == 0) {
		if (kstrtoull(argv[2], 10, &v) || v > 512) {
			mon_printf("error: ceiling must be 0-512 pages\n");
			return -EINVAL;
		}
		WRITE_ONCE(tlb_flush_ceiling, (unsigned)v);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "concurrent") == 0) {
		if (strcmp(argv[2], "on") && strcmp(argv[2], "off")) {
			mon_printf("error: usage: tlb concurrent on|off\n");
			return -EINVAL;
		}
		WRITE_ONCE(tlb_concurrent_flush, strcmp(argv[2], "on") == 0);
		return 0;
	}
	if (argc != 1) {
		mon_printf("error: usage: tlb [ceiling N | concurrent on|off]\n");
		return -EINVAL;
	}
	mon_printf("backend %s, ceiling %u pages, concurrent flushing %s\n", tlb_backend.name,
		   tlb_flush_ceiling, tlb_concurrent_flush ? "on" : "off");
	mon_printf("%4s %10s %9s %9s %9s %9s %8s %8s %8s %12s %9s %9s %9s\n", "cpu", "shootdowns", "ipis", "received",
		   "pages", "full", "genskip", "lazyskip", "lazyexit", "wait cycles", "deferred", "onentry", "topreempt");
	unsigned cpu;
	for_each_online_cpu(cpu) {
		struct tlb_stats s;
		tlb_get_stats(cpu, &s);
		mon_printf("%4u %10llu %9llu %9llu %9llu %9llu %8llu %8llu %8llu %12llu %9llu %9llu %9llu\n", cpu,
			   (unsigned long long)s.shootdowns, (unsigned long long)s.ipis_sent,
			   (unsigned long long)s.flushes_received, (unsigned long long)s.pages_flushed,
			   (unsigned long long)s.full_flushes, (unsigned long long)s.gen_skips,
			   (unsigned long long)s.lazy_skipped, (unsigned long long)s.lazy_exits,
			   (unsigned long long)s.wait_cycles, (unsigned long long)s.flushes_deferred,
			   (unsigned long long)s.deferred_done, (unsigned long long)s.ipis_to_preempted);
	}
	/* deferred: flushes this CPU left to a preempted target's host (pv);
	 * topreempt: IPIs it sent to a vCPU whose record said preempted;
	 * onentry: flushes the host did on this vCPU's entry (model only:
	 * KVM's host does not tell the guest). */
	return 0;
}
MONITOR_COMMAND(tlb, "tlb", "[ceiling N | concurrent on|off]", "TLB shootdown statistics and tunables", cmd_tlb);
