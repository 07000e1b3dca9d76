/*
 * tests/kernel/pv.c - suite `pv`: the paravirt shootdown (SHOOTDOWN=pv),
 * the host model that preempts vCPUs (kernel/pvmodel.c), and the unsafe
 * pairing TABLE_FREE=ipi SHOOTDOWN=pv caught in the act.
 *
 * Cases:
 *   the model takes vCPUs out at random, says so in their steal-time
 *   records while they are out, and clears the records when they resume;
 *   a vCPU preempted while it holds a stale TLB entry flushes before its
 *   first instruction after resuming (with a negative control: a host that
 *   ignores the flag leaves the stale entry, which the test must see);
 *   the unsafe pairing: walkers with IRQs off preempted mid-walk while
 *   tables are freed; a poisoned (freed) table is read in ipi-pv and in no
 *   other pairing, and the run counts its mid-walk preemptions.
 * Under real KVM (steal time and PV TLB flush offered) the model's cases
 * skip and one more runs: KVM must have written every registered record;
 * what it did to them under load is logged.
 * Every case sets the model itself and restores the boot's settings.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/pv_race.h"
#include "kernel/config.h"
#include "kernel/irqflags.h"
#include "kernel/paravirt.h"
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
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/page.h"

#define PV_AREA 0x70000000ul        /* 2 MiB aligned: its own PTE table */
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static unsigned saved_rate, saved_max;
static uint64_t saved_seed;

static void model_save(void) { pvmodel_get_config(&saved_rate, &saved_max, &saved_seed); }

/* Stop preempting and let every vCPU come back. */
static void model_quiesce(struct ktest *t)
{
	struct pvmodel_config unused;
	KTEST_EXPECT_EQ(t, pvmodel_pause(&unused), 0);
}

/* Stop preempting, let every vCPU come back, restore the boot's settings
 * (which may preempt again at once: check "all back" before this). */
static void model_restore(struct ktest *t)
{
	model_quiesce(t);
	pvmodel_configure(saved_rate, saved_max, saved_seed);
}

/* ---- the model itself ----------------------------------------------------- */

static void test_pv_model_preempts(struct ktest *t)
{
	if (num_online_cpus() < 2 || pv_host != PV_HOST_MODEL) {
		ktest_skip(t, num_online_cpus() < 2 ? "needs 2 CPUs" : "the host is KVM");
		return;
	}
	model_save();
	uint64_t r0 = pvmodel_resumes_total();
	pvmodel_configure(100000, 300, 7);      /* as fast as the ticks allow */
	unsigned me = smp_processor_id(), cpu;
	uint64_t seen_out = 0, t0 = ktime_ns();
	mdelay(400);
	/* And one preemption at a moment we choose: its record must say
	 * preempted while it is out, and not after. */
	model_quiesce(t);
	unsigned victim = (me + 1) % num_online_cpus();
	bool asked = false;
	/* On a busy host this vCPU may itself be descheduled for the whole
	 * 20 ms the victim is out, and read nothing: then ask again, for up
	 * to 20 s (the race-test rule of DESIGN.md); a model that never marks
	 * the record still fails. */
	uint64_t tries_end = ktime_ns() + 20000000000ull;
	int tries = 0;
	do {
		asked = false;
		for (int i = 0; i < 50 && !(asked = pvmodel_preempt(victim, 20000)); i++)
			msleep(10);     /* a request in flight (or lost: the tick drops it) */
		if (!asked)
			break;
		tries++;
		t0 = ktime_ns();
		while (ktime_ns() < t0 + 1000000000ull && !pv_vcpu_preempted(victim))
			cpu_relax();
		while (pv_vcpu_preempted(victim)) {
			seen_out++;
			cpu_relax();
		}
		model_quiesce(t);
	} while (!seen_out && ktime_ns() < tries_end);
	KTEST_EXPECT_TRUE(t, asked);
	if (tries > 1)
		ktest_log("the chosen preemption was seen at try %d", tries);
	model_quiesce(t);
	uint64_t n = pvmodel_resumes_total() - r0;
	ktest_log("%llu preemptions in 400 ms at %u vCPUs; a chosen one's record read preempted %llu times",
		  (unsigned long long)n, num_online_cpus(), (unsigned long long)seen_out);
	KTEST_EXPECT_GE(t, n, 10ull);
	KTEST_EXPECT_GT(t, seen_out, 0ull);
	/* All back, checked while the model is still stopped: the boot's
	 * settings, restored below, may preempt a vCPU again at once. */
	for_each_online_cpu(cpu)
		KTEST_EXPECT_EQ(t, pv_steal_time[cpu].preempted, 0);
	pvmodel_configure(saved_rate, saved_max, saved_seed);
}

/* ---- a stale entry is flushed before the first instruction after resume ---- */

static struct mm_struct *st_mm;
static volatile int st_ready, st_go;
static volatile uint64_t st_target, st_first;
static volatile int st_got;

/* On the victim CPU, IRQs off throughout (no IPI can flush it): read the
 * page again and again, so its TLB holds the entry; once preempted and
 * resumed past st_target, record the first value read wholly after it. */
static void st_reader(void *arg)
{
	(void)arg;
	kthread_use_mm(st_mm);
	unsigned me = smp_processor_id();
	unsigned long flags;
	local_irq_save(flags);
	WRITE_ONCE(st_ready, 1);
	uint64_t deadline = ktime_ns() + 3000000000ull;
	while (ktime_ns() < deadline) {
		uint64_t n0 = pvmodel_resumes(me), v = 0;
		copy_from_user(&v, (void *)PV_AREA, sizeof(v));
		uint64_t n1 = pvmodel_resumes(me), tgt = READ_ONCE(st_target);
		if (tgt && n0 == n1 && n0 >= tgt) {
			st_first = v;
			st_got = 1;
			break;
		}
	}
	local_irq_restore(flags);
	kthread_unuse_mm(st_mm);
}

/* One round: returns the first value the victim read after its resume,
 * or ~0 when the round could not be set up (the victim came back early). */
static uint64_t stale_round(struct ktest *t, unsigned victim, bool skip_flush, uint64_t *deferred)
{
	st_mm = mm_create();
	if (!st_mm)
		return ~0ull;
	kthread_use_mm(st_mm);
	uint64_t one = 1, two = 2, res = ~0ull;
	do_mmap(st_mm, PV_AREA, PAGE_SIZE, RW, ANON, -1, 0);
	copy_to_user((void *)PV_AREA, &one, sizeof(one));
	struct page *old;
	/* Keep the old page alive (and holding 1): a stale entry reads it. */
	if (get_user_pages_fast(PV_AREA, 1, 0, &old) != 1)
		goto out;
	st_ready = st_go = st_got = 0;
	st_target = 0;
	struct thread *th = thread_create_on(victim, "ktest-pv-stale", st_reader, NULL);
	while (!READ_ONCE(st_ready))
		cpu_relax();
	mdelay(5);                          /* it reads: the entry is cached */
	WRITE_ONCE(pvmodel_test_skip_entry_flush, skip_flush);
	bool asked = false;
	for (int i = 0; i < 50 && !(asked = pvmodel_preempt(victim, 300000)); i++)
		msleep(10);
	if (asked) {
		while (!pv_vcpu_preempted(victim))
			cpu_relax();
		uint64_t tgt = pvmodel_resumes(victim) + 1;
		struct tlb_stats s0, s1;
		tlb_get_stats(NR_CPUS, &s0);
		/* Remap: the zap's flush finds the victim preempted. */
		do_mmap(st_mm, PV_AREA, PAGE_SIZE, RW, ANON, -1, 0);
		copy_to_user((void *)PV_AREA, &two, sizeof(two));
		tlb_get_stats(NR_CPUS, &s1);
		*deferred = s1.flushes_deferred - s0.flushes_deferred;
		WRITE_ONCE(st_target, tgt);
		bool still_out = pv_vcpu_preempted(victim) && pvmodel_resumes(victim) < tgt;
		thread_join(th);
		if (still_out && st_got)
			res = st_first;
		KTEST_EXPECT_EQ(t, s1.ipis_sent - s0.ipis_sent, 0ull);   /* no IPI to a preempted vCPU */
	} else {
		thread_join(th);
	}
	WRITE_ONCE(pvmodel_test_skip_entry_flush, false);
	put_user_pages(&old, 1);
out:
	kthread_unuse_mm(st_mm);
	mm_put(st_mm);
	return res;
}

/* pvmodel_pause() returns only once the model is really still: no vCPU out,
 * no request in flight, and no tick that read the old rate left to act on
 * it.  Paused from a busy model (every tick drawing, long preemptions),
 * nothing may start afterwards.  (Its first form only slept for the
 * longest preemption: a tick delayed past that sleep, as on a loaded host,
 * still preempted after it returned.) */
static void test_pv_model_pause_is_quiet(struct ktest *t)
{
	if (num_online_cpus() < 2 || pv_host != PV_HOST_MODEL) {
		ktest_skip(t, num_online_cpus() < 2 ? "needs 2 CPUs" : "the host is KVM");
		return;
	}
	model_save();
	unsigned rounds = 0, out_after = 0, started_after = 0;
	uint64_t during = 0;
	for (int r = 0; r < 20; r++) {
		uint64_t r0 = pvmodel_resumes_total();
		pvmodel_configure(100000, 5000, 11 + (uint64_t)r);
		mdelay(15 + (unsigned)r % 7);
		struct pvmodel_config saved;
		KTEST_ASSERT_EQ(t, pvmodel_pause(&saved), 0);
		uint64_t r1 = pvmodel_resumes_total();
		during += r1 - r0;
		unsigned cpu;
		for_each_online_cpu(cpu)
			out_after += pv_vcpu_preempted(cpu);
		mdelay(30);                     /* longer than a tick: a late draw would show */
		started_after += (unsigned)(pvmodel_resumes_total() - r1);
		for_each_online_cpu(cpu)
			out_after += pv_vcpu_preempted(cpu);
		rounds++;
	}
	model_restore(t);
	ktest_log("%u pauses of a busy model (%llu preemptions before them): %u vCPUs out and "
		  "%u preemptions begun after a pause returned", rounds,
		  (unsigned long long)during, out_after, started_after);
	KTEST_EXPECT_GE(t, during, (uint64_t)rounds);   /* it was busy */
	KTEST_EXPECT_EQ(t, out_after, 0u);
	KTEST_EXPECT_EQ(t, started_after, 0u);
}

static void test_pv_stale_entry_flushed_on_resume(struct ktest *t)
{
#ifndef CONFIG_SHOOTDOWN_PV
	ktest_skip(t, "SHOOTDOWN=ipi: a preempted vCPU gets an IPI");
	return;
#endif
	if (num_online_cpus() < 2 || pv_host != PV_HOST_MODEL) {
		ktest_skip(t, num_online_cpus() < 2 ? "needs 2 CPUs" : "the host is KVM");
		return;
	}
	model_save();
	model_quiesce(t);                       /* only our preemption */
	unsigned victim = (smp_processor_id() + 1) % num_online_cpus();
	uint64_t good = ~0ull, bad = ~0ull, d_good = 0, d_bad = 0;
	for (int i = 0; i < 3 && good == ~0ull; i++)
		good = stale_round(t, victim, false, &d_good);
	for (int i = 0; i < 3 && bad == ~0ull; i++)
		bad = stale_round(t, victim, true, &d_bad);
	model_restore(t);
	ktest_log("first read after resume: %#llx with the host's flush (%llu flushes deferred), "
		  "%#llx without it (negative control, %llu deferred)",
		  (unsigned long long)good, (unsigned long long)d_good,
		  (unsigned long long)bad, (unsigned long long)d_bad);
	KTEST_EXPECT_GE(t, d_good, 1ull);
	KTEST_EXPECT_EQ(t, good, 2ull);         /* the new page: flushed before it ran */
	KTEST_EXPECT_EQ(t, bad, 1ull);          /* the old page through the stale entry */
}

/* ---- the unsafe pairing ----------------------------------------------------- */

#define PAIR_MIN_MS   1500
#define PAIR_MAX_MS   10000
#define PAIR_MIN_MID  20

static void test_pv_unsafe_pairing(struct ktest *t)
{
	if (num_online_cpus() < 2 || pv_host != PV_HOST_MODEL) {
		ktest_skip(t, num_online_cpus() < 2 ? "needs 2 CPUs" : "the host is KVM");
		return;
	}
#if defined(CONFIG_TABLE_FREE_IPI) && defined(CONFIG_SHOOTDOWN_PV)
	const bool unsafe = true;
#else
	const bool unsafe = false;
#endif
	struct pv_race r = { .min_ms = PAIR_MIN_MS, .max_ms = PAIR_MAX_MS,
			     .min_resumes = PAIR_MIN_MID * 2, .stop_on_poison = unsafe };
	KTEST_ASSERT_TRUE(t, pv_race_run(&r));
	ktest_log("TABLE_FREE=%s SHOOTDOWN=%s: %llu unmap rounds, %llu walks, %llu preempted mid-walk, "
		  "%llu flushes deferred, %llu IPIs, %llu poisoned reads",
		  CONFIG_TABLE_FREE_NAME, CONFIG_SHOOTDOWN_NAME, (unsigned long long)r.rounds,
		  (unsigned long long)r.walks, (unsigned long long)r.preempted_walks,
		  (unsigned long long)r.deferred, (unsigned long long)r.ipis, (unsigned long long)r.poisoned);
	KTEST_EXPECT_GE(t, r.preempted_walks, (uint64_t)PAIR_MIN_MID);     /* it raced */
	if (unsafe) {
		ktest_log("the unsafe pairing: a flush deferred to a preempted walker's vCPU "
			  "did not wait for its IRQs-off walk; the walk read a freed table");
		KTEST_EXPECT_GE(t, r.poisoned, 1ull);
	} else {
		KTEST_EXPECT_EQ(t, r.poisoned, 0ull);
	}
}

/* ---- real KVM: does the host write the records we registered? ---------------- */

static struct mm_struct *kvm_mm;
static volatile int kvm_stop, kvm_ready;

static void kvm_spinner(void *arg)
{
	(void)arg;
	kthread_use_mm(kvm_mm);     /* in the cpumask: every flush targets us */
	__atomic_fetch_add(&kvm_ready, 1, __ATOMIC_SEQ_CST);
	while (!READ_ONCE(kvm_stop))
		cpu_relax();
	kthread_unuse_mm(kvm_mm);
}

#define KVM_WATCH_MS 2000

/* Under KVM with steal time and PV TLB flush (pv_host == KVM): KVM updates
 * a record at every entry of its vCPU (version goes up by 2), so every
 * registered record must show a nonzero version; while the other vCPUs
 * spin in our mm for 2 s and this one unmaps a page again and again, the
 * log says how often a record read preempted, how much steal KVM
 * reported, and (SHOOTDOWN=pv) how many flushes were left to the host.
 * Host preemptions cannot be forced from inside: those counts are
 * reported, not required. */
static void test_pv_kvm_host_writes_records(struct ktest *t)
{
	if (pv_host != PV_HOST_KVM) {
		ktest_skip(t, "the host is not KVM with steal time and PV TLB flush");
		return;
	}
	unsigned me = smp_processor_id(), cpu, n = 0;
	uint64_t steal0[NR_CPUS], seen_out = 0, one = 1;
	for_each_online_cpu(cpu)
		steal0[cpu] = READ_ONCE(pv_steal_time[cpu].steal);
	kvm_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, kvm_mm);
	kthread_use_mm(kvm_mm);
	do_mmap(kvm_mm, PV_AREA, PAGE_SIZE, RW, ANON, -1, 0);
	copy_to_user((void *)PV_AREA, &one, sizeof(one));
	kvm_stop = kvm_ready = 0;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me)
			th[n++] = thread_create_on(cpu, "ktest-pv-kvm", kvm_spinner, NULL);
	while (READ_ONCE(kvm_ready) < (int)n)
		msleep(1);
	struct tlb_stats s0, s1;
	tlb_get_stats(NR_CPUS, &s0);
	uint64_t t0 = ktime_ns(), flushes = 0;
	while (ktime_ns() - t0 < KVM_WATCH_MS * 1000000ull) {
		for_each_online_cpu(cpu)
			seen_out += cpu != me && pv_vcpu_preempted(cpu);
		do_mmap(kvm_mm, PV_AREA + PAGE_SIZE, PAGE_SIZE, RW, ANON, -1, 0);
		copy_to_user((void *)(PV_AREA + PAGE_SIZE), &one, sizeof(one));
		do_munmap(kvm_mm, PV_AREA + PAGE_SIZE, PAGE_SIZE);
		flushes++;
	}
	tlb_get_stats(NR_CPUS, &s1);
	kvm_stop = 1;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	kthread_unuse_mm(kvm_mm);
	mm_put(kvm_mm);
	for_each_online_cpu(cpu) {
		uint32_t version = READ_ONCE(pv_steal_time[cpu].version);
		ktest_log("vCPU %u: record version %u, steal +%llu ns in %u ms", cpu, version,
			  (unsigned long long)(READ_ONCE(pv_steal_time[cpu].steal) - steal0[cpu]), KVM_WATCH_MS);
		KTEST_EXPECT_NE(t, version, 0u);        /* KVM wrote it */
	}
	ktest_log("%llu unmaps: %llu IPIs, %llu to a vCPU whose record said preempted, %llu flushes left "
		  "to the host (SHOOTDOWN=%s); records read preempted %llu times",
		  (unsigned long long)flushes, (unsigned long long)(s1.ipis_sent - s0.ipis_sent),
		  (unsigned long long)(s1.ipis_to_preempted - s0.ipis_to_preempted),
		  (unsigned long long)(s1.flushes_deferred - s0.flushes_deferred), CONFIG_SHOOTDOWN_NAME,
		  (unsigned long long)seen_out);
}

static struct ktest_case pv_cases[] = {
	KTEST_CASE(test_pv_model_preempts),
	KTEST_CASE(test_pv_model_pause_is_quiet),
	KTEST_CASE(test_pv_stale_entry_flushed_on_resume),
	KTEST_CASE(test_pv_unsafe_pairing),
	KTEST_CASE(test_pv_kvm_host_writes_records),
	{ 0 },
};
KTEST_SUITE(pv, pv_cases);
