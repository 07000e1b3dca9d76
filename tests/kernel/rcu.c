/*
 * tests/kernel/rcu.c - suite `rcu`: RCU and the lockless page walker.
 *
 * Teeth: built with RCU_BROKEN=1 grace periods end at once; the torture
 * then finds objects freed (poisoned) inside read sections and grace-period
 * ages beyond 1, synchronize_rcu returns while a reader is still inside,
 * and (with TABLE_FREE=rcu) the walker reads freed page tables.  With
 * TABLE_FREE=ipi the walker test's teeth are SHOOTDOWN_BROKEN=1.
 */
#include "tests/kernel/ktest.h"
#include "kernel/config.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/lockless_walk.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"

#define ALIVE  0xa11ea11ea11ea11eull
#define POISON 0xdeaddeaddeaddeadull

/* ---- rcutorture ------------------------------------------------------------ */

struct tobj {
	uint64_t magic;
	uint64_t removed_at;        /* grace periods completed when replaced; 0: current */
	struct rcu_head rcu;
};

static struct tobj *torture_ptr;
static volatile int t_stop;
static volatile uint64_t t_reads, t_poisoned, t_too_old;
static volatile uint64_t age_hist[4];   /* 0, 1, 2, 3+ */

static void tobj_free(struct rcu_head *h)
{
	struct tobj *o = container_of(h, struct tobj, rcu);
	o->magic = POISON;                  /* poisoned when freed */
	kfree(o);
}

static void torture_reader(void *arg)
{
	(void)arg;
	uint64_t n = 0;
	while (!READ_ONCE(t_stop)) {
		rcu_read_lock();
		struct tobj *o = rcu_dereference(torture_ptr);
		if (o) {
			udelay(30);             /* stay inside a while */
			uint64_t m = READ_ONCE(o->magic), rem = READ_ONCE(o->removed_at);
			if (m != ALIVE)
				__atomic_fetch_add(&t_poisoned, 1, __ATOMIC_RELAXED);
			if (rem) {
				/* Grace periods completed since it was replaced: a
				 * reader may still hold it after at most one. */
				uint64_t age = rcu_gp_completed() - (rem - 1);
				__atomic_fetch_add(&age_hist[age > 3 ? 3 : age], 1, __ATOMIC_RELAXED);
				if (age > 1)
					__atomic_fetch_add(&t_too_old, 1, __ATOMIC_RELAXED);
			}
		}
		rcu_read_unlock();
		if (++n % 64 == 0)
			yield();
	}
	__atomic_fetch_add(&t_reads, n, __ATOMIC_RELAXED);
}

static void test_rcutorture(struct ktest *t)
{
	t_stop = 0;
	t_reads = t_poisoned = t_too_old = 0;
	for (int i = 0; i < 4; i++)
		age_hist[i] = 0;
	struct tobj *first = kzalloc(sizeof(*first));
	KTEST_ASSERT_NOT_NULL(t, first);
	first->magic = ALIVE;
	rcu_assign_pointer(torture_ptr, first);
	struct thread *th[NR_CPUS];
	unsigned cpu, n = 0;
	for_each_online_cpu(cpu)
		th[n++] = thread_create_on(cpu, "ktest-rcuread", torture_reader, NULL);
	uint64_t end = ktime_ns() + 500000000ull, replaced = 0;
	while (ktime_ns() < end) {
		struct tobj *o = kzalloc(sizeof(*o));
		if (!o)
			break;
		o->magic = ALIVE;
		struct tobj *old = torture_ptr;
		rcu_assign_pointer(torture_ptr, o);
		WRITE_ONCE(old->removed_at, rcu_gp_completed() + 1);
		call_rcu(&old->rcu, tobj_free);
		replaced++;
		udelay(100);
		if (replaced % 16 == 0)
			msleep(1);
	}
	t_stop = 1;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	struct tobj *last = torture_ptr;
	rcu_assign_pointer(torture_ptr, NULL);
	call_rcu(&last->rcu, tobj_free);
	rcu_barrier();
	ktest_log("%llu replacements, %llu reads; grace-period age histogram: 0:%llu 1:%llu 2:%llu 3+:%llu",
		  (unsigned long long)replaced, (unsigned long long)t_reads,
		  (unsigned long long)age_hist[0], (unsigned long long)age_hist[1],
		  (unsigned long long)age_hist[2], (unsigned long long)age_hist[3]);
	KTEST_EXPECT_GT(t, t_reads, 0ull);
	KTEST_EXPECT_EQ(t, t_poisoned, 0ull);
	KTEST_EXPECT_EQ(t, t_too_old, 0ull);
}

/* ---- synchronize_rcu waits for readers that started before it ---------------- */

static volatile int s_inside, s_done;

static void long_reader(void *arg)
{
	(void)arg;
	rcu_read_lock();
	s_inside = 1;
	mdelay(100);
	s_done = 1;
	rcu_read_unlock();
}

static void test_synchronize_waits_for_readers(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	s_inside = s_done = 0;
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	struct thread *th = thread_create_on(other, "ktest-longread", long_reader, NULL);
	KTEST_ASSERT_NOT_NULL(t, th);
	while (!s_inside)
		cpu_relax();
	synchronize_rcu();
	KTEST_EXPECT_EQ(t, s_done, 1);
	thread_join(th);
}

/* ---- callbacks: barrier, from every CPU at once -------------------------------- */

#define CBS_PER_CPU 500
static volatile uint64_t cb_count;
static volatile int cb_go;

static void count_cb(struct rcu_head *h)
{
	__atomic_fetch_add(&cb_count, 1, __ATOMIC_RELAXED);
	kfree(h);
}

static void queue_many(void *arg)
{
	(void)arg;
	while (!cb_go)
		cpu_relax();
	for (int i = 0; i < CBS_PER_CPU; i++) {
		struct rcu_head *h = kmalloc(sizeof(*h));
		if (h)
			call_rcu(h, count_cb);
	}
}

static void test_call_rcu_everywhere_and_barrier(struct ktest *t)
{
	cb_count = 0;
	cb_go = 0;
	struct thread *th[NR_CPUS];
	unsigned cpu, n = 0;
	for_each_online_cpu(cpu)
		th[n++] = thread_create_on(cpu, "ktest-callrcu", queue_many, NULL);
	cb_go = 1;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	rcu_barrier();
	KTEST_EXPECT_EQ(t, cb_count, (uint64_t)n * CBS_PER_CPU);
}

static void test_idle_cpus_do_not_stall(struct ktest *t)
{
	/* The other CPUs sit in their idle loops: grace periods still end. */
	struct rcu_stats s0, s1;
	rcu_get_stats(&s0);
	uint64_t t0 = ktime_ns();
	for (int i = 0; i < 5; i++)
		synchronize_rcu();
	uint64_t dt = ktime_ns() - t0;
	rcu_get_stats(&s1);
	ktest_log("5 grace periods with idle CPUs in %llu ms", (unsigned long long)(dt / 1000000));
	KTEST_EXPECT_GE(t, s1.gp_completed - s0.gp_completed, 5ull);
	KTEST_EXPECT_LT(t, dt, 5000000000ull);
	KTEST_EXPECT_EQ(t, s1.stalls, s0.stalls);
}

/* ---- lockless walkers against munmap ---------------------------------------- */

#define WALK_AREA 0x70000000ul
#define WALK_PAGES 16
/* The window (PMD entry read, PTE table not yet): a pause of at most this
 * long, which the test ends when it is done with it (pagewalk_test_release).
 * TABLE_FREE=rcu: nothing waits for a walker, and an early free
 * (RCU_BROKEN) comes after the whole munmap (tens of ms on a busy host)
 * and a switch to the RCU callback thread: the pause lasts until then.
 * ipi: the munmap's flushes wait for every walk (IRQs off), so the pause
 * must end on its own, and a long one only slows each cycle down; an
 * early free (SHOOTDOWN_BROKEN) comes straight from munmap. */
#ifdef CONFIG_TABLE_FREE_RCU
#define WALK_DELAY_NS 200000000ull
#else
#define WALK_DELAY_NS 1000000ull
#endif
#define WALK_MIN_RACES 20

static struct mm_struct *walk_mm;
static volatile int w_stop;
static volatile uint64_t w_walks, w_found, w_races;
static volatile unsigned long w_unmap_seq;   /* odd while the area is being unmapped */

static void walker(void *arg)
{
	(void)arg;
	kthread_use_mm(walk_mm);    /* a thread of the mm: in its cpumask */
	unsigned cpu = smp_processor_id();  /* pinned */
	uint64_t n = 0, found = 0;
	while (!READ_ONCE(w_stop)) {
		unsigned long w = lockless_page_walk_begin();
		for (unsigned i = 0; i < WALK_PAGES; i++) {
			unsigned long s0 = READ_ONCE(w_unmap_seq);
			uint64_t p0 = READ_ONCE(pagewalk_test_pauses[cpu]);
			found += follow_pte_lockless(walk_mm, WALK_AREA + i * PAGE_SIZE) != 0;
			/* The race: this walk paused between the PMD entry and
			 * the PTE table while the area was being unmapped. */
			if (READ_ONCE(pagewalk_test_pauses[cpu]) != p0 &&
			    ((s0 & 1) || READ_ONCE(w_unmap_seq) != s0))
				__atomic_fetch_add(&w_races, 1, __ATOMIC_RELAXED);
		}
		lockless_page_walk_end(w);
		n++;
	}
	__atomic_fetch_add(&w_walks, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&w_found, found, __ATOMIC_RELAXED);
	kthread_unuse_mm(walk_mm);
}

static uint64_t walk_pauses(void)
{
	uint64_t n = 0;
	unsigned cpu;
	for_each_online_cpu(cpu)
		n += READ_ONCE(pagewalk_test_pauses[cpu]);
	return n;
}

/* Until a walker begins a pause, at most 50 ms.  It read the release
 * count before counting the pause: a release after this ends that pause. */
static void walk_wait_pause(void)
{
	uint64_t p = walk_pauses(), t0 = ktime_ns();
	while (walk_pauses() == p && ktime_ns() < t0 + 50000000ull)
		cpu_relax();
}

static void walk_release(void)
{
	__atomic_fetch_add(&pagewalk_test_release, 1, __ATOMIC_SEQ_CST);
}

static void test_walker_vs_munmap(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	walk_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, walk_mm);
	kthread_use_mm(walk_mm);
	w_stop = 0;
	w_walks = w_found = w_races = 0;
	w_unmap_seq = 0;
	uint64_t poisoned0 = lockless_poisoned_reads, pauses0 = walk_pauses();
	pagewalk_test_delay_ns = WALK_DELAY_NS;
	unsigned me = smp_processor_id(), cpu, n = 0;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me)
			th[n++] = thread_create_on(cpu, "ktest-walker", walker, NULL);
	/* At least 400 ms, 30 cycles and WALK_MIN_RACES races (slow when
	 * vCPUs outnumber host cores), at most 10 s. */
	uint64_t t0 = ktime_ns(), cycles = 0;
	while ((ktime_ns() < t0 + 400000000ull || cycles < 30 || READ_ONCE(w_races) < WALK_MIN_RACES) &&
	       ktime_ns() < t0 + 10000000000ull) {
		/* Map, populate (page tables appear), unmap (they are freed). */
		do_mmap(walk_mm, WALK_AREA, WALK_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		for (unsigned i = 0; i < WALK_PAGES; i++) {
			uint64_t v = i;
			copy_to_user((void *)(WALK_AREA + i * PAGE_SIZE), &v, sizeof(v));
		}
		/* A walker pauses on these tables: end that pause (it reads
		 * a live PTE), and unmap during the next one, while the walker
		 * is inside the window. */
		walk_wait_pause();
		walk_release();
		walk_wait_pause();
		WRITE_ONCE(w_unmap_seq, w_unmap_seq + 1);
		smp_mb();       /* odd before the unmap begins: pairs with the walkers' reads */
		do_munmap(walk_mm, WALK_AREA, WALK_PAGES * PAGE_SIZE);
		smp_mb();
		WRITE_ONCE(w_unmap_seq, w_unmap_seq + 1);
		/* Sleep: this CPU's RCU callback thread runs now rather than a
		 * timeslice later, so a table freed too early (RCU_BROKEN) is
		 * freed while the walker still pauses; then end the pause. */
		msleep(1);
		walk_release();
		cycles++;
	}
	w_stop = 1;
	pagewalk_test_delay_ns = 0;
	walk_release();
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	kthread_unuse_mm(walk_mm);
	mm_put(walk_mm);
	uint64_t poisoned = lockless_poisoned_reads - poisoned0, pauses = walk_pauses() - pauses0;
	ktest_log("TABLE_FREE=%s: %llu map/unmap cycles, %llu walks, %llu PTEs found, %llu pauses in the window, %llu of them across an unmap, %llu poisoned reads",
		  CONFIG_TABLE_FREE_NAME, (unsigned long long)cycles, (unsigned long long)w_walks,
		  (unsigned long long)w_found, (unsigned long long)pauses, (unsigned long long)w_races,
		  (unsigned long long)poisoned);
	KTEST_EXPECT_GT(t, w_walks, 0ull);
	KTEST_EXPECT_GT(t, w_found, 0ull);      /* the walkers did see live tables */
	KTEST_EXPECT_GE(t, w_races, (uint64_t)WALK_MIN_RACES);     /* and raced the unmaps */
	KTEST_EXPECT_EQ(t, poisoned, 0ull);
	KTEST_EXPECT_EQ(t, lockless_unprotected_walks, 0ull);
}

/* ---- the stall detector ------------------------------------------------------ */

static volatile int stall_inside;

static void stalling_reader(void *arg)
{
	(void)arg;
	rcu_read_lock();
	stall_inside = 1;
	mdelay(400);            /* owes a quiescent state all this time */
	rcu_read_unlock();
}

static void test_stall_detector(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	unsigned saved = rcu_stall_timeout_ms;
	rcu_stall_timeout_ms = 100;
	stall_inside = 0;
	struct rcu_stats s0, s1;
	rcu_get_stats(&s0);
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	struct thread *th = thread_create_on(other, "ktest-stall", stalling_reader, NULL);
	KTEST_ASSERT_NOT_NULL(t, th);
	while (!stall_inside)
		cpu_relax();
	synchronize_rcu();      /* a grace period that CPU `other` holds up */
	thread_join(th);
	rcu_stall_timeout_ms = saved;
	rcu_get_stats(&s1);
	KTEST_EXPECT_GE(t, s1.stalls, s0.stalls + 1);
}

/*
 * The stall detector's reading of the grace period's age, while other CPUs
 * start grace periods back to back.  It once read the clock before the
 * period's start time: a period that began in between made the unsigned
 * difference wrap, and under load `rcu: stall` was reported for nothing.
 * Here the reading runs in a loop, and both CPUs report quiescent states
 * at once, so that periods end and begin by the thousand, on the other
 * CPU too, at any point of the loop.
 */
static volatile int gp_load_stop;

struct gp_obj {
	struct rcu_head rcu;
};

/* Keeps a grace period wanted at all times (a callback always waiting)
 * and reports its own quiescent states at once, so that periods end and
 * the next ones begin here, as fast as the two CPUs go. */
static void gp_starter(void *arg)
{
	(void)arg;
	uint64_t n = 0;
	while (!READ_ONCE(gp_load_stop)) {
		struct gp_obj *o = kmalloc(sizeof(*o));
		if (o)
			kfree_rcu(o, rcu);
		rcu_qs();
		if (++n % 256 == 0)
			yield();            /* let rcu/N free them */
	}
}

static void test_gp_age_under_load(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	struct rcu_stats s0, s1;
	rcu_get_stats(&s0);
	gp_load_stop = 0;
	/* One starter: the other CPUs idle, and report their quiescent
	 * states at each tick without competing for the host's cores. */
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	struct thread *starter = thread_create_on(other, "ktest-gpload", gp_starter, NULL);
	KTEST_ASSERT_NOT_NULL(t, starter);
	/* At least 500 ms and 200 periods (fewer go by when vCPUs outnumber
	 * the host's cores), at most 10 s. */
	uint64_t max_age = 0, periods = 0, t0 = ktime_ns();
	unsigned long last = 0;
	while ((ktime_ns() < t0 + 500000000ull || periods < 200) && ktime_ns() < t0 + 10000000000ull) {
		unsigned long seq;
		rcu_qs();               /* no reader here: never the CPU they wait for */
		uint64_t age = rcu_gp_age_ns(&seq);
		if (age > max_age)
			max_age = age;
		if (seq != last && (seq & 1))
			periods++;
		last = seq;
	}
	gp_load_stop = 1;
	thread_join(starter);
	rcu_barrier();              /* the objects freed before the next case */
	rcu_get_stats(&s1);
	ktest_log("%llu grace periods seen starting; oldest %llu us", (unsigned long long)periods,
		  (unsigned long long)(max_age / 1000));
	KTEST_EXPECT_GE(t, periods, 10ull);     /* the race was run (few at 8 vCPUs on a loaded 2-core host) */
	KTEST_EXPECT_LT(t, max_age, (uint64_t)rcu_stall_timeout_ms * 1000000ull);
	KTEST_EXPECT_EQ(t, s1.stalls, s0.stalls);
}

/* ---- the lockless walker's protection check ----------------------------------- */

/* Under TABLE_FREE=ipi, IRQs off protect a walk only of an mm loaded on the
 * walker's CPU: the table-freeing flush interrupts the mm's cpumask and no
 * other CPU.  A walk of an mm not loaded here must be flagged (counted in
 * lockless_unprotected_walks); under rcu the read section protects it. */
static void test_walk_of_unloaded_mm_flagged(struct ktest *t)
{
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	uint64_t c0 = __atomic_load_n(&lockless_unprotected_walks, __ATOMIC_RELAXED);

	unsigned long w = lockless_page_walk_begin();
	bool here = cpumask_test_cpu(smp_processor_id(), &mm->cpumask);
	follow_pte_lockless(mm, WALK_AREA);     /* may print one expected warning */
	lockless_page_walk_end(w);
	uint64_t c1 = __atomic_load_n(&lockless_unprotected_walks, __ATOMIC_RELAXED);

	kthread_use_mm(mm);                     /* now loaded on this CPU */
	w = lockless_page_walk_begin();
	bool loaded = cpumask_test_cpu(smp_processor_id(), &mm->cpumask);
	follow_pte_lockless(mm, WALK_AREA);
	lockless_page_walk_end(w);
	uint64_t c2 = __atomic_load_n(&lockless_unprotected_walks, __ATOMIC_RELAXED);
	kthread_unuse_mm(mm);
	mm_put(mm);
	/* Give the counts back: other cases expect no unprotected walk. */
	__atomic_fetch_sub(&lockless_unprotected_walks, c2 - c0, __ATOMIC_RELAXED);

	ktest_log("TABLE_FREE=%s: unloaded mm walk flagged %llu, loaded mm walk flagged %llu",
		  CONFIG_TABLE_FREE_NAME, (unsigned long long)(c1 - c0), (unsigned long long)(c2 - c1));
	KTEST_EXPECT_FALSE(t, here);
	KTEST_EXPECT_TRUE(t, loaded);
#ifdef CONFIG_TABLE_FREE_RCU
	KTEST_EXPECT_EQ(t, c1 - c0, 0ull);
#else
	KTEST_EXPECT_EQ(t, c1 - c0, 1ull);
#endif
	KTEST_EXPECT_EQ(t, c2 - c1, 0ull);
}

/* Unprotected walks on every CPU at once are all counted: the counter is
 * incremented atomically (a plain ++ loses increments between CPUs).  The
 * mm is empty and nothing frees its tables, so walking it unprotected is
 * harmless here; the walkers start together, and at least two must see
 * the others' increments land during their own run (they interleaved). */
#define UW_MIN_WALKS 20000
#define UW_MS 300

static struct mm_struct *uw_mm;
static volatile int uw_go, uw_started;
static volatile int uw_overlapped;
static volatile uint64_t uw_walks;

static void unprotected_walker(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&uw_started, 1, __ATOMIC_SEQ_CST);
	while (!READ_ONCE(uw_go))
		cpu_relax();
	uint64_t c0 = __atomic_load_n(&lockless_unprotected_walks, __ATOMIC_SEQ_CST);
	uint64_t t0 = ktime_ns(), n = 0;
	while (n < UW_MIN_WALKS || ktime_ns() - t0 < UW_MS * 1000000ull) {
		follow_pte_lockless(uw_mm, WALK_AREA);  /* IRQs on, no RCU: unprotected */
		n++;
	}
	/* Others counted while this one did: the increments interleaved. */
	if (__atomic_load_n(&lockless_unprotected_walks, __ATOMIC_SEQ_CST) - c0 > n)
		__atomic_fetch_add(&uw_overlapped, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&uw_walks, n, __ATOMIC_SEQ_CST);
}

static void test_unprotected_walks_all_counted(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	uw_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, uw_mm);
	uw_go = uw_started = uw_overlapped = 0;
	uw_walks = 0;
	uint64_t c0 = __atomic_load_n(&lockless_unprotected_walks, __ATOMIC_RELAXED);
	unsigned cpu, n = 0;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		th[n++] = thread_create_on(cpu, "ktest-uwalk", unprotected_walker, NULL);
	while (READ_ONCE(uw_started) < (int)n)
		msleep(1);
	WRITE_ONCE(uw_go, 1);
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	uint64_t counted = __atomic_load_n(&lockless_unprotected_walks, __ATOMIC_RELAXED) - c0;
	__atomic_fetch_sub(&lockless_unprotected_walks, counted, __ATOMIC_RELAXED);
	mm_put(uw_mm);
	ktest_log("%u CPUs: %llu unprotected walks, %llu counted; %d walkers saw others count meanwhile",
		  n, (unsigned long long)uw_walks, (unsigned long long)counted, uw_overlapped);
	KTEST_EXPECT_GE(t, uw_overlapped, 2);   /* at least two ran at once */
	KTEST_EXPECT_EQ(t, counted, uw_walks);
}

static struct ktest_case rcu_cases[] = {
	KTEST_CASE(test_stall_detector),
	KTEST_CASE(test_synchronize_waits_for_readers),
	KTEST_CASE(test_call_rcu_everywhere_and_barrier),
	KTEST_CASE(test_idle_cpus_do_not_stall),
	KTEST_CASE(test_rcutorture),
	KTEST_CASE(test_walker_vs_munmap),
	KTEST_CASE(test_walk_of_unloaded_mm_flagged),
	KTEST_CASE(test_unprotected_walks_all_counted),
	KTEST_CASE(test_gp_age_under_load),     /* last: it leaves the heap churned */
	{ 0 },
};
KTEST_SUITE(rcu, rcu_cases);
