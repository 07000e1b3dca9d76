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
 *                       (what each TABLE_FREE walker pays around the walk);
 *                       the walk is 16 single-address pt_walks
 *   gup_section         the same comparison for the section fast GUP runs:
 *                       x = 1, 16, 512 pages walked once, each page
 *                       try-got and rechecked (the pins are inside the
 *                       timed section, the unpins after it, untimed);
 *                       cycles per section
 *   gup_munmap_latency  munmap of 16 populated pages (tables freed) on this
 *                       CPU while every other CPU runs lockless walk
 *                       sections of x ns (1 us .. 1 ms) back to back, the
 *                       walkers in the mm's cpumask (the flush IPIs reach
 *                       them); the log also gives the latency with the
 *                       other CPUs idle, for scale; compare
 *                       TABLE_FREE=ipi (the flush waits for IRQs-off
 *                       walkers) with rcu (it does not)
 */
#include "bench/kernel/bench.h"
#include "kernel/irqflags.h"
#include "kernel/printk.h"
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
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"

#define GUP_AREA  0x90000000ul
#define GUP_AREA2 0xa0000000ul      /* the second thread's range */
#define MAXP 512
#define RUNS 15

static struct mm_struct *bmm;

/* Keep the measuring thread on the CPU it runs on (the helper threads are
 * created on the others): a migration onto a helper's CPU would make the
 * two share one CPU, and a munmap there would need no IPI at all.
 * Return: the affinity to put back with thread_set_affinity(). */
static cpumask_t stay_here(void)
{
	cpumask_t old = current->affinity, here;
	cpumask_clear(&here);
	preempt_disable();
	cpumask_set_cpu(smp_processor_id(), &here);
	preempt_enable();
	thread_set_affinity(current, &here);
	return old;
}

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
static volatile uint64_t other_calls;   /* the second thread's calls, to show it ran alongside */

static void other_pinner(void *arg)
{
	(void)arg;
	kthread_use_mm(bmm);
	static struct page *pages[MAXP];
	while (!READ_ONCE(other_stop)) {
		if (READ_ONCE(other_go)) {
			long got = gup_fast_mm(bmm, GUP_AREA2, other_n, other_flags | FOLL_PIN, pages);
			if (got > 0)
				unpin_user_pages(pages, got);
			WRITE_ONCE(other_calls, other_calls + 1);
		} else
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
	cpumask_t aff = stay_here();
	populate(GUP_AREA, MAXP);
	populate(GUP_AREA2, MAXP);
	static const unsigned sizes[] = { 1, 16, 512 };
	struct thread *other = NULL;
	if (num_online_cpus() > 1) {
		other_go = other_stop = 0;
		other = thread_create_on((smp_processor_id() + 1) % num_online_cpus(), "bench-gup", other_pinner, NULL);
	}
	/* What a timed interval costs with nothing in it (included in every
	 * figure below: it weighs on the 1-page calls). */
	uint64_t ov[RUNS];
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = get_cycles_ordered();
		ov[r] = get_cycles_ordered() - t0;
	}
	uint64_t ovmed, ovmin, ovmax;
	bench_summarize(ov, RUNS, &ovmed, &ovmin, &ovmax);
	pr_info("gup_per_page: an empty timed interval costs %llu cycles (median of %u)\n",
		(unsigned long long)ovmed, RUNS);
	for (int threads = 1; threads <= (other ? 2 : 1); threads++) {
		for (unsigned k = 0; k < 3; k++) {
			for (int slow = 0; slow < 2; slow++) {
				unsigned flags = slow ? FOLL_SLOW_ONLY : FOLL_FAST_ONLY;
				other_n = sizes[k];
				other_flags = flags;
				other_go = threads == 2;
				uint64_t v[RUNS];
				if (threads == 2) {
					/* The second thread under way first (up to 10 ms). */
					uint64_t c0 = READ_ONCE(other_calls), t0 = ktime_ns();
					while (READ_ONCE(other_calls) < c0 + 2 && ktime_ns() < t0 + 10000000)
						cpu_relax();
				}
				per_page(GUP_AREA, sizes[k], flags, v);     /* warm */
				uint64_t oc0 = READ_ONCE(other_calls);
				per_page(GUP_AREA, sizes[k], flags, v);
				uint64_t oc = READ_ONCE(other_calls) - oc0;
				if (threads == 2)
					pr_info("gup_per_page: %s x=%u: the other thread made %llu calls meanwhile\n",
						slow ? "slow" : "fast", sizes[k], (unsigned long long)oc);
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
	thread_set_affinity(current, &aff);
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

/* ---- the whole fast-GUP section ----------------------------------------------- */

/* Pages pinned per timed batch: 4096 sections of 1 page, 256 of 16, 8 of
 * 512, back to back, so that the cost of reading the clock (about 26
 * cycles under TCG) is spread over many sections. */
#define SECT_BATCH_PAGES 4096
#define SECT_RUNS 11

/* Cycles per section of @x pages opened with IRQ save/restore (@irq) or
 * rcu_read_lock: the section as fast GUP runs it, the walk and each page's
 * try-get and recheck inside; the unpins come after, untimed. */
static uint64_t section_batch(unsigned x, bool irq)
{
	static struct page *pages[SECT_BATCH_PAGES];
	unsigned batch = SECT_BATCH_PAGES / x;
	long got = 0;
	enum gup_fallback why;
	uint64_t t0 = get_cycles_ordered();
	for (unsigned b = 0; b < batch; b++) {
		if (irq) {
			unsigned long f;
			local_irq_save(f);
			got += gup_fast_section_walk(bmm, GUP_AREA, x, FOLL_PIN, pages + got, &why);
			local_irq_restore(f);
		} else {
			rcu_read_lock();
			got += gup_fast_section_walk(bmm, GUP_AREA, x, FOLL_PIN, pages + got, &why);
			rcu_read_unlock();
		}
	}
	uint64_t dt = get_cycles_ordered() - t0;
	unpin_user_pages(pages, got);
	if (got != (long)batch * x)
		pr_info("gup_section: %ld of %u pages taken (%s)\n", got, batch * x, gup_fallback_name(why));
	return dt / batch;
}

static void bench_gup_section(void)
{
	bmm = mm_create();
	if (!bmm)
		return;
	kthread_use_mm(bmm);    /* TABLE_FREE=ipi: IRQs off protect a walk of a loaded mm */
	populate(GUP_AREA, MAXP);
	static const unsigned sizes[] = { 1, 16, 512 };
	for (unsigned k = 0; k < 3; k++) {
		uint64_t irq[SECT_RUNS], rcu[SECT_RUNS];
		section_batch(sizes[k], true);      /* warm */
		section_batch(sizes[k], false);
		for (int r = 0; r < SECT_RUNS; r++) {
			irq[r] = section_batch(sizes[k], true);
			rcu[r] = section_batch(sizes[k], false);
		}
		uint64_t med, min, max;
		bench_summarize(irq, SECT_RUNS, &med, &min, &max);
		bench_report("gup_section", "irq_save_restore", sizes[k], "cycles", med, min, max, SECT_RUNS);
		bench_summarize(rcu, SECT_RUNS, &med, &min, &max);
		bench_report("gup_section", "rcu_read_lock", sizes[k], "cycles", med, min, max, SECT_RUNS);
	}
	kthread_unuse_mm(bmm);
	mm_put(bmm);
}
BENCHMARK(gup_section, "one fast-GUP section of 1/16/512 pages (pins included, unpins not) under IRQ save/restore vs rcu_read_lock",
	  bench_gup_section);

/* ---- munmap against long walk sections ---------------------------------------- */

static volatile int walk_stop;
static volatile uint64_t walk_us;
static volatile uint64_t walk_sections[NR_CPUS];    /* sections done, per walker CPU */
static volatile int walk_inside[NR_CPUS];

static void section_walker(void *arg)
{
	(void)arg;
	kthread_use_mm(bmm);    /* in the cpumask: flushes of the mm reach us */
	while (!READ_ONCE(walk_stop)) {
		unsigned long w = lockless_page_walk_begin();
		unsigned me = smp_processor_id();
		WRITE_ONCE(walk_inside[me], 1);
		udelay(READ_ONCE(walk_us));
		WRITE_ONCE(walk_inside[me], 0);
		follow_pte_lockless(bmm, GUP_AREA);
		lockless_page_walk_end(w);
		WRITE_ONCE(walk_sections[me], walk_sections[me] + 1);
		cpu_relax();
	}
	kthread_unuse_mm(bmm);
}

#define MUNMAP_ROUNDS 15

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void bench_gup_munmap_latency(void)
{
	if (num_online_cpus() < 2)
		return;
	bmm = mm_create();
	if (!bmm)
		return;
	kthread_use_mm(bmm);
	cpumask_t aff = stay_here();
	static const uint64_t lens[] = { 1, 10, 100, 1000 };
	uint64_t idle[MUNMAP_ROUNDS];
	for (int r = 0; r < MUNMAP_ROUNDS; r++) {
		populate(GUP_AREA, 16);
		uint64_t t0 = ktime_ns();
		do_munmap(bmm, GUP_AREA, 16 * PAGE_SIZE);
		idle[r] = ktime_ns() - t0;
	}
	uint64_t imed, imin, imax;
	bench_summarize(idle, MUNMAP_ROUNDS, &imed, &imin, &imax);
	pr_info("gup_munmap_latency: no walkers: median %llu ns (min %llu, max %llu)\n",
		(unsigned long long)imed, (unsigned long long)imin, (unsigned long long)imax);
	for (unsigned k = 0; k < 4; k++) {
		walk_us = lens[k];
		walk_stop = 0;
		struct thread *th[NR_CPUS];
		unsigned n = 0, cpu;
		uint64_t s0[NR_CPUS];
		for_each_online_cpu(cpu) {
			s0[cpu] = READ_ONCE(walk_sections[cpu]);
			if (cpu != smp_processor_id())
				th[n++] = thread_create_on(cpu, "bench-gupwalk", section_walker, NULL);
		}
		/* Every walker under way (two sections done) before the first
		 * munmap: a new thread may wait for its CPU's next tick. */
		uint64_t tw = ktime_ns();
		for_each_online_cpu(cpu)
			while (cpu != smp_processor_id() && READ_ONCE(walk_sections[cpu]) < s0[cpu] + 2 &&
			       ktime_ns() < tw + 200000000ull)
				msleep(1);
		uint64_t v[MUNMAP_ROUNDS], during = 0, inside = 0, seed = 0x9e3779b97f4a7c15ull;
		struct tlb_stats ts0, ts1;
		tlb_get_stats(NR_CPUS, &ts0);
		for (int r = 0; r < MUNMAP_ROUNDS; r++) {
			populate(GUP_AREA, 16);
			/* Arrive at a random point of the walkers' sections: the
			 * previous munmap's flush (ipi) ended a section, so
			 * back-to-back munmaps would arrive at a fixed phase. */
			udelay(rng_next(&seed) % (2 * lens[k]));
			uint64_t w0 = 0, w1 = 0;
			for_each_online_cpu(cpu)
				inside += READ_ONCE(walk_inside[cpu]) != 0;
			for_each_online_cpu(cpu)
				w0 += READ_ONCE(walk_sections[cpu]);
			uint64_t t0 = ktime_ns();
			do_munmap(bmm, GUP_AREA, 16 * PAGE_SIZE);
			v[r] = ktime_ns() - t0;
			for_each_online_cpu(cpu)
				w1 += READ_ONCE(walk_sections[cpu]);
			during += w1 - w0;
		}
		tlb_get_stats(NR_CPUS, &ts1);
		pr_info("gup_munmap_latency: %llu ns sections: %llu of %u munmaps began with a walker inside a section; "
			"walkers ended %llu sections during the munmaps; %llu shootdowns, %llu flush IPIs, "
			"%llu cycles waiting for them\n",
			(unsigned long long)lens[k] * 1000, (unsigned long long)inside, MUNMAP_ROUNDS,
			(unsigned long long)during,
			(unsigned long long)(ts1.shootdowns - ts0.shootdowns),
			(unsigned long long)(ts1.ipis_sent - ts0.ipis_sent),
			(unsigned long long)(ts1.wait_cycles - ts0.wait_cycles));
		walk_stop = 1;
		for (unsigned i = 0; i < n; i++)
			thread_join(th[i]);
		uint64_t med, min, max;
		bench_summarize(v, MUNMAP_ROUNDS, &med, &min, &max);
		/* x: the walker section's length in ns (1000 .. 1000000). */
		bench_report("gup_munmap_latency", "munmap_16_pages", (int64_t)lens[k] * 1000, "ns", med, min, max,
			     MUNMAP_ROUNDS);
	}
	thread_set_affinity(current, &aff);
	kthread_unuse_mm(bmm);
	mm_put(bmm);
}
BENCHMARK(gup_munmap_latency, "munmap latency while other CPUs run lockless walk sections of x ns",
	  bench_gup_munmap_latency);
