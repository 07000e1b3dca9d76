/*
 * bench/kernel/bench_heap.c - the kernel heap:
 *
 *   kmalloc  cycles per kmalloc(64)+kfree pair, each of 1..N CPUs running
 *            pairs at once on its own objects (four live at a time, as an
 *            mmap replaces a table and a VMA), with the per-CPU object
 *            caches on (metric pair_cycles_cache) and off (pair_cycles_nocache:
 *            every call takes the heap lock).  The two are switched at run
 *            time (kmalloc_cpu_set_enabled()) and alternate in one boot,
 *            three windows each, so their ratio is measured in one run.
 */
#include "bench/kernel/bench.h"
#include "kernel/atomic.h"
#include "kernel/cpumask.h"
#include "kernel/percpu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_cpu.h"
#include "asm/cpu.h"

#define HEAP_WINDOW_MS 150
#define HEAP_WINDOWS 3
#define HEAP_LIVE 4

static volatile int heap_go, heap_ready;
static volatile uint64_t heap_end;
static uint64_t heap_cycles[2][HEAP_WINDOWS * NR_CPUS];

struct heap_slot {
	unsigned mode, index;
};

static void heap_worker(void *arg)
{
	struct heap_slot *s = arg;
	void *live[HEAP_LIVE];
	__atomic_fetch_add(&heap_ready, 1, __ATOMIC_SEQ_CST);
	/* Acquire: heap_end was set before the go; pairs with the
	 * smp_store_release() in heap_window(). */
	while (!smp_load_acquire(&heap_go))
		cpu_relax();
	uint64_t t0 = rdtsc_ordered(), pairs = 0;
	while (rdtsc() < heap_end) {
		for (int i = 0; i < HEAP_LIVE; i++)
			live[i] = kmalloc(64);
		for (int i = 0; i < HEAP_LIVE; i++)
			kfree(live[i]);
		pairs += HEAP_LIVE;
	}
	heap_cycles[s->mode][s->index] = pairs ? (rdtsc_ordered() - t0) / pairs : 0;
}

/* One window of @n CPUs in @mode (1: caches on); results at @base.. */
static void heap_window(unsigned n, unsigned mode, unsigned base)
{
	static struct heap_slot slots[NR_CPUS];
	struct thread *th[NR_CPUS];
	bool was = kmalloc_cpu_set_enabled(mode == 1);
	heap_go = heap_ready = 0;
	unsigned k = 0, cpu;
	for_each_online_cpu(cpu) {
		if (k == n)
			break;
		slots[k] = (struct heap_slot){ .mode = mode, .index = base + k };
		th[k] = thread_create_on(cpu, "bench-heap", heap_worker, &slots[k]);
		if (!th[k])
			break;          /* out of memory: run with the CPUs we have */
		k++;
	}
	while (heap_ready < (int)k)
		msleep(1);
	heap_end = rdtsc() + ns_to_tsc(HEAP_WINDOW_MS * 1000000ull);
	/* Release: heap_end before the go (the workers' acquire). */
	smp_store_release(&heap_go, 1);
	for (unsigned i = 0; i < k; i++)
		thread_join(th[i]);
	kmalloc_cpu_set_enabled(was);
}

static void bench_kmalloc(void)
{
	unsigned n_online = num_online_cpus();
	for (unsigned n = 1; n <= n_online; n++) {
		for (unsigned w = 0; w < HEAP_WINDOWS; w++)
			for (unsigned mode = 0; mode < 2; mode++)
				heap_window(n, mode, w * n);
		bench_report_cycles("kmalloc", "pair_cycles_cache", n, heap_cycles[1], HEAP_WINDOWS * n);
		bench_report_cycles("kmalloc", "pair_cycles_nocache", n, heap_cycles[0], HEAP_WINDOWS * n);
	}
}
BENCHMARK(kmalloc, "cycles per kmalloc+kfree pair vs CPUs allocating at once, per-CPU caches on and off",
	  bench_kmalloc);
