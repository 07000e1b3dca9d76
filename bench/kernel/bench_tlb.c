/*
 * bench/kernel/bench_tlb.c - TLB shootdown benchmarks.  Kernel threads adopt one
 * user address space on n CPUs (as threads of a process would run there)
 * while CPU 0 unmaps pages of it:
 *
 *   munmap_cpus   munmap of one page against n, the CPUs running the mm,
 *                 with concurrent flushing on and off (metrics
 *                 "concurrent"/"serial", cycles; "ipis_per_op")
 *   munmap_pages  munmap of p pages (1 .. 512, around the 33-page
 *                 ceiling) with every CPU running the mm (x = p)
 *   munmap_lazy   as munmap_cpus, but the other CPUs hold the mm lazily
 *                 (their threads sleep; the idle thread runs)
 */
#include "bench/kernel/bench.h"
#include "kernel/sched/completion.h"
#include "kernel/cpumask.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "lib/printf.h"

#define AREA   0x60000000ul
#define ROUNDS 101

static struct mm_struct *bmm;
static volatile int spin_stop, spinners_ready;
static struct completion sleepers_go;
static bool sleepers;

static void spinner(void *arg)
{
	(void)arg;
	kthread_use_mm(bmm);
	uint64_t v;
	copy_from_user(&v, (void *)AREA, sizeof(v));
	__atomic_fetch_add(&spinners_ready, 1, __ATOMIC_SEQ_CST);
	if (sleepers)
		wait_for_completion(&sleepers_go);  /* CPU goes idle: lazy */
	else
		while (!spin_stop)
			cpu_relax();
	kthread_unuse_mm(bmm);
}

static struct thread *helpers[NR_CPUS];

/* Run the mm on CPUs 1..n-1 (spinning, or asleep when @lazy). */
static void start_helpers(unsigned n, bool lazy)
{
	spin_stop = spinners_ready = 0;
	sleepers = lazy;
	init_completion(&sleepers_go);
	unsigned k = 0, cpu;
	for_each_online_cpu(cpu) {
		if (cpu == smp_processor_id() || k + 1 >= n)
			continue;
		helpers[k++] = thread_create_on(cpu, "bench-tlb", spinner, NULL);
	}
	while (spinners_ready < (int)k)
		msleep(1);
	if (lazy)
		msleep(5);          /* let them fall asleep */
	helpers[k] = NULL;
}

static void stop_helpers(void)
{
	spin_stop = 1;
	complete_all(&sleepers_go);
	for (unsigned i = 0; helpers[i]; i++)
		thread_join(helpers[i]);
}

/* Map @pages pages at AREA + 1 page (a neighbour page at AREA stays mapped,
 * so no table is freed), touch them, time their munmap. */
static uint64_t time_munmap(unsigned pages, uint64_t *ipis)
{
	uintptr_t a = AREA + PAGE_SIZE;
	do_mmap(bmm, a, (uint64_t)pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (unsigned i = 0; i < pages; i++) {
		uint64_t one = 1;
		copy_to_user((void *)(a + i * PAGE_SIZE), &one, sizeof(one));
	}
	struct tlb_stats s0, s1;
	tlb_get_stats(smp_processor_id(), &s0);
	uint64_t t0 = rdtsc_ordered();
	do_munmap(bmm, a, (uint64_t)pages * PAGE_SIZE);
	uint64_t dt = rdtsc_ordered() - t0;
	tlb_get_stats(smp_processor_id(), &s1);
	*ipis = s1.ipis_sent - s0.ipis_sent;
	return dt;
}

static bool setup_mm(void)
{
	bmm = mm_create();
	if (!bmm)
		return false;
	kthread_use_mm(bmm);
	do_mmap(bmm, AREA, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	uint64_t one = 1;
	copy_to_user((void *)AREA, &one, sizeof(one));
	return true;
}

static void teardown_mm(void)
{
	kthread_unuse_mm(bmm);
	mm_put(bmm);
}

static void report_rounds(const char *name, const char *metric, int64_t x, uint64_t *v, unsigned n)
{
	uint64_t med, min, max;
	bench_summarize(v, n, &med, &min, &max);
	bench_report(name, metric, x, "cycles", med, min, max, n);
}

static void run_cpus(const char *name, bool lazy)
{
	uint64_t *v = kmalloc(ROUNDS * sizeof(uint64_t));
	if (!v || !setup_mm())
		goto out;
	bool saved = tlb_concurrent_flush;
	for (unsigned n = 1; n <= num_online_cpus(); n++) {
		start_helpers(n, lazy);
		for (int conc = 1; conc >= 0; conc--) {
			if (lazy && !conc)
				break;      /* lazy CPUs get no IPI: nothing to overlap */
			tlb_concurrent_flush = conc;
			uint64_t ipis = 0;
			for (unsigned r = 0; r < ROUNDS; r++)
				v[r] = time_munmap(1, &ipis);
			report_rounds(name, lazy ? "lazy" : conc ? "concurrent" : "serial", n, v, ROUNDS);
			if (conc)
				bench_report(name, lazy ? "ipis_per_op_lazy" : "ipis_per_op", n, "ipis", ipis, ipis, ipis, 1);
		}
		stop_helpers();
	}
	tlb_concurrent_flush = saved;
	teardown_mm();
out:
	kfree(v);
}

static void bench_munmap_cpus(void) { run_cpus("munmap_cpus", false); }
BENCHMARK(munmap_cpus, "munmap of one page vs CPUs running the mm, concurrent flush on/off", bench_munmap_cpus);

static void bench_munmap_lazy(void) { run_cpus("munmap_lazy", true); }
BENCHMARK(munmap_lazy, "munmap of one page vs CPUs holding the mm lazily", bench_munmap_lazy);

static void bench_munmap_pages(void)
{
	static const unsigned sizes[] = { 1, 2, 4, 8, 16, 32, 33, 34, 64, 128, 256, 512 };
	uint64_t v[31];
	if (!setup_mm())
		return;
	start_helpers(num_online_cpus(), false);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t ipis;
		for (unsigned r = 0; r < 31; r++)
			v[r] = time_munmap(sizes[i], &ipis);
		report_rounds("munmap_pages", "munmap", sizes[i], v, 31);
	}
	stop_helpers();
	teardown_mm();
}
BENCHMARK(munmap_pages, "munmap of 1..512 pages with every CPU running the mm", bench_munmap_pages);
