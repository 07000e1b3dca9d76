/*
 * tests/kernel/tlb.c - suite `tlb`: TLB shootdown, with teeth.
 *
 * The torture: kernel threads on every CPU share one user address space
 * (they adopt it, as user threads would have it) and keep reading a page
 * whose contents carry a generation number, through copy_from_user, so
 * their TLBs hold its translation.  A replacer on another CPU swaps the
 * page and publishes the new generation only after the swapping call has
 * returned.  From then on a read of an older generation can only come from
 * a stale TLB entry: a violation.  Two ways of swapping:
 *   - munmap, then mmap MAP_FIXED of a fresh page at the same address;
 *   - mprotect(PROT_NONE) and back: a read that succeeds while the page
 *     is PROT_NONE (the whole read inside the window) is a violation.
 * Built with SHOOTDOWN_BROKEN=1 (remote flushes skipped) this must report
 * violations under TCG; it does (see docs/tlb.md).
 *
 * Also: lazy CPUs are skipped by flushes that free no page table and
 * reached (and sent away) by those that do; no flush request goes to a CPU
 * outside the mm's cpumask; a munmap flushes its own range (INVLPGs up to
 * the ceiling); a thread without an mm gets no user access on a lazy CPU;
 * tearing an mm down sends lazy CPUs away; of two concurrent MADV_DONTNEED
 * neither returns before its CPU is flushed; and flush_tlb_mm_range()
 * driven directly: multi-page ranges at and above the ceiling, and CPUs
 * flushing one mm at once (TLBGEN_BROKEN=1 must fail that one).
 * Under SHOOTDOWN=pv with the host model at a high rate (tests/matrix.txt
 * gives pvmodel=), the last case checks that vCPUs were taken out and
 * flushes deferred to the host while the others ran.
 */
#include "tests/kernel/ktest.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/paravirt.h"
#include "kernel/sched/completion.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "kernel/preempt.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/mmu_gather.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "lib/string.h"

#define TARGET 0x50000000ul
#define TORTURE_MS 400       /* at least this long ... */
#define TORTURE_MIN_ROUNDS 30 /* ... and this many rounds (slow when vCPUs outnumber host cores) */
#define TORTURE_MAX_MS 10000

static struct mm_struct *shared_mm;
static volatile uint64_t committed;     /* generation published by the replacer */
static volatile uint64_t epoch;         /* odd: the page is PROT_NONE (mprotect mode) */
static volatile int stop, readers_done;
static volatile uint64_t reads, violations, faults;

static void reader(void *arg)
{
	(void)arg;
	kthread_use_mm(shared_mm);
	uint64_t n = 0, bad = 0, f = 0;
	while (!READ_ONCE(stop)) {
		uint64_t c = READ_ONCE(committed), e1 = READ_ONCE(epoch), w[2] = { 0, 0 };
		smp_rmb();      /* the generation is read before the page */
		int r = copy_from_user(w, (void *)TARGET, sizeof(w));
		smp_rmb();
		uint64_t e2 = READ_ONCE(epoch);
		if (r) {
			f++;        /* unmapped or PROT_NONE just now: fine */
			continue;
		}
		n++;
		/* The page holds (gen, ~gen), written a byte at a time by the
		 * replacer: a pair that does not match is a write in progress
		 * (or a fresh zero page), not a generation. */
		uint64_t v = w[0];
		if (w[1] == ~v && v < c)
			bad++;      /* an older generation after its replacement */
		if (e1 == e2 && (e1 & 1))
			bad++;      /* read a PROT_NONE page */
	}
	__atomic_fetch_add(&reads, n, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&violations, bad, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&faults, f, __ATOMIC_SEQ_CST);
	kthread_unuse_mm(shared_mm);
	__atomic_fetch_add(&readers_done, 1, __ATOMIC_SEQ_CST);
}

/* A stale frame: generation 0, older than any the replacer publishes. */
#define STALE_GEN 0
#define CAPTURE_TRIES 1024      /* allocations to find the frame munmap freed */
#define HELD_FRAMES 512         /* old frames held, the oldest given back first */

static struct page *held[HELD_FRAMES];
static unsigned held_next;

/* Take @want, just freed, back from the allocator: allocate until it
 * comes (the buddy allocator may have merged it into a bigger block behind
 * other free frames), then give the others back.  Return: true if held. */
static bool capture_frame(struct page *want)
{
	static struct page *taken[CAPTURE_TRIES];
	unsigned n = 0;
	bool got = false;
	while (n < CAPTURE_TRIES) {
		struct page *p = alloc_page();
		if (!p)
			break;
		if (p == want) {
			got = true;
			break;
		}
		taken[n++] = p;
	}
	while (n)
		free_page(taken[--n]);
	return got;
}

static int map_target(struct mm_struct *mm)
{
	return do_mmap(mm, TARGET, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == (long)TARGET ? 0 : -1;
}

static void torture(struct ktest *t, bool mprotect_mode)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	shared_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, shared_mm);
	kthread_use_mm(shared_mm);
	committed = 1;
	epoch = 0;
	stop = readers_done = 0;
	reads = violations = faults = 0;
	KTEST_ASSERT_EQ(t, map_target(shared_mm), 0);
	/* A mapped neighbour keeps the page tables alive across the munmaps,
	 * so the frame munmap frees is the data page alone (the spacers below
	 * catch it) and no table-freeing allocation grabs and zeroes it. */
	KTEST_ASSERT_EQ(t, do_mmap(shared_mm, TARGET + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), (long)(TARGET + PAGE_SIZE));
	uint64_t g = 1, pair[2] = { g, ~g };
	KTEST_ASSERT_EQ(t, copy_to_user((void *)(TARGET + PAGE_SIZE), pair, sizeof(pair)), 0);
	KTEST_ASSERT_EQ(t, copy_to_user((void *)TARGET, pair, sizeof(pair)), 0);

	unsigned me = smp_processor_id(), cpu, nreaders = 0;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me)
			th[nreaders++] = thread_create_on(cpu, "ktest-tlbread", reader, NULL);
	msleep(20);     /* let the readers fill their TLBs */

	uint64_t t0 = ktime_ns(), rounds = 0, captured = 0;
	uint64_t end = t0 + TORTURE_MS * 1000000ull, hard_end = t0 + TORTURE_MAX_MS * 1000000ull;
	while ((ktime_ns() < end || rounds < TORTURE_MIN_ROUNDS) && ktime_ns() < hard_end) {
		g++;
		if (mprotect_mode) {
			do_mprotect(shared_mm, TARGET, PAGE_SIZE, PROT_NONE);
			smp_wmb();
			WRITE_ONCE(epoch, epoch + 1);       /* odd: PROT_NONE is in force */
			udelay(200);
			WRITE_ONCE(epoch, epoch + 1);
			smp_wmb();
			do_mprotect(shared_mm, TARGET, PAGE_SIZE, PROT_READ | PROT_WRITE);
		} else {
			/* The frame a stale entry would point to once the page is
			 * unmapped.  munmap frees it; we take it back, so that it
			 * is neither the new page nor somebody else's memory, and
			 * mark it stale: any read of it from now on is a
			 * violation the readers recognise, whatever became of
			 * the data it held. */
			struct page *old = ktest_mapped_frame(shared_mm, TARGET);
			do_munmap(shared_mm, TARGET, PAGE_SIZE);
			if (old && capture_frame(old)) {
				volatile uint64_t *p = page_address(old);
				p[0] = STALE_GEN;
				p[1] = ~(uint64_t)STALE_GEN;
				if (held[held_next])
					free_page(held[held_next]);
				held[held_next] = old;
				held_next = (held_next + 1) % HELD_FRAMES;
				captured++;
			}
			map_target(shared_mm);
			/* The new page is faulted in below.  Every other round
			 * by a read first: handle_user_fault() takes 1000
			 * faults in a row at one address with the same flags
			 * for a stuck fault (FAULT_MAX_REPEATS), successful or
			 * not, and copy_to_user would fail from then on,
			 * leaving nothing mapped to go stale. */
			uint64_t probe;
			if (rounds & 1)
				copy_from_user(&probe, (void *)TARGET, sizeof(probe));
		}
		pair[0] = g;
		pair[1] = ~g;
		copy_to_user((void *)TARGET, pair, sizeof(pair));
		smp_wmb();      /* the page holds g before g is published */
		WRITE_ONCE(committed, g);
		rounds++;
		if (rounds % 8 == 0)
			udelay(100);
	}
	stop = 1;
	for (unsigned i = 0; i < nreaders; i++)
		thread_join(th[i]);
	for (unsigned i = 0; i < HELD_FRAMES; i++) {
		if (held[i])
			free_page(held[i]);
		held[i] = NULL;
	}
	held_next = 0;
	kthread_unuse_mm(shared_mm);
	mm_put(shared_mm);
	ktest_log("%s: %llu rounds, %u readers, %llu reads, %llu faulted reads, %llu violations, %llu old frames marked stale",
		  mprotect_mode ? "mprotect" : "munmap+mmap", (unsigned long long)rounds, nreaders,
		  (unsigned long long)reads, (unsigned long long)faults, (unsigned long long)violations,
		  (unsigned long long)captured);
	KTEST_EXPECT_GT(t, rounds, 10ull);
	if (!mprotect_mode)     /* the teeth: old frames were held and marked */
		KTEST_EXPECT_GE(t, captured * 2, rounds);
	KTEST_EXPECT_GT(t, reads, 0ull);
	KTEST_EXPECT_EQ(t, violations, 0ull);
}

static void test_torture_munmap_mmap(struct ktest *t) { torture(t, false); }
static void test_torture_mprotect(struct ktest *t) { torture(t, true); }

/* ---- lazy TLB and the cpumask ---------------------------------------------- */

static struct completion lazy_ready, lazy_go;

static void lazy_user(void *arg)
{
	struct mm_struct *mm = arg;
	kthread_use_mm(mm);
	uint64_t v;
	copy_from_user(&v, (void *)TARGET, sizeof(v));
	/* Sleep with the mm as ours: this CPU then runs its idle thread, a
	 * kernel thread, and holds the mm lazily. */
	complete(&lazy_ready);
	wait_for_completion(&lazy_go);
	kthread_unuse_mm(mm);
}

static void test_lazy_cpus(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	unsigned me = smp_processor_id(), other = me == 0 ? 1 : 0;
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	kthread_use_mm(mm);
	KTEST_ASSERT_EQ(t, map_target(mm), 0);
	uint64_t one = 1;
	copy_to_user((void *)TARGET, &one, sizeof(one));
	init_completion(&lazy_ready);
	init_completion(&lazy_go);
	struct thread *th = thread_create_on(other, "ktest-lazy", lazy_user, mm);
	KTEST_ASSERT_NOT_NULL(t, th);
	wait_for_completion(&lazy_ready);
	for (int i = 0; i < 100 && !tlb_cpu_lazy(other, mm); i++)
		msleep(1);
	KTEST_EXPECT_TRUE(t, tlb_cpu_lazy(other, mm));
	KTEST_EXPECT_TRUE(t, cpumask_test_cpu(other, &mm->cpumask));

	/* No page table freed: the lazy CPU is left out. */
	struct tlb_stats before, after;
	tlb_get_stats(other, &before);
	KTEST_EXPECT_EQ(t, do_madvise(mm, TARGET, PAGE_SIZE, MADV_DONTNEED), 0);
	tlb_get_stats(other, &after);
	KTEST_EXPECT_EQ(t, after.flushes_received, before.flushes_received);
	KTEST_EXPECT_TRUE(t, tlb_cpu_lazy(other, mm));

	/* munmap of the last page frees its tables: the lazy CPU is reached,
	 * and drops the mm. */
	KTEST_EXPECT_EQ(t, do_munmap(mm, TARGET, PAGE_SIZE), 0);
	tlb_get_stats(other, &after);
	KTEST_EXPECT_GT(t, after.flushes_received, before.flushes_received);
	KTEST_EXPECT_EQ(t, after.lazy_exits, before.lazy_exits + 1);
	KTEST_EXPECT_FALSE(t, tlb_cpu_lazy(other, mm));
	KTEST_EXPECT_FALSE(t, cpumask_test_cpu(other, &mm->cpumask));

	complete(&lazy_go);
	thread_join(th);
	kthread_unuse_mm(mm);
	mm_put(mm);
}

static void test_no_ipi_outside_cpumask(struct ktest *t)
{
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	kthread_use_mm(mm);
	KTEST_ASSERT_EQ(t, map_target(mm), 0);
	uint64_t one = 1;
	copy_to_user((void *)TARGET, &one, sizeof(one));
	static struct tlb_stats before[NR_CPUS];     /* too big for a 16 KiB stack */
	struct tlb_stats after;
	unsigned cpu, me = smp_processor_id();
	KTEST_EXPECT_EQ(t, cpumask_weight(&mm->cpumask), 1u);
	for_each_online_cpu(cpu)
		tlb_get_stats(cpu, &before[cpu]);
	for (int i = 0; i < 20; i++)
		do_madvise(mm, TARGET, PAGE_SIZE, MADV_DONTNEED);
	do_munmap(mm, TARGET, PAGE_SIZE);
	for_each_online_cpu(cpu) {
		tlb_get_stats(cpu, &after);
		if (cpu != me)
			KTEST_EXPECT_EQ(t, after.flushes_received, before[cpu].flushes_received);
		else
			KTEST_EXPECT_EQ(t, after.ipis_sent, before[cpu].ipis_sent);
	}
	kthread_unuse_mm(mm);
	mm_put(mm);
}

/* ---- flush_tlb_mm_range driven directly: ranges, the ceiling, concurrency --
 *
 * These tests change PTEs themselves (repoint_pte: another frame, no flush)
 * and then call flush_tlb_mm_range(), so they test the flush policy of
 * mm/tlb.c alone: the range path up to tlb_flush_ceiling pages, the full
 * flush above it, and the generation rules when two CPUs flush one mm at
 * once.  A page holds (tag, ~tag), tag = page index << 32 | generation. */

#define RANGE_AREA 0x60000000ul
#define RANGE_MAX 64            /* pages: at least the default ceiling + 1 */

static uint64_t page_tag(unsigned i, uint64_t gen) { return (uint64_t)i << 32 | gen; }

static void write_tag(struct page *pg, uint64_t tag)
{
	volatile uint64_t *p = page_address(pg);
	p[0] = tag;
	p[1] = ~tag;
}

/* The tag of user page @va of the current mm; ~0 if the read faulted or
 * the pair does not match. */
static uint64_t read_tag(uintptr_t va)
{
	uint64_t w[2];
	if (copy_from_user(w, (const void *)va, sizeof(w)) || w[1] != ~w[0])
		return ~0ull;
	return w[0];
}

/* Point the PTE of @va at @pg, keeping its flags, without a flush (the
 * caller's).  Return: the frame it mapped before, or NULL. */
static struct page *repoint_pte(struct mm_struct *mm, uintptr_t va, struct page *pg)
{
	spinlock_t *ptl;
	uint64_t *pte = pte_lookup_lock(mm, va, &ptl);
	if (!pte)
		return NULL;
	pteval_t old = READ_ONCE(*pte);
	/* old ^ entry_addr(old): old's flag bits alone. */
	WRITE_ONCE(*pte, mk_pte(page_to_phys(pg), old ^ entry_addr(old)));
	spin_unlock(ptl);
	return entry_present(old) ? phys_to_page(entry_addr(old)) : NULL;
}

/* Map @npages anonymous pages at @area in the current mm (@mm), page i
 * holding tag (i, 1).  Return: 0 or -1. */
static int map_tagged(struct mm_struct *mm, uintptr_t area, unsigned npages)
{
	if (do_mmap(mm, area, npages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (long)area)
		return -1;
	for (unsigned i = 0; i < npages; i++) {
		uint64_t tag = page_tag(i, 1), pair[2] = { tag, ~tag };
		if (copy_to_user((void *)(area + i * PAGE_SIZE), pair, sizeof(pair)))
			return -1;
	}
	return 0;
}

static struct {
	struct mm_struct *mm;
	unsigned npages;
	volatile int ready, go;
	uint64_t stale;
} rt;

static void range_target(void *arg)
{
	(void)arg;
	kthread_use_mm(rt.mm);
	/* Preemption off from filling the TLB to the check: a switch to
	 * another thread would make this CPU lazy, and the flush would reach
	 * it as a catch-up (a full flush) on its return instead of the range
	 * flush under test.  IRQs stay on: the request comes as an IPI. */
	preempt_disable();
	for (unsigned i = 0; i < rt.npages; i++)
		read_tag(RANGE_AREA + i * PAGE_SIZE);
	WRITE_ONCE(rt.ready, 1);
	while (!READ_ONCE(rt.go))
		cpu_relax();
	uint64_t stale = 0;
	for (unsigned i = 0; i < rt.npages; i++)
		stale += read_tag(RANGE_AREA + i * PAGE_SIZE) != page_tag(i, 2);
	preempt_enable();
	rt.stale = stale;       /* read after thread_join */
	kthread_unuse_mm(rt.mm);
}

/* Both CPUs hold translations of @npages pages; the PTEs are repointed to
 * frames holding generation 2 and the range flushed once.  Every page must
 * then read generation 2 on both CPUs, through INVLPGs (npages <= ceiling,
 * one behind) or one full flush (above). */
static void flush_range_case(struct ktest *t, unsigned npages)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	if (npages > RANGE_MAX) {
		ktest_skip(t, "ceiling above RANGE_MAX");
		return;
	}
	unsigned me = smp_processor_id(), other = me == 0 ? 1 : 0;
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	kthread_use_mm(mm);
	KTEST_ASSERT_EQ(t, map_tagged(mm, RANGE_AREA, npages), 0);
	static struct page *alt[RANGE_MAX], *orig[RANGE_MAX];
	for (unsigned i = 0; i < npages; i++) {
		alt[i] = alloc_page();
		KTEST_ASSERT_NOT_NULL(t, alt[i]);
		write_tag(alt[i], page_tag(i, 2));
	}
	rt.mm = mm;
	rt.npages = npages;
	rt.ready = rt.go = 0;
	rt.stale = 0;
	struct thread *th = thread_create_on(other, "ktest-range", range_target, NULL);
	KTEST_ASSERT_NOT_NULL(t, th);
	while (!READ_ONCE(rt.ready))
		cpu_relax();
	for (unsigned i = 0; i < npages; i++)
		read_tag(RANGE_AREA + i * PAGE_SIZE);   /* this CPU's TLB too */

	struct tlb_stats b_me, b_other, a_me, a_other;
	tlb_get_stats(me, &b_me);
	tlb_get_stats(other, &b_other);
	for (unsigned i = 0; i < npages; i++)
		orig[i] = repoint_pte(mm, RANGE_AREA + i * PAGE_SIZE, alt[i]);
	flush_tlb_mm_range(mm, RANGE_AREA, RANGE_AREA + npages * PAGE_SIZE, PAGE_SIZE, false);
	tlb_get_stats(me, &a_me);
	tlb_get_stats(other, &a_other);
	uint64_t stale_me = 0;
	for (unsigned i = 0; i < npages; i++)
		stale_me += read_tag(RANGE_AREA + i * PAGE_SIZE) != page_tag(i, 2);
	WRITE_ONCE(rt.go, 1);
	thread_join(th);

	ktest_log("%u pages (ceiling %u): stale pages %llu here, %llu on CPU %u; INVLPGs %llu/%llu, full flushes %llu/%llu",
		  npages, tlb_flush_ceiling, (unsigned long long)stale_me, (unsigned long long)rt.stale, other,
		  (unsigned long long)(a_me.pages_flushed - b_me.pages_flushed),
		  (unsigned long long)(a_other.pages_flushed - b_other.pages_flushed),
		  (unsigned long long)(a_me.full_flushes - b_me.full_flushes),
		  (unsigned long long)(a_other.full_flushes - b_other.full_flushes));
	KTEST_EXPECT_EQ(t, stale_me, 0ull);
	KTEST_EXPECT_EQ(t, rt.stale, 0ull);
	KTEST_EXPECT_EQ(t, a_other.flushes_received - b_other.flushes_received, 1ull);
	bool by_page = npages <= tlb_flush_ceiling;
	KTEST_EXPECT_EQ(t, a_me.pages_flushed - b_me.pages_flushed, by_page ? (uint64_t)npages : 0ull);
	KTEST_EXPECT_EQ(t, a_other.pages_flushed - b_other.pages_flushed, by_page ? (uint64_t)npages : 0ull);
	KTEST_EXPECT_EQ(t, a_me.full_flushes - b_me.full_flushes, by_page ? 0ull : 1ull);
	KTEST_EXPECT_EQ(t, a_other.full_flushes - b_other.full_flushes, by_page ? 0ull : 1ull);

	/* Give the mm its own frames back (it frees them), then ours. */
	for (unsigned i = 0; i < npages; i++)
		repoint_pte(mm, RANGE_AREA + i * PAGE_SIZE, orig[i]);
	flush_tlb_mm_range(mm, RANGE_AREA, RANGE_AREA + npages * PAGE_SIZE, PAGE_SIZE, false);
	for (unsigned i = 0; i < npages; i++)
		free_page(alt[i]);
	kthread_unuse_mm(mm);
	mm_put(mm);
}

/* The range cases count the flushes each CPU does itself.  Under
 * SHOOTDOWN=pv a preempted target's flush is done by its host instead (a
 * full one, on resume), so the host model pauses for them: they check the
 * guest's range policy, not the paravirt protocol (the pv suite does). */
static void flush_range_case_paused(struct ktest *t, unsigned npages)
{
	struct pvmodel_config saved;
	KTEST_EXPECT_EQ(t, pvmodel_pause(&saved), 0);
	flush_range_case(t, npages);
	pvmodel_unpause(&saved);
}

static void test_flush_multi_page_range(struct ktest *t) { flush_range_case_paused(t, 8); }
static void test_flush_at_ceiling(struct ktest *t) { flush_range_case_paused(t, tlb_flush_ceiling); }
static void test_flush_above_ceiling(struct ktest *t) { flush_range_case_paused(t, tlb_flush_ceiling + 1); }

/* Concurrent flushers: every CPU owns one page of a shared mm.  In each
 * round all of them, released together by a barrier, map the next of their
 * own frames (the round's generation) and flush that page at once; after a
 * second barrier every flush has returned, and each CPU reads every page:
 * anything but this round's generation came through a stale TLB entry.  A
 * request handled as covered (loaded_gen >= new_gen) when it was not - the
 * TLBGEN_BROKEN mistake, loaded_gen = mm->tlb_gen after a range flush while
 * the other CPU's request is still on its way - shows up here.  A round in
 * which some CPU had two generations in flight to it at once (it skipped a
 * request as covered, or caught up with a full flush) raced, and is
 * counted: when the host runs the vCPUs one after the other, rounds do not
 * race and, broken or not, nothing could be seen. */

#define CONC_AREA 0x64000000ul
/* Each flusher owns a 2 MiB range, one page of it mapped (and repointed),
 * and flushes the whole range page by page: the test raises the ceiling to
 * 512 for the while.  The broken catch-up reads mm->tlb_gen after the
 * INVLPG loop, so a longer loop is a wider window for the other flusher's
 * increment to land in (with 32 pages, 1 run in 10 still passed under
 * host load). */
#define CONC_RANGE 512
#define CONC_PAGE(slot) (CONC_AREA + (uintptr_t)(slot) * CONC_RANGE * PAGE_SIZE)
#define CONC_FRAMES 2           /* a page alternates between two frames */
#define CONC_MS 400             /* at least this long ... */
#define CONC_MIN_RACES 10       /* ... this many rounds that raced ... */
#define CONC_MIN_ROUNDS 200     /* ... and this many rounds */
#define CONC_MAX_MS 60000       /* at 2 CPUs; 2.5 s more per CPU beyond (a busy host: 2 races in 20 s seen beside a second make test) */
#define CONC_MAX_SLOTS 4

static struct {
	struct mm_struct *mm;
	unsigned nslots;
	volatile unsigned arrived, phase;
	volatile int stop;
	struct page *frames[NR_CPUS][CONC_FRAMES];
	uint64_t rounds, races, events, reads, violations;
} cf;

/* Every slot waits here until all have arrived.  The phase is read before
 * arriving, so the last one's increment cannot be missed; the atomics are
 * full barriers, so what each slot did before is visible after. */
static void conc_barrier(void)
{
	unsigned phase = __atomic_load_n(&cf.phase, __ATOMIC_SEQ_CST);
	if (__atomic_add_fetch(&cf.arrived, 1, __ATOMIC_SEQ_CST) == cf.nslots) {
		__atomic_store_n(&cf.arrived, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&cf.phase, phase + 1, __ATOMIC_SEQ_CST);
	} else {
		while (__atomic_load_n(&cf.phase, __ATOMIC_SEQ_CST) == phase)
			cpu_relax();
	}
}

/* One flusher's rounds; slot 0 (the test's own thread) decides when to stop. */
static void conc_loop(unsigned slot)
{
	uintptr_t va = CONC_PAGE(slot);
	uint64_t gen = 1, n = 0, bad = 0;
	/* More vCPUs than host cores: fewer rounds race, give them longer. */
	uint64_t max_ms = CONC_MAX_MS + (cf.nslots > 2 ? (cf.nslots - 2) * 2500ull : 0);
	uint64_t t0 = ktime_ns(), end = t0 + CONC_MS * 1000000ull, hard_end = t0 + max_ms * 1000000ull;
	for (;;) {
		/* No flush between the last round's second barrier and this
		 * round's leader: the generation stands still meanwhile. */
		uint64_t g0 = (uint64_t)atomic64_read(&cf.mm->tlb_gen);
		conc_barrier();
		if (READ_ONCE(cf.stop))
			break;
		gen++;
		struct page *next = cf.frames[slot][gen % CONC_FRAMES];
		write_tag(next, page_tag(slot, gen));
		smp_wmb();      /* the contents before the PTE that maps them */
		repoint_pte(cf.mm, va, next);
		/* One leader per round, in turn; the others start their flush
		 * the moment the leader's has bumped the generation, so that
		 * both are in flight together, whatever the host's scheduling
		 * did to the barrier's release. */
		bool leader = slot == gen % cf.nslots;
		/* The spins here and in conc_barrier() have no cpu_relax():
		 * under TCG a pause leaves the translated code for QEMU's
		 * main loop, slowly on a busy host, and a follower then took
		 * the leader's request before it saw the leader's increment,
		 * round after round (no round bit TLBGEN_BROKEN in such a run). */
		if (!leader)
			while ((uint64_t)atomic64_read(&cf.mm->tlb_gen) == g0)
				;
		flush_tlb_mm_range(cf.mm, va, va + CONC_RANGE * PAGE_SIZE, PAGE_SIZE, false);
		conc_barrier();     /* every page of the round is flushed */
		for (unsigned j = 0; j < cf.nslots; j++) {
			n++;
			bad += read_tag(CONC_PAGE(j)) != page_tag(j, gen);
		}
		if (slot == 0) {
			cf.rounds++;
			/* Every request of the round has been handled.  One
			 * skipped as covered, or a catch-up flush (a range this
			 * size is flushed page by page unless the CPU is more
			 * than one generation behind), means two generations
			 * were in flight to one CPU at once: the race. */
			struct tlb_stats st;
			tlb_get_stats(NR_CPUS, &st);
			uint64_t events = st.full_flushes + st.gen_skips;
			cf.races += events != cf.events;
			cf.events = events;
			/* Both flushing orders, in turn (no flush runs until
			 * the next barrier).  Serial: the leader's request goes
			 * out only after its local range flush, so followers
			 * cannot take it before they flush themselves; that
			 * local flush is the window for their increments. */
			tlb_concurrent_flush = cf.rounds & 1;
			uint64_t now = ktime_ns();
			if ((now >= end && cf.races >= CONC_MIN_RACES && cf.rounds >= CONC_MIN_ROUNDS) ||
			    now >= hard_end)
				WRITE_ONCE(cf.stop, 1);     /* seen by all after the next barrier */
		}
	}
	__atomic_fetch_add(&cf.reads, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&cf.violations, bad, __ATOMIC_RELAXED);
}

static void conc_flusher(void *arg)
{
	kthread_use_mm(cf.mm);
	conc_loop((unsigned)(uintptr_t)arg);
	kthread_unuse_mm(cf.mm);
}

static void test_concurrent_flushers(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	memset(&cf, 0, sizeof(cf));
	/* At most CONC_MAX_SLOTS flushers: with more vCPUs than the host has
	 * cores they run one after the other and rounds stop racing (8 of
	 * them: 16 raced rounds in 194, in a full make test). */
	cf.nslots = num_online_cpus() < CONC_MAX_SLOTS ? num_online_cpus() : CONC_MAX_SLOTS;
	cf.mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, cf.mm);
	kthread_use_mm(cf.mm);
	for (unsigned s = 0; s < cf.nslots; s++)
		KTEST_ASSERT_EQ(t, map_tagged(cf.mm, CONC_PAGE(s), 1), 0);
	for (unsigned s = 0; s < cf.nslots; s++) {
		for (unsigned k = 0; k < CONC_FRAMES; k++) {
			cf.frames[s][k] = alloc_page();
			KTEST_ASSERT_NOT_NULL(t, cf.frames[s][k]);
		}
	}
	static struct page *orig[NR_CPUS];
	for (unsigned s = 0; s < cf.nslots; s++) {
		spinlock_t *ptl;
		uint64_t *pte = pte_lookup_lock(cf.mm, CONC_PAGE(s), &ptl);
		KTEST_ASSERT_NOT_NULL(t, pte);
		orig[s] = phys_to_page(entry_addr(READ_ONCE(*pte)));
		spin_unlock(ptl);
	}
	unsigned me = smp_processor_id(), cpu, nthreads = 0;
	unsigned ceiling = tlb_flush_ceiling;
	bool concurrent = tlb_concurrent_flush;
	tlb_flush_ceiling = CONC_RANGE;     /* a range flush, page by page */
	struct tlb_stats st0, st1;
	tlb_get_stats(NR_CPUS, &st0);
	cf.events = st0.full_flushes + st0.gen_skips;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me && nthreads + 1 < cf.nslots) {
			th[nthreads] = thread_create_on(cpu, "ktest-flusher", conc_flusher,
							(void *)(uintptr_t)(nthreads + 1));
			KTEST_ASSERT_NOT_NULL(t, th[nthreads]);
			nthreads++;
		}
	conc_loop(0);
	for (unsigned i = 0; i < nthreads; i++)
		thread_join(th[i]);
	tlb_flush_ceiling = ceiling;
	tlb_concurrent_flush = concurrent;
	tlb_get_stats(NR_CPUS, &st1);

	for (unsigned s = 0; s < cf.nslots; s++)
		repoint_pte(cf.mm, CONC_PAGE(s), orig[s]);
	flush_tlb_mm_range(cf.mm, CONC_AREA, CONC_PAGE(cf.nslots), PAGE_SIZE, false);
	for (unsigned s = 0; s < cf.nslots; s++)
		for (unsigned k = 0; k < CONC_FRAMES; k++)
			free_page(cf.frames[s][k]);
	kthread_unuse_mm(cf.mm);
	mm_put(cf.mm);
	ktest_log("%u flushers: %llu rounds, %llu of them raced, %llu reads, %llu stale reads; all CPUs: %llu range flushes, %llu catch-up, %llu skipped as covered",
		  cf.nslots, (unsigned long long)cf.rounds, (unsigned long long)cf.races,
		  (unsigned long long)cf.reads, (unsigned long long)cf.violations,
		  (unsigned long long)((st1.pages_flushed - st0.pages_flushed) / CONC_RANGE),
		  (unsigned long long)(st1.full_flushes - st0.full_flushes),
		  (unsigned long long)(st1.gen_skips - st0.gen_skips));
	KTEST_EXPECT_GE(t, cf.races, (uint64_t)CONC_MIN_RACES);     /* the race was run */
	KTEST_EXPECT_GT(t, cf.reads, 0ull);
	KTEST_EXPECT_EQ(t, cf.violations, 0ull);
}

/* ---- the flushed range: one INVLPG per page up to the ceiling ------------- */

static struct mm_struct *range_mm;
static volatile int range_stop, range_ready;

/* Run range_mm on this CPU, never sleeping, so the CPU is a flush target
 * (not lazy) for the whole test. */
static void range_spinner(void *arg)
{
	(void)arg;
	kthread_use_mm(range_mm);
	uint64_t v;
	copy_from_user(&v, (void *)TARGET, sizeof(v));
	__atomic_fetch_add(&range_ready, 1, __ATOMIC_SEQ_CST);
	while (!READ_ONCE(range_stop))
		cpu_relax();
	kthread_unuse_mm(range_mm);
}

/* Map and touch @pages pages after the neighbour at TARGET (which keeps the
 * tables: no table-freeing flush), munmap them, and check that every CPU
 * running the mm flushed @want_pages pages one by one and @want_full
 * times in full.  A CPU that went lazy meanwhile (a preempted spinner)
 * spoils a round; up to three tries. */
static bool munmap_flushes(struct ktest *t, unsigned pages, uint64_t want_pages, uint64_t want_full)
{
	static struct tlb_stats before[NR_CPUS];     /* too big for a 16 KiB stack */
	uintptr_t a = TARGET + PAGE_SIZE;
	uint64_t len = (uint64_t)pages * PAGE_SIZE;
	for (int attempt = 0; attempt < 3; attempt++) {
		if (do_mmap(range_mm, a, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (long)a)
			return false;
		for (unsigned i = 0; i < pages; i++) {
			uint64_t one = 1;
			copy_to_user((void *)(a + i * PAGE_SIZE), &one, sizeof(one));
		}
		unsigned cpu;
		for_each_online_cpu(cpu)
			tlb_get_stats(cpu, &before[cpu]);
		if (do_munmap(range_mm, a, len))
			return false;
		bool good = true;
		for_each_online_cpu(cpu) {
			struct tlb_stats after;
			tlb_get_stats(cpu, &after);
			uint64_t p = after.pages_flushed - before[cpu].pages_flushed;
			uint64_t f = after.full_flushes - before[cpu].full_flushes;
			if (p != want_pages || f != want_full) {
				ktest_log("munmap of %u pages: CPU %u flushed %llu pages, %llu in full "
					  "(expected %llu, %llu)", pages, cpu, (unsigned long long)p,
					  (unsigned long long)f, (unsigned long long)want_pages,
					  (unsigned long long)want_full);
				good = false;
			}
		}
		if (good)
			return true;
	}
	ktest_fail(t, __FILE__, __LINE__, "munmap of %u pages: wrong flushes, 3 times", pages);
	return false;
}

static void test_munmap_flushes_its_range(struct ktest *t)
{
	/* It counts the flushes each CPU does itself: the host model pauses,
	 * as for the range cases (flush_range_case_paused). */
	struct pvmodel_config saved;
	KTEST_EXPECT_EQ(t, pvmodel_pause(&saved), 0);
	range_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, range_mm);
	kthread_use_mm(range_mm);
	KTEST_ASSERT_EQ(t, map_target(range_mm), 0);
	uint64_t one = 1;
	KTEST_ASSERT_EQ(t, copy_to_user((void *)TARGET, &one, sizeof(one)), 0);
	range_stop = range_ready = 0;
	unsigned me = smp_processor_id(), cpu, n = 0;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me)
			th[n++] = thread_create_on(cpu, "ktest-tlbrange", range_spinner, NULL);
	while (READ_ONCE(range_ready) < (int)n)
		msleep(1);

	/* One page: one INVLPG on each CPU (the old zap gathered from address
	 * 0, so every zap reloaded CR3 everywhere).  The ceiling: INVLPGs;
	 * one page more: one CR3 reload each. */
	unsigned ceil = tlb_flush_ceiling;
	munmap_flushes(t, 1, 1, 0);
	if (ceil > 1)
		munmap_flushes(t, ceil, ceil, 0);
	munmap_flushes(t, ceil + 1, 0, 1);

	range_stop = 1;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	kthread_unuse_mm(range_mm);
	mm_put(range_mm);
	pvmodel_unpause(&saved);
}

/* ---- a big munmap flushes once per full gather ------------------------------ */

/* Map and touch @pages pages after the neighbour at TARGET, munmap them,
 * and return how many flushes the munmap made: mm->tlb_gen counts every
 * flush_tlb_mm_range() of the mm (mm/tlb.c), and nothing else flushes it
 * meanwhile.  Return: the count, or -1 if the mapping failed. */
static long munmap_flush_count(struct mm_struct *mm, unsigned pages)
{
	uintptr_t a = TARGET + PAGE_SIZE;
	uint64_t len = (uint64_t)pages * PAGE_SIZE;
	if (do_mmap(mm, a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		    -1, 0) != (long)a)
		return -1;
	for (unsigned i = 0; i < pages; i++) {
		uint64_t one = 1;
		if (copy_to_user((void *)(a + i * PAGE_SIZE), &one, sizeof(one)))
			return -1;
	}
	int64_t before = atomic64_read(&mm->tlb_gen);
	if (do_munmap(mm, a, len))
		return -1;
	return (long)(atomic64_read(&mm->tlb_gen) - before);
}

/* The mmu_gather keeps its overflow batches across an early flush and
 * fills them all again: a munmap of N pages flushes ceil(N / capacity)
 * times, not once per stack array and one batch after the first flush
 * (finding 17 in docs/performance.md: 33 flushes per 128 MiB munmap
 * where 4 were meant, each a full TLB flush of every CPU of the mm).
 * Two limits, to keep the test small: 2 batches and none. */
static void test_munmap_flushes_once_per_gather(struct ktest *t)
{
	unsigned saved = READ_ONCE(gather_max_batches);
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	kthread_use_mm(mm);
	KTEST_EXPECT_EQ(t, map_target(mm), 0);
	static const unsigned limits[] = { 2, 0 };
	for (unsigned i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		WRITE_ONCE(gather_max_batches, limits[i]);
		unsigned cap = tlb_gather_capacity(limits[i]);
		unsigned pages = 3 * cap + cap / 2;     /* three full gathers and a half */
		long flushes = munmap_flush_count(mm, pages);
		ktest_log("%u batches: %u pages a gather, %u pages unmapped in %ld flushes",
			  limits[i], cap, pages, flushes);
		KTEST_EXPECT_EQ(t, flushes, 4l);
	}
	WRITE_ONCE(gather_max_batches, saved);
	kthread_unuse_mm(mm);
	mm_put(mm);
}

/* ---- no user access from a thread without an mm ---------------------------- */

static volatile bool uq_lazy_before, uq_lazy_after;
static volatile int uq_from, uq_to, uq_str;
static uint64_t uq_buf;

/* Runs on the CPU that holds the mm lazily, as a kernel thread (no mm). */
static void uaccess_probe(void *arg)
{
	struct mm_struct *mm = arg;
	unsigned cpu = smp_processor_id();
	uq_lazy_before = tlb_cpu_lazy(cpu, mm) && !current->mm;
	uq_buf = 0x1111;
	uq_from = copy_from_user(&uq_buf, (void *)TARGET, sizeof(uq_buf));
	uint64_t junk = 0xbad;
	uq_to = copy_to_user((void *)TARGET, &junk, sizeof(junk));
	char s[8];
	uq_str = (int)strncpy_from_user(s, (void *)TARGET, sizeof(s));
	uq_lazy_after = tlb_cpu_lazy(cpu, mm);
}

static void test_uaccess_without_mm_on_lazy_cpu(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	unsigned me = smp_processor_id(), other = me == 0 ? 1 : 0;
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	kthread_use_mm(mm);
	KTEST_ASSERT_EQ(t, map_target(mm), 0);
	uint64_t secret = 0x5ec2e7;
	KTEST_ASSERT_EQ(t, copy_to_user((void *)TARGET, &secret, sizeof(secret)), 0);
	/* lazy_user (above): uses the mm on its CPU, then sleeps with it, so
	 * the idle thread runs next and keeps the mm lazily. */
	init_completion(&lazy_ready);
	init_completion(&lazy_go);
	struct thread *owner = thread_create_on(other, "ktest-uqowner", lazy_user, mm);
	KTEST_ASSERT_NOT_NULL(t, owner);
	wait_for_completion(&lazy_ready);
	for (int i = 0; i < 100 && !tlb_cpu_lazy(other, mm); i++)
		msleep(1);
	KTEST_EXPECT_TRUE(t, tlb_cpu_lazy(other, mm));

	/* A kernel thread on that CPU: switching to it keeps the mm lazy. */
	struct thread *probe = thread_create_on(other, "ktest-uqprobe", uaccess_probe, mm);
	KTEST_ASSERT_NOT_NULL(t, probe);
	thread_join(probe);
	KTEST_EXPECT_TRUE(t, uq_lazy_before);   /* the state the test is about */
	KTEST_EXPECT_TRUE(t, uq_lazy_after);
	KTEST_EXPECT_EQ(t, uq_from, -EFAULT);
	KTEST_EXPECT_EQ(t, uq_buf, 0x1111ull);  /* nothing read */
	KTEST_EXPECT_EQ(t, uq_to, -EFAULT);
	KTEST_EXPECT_EQ(t, uq_str, -EFAULT);
	uint64_t now = 0;
	KTEST_EXPECT_EQ(t, copy_from_user(&now, (void *)TARGET, sizeof(now)), 0);
	KTEST_EXPECT_EQ(t, now, secret);        /* nothing written */

	complete(&lazy_go);
	thread_join(owner);
	kthread_unuse_mm(mm);
	mm_put(mm);
}

/* ---- teardown sends lazy CPUs away, tables or not ---------------------------- */

static struct mm_struct *teardown_mm;
static volatile unsigned teardown_ran_on, teardown_left_on;

/* Use the (empty) mm on the CPU we were created on, move to another CPU
 * and stop using it there: the first CPU, which switched to its idle
 * thread, still holds the mm lazily. */
static void teardown_user(void *arg)
{
	unsigned dest = (unsigned)(uintptr_t)arg;
	kthread_use_mm(teardown_mm);
	teardown_ran_on = smp_processor_id();
	cpumask_t to;
	cpumask_clear(&to);
	cpumask_set_cpu(dest, &to);
	thread_set_affinity(current, &to);
	teardown_left_on = smp_processor_id();
	kthread_unuse_mm(teardown_mm);
}

static void test_teardown_leaves_lazy_cpus(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	unsigned me = smp_processor_id(), other = me == 0 ? 1 : 0;
	/* No VMA, no user table: exit_mmap gathers nothing at all. */
	teardown_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, teardown_mm);
	struct tlb_stats before, after;
	tlb_get_stats(other, &before);
	struct thread *th = thread_create_on(other, "ktest-tdown", teardown_user, (void *)(uintptr_t)me);
	KTEST_ASSERT_NOT_NULL(t, th);
	thread_join(th);
	KTEST_EXPECT_EQ(t, teardown_ran_on, other);
	KTEST_EXPECT_EQ(t, teardown_left_on, me);
	for (int i = 0; i < 100 && !tlb_cpu_lazy(other, teardown_mm); i++)
		msleep(1);
	/* The state of the bug: the last user is gone, a CPU holds it lazily. */
	KTEST_ASSERT_TRUE(t, tlb_cpu_lazy(other, teardown_mm));
	KTEST_EXPECT_TRUE(t, cpumask_test_cpu(other, &teardown_mm->cpumask));
	/* Without a flush to send the lazy CPU away, this panics ("still
	 * loaded"); without that check the page directory would be freed
	 * while in the lazy CPU's CR3. */
	mm_put(teardown_mm);
	tlb_get_stats(other, &after);
	KTEST_EXPECT_EQ(t, after.lazy_exits, before.lazy_exits + 1);
	KTEST_EXPECT_GT(t, after.flushes_received, before.flushes_received);
}

/* ---- concurrent MADV_DONTNEED: the second one returns flushed -------------- */

#define DN_MIN_ROUNDS 400
#define DN_MIN_OVERLAPS 40      /* rounds where both zaps overlapped */
#define DN_MS 1500              /* run at least this long ... */
#define DN_MAX_MS 20000         /* ... and until enough overlaps, up to this (a busy host: DESIGN.md) */
#define DN_PAGES 4

static struct mm_struct *dn_mm;
static volatile uint64_t dn_step[2];
static volatile int dn_stop;
static volatile uint64_t dn_rounds, dn_stale, dn_unseen, dn_errors;

/* Both threads at step @*step before either goes on (a two-party barrier;
 * each writes only its own counter).  Returns false when told to stop;
 * the wait gives up on a stop too, since the other thread may have seen
 * it one barrier earlier and left. */
static bool dn_barrier(unsigned me, uint64_t *step)
{
	WRITE_ONCE(dn_step[me], ++*step);
	while (READ_ONCE(dn_step[!me]) < *step)
		if (READ_ONCE(dn_stop))
			return false;
		else
			cpu_relax();
	return !READ_ONCE(dn_stop);
}

/* Each round: thread 0 writes a marker into the page; both read it (their
 * TLBs now map the page); both MADV_DONTNEED it at once; each then reads
 * it, and must read zero: a marker can only come from a stale TLB entry,
 * the zap having returned before this CPU was flushed. */
static void dn_thread(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint64_t step = 0, stale = 0, unseen = 0, errors = 0, rounds = 0;
	kthread_use_mm(dn_mm);
	while (dn_barrier(me, &step)) {
		/* A different page each round: the fault path takes 1000
		 * faults in a row at one address for a stuck thread. */
		uintptr_t page = TARGET + (step / 3 % DN_PAGES) * PAGE_SIZE;
		uint64_t marker = 0xd0d0000000000000ull | step, v = 0;
		if (me == 0 && copy_to_user((void *)page, &marker, sizeof(marker)))
			errors++;
		if (!dn_barrier(me, &step))
			break;
		marker = 0xd0d0000000000000ull | (step - 1);
		if (copy_from_user(&v, (void *)page, sizeof(v)) || v != marker)
			unseen++;       /* should not happen: the write is done */
		if (!dn_barrier(me, &step))
			break;
		if (do_madvise(dn_mm, page, PAGE_SIZE, MADV_DONTNEED))
			errors++;
		v = 0;
		if (copy_from_user(&v, (void *)page, sizeof(v)))
			errors++;
		else if (v != 0)
			stale++;
		rounds++;
	}
	kthread_unuse_mm(dn_mm);
	__atomic_fetch_add(&dn_stale, stale, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&dn_unseen, unseen, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&dn_errors, errors, __ATOMIC_SEQ_CST);
	if (me == 0)
		dn_rounds = rounds;
}

static void test_concurrent_madvise_flushes(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	dn_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, dn_mm);
	kthread_use_mm(dn_mm);
	KTEST_ASSERT_EQ(t, do_mmap(dn_mm, TARGET, DN_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), (long)TARGET);
	kthread_unuse_mm(dn_mm);
	dn_step[0] = dn_step[1] = 0;
	dn_stop = 0;
	dn_rounds = dn_stale = dn_unseen = dn_errors = 0;
	uint64_t nested0 = __atomic_load_n(&zap_nested_flushes, __ATOMIC_SEQ_CST);
	unsigned me = smp_processor_id(), other = me == 0 ? 1 : 0;
	struct thread *a = thread_create_on(me, "ktest-dn0", dn_thread, (void *)0);
	struct thread *b = thread_create_on(other, "ktest-dn1", dn_thread, (void *)1);
	KTEST_ASSERT_NOT_NULL(t, a);
	KTEST_ASSERT_NOT_NULL(t, b);
	/* The zap that clears the PTEs pauses before flushing them, so the
	 * other one finds them clear while that flush is still to come. */
	zap_test_delay_ns = 100000;
	uint64_t t0 = ktime_ns();
	for (;;) {
		msleep(50);
		uint64_t ms = (ktime_ns() - t0) / 1000000;
		uint64_t overlaps = __atomic_load_n(&zap_nested_flushes, __ATOMIC_SEQ_CST) - nested0;
		if (ms >= DN_MAX_MS ||
		    (ms >= DN_MS && overlaps >= DN_MIN_OVERLAPS && READ_ONCE(dn_step[0]) / 3 >= DN_MIN_ROUNDS))
			break;
	}
	dn_stop = 1;
	thread_join(a);
	thread_join(b);
	zap_test_delay_ns = 0;
	uint64_t overlaps = __atomic_load_n(&zap_nested_flushes, __ATOMIC_SEQ_CST) - nested0;
	mm_put(dn_mm);
	ktest_log("concurrent MADV_DONTNEED: %llu rounds, %llu overlapping zaps, %llu stale reads, "
		  "%llu errors", (unsigned long long)dn_rounds, (unsigned long long)overlaps,
		  (unsigned long long)dn_stale, (unsigned long long)dn_errors);
	KTEST_EXPECT_GE(t, dn_rounds, (uint64_t)DN_MIN_ROUNDS);
	KTEST_EXPECT_GE(t, overlaps, (uint64_t)DN_MIN_OVERLAPS);
	KTEST_EXPECT_EQ(t, dn_unseen, 0ull);
	KTEST_EXPECT_EQ(t, dn_errors, 0ull);
	KTEST_EXPECT_EQ(t, dn_stale, 0ull);
}

/* ---- under SHOOTDOWN=pv: did the host model take part? ----------------------- */

/* Counts at the suite's start (tlb_suite_init). */
static uint64_t pv_preemptions0, pv_deferred0, pv_onentry0;

static int tlb_suite_init(void)
{
	struct tlb_stats s;
	tlb_get_stats(NR_CPUS, &s);
	pv_preemptions0 = pvmodel_resumes_total();
	pv_deferred0 = s.flushes_deferred;
	pv_onentry0 = s.deferred_done;
	return 0;
}

/* Last case.  With the model preempting at a high rate (a tests/matrix.txt
 * row gives pvmodel=), the cases above must have run with vCPUs taken out
 * under them and flushes left to the host: otherwise their passing says
 * nothing about the paravirt protocol. */
#define PV_HIGH_RATE     1000
#define PV_MIN_PREEMPT   100
#define PV_MIN_DEFERRED  1

static void test_pv_model_took_part(struct ktest *t)
{
	unsigned rate, max_us;
	uint64_t seed;
	pvmodel_get_config(&rate, &max_us, &seed);
#ifndef CONFIG_SHOOTDOWN_PV
	ktest_skip(t, "SHOOTDOWN=ipi");
	return;
#endif
	if (pv_host != PV_HOST_MODEL || rate < PV_HIGH_RATE) {
		ktest_skip(t, pv_host != PV_HOST_MODEL ? "the host is KVM" : "the model's rate is below 1000/s");
		return;
	}
	struct tlb_stats s;
	tlb_get_stats(NR_CPUS, &s);
	uint64_t pre = pvmodel_resumes_total() - pv_preemptions0;
	uint64_t def = s.flushes_deferred - pv_deferred0, ent = s.deferred_done - pv_onentry0;
	ktest_log("pvmodel=%u,%u,%llu: %llu preemptions during the suite, %llu flushes deferred to the host, "
		  "%llu flushes on entry", rate, max_us, (unsigned long long)seed, (unsigned long long)pre,
		  (unsigned long long)def, (unsigned long long)ent);
	KTEST_EXPECT_GE(t, pre, (uint64_t)PV_MIN_PREEMPT);
	KTEST_EXPECT_GE(t, def, (uint64_t)PV_MIN_DEFERRED);
}

static struct ktest_case tlb_cases[] = {
	KTEST_CASE(test_no_ipi_outside_cpumask),
	KTEST_CASE(test_lazy_cpus),
	KTEST_CASE(test_torture_munmap_mmap),
	KTEST_CASE(test_torture_mprotect),
	KTEST_CASE(test_munmap_flushes_its_range),
	KTEST_CASE(test_munmap_flushes_once_per_gather),
	KTEST_CASE(test_uaccess_without_mm_on_lazy_cpu),
	KTEST_CASE(test_teardown_leaves_lazy_cpus),
	KTEST_CASE(test_concurrent_madvise_flushes),
	KTEST_CASE(test_flush_multi_page_range),
	KTEST_CASE(test_flush_at_ceiling),
	KTEST_CASE(test_flush_above_ceiling),
	KTEST_CASE(test_concurrent_flushers),
	KTEST_CASE(test_pv_model_took_part),
	{ 0 },
};
KTEST_SUITE_INIT(tlb, tlb_cases, tlb_suite_init);
