/*
 * bench/kernel/bench_smp.c - benchmarks of the SMP layer:
 *
 *   ipi_roundtrip  CPU 0 sends an IPI to CPU k, whose handler sends one
 *                  back; time until CPU 0's handler has run (x = k).
 *   relax          cycles of a software interrupt on this CPU with the
 *                  other CPU idle (exception_idle) and while it spins in
 *                  cpu_relax() (exception_beside_spinner), and of an IPI
 *                  round trip to the spinning CPU (ipi_roundtrip_spinning);
 *                  both spin modes in one boot, x = 0 PAUSE, 1 delay
 *                  (arch/x86_64/relax.c: under TCG a PAUSE takes QEMU's
 *                  global lock, which the other two need).
 *   call_function  smp_call_function_many(wait) of an empty function to
 *                  CPUs 1..n-1, against n, the CPUs taking part (x = n).
 *   spinlock       n CPUs hammer one ticket lock for a fixed window,
 *                  SPIN_RUNS times: acquisitions per millisecond of the
 *                  window's measured length (median, min and max of the
 *                  runs; single windows swing widely on an overcommitted
 *                  host), the handoff latency from one holder's unlock to
 *                  the next holder's lock, and the halts, kicks and
 *                  steals per run; then the same throughput with strict
 *                  FIFO (spin_steal=0), metric throughput_fifo, unless
 *                  stealing is off already.  Every CPU runs the same
 *                  loop whatever n is: only the number of contenders
 *                  changes.  First, `uncontended`: cycles of one
 *                  spin_lock + spin_unlock pair on a lock nobody else
 *                  touches (UNCONTENDED_PAIRS pairs per sample, IRQs off).
 *
 * Workers on other CPUs run inside the call-function IPI handler
 * (deliberately: no thread switch in the measurement), with interrupts
 * off, for a bounded time.
 */
#include "bench/kernel/bench.h"
#include "kernel/cpumask.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "kernel/locking/spinlock.h"
#include "kernel/time.h"
#include "mm/kmalloc.h"
#include "asm/cpu.h"
#include "asm/ipi.h"
#include "asm/traps.h"
#include "lib/printf.h"

#define ROUNDS 301


/* ---- IPI round trip -------------------------------------------------- */

static volatile int pong_seen;
static volatile unsigned ping_from;

static void ping_handler(struct trap_frame *f)
{
	(void)f;
	arch_send_ipi(ping_from, VEC_BENCH_PONG);
}

static void pong_handler(struct trap_frame *f)
{
	(void)f;
	pong_seen = 1;
}

/* @v[r]: cycles from sending CPU @cpu a ping to seeing its pong, waiting
 * with cpu_relax(), ROUNDS times. */
static void ipi_roundtrips(unsigned cpu, uint64_t *v)
{
	for (unsigned r = 0; r < ROUNDS; r++) {
		pong_seen = 0;
		uint64_t t0 = rdtsc_ordered();
		arch_send_ipi(cpu, VEC_BENCH_PING);
		while (!pong_seen)
			cpu_relax();
		v[r] = rdtsc_ordered() - t0;
	}
}

static void bench_ipi_roundtrip(void)
{
	irq_register_vector(VEC_BENCH_PING, ping_handler);
	irq_register_vector(VEC_BENCH_PONG, pong_handler);
	uint64_t *v = kmalloc(ROUNDS * sizeof(uint64_t));
	if (!v)
		return;
	unsigned me = smp_processor_id(), cpu;
	ping_from = me;
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		ipi_roundtrips(cpu, v);
		bench_report_cycles("ipi_roundtrip", "roundtrip", cpu, v, ROUNDS);
	}
	kfree(v);
}
BENCHMARK(ipi_roundtrip, "IPI to CPU k and back, per k", bench_ipi_roundtrip);

/* ---- how a spinning CPU waits (arch/x86_64/relax.c) ------------------- */

static volatile int relax_spinner_stop, relax_spinner_running;

/* CPU 1's thread: a spin-wait that never ends, as a lock waiter's would. */
static void relax_spinner(void *arg)
{
	(void)arg;
	WRITE_ONCE(relax_spinner_running, 1);
	while (!READ_ONCE(relax_spinner_stop))
		cpu_relax();
}

/* Cycles of one software interrupt on this CPU: QEMU delivers it under
 * its global lock, and its handler's EOI writes the local APIC, which
 * takes the lock again (the two things a page fault and an IPI need). */
static void relax_exceptions(uint64_t *v)
{
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rdtsc_ordered();
		__asm__ volatile("int %0" :: "i"(VEC_BENCH_PONG) : "memory");
		v[r] = rdtsc_ordered() - t0;
	}
}

static void bench_relax(void)
{
	if (num_online_cpus() < 2)
		return;
	irq_register_vector(VEC_BENCH_PING, ping_handler);
	irq_register_vector(VEC_BENCH_PONG, pong_handler);
	uint64_t *v = kmalloc(ROUNDS * sizeof(uint64_t));
	if (!v)
		return;
	unsigned me = smp_processor_id(), other = (me + 1) % num_online_cpus();
	bool boot_mode = READ_ONCE(cpu_relax_delay);
	ping_from = me;

	/* The control: the other CPU idle (halted), nobody spinning. */
	relax_exceptions(v);
	bench_report_cycles("relax", "exception_idle", 0, v, ROUNDS);

	relax_spinner_stop = 0;
	relax_spinner_running = 0;
	struct thread *t = thread_create_on(other, "bench-relax-spinner", relax_spinner, NULL);
	if (!t)
		goto out;
	while (!READ_ONCE(relax_spinner_running))
		cpu_relax();
	/* Both modes in one boot, so their ratio does not carry the boot's
	 * drift (x: 0 PAUSE, 1 delay).  The spinner's loop reads the mode at
	 * every call, so it switches with us. */
	for (int delay = 0; delay <= 1; delay++) {
		WRITE_ONCE(cpu_relax_delay, delay);
		relax_exceptions(v);
		bench_report_cycles("relax", "exception_beside_spinner", delay, v, ROUNDS);
		ipi_roundtrips(other, v);
		bench_report_cycles("relax", "ipi_roundtrip_spinning", delay, v, ROUNDS);
	}
	WRITE_ONCE(relax_spinner_stop, 1);
	thread_join(t);
out:
	WRITE_ONCE(cpu_relax_delay, boot_mode);
	kfree(v);
}
BENCHMARK(relax, "an exception here and an IPI round trip while another CPU spins, PAUSE vs delay",
	  bench_relax);

/* ---- call-function latency ------------------------------------------ */

static void empty_fn(void *arg) { (void)arg; }

static void bench_call_function(void)
{
	uint64_t *v = kmalloc(ROUNDS * sizeof(uint64_t));
	if (!v)
		return;
	unsigned n_online = num_online_cpus();
	for (unsigned n = 2; n <= n_online; n++) {
		cpumask_t m;
		cpumask_clear(&m);
		unsigned cpu, k = 0;
		for_each_online_cpu(cpu)
			if (k++ < n)
				cpumask_set_cpu(cpu, &m);
		for (unsigned r = 0; r < ROUNDS; r++) {
			uint64_t t0 = rdtsc_ordered();
			smp_call_function_many(&m, empty_fn, NULL, true);
			v[r] = rdtsc_ordered() - t0;
		}
		bench_report_cycles("call_function", "latency", n, v, ROUNDS);
	}
	kfree(v);
}
BENCHMARK(call_function, "smp_call_function_many(wait) latency vs CPUs", bench_call_function);

/* ---- spinlock -------------------------------------------------------- */

#define SPIN_WINDOW_MS 100
#define HANDOFF_SAMPLES 256

DEFINE_SPINLOCK(bench_lock);
static volatile int spin_go, spin_stop, spin_ready, spin_finished;
static volatile uint64_t last_release;
static uint64_t *handoffs;              /* [cpu][HANDOFF_SAMPLES] */
static unsigned nhandoffs[NR_CPUS];
static uint64_t acquisitions[NR_CPUS];

/* Take and release the lock until told to stop or @end (TSC) passes. */
static void spin_loop(uint64_t end)
{
	unsigned me = smp_processor_id();
	uint64_t n = 0;
	unsigned h = nhandoffs[me];             /* runs add to the samples */
	while (!spin_stop && rdtsc() < end) {
		bool waited = spin_is_locked(&bench_lock);
		spin_lock(&bench_lock);
		uint64_t now = rdtsc();
		/* A handoff: we waited, and the previous holder released at
		 * last_release.  (TSCs of QEMU's vCPUs share one clock.) */
		if (waited && h < HANDOFF_SAMPLES && now > last_release)
			handoffs[me * HANDOFF_SAMPLES + h++] = now - last_release;
		n++;
		last_release = rdtsc();
		spin_unlock(&bench_lock);
	}
	acquisitions[me] = n;
	nhandoffs[me] = h;
}

static void spin_worker(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&spin_ready, 1, __ATOMIC_SEQ_CST);
	while (!spin_go)
		cpu_relax();
	spin_loop(UINT64_MAX);
	__atomic_fetch_add(&spin_finished, 1, __ATOMIC_SEQ_CST);
}

/* One window of @n CPUs (this one included) on the lock: acquisitions
 * per millisecond.  The window is timed from the start signal to the stop
 * signal: this CPU may pass its deadline while it waits for the lock (an
 * overcommitted host can keep it waiting for milliseconds), and dividing
 * by the nominal length would count that wait's acquisitions for free. */
static uint64_t spin_window(unsigned n)
{
	cpumask_t m;
	cpumask_clear(&m);
	unsigned cpu, k = 0, me = smp_processor_id();
	for_each_online_cpu(cpu)
		if (cpu != me && k++ < n - 1)
			cpumask_set_cpu(cpu, &m);
	spin_go = spin_stop = spin_ready = spin_finished = 0;
	for (unsigned c = 0; c < NR_CPUS; c++)
		acquisitions[c] = 0;
	smp_call_function_many(&m, spin_worker, NULL, false);
	while (spin_ready < (int)n - 1)
		cpu_relax();
	/* This CPU takes part too, and stops everyone at the deadline. */
	unsigned long flags;
	local_irq_save(flags);
	uint64_t start = rdtsc();
	uint64_t end = start + ns_to_tsc((uint64_t)SPIN_WINDOW_MS * 1000000);
	spin_go = 1;
	spin_loop(end);
	spin_stop = 1;
	uint64_t ns = tsc_to_ns(rdtsc() - start);
	local_irq_restore(flags);
	while (spin_finished < (int)n - 1)
		cpu_relax();
	uint64_t total = 0;
	for (unsigned c = 0; c < NR_CPUS; c++)
		total += acquisitions[c];
	return ns ? total * 1000000 / ns : 0;
}

#define SPIN_RUNS 5

/* SPIN_RUNS windows of @n CPUs: report the median throughput as @metric. */
static void spin_throughput(unsigned n, const char *metric)
{
	uint64_t per_ms[SPIN_RUNS];
	for (unsigned r = 0; r < SPIN_RUNS; r++)
		per_ms[r] = spin_window(n);
	uint64_t med, mn, mx;
	bench_summarize(per_ms, SPIN_RUNS, &med, &mn, &mx);
	bench_report("spinlock", metric, n, "acq/ms", med, mn, mx, SPIN_RUNS);
}

#define UNCONTENDED_PAIRS 1000
DEFINE_SPINLOCK(bench_solo_lock);

static void spin_uncontended(uint64_t *v, unsigned samples)
{
	unsigned long flags;
	for (unsigned r = 0; r < samples; r++) {
		local_irq_save(flags);
		uint64_t t0 = rdtsc_ordered();
		for (unsigned i = 0; i < UNCONTENDED_PAIRS; i++) {
			spin_lock(&bench_solo_lock);
			spin_unlock(&bench_solo_lock);
		}
		v[r] = (rdtsc_ordered() - t0) / UNCONTENDED_PAIRS;
		local_irq_restore(flags);
	}
}

static void bench_spinlock(void)
{
	unsigned n_online = num_online_cpus();
	handoffs = kmalloc((size_t)NR_CPUS * HANDOFF_SAMPLES * sizeof(uint64_t));
	uint64_t *all = kmalloc((size_t)NR_CPUS * HANDOFF_SAMPLES * sizeof(uint64_t));
	if (!handoffs || !all)
		goto out;
	spin_uncontended(all, ROUNDS);
	bench_report_cycles("spinlock", "uncontended", -1, all, ROUNDS);
	struct lock_class *c = bench_lock.class;
	for (unsigned n = 1; n <= n_online; n++) {
		for (unsigned c2 = 0; c2 < NR_CPUS; c2++)
			nhandoffs[c2] = 0;
		uint64_t halts0 = c ? c->halts : 0, kicks0 = c ? c->kicks : 0;
		uint64_t steals0 = c ? c->steals : 0;
		spin_throughput(n, "throughput");
		if (c) {
			uint64_t h = (c->halts - halts0) / SPIN_RUNS, kk = (c->kicks - kicks0) / SPIN_RUNS;
			uint64_t st = (c->steals - steals0) / SPIN_RUNS;
			bench_report("spinlock", "halts", n, "per-run", h, h, h, SPIN_RUNS);
			bench_report("spinlock", "kicks", n, "per-run", kk, kk, kk, SPIN_RUNS);
			bench_report("spinlock", "steals", n, "per-run", st, st, st, SPIN_RUNS);
		}
		/* Handoff samples: the first HANDOFF_SAMPLES per CPU over all runs. */
		unsigned ns = 0;
		for (unsigned c2 = 0; c2 < NR_CPUS; c2++)
			for (unsigned i = 0; i < nhandoffs[c2]; i++)
				all[ns++] = handoffs[c2 * HANDOFF_SAMPLES + i];
		if (ns)
			bench_report_cycles("spinlock", "handoff", n, all, ns);
		/* The same with strict FIFO, for comparison (nothing can be
		 * stolen with one CPU). */
		unsigned steal = spin_steal;
		if (steal && n > 1) {
			spin_steal = 0;
			spin_throughput(n, "throughput_fifo");
			spin_steal = steal;
		}
	}
out:
	kfree(handoffs);
	kfree(all);
}
BENCHMARK(spinlock, "ticket lock throughput and handoff latency vs CPUs", bench_spinlock);
