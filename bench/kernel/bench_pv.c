/*
 * bench/kernel/bench_pv.c - paravirt shootdown benchmarks (docs/pv.md):
 *
 *   pv_flush   the initiator's latency of a one-page munmap (one remote
 *              flush, no table freed) while every other CPU runs the mm
 *              and x of them (0 .. cpus-1) are held preempted by the host
 *              model for pv_flush_us (10 ms); IPIs sent per 1000 flushes, and IPIs
 *              the preempted vCPUs took.  Compare SHOOTDOWN=ipi (the IPI
 *              to a preempted vCPU waits out its preemption) with pv (its
 *              flush is left to its host: no IPI, no wait).
 *   pv_safety  the unsafe-pairing race of the pv suite (tests/kernel/
 *              pv_race.c) for a fixed time: poisoned (freed) page-table
 *              reads per million lockless walks, walks, walks preempted
 *              mid-walk.  Run in the four TABLE_FREE x SHOOTDOWN pairings.
 *
 * pv_flush drives the model deterministically (pvmodel_preempt(), the
 * random preemptions off) and times the ordinary munmap: the flusher is
 * the backend that runs under KVM too; only the writer of the steal-time
 * records is the model.  Under KVM (no model) it cannot hold a vCPU out
 * and reports x = 0 only.  IPIs to preempted vCPUs are counted by the
 * sender (tlb stats): an IPI sent while the target's record said preempted.
 * On a loaded host the initiator's vCPU thread can itself be descheduled
 * past a held vCPU's preemption; then that vCPU is back before the flush
 * and gets an ordinary IPI (counted in ipis, not in ipis_to_preempted).
 */
#include "bench/kernel/bench.h"
#include "kernel/errno.h"
#include "kernel/paravirt.h"
#include "kernel/params.h"
#include "lib/string.h"
#include "kernel/printk.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/page.h"
#include "tests/kernel/pv_race.h"

#define PV_AREA     0x68000000ul
/* Each held-out vCPU's preemption: well above a host's scheduling slice
 * (the poller must see it).  pv_flush_us= changes it. */
static unsigned preempt_us = 10000;

static int set_pv_flush_us(const char *v)
{
	unsigned long long x;
	if (kstrtoull(v, 10, &x) || x < 100 || x > 1000000)
		return -EINVAL;
	preempt_us = (unsigned)x;
	return 0;
}
KERNEL_PARAM(pv_flush_us, "pv_flush_us", "100-1000000",
	     "pv_flush benchmark: how long each held-out vCPU stays preempted (default 10000)", set_pv_flush_us);
#define FLUSH_ROUNDS 31

static struct mm_struct *bmm;
static volatile int spin_stop, spinners_ready;

/* Runs the mm on its CPU (in the cpumask, not lazy): every flush targets it. */
static void spinner(void *arg)
{
	(void)arg;
	kthread_use_mm(bmm);
	uint64_t v;
	copy_from_user(&v, (void *)PV_AREA, sizeof(v));
	__atomic_fetch_add(&spinners_ready, 1, __ATOMIC_SEQ_CST);
	while (!READ_ONCE(spin_stop))
		cpu_relax();
	kthread_unuse_mm(bmm);
}

/* Hold the first @k CPUs of @cpus out for preempt_us each and wait until
 * every one's record says preempted.  *@asked: how many were taken (the
 * caller waits for those to come back).  Return: false if one could not
 * be taken or was not seen out. */
static bool hold_out(const unsigned *cpus, unsigned k, unsigned *asked)
{
	*asked = 0;
	for (unsigned i = 0; i < k; i++) {
		bool ok = false;
		for (int tries = 0; tries < 100 && !(ok = pvmodel_preempt(cpus[i], preempt_us)); tries++)
			udelay(100);        /* its last preemption is still ending */
		if (!ok)
			return false;
		++*asked;
	}
	/* The requests' NMIs can land late (the target's host thread not
	 * running), and the poller's own thread can be off its host core for
	 * a whole preemption: give up after 100 ms, and let the caller retry. */
	uint64_t deadline = ktime_ns() + 100000000ull;
	for (unsigned i = 0; i < k; i++)
		while (!pv_vcpu_preempted(cpus[i]))
			if (ktime_ns() > deadline)
				return false;
	return true;
}

/* Wait until the first @k of @cpus have resumed since @resumes0.  Return:
 * false after 2 s (a request the target's tick dropped: its NMI was lost). */
static bool wait_back(const unsigned *cpus, unsigned k, const uint64_t *resumes0)
{
	uint64_t deadline = ktime_ns() + 2000000000ull;
	for (unsigned i = 0; i < k; i++)
		while (pvmodel_resumes(cpus[i]) == resumes0[i] || pv_vcpu_preempted(cpus[i]))
			if (ktime_ns() > deadline)
				return false;
	return true;
}

static void bench_pv_flush(void)
{
	unsigned n = num_online_cpus(), me = smp_processor_id(), cpu;
	if (n < 2)
		return;
	struct pvmodel_config saved;
	if (pvmodel_pause(&saved)) {                        /* only ours */
		pvmodel_unpause(&saved);
		return;                                     /* logged: no figure */
	}
	bmm = mm_create();
	if (!bmm)
		goto out;
	kthread_use_mm(bmm);
	/* A neighbour page stays mapped: the munmaps below free no table. */
	do_mmap(bmm, PV_AREA, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	uint64_t one = 1;
	copy_to_user((void *)PV_AREA, &one, sizeof(one));
	unsigned others[NR_CPUS], m = 0;
	struct thread *th[NR_CPUS];
	spin_stop = spinners_ready = 0;
	for_each_online_cpu(cpu)
		if (cpu != me) {
			others[m] = cpu;
			th[m++] = thread_create_on(cpu, "bench-pv", spinner, NULL);
		}
	while (spinners_ready < (int)m)
		msleep(1);
	unsigned max_k = pv_host == PV_HOST_MODEL ? m : 0;
	if (!max_k)
		pr_info("bench: pv_flush: the host is not the model; no vCPU can be held out (x = 0 only)\n");
	uintptr_t a = PV_AREA + PAGE_SIZE;
	for (unsigned k = 0; k <= max_k; k++) {
		uint64_t v[FLUSH_ROUNDS], ipis = 0, to_preempted = 0;
		unsigned runs = 0, failed = 0;
		bool warm = false, lost = false;
		for (unsigned tries = 0; runs < FLUSH_ROUNDS && tries < 3 * FLUSH_ROUNDS && !lost; tries++) {
			do_mmap(bmm, a, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			copy_to_user((void *)a, &one, sizeof(one));
			uint64_t resumes0[NR_CPUS];
			for (unsigned i = 0; i < k; i++)
				resumes0[i] = pvmodel_resumes(others[i]);
			unsigned asked;
			if (!hold_out(others, k, &asked)) {
				lost = !wait_back(others, asked, resumes0);
				failed++;
				continue;
			}
			struct tlb_stats s0, s1;
			tlb_get_stats(me, &s0);
			uint64_t t0 = ktime_ns();
			do_munmap(bmm, a, PAGE_SIZE);
			uint64_t dt = ktime_ns() - t0;
			tlb_get_stats(me, &s1);
			lost = !wait_back(others, k, resumes0);
			if (!warm) {
				warm = true;        /* the first round only warms up */
				continue;
			}
			v[runs++] = dt;
			ipis += s1.ipis_sent - s0.ipis_sent;
			/* Counted by the sender (mm/tlb_ipi.c): IPIs to a vCPU
			 * whose record said preempted when it was sent. */
			to_preempted += s1.ipis_to_preempted - s0.ipis_to_preempted;
		}
		if (failed || lost)
			pr_info("bench: pv_flush: x=%u: %u tries left out (a vCPU not seen out within 100 ms)%s\n",
				k, failed, lost ? "; a vCPU never came back: stopped" : "");
		if (lost)
			break;
		if (!runs)
			continue;
		uint64_t med, min, max;
		bench_summarize(v, runs, &med, &min, &max);
		bench_report("pv_flush", "initiator_ns", k, "ns", med, min, max, runs);
		uint64_t per = ipis * 1000 / runs, per_pre = to_preempted * 1000 / runs;
		bench_report("pv_flush", "ipis_per_1000_flushes", k, "ipis", per, per, per, runs);
		bench_report("pv_flush", "ipis_to_preempted_per_1000_flushes", k, "ipis", per_pre, per_pre, per_pre,
			     runs);
	}
	spin_stop = 1;
	for (unsigned i = 0; i < m; i++)
		thread_join(th[i]);
	kthread_unuse_mm(bmm);
	mm_put(bmm);
out:
	pvmodel_unpause(&saved);
}
BENCHMARK(pv_flush, "munmap flush latency and IPIs as 0..cpus-1 vCPUs are held preempted (ipi vs pv)",
	  bench_pv_flush);

#define SAFETY_MS 4000

static void bench_pv_safety(void)
{
	/* A fixed time, not stopped at the first poisoned read: the rate
	 * per million walks is comparable across pairings. */
	struct pv_race r = { .min_ms = SAFETY_MS, .max_ms = SAFETY_MS, .min_resumes = 0, .stop_on_poison = false };
	if (!pv_race_run(&r)) {
		pr_info("bench: pv_safety: needs 2 CPUs and the host model\n");
		return;
	}
	uint64_t ppm = r.walks ? r.poisoned * 1000000 / r.walks : 0;
	pr_info("bench: pv_safety: %llu ms, %llu unmap rounds, %llu walks, %llu preempted mid-walk, "
		"%llu flushes deferred, %llu IPIs, %llu poisoned reads\n",
		(unsigned long long)r.ms, (unsigned long long)r.rounds, (unsigned long long)r.walks,
		(unsigned long long)r.preempted_walks, (unsigned long long)r.deferred,
		(unsigned long long)r.ipis, (unsigned long long)r.poisoned);
	bench_report("pv_safety", "poisoned_per_million_walks", -1, "ppm", ppm, ppm, ppm, 1);
	bench_report("pv_safety", "walks", -1, "count", r.walks, r.walks, r.walks, 1);
	bench_report("pv_safety", "preempted_walks", -1, "count", r.preempted_walks, r.preempted_walks,
		     r.preempted_walks, 1);
}
BENCHMARK(pv_safety, "poisoned page-table reads per million lockless walks under the host model's preemptions",
	  bench_pv_safety);
