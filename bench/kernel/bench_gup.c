/*
 * bench/kernel/bench_gup.c - get_user_pages benchmarks (docs/gup.md):
 *
 *   gup_per_page        cycles per page of get_user_pages_fast (fast part
 *                       only) against get_user_pages (slow part only) for
 *                       1, 16 and 512 pages (x), one thread (fast_1t,
 *                       slow_1t) and two at once on two CPUs (fast_2t,
 *                       slow_2t: the second thread pins its own range of
 *                       the same mm, as two threads of a process would)
 *   gup_walk_section    one 16-page walk in a section opened with
 *                       local_irq_save/restore against rcu_read_lock/unlock
 *                       (what each TABLE_FREE walker pays around the walk)
 *   gup_munmap_latency  munmap of 16 populated pages (tables freed) on this
 *                       CPU while every other CPU runs lockless walk
 *                       sections of x us back to back; compare
 *                       TABLE_FREE=ipi (the flush waits for IRQs-off
 *                       walkers) with rcu (it does not)
 */
#include "bench/kernel/bench.h"
#include "kernel/irqflags.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/gup.h"
#include "mm/lockless_walk.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/page.h"
#include "mm/pagewalk.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"

#define GUP_AREA  0x90000000ul
#define GUP_AREA2 0xa0000000ul      /* the second thread's range */
#define MAXP 512
#define RUNS 15

static struct mm_struct *bmm;

static void populate(uintptr_t base, unsigned pages)
{
	do_mmap(bmm, base, (uint64_t)pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (unsigned i = 0; i < pages; i++) {
		uint64_t one = 1;
		copy_to_user((void *)(base + (uintptr_t)i * PAGE_SIZE), &one, sizeof(one));
	}
}

/* Cycles per page of one call taking @n pages at @base (median of RUNS). */
static uint64_t per_page(uintptr_t base, unsigned n, unsigned flags, uint64_t *v)
{
	static struct page *pages[2][MAXP];
	struct page **p = pages[base == GUP_AREA ? 0 : 1];
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = get_cycles_ordered();
		long got = gup_fast_mm(bmm, base, n, flags | FOLL_PIN, p);
		uint64_t dt = get_cycles_ordered() - t0;
		if (got > 0)
			unpin_user_pages(p, got);
		v[r] = dt / n;
	}
	uint64_t med, min, max;
	bench_summarize(v, RUNS, &med, &min, &max);
	return med;
}

static volatile int other_go, other_stop;
static volatile unsigned other_n, other_flags;

static void other_pinner(void *arg)
{
	(void)arg;
	kthread_use_mm(bmm);
	uint64_t v[RUNS];
	while (!READ_ONCE(other_stop)) {
		if (READ_ONCE(other_go))
			per_page(GUP_AREA2, other_n, other_flags, v);
		else
			cpu_relax();
	}
	kthread_unuse_mm(bmm);
}

static void bench_gup_per_page(void)
{
	bmm = mm_create();
	if (!bmm)
		return;
	kthread_use_mm(bmm);
	populate(GUP_AREA, MAXP);
	populate(GUP_AREA2, MAXP);
	static const unsigned sizes[] = { 1, 16, 512 };
	struct thread *other = NULL;
	if (num_online_cpus() > 1) {
		other_go = other_stop = 0;
		other = thread_create_on((smp_processor_id() + 1) % num_online_cpus(), "bench-gup", other_pinner, NULL);
	}
	for (int threads = 1; threads <= (other ? 2 : 1); threads++) {
		for (unsigned k = 0; k < 3; k++) {
			for (int slow = 0; slow < 2; slow++) {
				unsigned flags = slow ? FOLL_SLOW_ONLY : FOLL_FAST_ONLY;
				other_n = sizes[k];
				other_flags = flags;
				other_go = threads == 2;
				uint64_t v[RUNS];
				per_page(GUP_AREA, sizes[k], flags, v);     /* warm */
				per_page(GUP_AREA, sizes[k], flags, v);
				uint64_t med, min, max;
				bench_summarize(v, RUNS, &med, &min, &max);
				const char *m = slow ? (threads == 2 ? "slow_2t" : "slow_1t")
						     : (threads == 2 ? "fast_2t" : "fast_1t");
				bench_report("gup_per_page", m, sizes[k], "cycles", med, min, max, RUNS);
				other_go = 0;
			}
		}
	}
	if (other) {
		other_stop = 1;
		thread_join(other);
	}
	kthread_unuse_mm(bmm);
	mm_put(bmm);
}
BENCHMARK(gup_per_page, "cycles per page: fast vs slow GUP, 1/16/512 pages, 1 and 2 threads", bench_gup_per_page);

/* ---- the walk section ------------------------------------------------------- */

#define SECTIONS 2000

static unsigned walk16(void)
{
	unsigned found = 0;
	for (unsigned i = 0; i < 16; i++) {
		int level;
		pteval_t *slot = pt_walk(bmm->pgd, GUP_AREA + (uintptr_t)i * PAGE_SIZE, PT_PTE, NULL, &level);
		found += slot && level == PT_PTE && entry_present(READ_ONCE(*slot));
	}
	return found;
}

static void bench_gup_walk_section(void)
{
	bmm = mm_create();
	if (!bmm)
		return;
	kthread_use_mm(bmm);
	populate(GUP_AREA, 16);
	uint64_t irq[11], rcu[11];
	volatile unsigned sink = 0;
	for (int k = 0; k < 11; k++) {
		uint64_t t0 = get_cycles_ordered();
		for (int i = 0; i < SECTIONS; i++) {
			unsigned long f;
			local_irq_save(f);
			sink += walk16();
			local_irq_restore(f);
		}
		uint64_t t1 = get_cycles_ordered();
		for (int i = 0; i < SECTIONS; i++) {
			rcu_read_lock();
			sink += walk16();
			rcu_read_unlock();
		}
		uint64_t t2 = get_cycles_ordered();
		irq[k] = (t1 - t0) / SECTIONS;
		rcu[k] = (t2 - t1) / SECTIONS;
	}
	(void)sink;
	uint64_t med, min, max;
	bench_summarize(irq, 11, &med, &min, &max);
	bench_report("gup_walk_section", "irq_save_restore_walk16", -1, "cycles", med, min, max, 11);
	bench_summarize(rcu, 11, &med, &min, &max);
	bench_report("gup_walk_section", "rcu_read_lock_walk16", -1, "cycles", med, min, max, 11);
	kthread_unuse_mm(bmm);
	mm_put(bmm);
}
BENCHMARK(gup_walk_section, "a 16-page walk under IRQ save/restore vs rcu_read_lock", bench_gup_walk_section);

/* ---- munmap against long walk sections ---------------------------------------- */

static volatile int walk_stop;
static volatile uint64_t walk_us;

static void section_walker(void *arg)
{
	(void)arg;
	kthread_use_mm(bmm);    /* in the cpumask: flushes of the mm reach us */
	while (!READ_ONCE(walk_stop)) {
		unsigned long w = lockless_page_walk_begin();
		udelay(READ_ONCE(walk_us));
		follow_pte_lockless(bmm, GUP_AREA);
		lockless_page_walk_end(w);
		cpu_relax();
	}
	kthread_unuse_mm(bmm);
}

#define MUNMAP_ROUNDS 15

static void bench_gup_munmap_latency(void)
{
	if (num_online_cpus() < 2)
		return;
	bmm = mm_create();
	if (!bmm)
		return;
	kthread_use_mm(bmm);
	static const uint64_t lens[] = { 1, 10, 100, 1000 };
	for (unsigned k = 0; k < 4; k++) {
		walk_us = lens[k];
		walk_stop = 0;
		struct thread *th[NR_CPUS];
		unsigned n = 0, cpu;
		for_each_online_cpu(cpu)
			if (cpu != smp_processor_id())
				th[n++] = thread_create_on(cpu, "bench-gupwalk", section_walker, NULL);
		uint64_t v[MUNMAP_ROUNDS];
		for (int r = 0; r < MUNMAP_ROUNDS; r++) {
			populate(GUP_AREA, 16);
			uint64_t t0 = ktime_ns();
			do_munmap(bmm, GUP_AREA, 16 * PAGE_SIZE);
			v[r] = ktime_ns() - t0;
		}
		walk_stop = 1;
		for (unsigned i = 0; i < n; i++)
			thread_join(th[i]);
		uint64_t med, min, max;
		bench_summarize(v, MUNMAP_ROUNDS, &med, &min, &max);
		bench_report("gup_munmap_latency", "munmap_16_pages", (int64_t)lens[k], "ns", med, min, max,
			     MUNMAP_ROUNDS);
	}
	kthread_unuse_mm(bmm);
	mm_put(bmm);
}
BENCHMARK(gup_munmap_latency, "munmap latency while other CPUs run lockless walk sections of x us",
	  bench_gup_munmap_latency);
