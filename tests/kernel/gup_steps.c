/*
 * tests/kernel/gup_steps.c - suite `gup_steps`: fast GUP's steps 3 and 4
 * (mm/gup.c) one at a time, each in a race whose timing the test controls.
 *
 * The random race of suite `gup` (test_gup_race) exercises both steps at
 * once and catches GUP_BROKEN=1, which removes both.  These cases aim at
 * each step alone, so that a fast GUP with one of them missing (lab 5,
 * docs/labs/lab5-gup.md) fails a case named after it:
 *
 *   test_try_get_refuses_zero  step 3 without a race: the page's count is
 *                              set to zero (as the last put leaves it)
 *                              while its PTE still maps it; a plain get
 *                              would resurrect it.
 *   test_recheck_directed      steps 3 and 4 in a directed race: the
 *                              faulting thread stops inside fast GUP
 *                              between reading the PTE (step 1) and the
 *                              try-get (step 3) (gup_test_delay_ns);
 *                              another CPU, told by the PMD-level pause
 *                              (pagewalk_test_pauses) that the walk is
 *                              under way, mprotects the page read-only or
 *                              munmaps it meanwhile.
 *
 * The directed race, case by case.  mprotect read-only against a
 * FOLL_WRITE pin: the page stays allocated, the try-get succeeds, and only
 * step 4's recheck sees the PTE changed.  munmap: under TABLE_FREE=rcu the
 * flush does not wait for us (IRQs on), the page is freed, and step 3's
 * try-get finds its count zero; under TABLE_FREE=ipi the flush waits for
 * our IRQs-off section, the page is still ours to get, and step 4 sees the
 * PTE cleared.  Races counted (GUP_FB_REF + GUP_FB_RECHECK) and required;
 * a missing step shows as a reference taken on a free page, a write pin
 * returned though the mprotect finished inside the call, or no race
 * counted at all.
 */
#include "tests/kernel/ktest.h"
#include "kernel/atomic.h"
#include "kernel/config.h"
#include "kernel/errno.h"
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
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "asm/page.h"

#define AREA    0x64000000ul
#define RW      (PROT_READ | PROT_WRITE)
#define ANON    (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static uint64_t fallback_count(enum gup_fallback why)
{
	struct gup_stats s;
	gup_get_stats(&s);
	return s.fallback[why];
}

static void touch(uintptr_t addr, uint64_t v)
{
	copy_to_user((void *)addr, &v, sizeof(v));
}

/* A fresh mm adopted by this thread, @n pages of it mapped and touched. */
static struct mm_struct *setup(struct ktest *t, unsigned n, uint64_t *frames)
{
	rcu_barrier();
	*frames = ktest_frames_available();
	struct mm_struct *mm = mm_create();
	if (!mm)
		return NULL;
	kthread_use_mm(mm);
	KTEST_EXPECT_EQ(t, do_mmap(mm, AREA, n * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	for (unsigned i = 0; i < n; i++)
		touch(AREA + i * PAGE_SIZE, 0x5000 + i);
	return mm;
}

static void teardown(struct ktest *t, struct mm_struct *mm, uint64_t frames)
{
	kthread_unuse_mm(mm);
	mm_put(mm);
	rcu_barrier();
	KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
}

/* The page mapped at @addr, through the slow part (mmap_lock and the PTE
 * lock), with the reference it took dropped again. */
static struct page *page_at(struct mm_struct *mm, uintptr_t addr)
{
	struct page *p = NULL;
	if (get_user_pages(mm, addr, 1, FOLL_NOFAULT, &p) != 1)
		return NULL;
	put_page(p);
	return p;
}

/* ---- step 3 alone ---------------------------------------------------------------- */

static void test_try_get_refuses_zero(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup(t, 1, &frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	struct page *p = page_at(mm, AREA);
	KTEST_ASSERT_NOT_NULL(t, p);
	KTEST_EXPECT_EQ(t, page_ref_count(p), 1);      /* the mapping's reference */
	static const unsigned flags[2] = { 0, FOLL_PIN };
	for (unsigned i = 0; i < 2; i++) {
		uint64_t ref0 = fallback_count(GUP_FB_REF), onfree0 = page_ref_on_free;
		/* The state a racing zap leaves for an instant: the PTE still
		 * read as present by a walker that read it before the clear, the
		 * count already zero (the page on its way to the allocator).
		 * Nobody else can see this mm: nothing races us here. */
		atomic_set(&p->refcount, 0);
		struct page *q = NULL;
		long got = gup_fast_mm(mm, AREA, 1, FOLL_FAST_ONLY | flags[i], &q);
		int after = page_ref_count(p);
		atomic_set(&p->refcount, 1);            /* the mapping's, back */
		KTEST_EXPECT_EQ(t, got, (long)-EAGAIN);
		KTEST_EXPECT_EQ(t, after, 0);           /* not resurrected */
		KTEST_EXPECT_EQ(t, fallback_count(GUP_FB_REF) - ref0, 1ull);
		KTEST_EXPECT_EQ(t, page_ref_on_free - onfree0, 0ull);
	}
	/* And with a live count the same call serves the page. */
	struct page *q = NULL;
	KTEST_EXPECT_EQ(t, gup_fast_mm(mm, AREA, 1, FOLL_FAST_ONLY | FOLL_PIN, &q), 1l);
	if (q == p)
		unpin_user_pages(&q, 1);
	teardown(t, mm, frames);
}

/* ---- steps 3 and 4 in a directed race ---------------------------------------- */

#define ROUNDS_MAX      60
#define RACES_MIN       6
#define TIME_MAX_MS     8000
#define GUP_WINDOW_NS   20000000ull    /* step 1 to step 3: 20 ms */
#define CHANGE_AFTER_US 2000           /* the change lands 2 ms into it */

enum change { CH_MPROTECT, CH_MUNMAP };

static struct mm_struct *d_mm;
static volatile unsigned d_go, d_done, d_stop, d_cpu;
static volatile uint64_t d_pauses0, d_changed_ns;
static volatile bool d_hit;        /* the walk paused: the change was made in the window */

/* The other CPU: per round, wait for the walk to reach the PMD pause,
 * then change the page while the walker sits in its window. */
static void changer(void *arg)
{
	(void)arg;
	unsigned seen = 0;
	while (!READ_ONCE(d_stop)) {
		unsigned r = READ_ONCE(d_go);
		if (r == seen) {
			yield();
			continue;
		}
		seen = r;
		uint64_t t0 = ktime_ns();
		bool hit = false;
		/* The walk announces itself at the PMD entry (counted as its
		 * pause begins); 200 ms without it: fast GUP did not walk. */
		while (ktime_ns() - t0 < 200000000ull)
			if (READ_ONCE(pagewalk_test_pauses[d_cpu]) != d_pauses0) {
				hit = true;
				break;
			} else {
				cpu_relax();
			}
		if (hit) {
			udelay(CHANGE_AFTER_US);
			if (r % 2 == CH_MPROTECT)
				do_mprotect(d_mm, AREA, PAGE_SIZE, PROT_READ);
			else
				do_munmap(d_mm, AREA, PAGE_SIZE);
			/* The PTE was changed before the change returned. */
			WRITE_ONCE(d_changed_ns, ktime_ns());
		}
		WRITE_ONCE(d_hit, hit);
		/* Release: the change before the round's end (pairs with the
		 * acquire in the round loop). */
		smp_store_release(&d_done, r);
	}
}

static void test_recheck_directed(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	uint64_t frames;
	/* Two pages: the second stays mapped, so the munmap of the first
	 * never empties (and frees) the PTE table under the walk. */
	d_mm = setup(t, 2, &frames);
	KTEST_ASSERT_NOT_NULL(t, d_mm);
	cpumask_t aff = current->affinity, here;
	cpumask_clear(&here);
	preempt_disable();
	unsigned me = smp_processor_id();
	preempt_enable();
	cpumask_set_cpu(me, &here);
	thread_set_affinity(current, &here);
	d_cpu = me;
	d_go = d_done = d_stop = 0;
	unsigned other = me == 0 ? 1 : 0;
	struct thread *th = thread_create_on(other, "ktest-gupstep", changer, NULL);
	KTEST_ASSERT_NOT_NULL(t, th);

	uint64_t rech0 = fallback_count(GUP_FB_RECHECK), ref0 = fallback_count(GUP_FB_REF);
	uint64_t onfree0 = page_ref_on_free, under0 = page_ref_underflow;
	uint64_t t0 = ktime_ns(), hits = 0, wrong = 0, rounds = 0;
	for (unsigned r = 1; r <= ROUNDS_MAX; r++) {
		uint64_t races = fallback_count(GUP_FB_RECHECK) - rech0 + fallback_count(GUP_FB_REF) - ref0;
		if (races >= RACES_MIN || ktime_ns() - t0 > TIME_MAX_MS * 1000000ull)
			break;
		rounds++;
		d_pauses0 = READ_ONCE(pagewalk_test_pauses[me]);
		WRITE_ONCE(pagewalk_test_delay_ns, 100000);
		WRITE_ONCE(gup_test_delay_ns, GUP_WINDOW_NS);
		WRITE_ONCE(d_go, r);
		struct page *q = NULL;
		uint64_t t_call = ktime_ns();
		long got = gup_fast_mm(d_mm, AREA, 1, FOLL_FAST_ONLY | FOLL_WRITE | FOLL_PIN, &q);
		WRITE_ONCE(gup_test_delay_ns, 0);
		WRITE_ONCE(pagewalk_test_delay_ns, 0);
		while (smp_load_acquire(&d_done) != r)
			yield();
		hits += READ_ONCE(d_hit);
		if (got == 1) {
			/* Step 4 ran at least GUP_WINDOW_NS after step 1, and
			 * step 1 after t_call: a change that had returned before
			 * t_call + GUP_WINDOW_NS came before the recheck, which
			 * had to see it (TABLE_FREE=rcu: the flush does not wait
			 * for us; under ipi it does, so the change returns only
			 * after our section and only the race count catches a
			 * missing recheck). */
			if (READ_ONCE(d_hit) && READ_ONCE(d_changed_ns) < t_call + GUP_WINDOW_NS) {
				if (wrong++ == 0)
					ktest_log("round %u (%s): a write pin returned for a page %s inside the call",
						  r, r % 2 == CH_MPROTECT ? "mprotect" : "munmap",
						  r % 2 == CH_MPROTECT ? "made read-only" : "unmapped");
			}
			if (page_ref_on_free != onfree0) {
				/* The pin was taken on a free page (a plain get):
				 * dropping it would free the page a second time.
				 * Leave it, and stop: the bug is shown. */
				ktest_log("round %u: a reference was taken on a free page; stopping", r);
				break;
			}
			unpin_user_pages(&q, 1);
		}
		/* Back to a mapped, writable page for the next round. */
		if (r % 2 == CH_MPROTECT)
			do_mprotect(d_mm, AREA, PAGE_SIZE, RW);
		else
			do_mmap(d_mm, AREA, PAGE_SIZE, RW, ANON, -1, 0);
		touch(AREA, r);
	}
	WRITE_ONCE(d_stop, 1);
	thread_join(th);
	thread_set_affinity(current, &aff);
	uint64_t rech = fallback_count(GUP_FB_RECHECK) - rech0, refz = fallback_count(GUP_FB_REF) - ref0;
	uint64_t onfree = page_ref_on_free - onfree0, under = page_ref_underflow - under0;
	ktest_log("TABLE_FREE=%s: %llu rounds, %llu changes in the window; races: %llu recheck failures, "
		  "%llu try-gets on a zero count; bad: %llu wrong pins, %llu refs on free pages, %llu puts on free pages",
		  CONFIG_TABLE_FREE_NAME, (unsigned long long)rounds, (unsigned long long)hits,
		  (unsigned long long)rech, (unsigned long long)refz, (unsigned long long)wrong,
		  (unsigned long long)onfree, (unsigned long long)under);
	teardown(t, d_mm, frames);
	KTEST_EXPECT_GE(t, rech + refz, (uint64_t)RACES_MIN);
	KTEST_EXPECT_GT(t, rech, 0ull);         /* mprotect: only step 4 sees it */
	KTEST_EXPECT_EQ(t, wrong, 0ull);
	KTEST_EXPECT_EQ(t, onfree, 0ull);
	KTEST_EXPECT_EQ(t, under, 0ull);
}

static struct ktest_case gup_steps_cases[] = {
	KTEST_CASE(test_try_get_refuses_zero),
	KTEST_CASE(test_recheck_directed),
	{ 0 },
};
KTEST_SUITE(gup_steps, gup_steps_cases);
