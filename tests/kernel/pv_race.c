/*
 * tests/kernel/pv_race.c - the unsafe-pairing race (pv_race.h), shared by
 * the `pv` suite and the pv_safety benchmark.
 *
 * Walkers on every other CPU loop over follow_pte_lockless() inside
 * lockless_page_walk_begin/end, with the 200 us test delay between the
 * PMD entry and the PTE table (the window a preemption must hit); this
 * CPU unmaps the whole 2 MiB-aligned area (its PTE table is freed), at a
 * moment a walker's vCPU is out if one goes out within 5 ms, and maps it
 * again, round after round; the model preempts every vCPU as fast
 * as the ticks allow, for up to 3 ms.  Each walker reads its own resume
 * count inside the section: a change means that walk spanned a preemption.
 * Under TABLE_FREE=ipi SHOOTDOWN=pv a flush skips the preempted walker's
 * vCPU, the table is freed under its walk, and the walk reads the poison
 * (counted by mm/lockless_walk.c); in the other three pairings it cannot.
 */
#include "tests/kernel/pv_race.h"
#include "kernel/paravirt.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/lockless_walk.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/page.h"

#define PV_RACE_AREA 0x70000000ul   /* 2 MiB aligned: its own PTE table */

static struct mm_struct *w_mm;
static volatile int w_stop;
static volatile uint64_t w_walks, w_mid;

static bool any_walker_out(unsigned me)
{
	unsigned cpu;
	for_each_online_cpu(cpu)
		if (cpu != me && pv_vcpu_preempted(cpu))
			return true;
	return false;
}

/* A lockless walker (the fast-GUP discipline): begin, walk, end; it reads
 * its own resume count inside the section, so a change means the walk
 * spanned a preemption. */
static void walker(void *arg)
{
	(void)arg;
	kthread_use_mm(w_mm);
	unsigned me = smp_processor_id();
	uint64_t walks = 0, mid = 0;
	while (!READ_ONCE(w_stop)) {
		unsigned long w = lockless_page_walk_begin();
		uint64_t c0 = pvmodel_resumes(me);
		(void)follow_pte_lockless(w_mm, PV_RACE_AREA);
		uint64_t c1 = pvmodel_resumes(me);
		lockless_page_walk_end(w);
		walks++;
		mid += c1 != c0;
		if (walks % 64 == 0)
			yield();
	}
	__atomic_fetch_add(&w_walks, walks, __ATOMIC_RELAXED);
	__atomic_fetch_add(&w_mid, mid, __ATOMIC_RELAXED);
	kthread_unuse_mm(w_mm);
}

bool pv_race_run(struct pv_race *r)
{
	if (num_online_cpus() < 2 || pv_host != PV_HOST_MODEL)
		return false;
	unsigned saved_rate, saved_max;
	uint64_t saved_seed;
	pvmodel_get_config(&saved_rate, &saved_max, &saved_seed);
	rcu_barrier();
	w_mm = mm_create();
	if (!w_mm)
		return false;
	kthread_use_mm(w_mm);
	w_stop = 0;
	w_walks = w_mid = 0;
	uint64_t poisoned0 = lockless_poisoned_reads, one = 1;
	struct tlb_stats s0, s1;
	tlb_get_stats(NR_CPUS, &s0);
	pagewalk_test_delay_ns = 200000;    /* between the PMD entry and the PTE table */
	pvmodel_configure(100000, 3000, 42);
	unsigned me = smp_processor_id(), cpu, n = 0;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me)
			th[n++] = thread_create_on(cpu, "ktest-pv-walk", walker, NULL);
	uint64_t rounds = 0, t0 = ktime_ns(), r0 = pvmodel_resumes_total(), ms;
	for (;;) {
		ms = (ktime_ns() - t0) / 1000000;
		uint64_t poisoned = lockless_poisoned_reads - poisoned0;
		if (ms >= r->max_ms)
			break;
		if (ms >= r->min_ms && pvmodel_resumes_total() - r0 >= r->min_resumes &&
		    (!r->stop_on_poison || poisoned))
			break;
		/* Unmap while a walker's vCPU is out, if one goes out within
		 * 5 ms: the flush then meets a preempted walker in every
		 * round it can (left to chance, a busy host gave as few as 6
		 * such flushes in 10 s).  The whole area: its PTE table is
		 * freed under the walkers. */
		uint64_t until = ktime_ns() + 5000000;
		while (!any_walker_out(me) && ktime_ns() < until)
			cpu_relax();
		do_munmap(w_mm, PV_RACE_AREA, 8 * PAGE_SIZE);
		do_mmap(w_mm, PV_RACE_AREA, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		copy_to_user((void *)PV_RACE_AREA, &one, sizeof(one));
		udelay(500);            /* the walkers reach the PTE table's window */
		rounds++;
	}
	w_stop = 1;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	pagewalk_test_delay_ns = 0;
	/* Stop preempting and let every vCPU come back before the saved
	 * settings (which may preempt again at once) return. */
	pvmodel_configure(0, 3000, 42);
	mdelay(3000 / 1000 + 2);
	pvmodel_configure(saved_rate, saved_max, saved_seed);
	tlb_get_stats(NR_CPUS, &s1);
	r->rounds = rounds;
	r->walks = w_walks;
	r->preempted_walks = w_mid;
	r->poisoned = lockless_poisoned_reads - poisoned0;
	r->deferred = s1.flushes_deferred - s0.flushes_deferred;
	r->ipis = s1.ipis_sent - s0.ipis_sent;
	r->ms = ms;
	kthread_unuse_mm(w_mm);
	mm_put(w_mm);
	rcu_barrier();
	return true;
}
