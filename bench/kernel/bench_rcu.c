/*
 * bench/kernel/bench_rcu.c - RCU and TABLE_FREE benchmarks:
 *
 *   rcu_read_side  cycles per rcu_read_lock+unlock pair, against
 *                  local_irq_save+restore (what a TABLE_FREE=ipi walker pays)
 *   rcu_gp         synchronize_rcu latency with the other CPUs idle, and
 *                  with them busy in threads (x = 0 idle, 1 loaded)
 *   munmap_storm   munmap of a populated 2 MiB region (its page tables are
 *                  freed): latency, and the peak of page-table memory
 *                  waiting for a grace period; compare TABLE_FREE=rcu with
 *                  ipi in one `make bench` run
 */
#include "bench/kernel/bench.h"
#include "kernel/cpumask.h"
#include "kernel/irqflags.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "lib/printf.h"

#define PAIRS 10000

static void bench_rcu_read_side(void)
{
	uint64_t r[11], q[11];
	for (int k = 0; k < 11; k++) {
		uint64_t t0 = rdtsc_ordered();
		for (int i = 0; i < PAIRS; i++) {
			rcu_read_lock();
			barrier();
			rcu_read_unlock();
		}
		uint64_t t1 = rdtsc_ordered();
		for (int i = 0; i < PAIRS; i++) {
			unsigned long f;
			local_irq_save(f);
			barrier();
			local_irq_restore(f);
		}
		uint64_t t2 = rdtsc_ordered();
		r[k] = (t1 - t0) / PAIRS;
		q[k] = (t2 - t1) / PAIRS;
	}
	uint64_t med, min, max;
	bench_summarize(r, 11, &med, &min, &max);
	bench_report("rcu_read_side", "rcu_read_lock_unlock", -1, "cycles", med, min, max, 11);
	bench_summarize(q, 11, &med, &min, &max);
	bench_report("rcu_read_side", "local_irq_save_restore", -1, "cycles", med, min, max, 11);
}
BENCHMARK(rcu_read_side, "rcu_read_lock/unlock vs local_irq_save/restore", bench_rcu_read_side);

static volatile int busy_stop;

static void busy(void *arg)
{
	(void)arg;
	while (!busy_stop)
		cpu_relax();            /* preemptible: the tick sees quiescent states */
}

static void gp_run(int64_t x)
{
	uint64_t v[21];
	for (int i = 0; i < 21; i++) {
		uint64_t t0 = ktime_ns();
		synchronize_rcu();
		v[i] = ktime_ns() - t0;
	}
	uint64_t med, min, max;
	bench_summarize(v, 21, &med, &min, &max);
	bench_report("rcu_gp", "synchronize_rcu", x, "ns", med, min, max, 21);
}

static void bench_rcu_gp(void)
{
	gp_run(0);
	busy_stop = 0;
	struct thread *th[NR_CPUS];
	unsigned n = 0, cpu;
	for_each_online_cpu(cpu)
		if (cpu != smp_processor_id())
			th[n++] = thread_create_on(cpu, "bench-busy", busy, NULL);
	gp_run(1);
	busy_stop = 1;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
}
BENCHMARK(rcu_gp, "synchronize_rcu latency, other CPUs idle (x=0) or busy (x=1)", bench_rcu_gp);

#define STORM_AREA 0x80000000ul
#define STORM_ROUNDS 41

static void bench_munmap_storm(void)
{
	struct mm_struct *mm = mm_create();
	if (!mm)
		return;
	kthread_use_mm(mm);
	rcu_barrier();
	struct rcu_stats s1;
	uint64_t v[STORM_ROUNDS];
	for (int r = 0; r < STORM_ROUNDS; r++) {
		/* 4 MiB: two PTE tables (and a PMD, a PUD) freed by each munmap. */
		do_mmap(mm, STORM_AREA, 4 << 20, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		for (uintptr_t a = STORM_AREA; a < STORM_AREA + (4 << 20); a += 64 * PAGE_SIZE) {
			uint64_t one = 1;
			copy_to_user((void *)a, &one, sizeof(one));
		}
		uint64_t t0 = rdtsc_ordered();
		do_munmap(mm, STORM_AREA, 4 << 20);
		v[r] = rdtsc_ordered() - t0;
	}
	rcu_get_stats(&s1);
	uint64_t med, min, max;
	bench_summarize(v, STORM_ROUNDS, &med, &min, &max);
	bench_report("munmap_storm", "munmap_4mib", -1, "cycles", med, min, max, STORM_ROUNDS);
	/* Peak bytes waiting for RCU since boot; with TABLE_FREE=ipi only the
	 * VMA frees are deferred, with rcu the page tables too. */
	bench_report("munmap_storm", "peak_deferred_bytes", -1, "bytes", s1.bytes_peak, s1.bytes_peak,
		     s1.bytes_peak, 1);
	kthread_unuse_mm(mm);
	mm_put(mm);
}
BENCHMARK(munmap_storm, "munmap storm: latency and peak deferred page-table memory", bench_munmap_storm);
