/*
 * bench/kernel/bench_sched.c - benchmarks of the scheduler and sleeping locks:
 *
 *   context_switch  two threads pinned to one CPU yield to each other;
 *                   time per switch (x = -1).
 *   wakeup          a thread on CPU 0 wakes a thread sleeping on CPU k;
 *                   time until the sleeper runs (x = k).
 *   rwsem_read      n threads on n CPUs take and release one rwsem for
 *                   read as fast as they can: cycles per down_read+up_read
 *                   pair, against n (x = n).  Every pair writes the
 *                   rwsem's cache line: the bouncing that a shared
 *                   mmap_lock suffers and speculative faults avoid.
 */
#include "bench/kernel/bench.h"
#include "kernel/cpumask.h"
#include "kernel/locking/rwsem.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "mm/kmalloc.h"
#include "asm/cpu.h"
#include "lib/printf.h"

#define SWITCH_ROUNDS 2000
#define WAKE_ROUNDS 201


/* ---- context switch ------------------------------------------------------ */

static volatile int pingpong_go;

static void yielder(void *arg)
{
	(void)arg;
	while (!pingpong_go)
		yield();
	for (int i = 0; i < SWITCH_ROUNDS; i++)
		yield();
}

static void bench_context_switch(void)
{
	uint64_t v[9];
	for (unsigned r = 0; r < 9; r++) {
		pingpong_go = 0;
		struct thread *a = thread_create_on(0, "bench-yield-a", yielder, NULL);
		struct thread *b = thread_create_on(0, "bench-yield-b", yielder, NULL);
		if (!a || !b)
			return;
		uint64_t sw0 = sched_context_switches(0);
		uint64_t t0 = rdtsc_ordered();
		pingpong_go = 1;
		thread_join(a);
		thread_join(b);
		uint64_t dt = rdtsc_ordered() - t0;
		uint64_t sw = sched_context_switches(0) - sw0;
		v[r] = sw ? dt / sw : 0;
	}
	bench_report_cycles("context_switch", "switch", -1, v, 9);
}
BENCHMARK(context_switch, "yield between two threads on one CPU", bench_context_switch);

/* ---- cross-CPU wakeup ---------------------------------------------------- */

static struct thread *volatile sleeper;
static volatile uint64_t woken_at;
static volatile int wake_round, wake_stop;

static void sleeper_fn(void *arg)
{
	(void)arg;
	for (;;) {
		set_current_state(THREAD_BLOCKED);
		if (wake_stop) {
			__set_current_state(THREAD_RUNNING);
			return;
		}
		int r = wake_round;
		schedule();
		if (wake_round != r)
			woken_at = rdtsc_ordered();
	}
}

static void bench_wakeup(void)
{
	uint64_t *v = kmalloc(WAKE_ROUNDS * sizeof(uint64_t));
	if (!v)
		return;
	unsigned cpu;
	for_each_online_cpu(cpu) {
		if (cpu == 0)
			continue;
		wake_stop = 0;
		wake_round = 0;
		struct thread *s = thread_create_on(cpu, "bench-sleeper", sleeper_fn, NULL);
		if (!s)
			break;
		unsigned n = 0;
		for (unsigned r = 0; r < WAKE_ROUNDS; r++) {
			while (READ_ONCE(s->state) != THREAD_BLOCKED || READ_ONCE(s->on_rq))
				cpu_relax();            /* wait until it really sleeps */
			woken_at = 0;
			wake_round = (int)r + 1;
			uint64_t t0 = rdtsc_ordered();
			wake_up_thread(s);
			while (!woken_at)
				cpu_relax();
			v[n++] = woken_at - t0;
		}
		wake_stop = 1;
		while (!wake_up_thread(s) && READ_ONCE(s->state) != THREAD_ZOMBIE)
			cpu_relax();
		thread_join(s);
		bench_report_cycles("wakeup", "latency", cpu, v, n);
	}
	kfree(v);
}
BENCHMARK(wakeup, "wake a thread sleeping on CPU k: until it runs", bench_wakeup);

/* ---- rwsem read-side scaling --------------------------------------------- */

/* A time window, not a count: with more vCPUs than host cores a ticket
 * lock can hand over very slowly (the next holder's vCPU is not running),
 * and a fixed count could then take minutes. */
#define RWSEM_WINDOW_MS 100
static struct rw_semaphore bench_sem;
static volatile int rw_go, rw_ready;
static volatile uint64_t rw_end;
static uint64_t rw_cycles[NR_CPUS];

static void rwsem_reader(void *arg)
{
	unsigned slot = (unsigned)(uintptr_t)arg;
	__atomic_fetch_add(&rw_ready, 1, __ATOMIC_SEQ_CST);
	while (!rw_go)
		cpu_relax();
	uint64_t t0 = rdtsc_ordered(), pairs = 0;
	while (rdtsc() < rw_end) {
		down_read(&bench_sem);
		up_read(&bench_sem);
		pairs++;
	}
	rw_cycles[slot] = pairs ? (rdtsc_ordered() - t0) / pairs : 0;
}

static void bench_rwsem_read(void)
{
	init_rwsem(&bench_sem);
	unsigned n_online = num_online_cpus();
	struct thread *th[NR_CPUS];
	for (unsigned n = 1; n <= n_online; n++) {
		rw_go = rw_ready = 0;
		unsigned k = 0, cpu;
		for_each_online_cpu(cpu) {
			if (k == n)
				break;
			th[k] = thread_create_on(cpu, "bench-rwsem", rwsem_reader, (void *)(uintptr_t)k);
			k++;
		}
		while (rw_ready < (int)n)
			msleep(1);
		rw_end = rdtsc() + ns_to_tsc(RWSEM_WINDOW_MS * 1000000ull);
		rw_go = 1;
		for (unsigned i = 0; i < n; i++)
			thread_join(th[i]);
		bench_report_cycles("rwsem_read", "down_up_read", n, rw_cycles, n);
	}
}
BENCHMARK(rwsem_read, "down_read+up_read cost vs CPUs reading at once", bench_rwsem_read);
