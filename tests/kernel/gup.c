/*
 * tests/kernel/gup.c - suite `gup`: get_user_pages / pin_user_pages, fast
 * and slow, and the page reference counts under them.
 *
 * The cases run in a kernel thread that adopts a fresh mm (kthread_use_mm),
 * as a system call of one of its threads would run.  Covered: every
 * argument error and permission case; partial results; counts back to the
 * mapping's one after unpin; a pin outlives munmap and frees the page only
 * at unpin; no frame leak over many pin/unpin rounds; and the race test
 * (see its comment), whose teeth are GUP_BROKEN=1 with TABLE_FREE=rcu.
 */
#include "tests/kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/atomic.h"
#include "kernel/config.h"
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
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "asm/page.h"

#define AREA 0x60000000ul
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static uintptr_t pg(unsigned i) { return AREA + (uintptr_t)i * PAGE_SIZE; }

/* A fresh mm adopted by this thread; frames counted before it existed. */
static struct mm_struct *setup_mm(uint64_t *frames)
{
	rcu_barrier();
	*frames = ktest_frames_available();
	struct mm_struct *mm = mm_create();
	if (mm)
		kthread_use_mm(mm);
	return mm;
}

/* Drop the mm; all its pages and tables must be back. */
static void teardown_mm(struct ktest *t, struct mm_struct *mm, uint64_t frames)
{
	kthread_unuse_mm(mm);
	mm_put(mm);
	rcu_barrier();              /* TABLE_FREE=rcu frees tables after a grace period */
	KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
}

static void touch(unsigned i, uint64_t v)
{
	copy_to_user((void *)pg(i), &v, sizeof(v));
}

static uint64_t stat_of(int which)
{
	struct gup_stats s;
	gup_get_stats(&s);
	return which < 0 ? (which == -1 ? s.fast_pages : s.slow_pages) : s.fallback[which];
}

static void test_gup_fast_and_slow(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	KTEST_ASSERT_EQ(t, do_mmap(mm, AREA, 8 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	for (unsigned i = 0; i < 4; i++)
		touch(i, 0x1000 + i);
	uint64_t f0 = stat_of(-1), s0 = stat_of(-2), a0 = stat_of(GUP_FB_ABSENT);
	struct page *pages[8];
	/* Pages 0-3 are mapped (fast); 4-7 are not (slow: faulted in). */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA, 8, FOLL_WRITE, pages), 8l);
	KTEST_EXPECT_EQ(t, stat_of(-1) - f0, 4ull);
	KTEST_EXPECT_EQ(t, stat_of(-2) - s0, 4ull);
	KTEST_EXPECT_EQ(t, stat_of(GUP_FB_ABSENT) - a0, 1ull);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t *kva = page_address(pages[i]);
		KTEST_EXPECT_EQ(t, kva[0], i < 4 ? 0x1000 + i : 0);
		KTEST_EXPECT_EQ(t, page_ref_count(pages[i]), 2);   /* mapping + ours */
		KTEST_EXPECT_FALSE(t, page_maybe_dma_pinned(pages[i]));
	}
	/* What the kernel writes through the direct map, the user reads. */
	((uint64_t *)page_address(pages[6]))[0] = 0xfeed;
	uint64_t v = 0;
	copy_from_user(&v, (void *)pg(6), sizeof(v));
	KTEST_EXPECT_EQ(t, v, 0xfeedull);
	put_user_pages(pages, 8);
	for (unsigned i = 0; i < 8; i++)
		KTEST_EXPECT_EQ(t, page_ref_count(pages[i]), 1);
	/* The slow part alone, and the fast part alone. */
	KTEST_EXPECT_EQ(t, gup_fast_mm(mm, AREA, 8, FOLL_SLOW_ONLY, pages), 8l);
	put_user_pages(pages, 8);
	KTEST_EXPECT_EQ(t, gup_fast_mm(mm, AREA, 8, FOLL_FAST_ONLY, pages), 8l);
	put_user_pages(pages, 8);
	teardown_mm(t, mm, frames);
}

/* Fast GUP on an mm that is not loaded on this CPU.  Under TABLE_FREE=ipi
 * the IRQs-off section protects only walks of a loaded mm (the table
 * free's flush interrupts only the mm's cpumask), so fast GUP must not walk
 * it: it falls back, counted as "mm not loaded".  Under rcu the read
 * section protects any mm, and the fast walk serves it.  (Before the
 * check, fast GUP walked it unprotected under ipi and nothing counted it.) */
static void test_gup_fast_unloaded_mm(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	KTEST_ASSERT_EQ(t, do_mmap(mm, AREA, 4 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	for (unsigned i = 0; i < 4; i++)
		touch(i, 0x2000 + i);
	kthread_unuse_mm(mm);
	uint64_t f0 = stat_of(-1), u0 = stat_of(GUP_FB_UNPROTECTED);
	uint64_t bad0 = lockless_unprotected_walks;
	struct page *pages[4];
	KTEST_EXPECT_EQ(t, gup_fast_mm(mm, AREA, 4, 0, pages), 4l);
	for (unsigned i = 0; i < 4; i++)
		KTEST_EXPECT_EQ(t, ((uint64_t *)page_address(pages[i]))[0], 0x2000ull + i);
	put_user_pages(pages, 4);
#ifdef CONFIG_TABLE_FREE_RCU
	KTEST_EXPECT_EQ(t, stat_of(-1) - f0, 4ull);
	KTEST_EXPECT_EQ(t, stat_of(GUP_FB_UNPROTECTED) - u0, 0ull);
#else
	KTEST_EXPECT_EQ(t, stat_of(-1) - f0, 0ull);
	KTEST_EXPECT_EQ(t, stat_of(GUP_FB_UNPROTECTED) - u0, 1ull);
#endif
	KTEST_EXPECT_EQ(t, lockless_unprotected_walks, bad0);
	kthread_use_mm(mm);
	teardown_mm(t, mm, frames);
}

/* A page's count may not grow past PAGE_REF_MAX: a pin that would is
 * refused (-ENOMEM from both the fast and the slow part), and the count
 * is left as it was.  (Before the guard the pin was granted, and about two
 * million pins would wrap the int count.) */
static void test_pin_refused_near_overflow(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	KTEST_ASSERT_EQ(t, do_mmap(mm, AREA, PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	touch(0, 7);
	struct page *p;
	KTEST_ASSERT_EQ(t, get_user_pages_fast(AREA, 1, 0, &p), 1l);
	/* Stand in for a million pins: raise the count to just below the
	 * limit (as a holder's get_page() would, unchecked). */
	int lift = PAGE_REF_MAX - GUP_PIN_COUNTING_BIAS / 2 - page_ref_count(p);
	page_ref_get_n(p, lift);
	int before = page_ref_count(p);
	uint64_t sat0 = page_ref_saturated;
	struct page *q = NULL;
	KTEST_EXPECT_EQ(t, pin_user_pages_fast(AREA, 1, 0, &q), (long)-ENOMEM);
	KTEST_EXPECT_EQ(t, get_user_pages(mm, AREA, 1, FOLL_PIN, &q), (long)-ENOMEM);
	KTEST_EXPECT_EQ(t, page_ref_count(p), before);
	KTEST_EXPECT_GE(t, page_ref_saturated - sat0, 2ull);
	/* A plain reference still fits under the limit. */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA, 1, 0, &q), 1l);
	if (q == p)
		put_page(q);
	atomic_fetch_add(-lift, &p->refcount);
	put_page(p);
	KTEST_EXPECT_EQ(t, page_ref_count(p), 1);
	teardown_mm(t, mm, frames);
}

static void test_pin_counts(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	KTEST_ASSERT_EQ(t, do_mmap(mm, AREA, 4 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	touch(0, 1);
	struct page *a[4], *b[4];
	KTEST_EXPECT_EQ(t, pin_user_pages_fast(AREA, 4, FOLL_WRITE, a), 4l);
	KTEST_EXPECT_EQ(t, pin_user_pages_fast(AREA, 4, 0, b), 4l);
	for (unsigned i = 0; i < 4; i++) {
		KTEST_EXPECT_TRUE(t, a[i] == b[i]);
		KTEST_EXPECT_TRUE(t, page_maybe_dma_pinned(a[i]));
		KTEST_EXPECT_EQ(t, page_ref_count(a[i]), 1 + 2 * GUP_PIN_COUNTING_BIAS);
	}
	unpin_user_pages(a, 4);
	KTEST_EXPECT_TRUE(t, page_maybe_dma_pinned(b[0]));
	unpin_user_pages(b, 4);
	for (unsigned i = 0; i < 4; i++) {
		KTEST_EXPECT_EQ(t, page_ref_count(a[i]), 1);
		KTEST_EXPECT_FALSE(t, page_maybe_dma_pinned(a[i]));
	}
	teardown_mm(t, mm, frames);
}

static void test_gup_errors(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	KTEST_ASSERT_EQ(t, do_mmap(mm, AREA, 4 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	struct page *p[4];
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA + 8, 1, 0, p), (long)-EINVAL);      /* unaligned */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA, 0, 0, p), (long)-EINVAL);          /* no pages */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA, -1, 0, p), (long)-EINVAL);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA, GUP_MAX_PAGES + 1, 0, p), (long)-EINVAL);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA, 1, 1u << 20, p), (long)-EINVAL);   /* unknown flag */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(AREA, 1, FOLL_FAST_ONLY | FOLL_SLOW_ONLY, p), (long)-EINVAL);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(~0ul & PAGE_MASK, 2, 0, p), (long)-EOVERFLOW);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(0xffff800000000000ul, 1, 0, p), (long)-EFAULT);  /* kernel */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(0x0000900000000000ul, 1, 0, p), (long)-EFAULT);  /* non-canonical */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(USER_END - PAGE_SIZE, 2, 0, p), (long)-EFAULT);  /* crosses the end */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(0, 1, 0, p), (long)-EFAULT);                     /* NULL page */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(pg(4), 1, 0, p), (long)-EFAULT);                 /* a hole */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(pg(0), 1, FOLL_FAST_ONLY, p), (long)-EAGAIN);    /* not faulted */
	KTEST_EXPECT_EQ(t, get_user_pages(mm, pg(8), 1, 0, p), (long)-EFAULT);
	/* None of that took a reference or faulted anything in. */
	KTEST_EXPECT_EQ(t, mm_rss(mm), 0ull);
	teardown_mm(t, mm, frames);
}

static void test_gup_permissions(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	/* pages 0-1 RW, 2-3 read-only, 4-5 PROT_NONE */
	KTEST_ASSERT_EQ(t, do_mmap(mm, pg(0), 2 * PAGE_SIZE, RW, ANON, -1, 0), (long)pg(0));
	KTEST_ASSERT_EQ(t, do_mmap(mm, pg(2), 2 * PAGE_SIZE, PROT_READ, ANON, -1, 0), (long)pg(2));
	KTEST_ASSERT_EQ(t, do_mmap(mm, pg(4), 2 * PAGE_SIZE, PROT_NONE, ANON, -1, 0), (long)pg(4));
	struct page *p[6];
	long r;
	/* Read-only: a read is fine (faulted in), a write is refused. */
	KTEST_EXPECT_EQ(t, (r = get_user_pages_fast(pg(2), 2, 0, p)), 2l);
	if (r > 0)
		put_user_pages(p, r);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(pg(2), 2, FOLL_WRITE, p), (long)-EFAULT);
	/* Now mapped read-only: the fast part stops on permission. */
	uint64_t perm0 = stat_of(GUP_FB_PERM);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(pg(2), 1, FOLL_WRITE | FOLL_PIN, p), (long)-EFAULT);
	KTEST_EXPECT_EQ(t, stat_of(GUP_FB_PERM) - perm0, 1ull);
	/* PROT_NONE: nothing. */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(pg(4), 1, 0, p), (long)-EFAULT);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(pg(4), 1, FOLL_WRITE, p), (long)-EFAULT);
	/* Partial: RW then read-only, for writing: the RW pages only. */
	KTEST_EXPECT_EQ(t, (r = pin_user_pages_fast(pg(0), 6, FOLL_WRITE, p)), 2l);
	if (r > 0)
		unpin_user_pages(p, r);
	/* Partial: read over RW, RO, then PROT_NONE: four. */
	KTEST_EXPECT_EQ(t, (r = get_user_pages_fast(pg(0), 6, 0, p)), 4l);
	if (r > 0)
		put_user_pages(p, r);
	/* Partial at a hole: two mapped pages, then nothing. */
	KTEST_EXPECT_EQ(t, (r = get_user_pages_fast(pg(0), 2, 0, p)), 2l);
	if (r > 0)
		put_user_pages(p, r);
	KTEST_EXPECT_EQ(t, do_munmap(mm, pg(1), PAGE_SIZE), 0l);
	KTEST_EXPECT_EQ(t, (r = get_user_pages_fast(pg(0), 3, 0, p)), 1l);
	if (r > 0)
		put_user_pages(p, r);
	/* mprotect RW -> RO of a mapped page: the fast part sees the PTE. */
	KTEST_EXPECT_EQ(t, do_mprotect(mm, pg(0), PAGE_SIZE, PROT_READ), 0l);
	perm0 = stat_of(GUP_FB_PERM);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(pg(0), 1, FOLL_WRITE, p), (long)-EFAULT);
	KTEST_EXPECT_EQ(t, stat_of(GUP_FB_PERM) - perm0, 1ull);
	teardown_mm(t, mm, frames);
}

/* A pin keeps the frame after munmap; the address faults in a fresh page. */
static void test_pin_outlives_munmap(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	KTEST_ASSERT_EQ(t, do_mmap(mm, AREA, 2 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	bool poison_was = page_poison_set(true);   /* the poison is checked below */
	touch(0, 0xabc);
	touch(1, 0xdef);
	struct page *p[2];
	KTEST_ASSERT_EQ(t, pin_user_pages_fast(AREA, 2, FOLL_WRITE, p), 2l);
	uint64_t frees0 = page_ref_frees, free0 = pmm_free_frames();
	KTEST_EXPECT_EQ(t, do_munmap(mm, AREA, 2 * PAGE_SIZE), 0l);
	KTEST_EXPECT_EQ(t, page_ref_frees, frees0);     /* not freed: pinned */
	for (unsigned i = 0; i < 2; i++)
		KTEST_EXPECT_EQ(t, page_ref_count(p[i]), GUP_PIN_COUNTING_BIAS);
	uint64_t *k0 = page_address(p[0]);
	KTEST_EXPECT_EQ(t, k0[0], 0xabcull);
	k0[0] = 0x5555;             /* "the device" still writes it */
	KTEST_EXPECT_EQ(t, do_mmap(mm, AREA, 2 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	uint64_t v = 1;
	copy_from_user(&v, (void *)AREA, sizeof(v));
	KTEST_EXPECT_EQ(t, v, 0ull);                    /* a fresh zero page */
	unpin_user_pages(p, 2);
	KTEST_EXPECT_EQ(t, page_ref_frees, frees0 + 2);  /* freed at unpin */
	KTEST_EXPECT_EQ(t, k0[1], (uint64_t)0x6b6b6b6b6b6b6b6bull);  /* and poisoned */
	page_poison_set(poison_was);
	KTEST_EXPECT_LE(t, free0, pmm_free_frames() + 4); /* came back (a fresh page and tables in use) */
	teardown_mm(t, mm, frames);
}

/* Many rounds: every count back, no frame lost. */
#define LEAK_ROUNDS 100000
static void test_no_leak_over_rounds(struct ktest *t)
{
	uint64_t frames;
	struct mm_struct *mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, mm);
	KTEST_ASSERT_EQ(t, do_mmap(mm, AREA, 4 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	for (unsigned i = 0; i < 4; i++)
		touch(i, i);
	uint64_t free0 = pmm_free_frames(), t0 = ktime_ns();
	struct page *p[4];
	long bad = 0;
	for (unsigned r = 0; r < LEAK_ROUNDS; r++) {
		unsigned flags = (r & 1 ? FOLL_PIN : 0) | (r & 2 ? FOLL_WRITE : 0) | (r % 16 == 0 ? FOLL_SLOW_ONLY : 0);
		long n = gup_fast_mm(mm, AREA, 4, flags, p);
		if (n != 4)
			bad++;
		if (n > 0) {
			if (flags & FOLL_PIN)
				unpin_user_pages(p, n);
			else
				put_user_pages(p, n);
		}
	}
	ktest_log("%u rounds of 4 pages in %llu ms", LEAK_ROUNDS,
		  (unsigned long long)((ktime_ns() - t0) / 1000000));
	KTEST_EXPECT_EQ(t, bad, 0l);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), free0);
	KTEST_ASSERT_EQ(t, gup_fast_mm(mm, AREA, 4, 0, p), 4l);
	for (unsigned i = 0; i < 4; i++)
		KTEST_EXPECT_EQ(t, page_ref_count(p[i]), 2);
	put_user_pages(p, 4);
	teardown_mm(t, mm, frames);
}

/*
 * ---- the race: fast GUP against munmap, mmap, MAP_FIXED, madvise, mprotect ----
 *
 * RACE_SLOTS pages at RACE_AREA.  The mapper (this thread) maps pages that
 * carry a tag, written *before* the page is mapped: { TAG_MAGIC, its
 * address, a generation number unique to this mapping of the page }.
 * After each unmap of a page (munmap, MAP_FIXED over it, MADV_DONTNEED)
 * has returned, the mapper publishes dead_gen[slot] = that generation: from
 * then on the page is not mapped at its address.  Pinners on every other
 * CPU pin random ranges, a third of the calls with the fast part only, a
 * third fast with the slow part going on where the fast one stops, a third
 * with the slow part only (the last two with FOLL_NOFAULT: a page the slow
 * part faulted in would carry no tag), read dead_gen for their
 * range *before* the call, and check every page returned: its tag must
 * name the address and a generation above what was dead before the call,
 * i.e. the page was still mapped at its address after the call began.  A
 * freed page (poisoned: PAGE_DATA_POISON), a page reused elsewhere (another
 * address), a page table or kernel data (no magic) all fail that.  The
 * page is stable while we check it: our pin keeps it and nobody writes a
 * tag after mapping.
 *
 * Races counted (the run fails on too few): recheck failures and try-gets
 * that found a zero count (gup statistics), and overlaps, pages returned
 * whose unmap completed before the call returned.  gup_test_delay_ns widens
 * the window between the PTE read and the try-get.  The slow part must
 * have run too: calls that fell back to it, and pages it took (under
 * mmap_lock and the PTE lock, racing with the same unmaps).
 */
#define RACE_AREA   0x68000000ul
#define RACE_SLOTS  8
#define TAG_MAGIC   0x7a6700007a670000ull

struct tag { uint64_t magic, addr, gen; };

static struct mm_struct *race_mm;
static volatile int race_stop;
static volatile uint64_t dead_gen[RACE_SLOTS];
static volatile uint64_t r_calls, r_pages, r_bad, r_overlaps;
static uint64_t next_gen;

static uintptr_t rslot(unsigned i) { return RACE_AREA + (uintptr_t)i * PAGE_SIZE; }

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Map a tagged page at every empty slot of [first, first + n). */
static void populate(unsigned first, unsigned n, unsigned vm_flags)
{
	down_read(&race_mm->mmap_lock);
	for (unsigned i = first; i < first + n; i++) {
		struct page *page = alloc_page();
		if (!page)
			break;
		struct tag *tg = page_address(page);
		tg->magic = TAG_MAGIC;
		tg->addr = rslot(i);
		tg->gen = ++next_gen;
		/* The tag before the PTE: pairs with the pinner reading the
		 * tag after its reference (through our PTE) was taken. */
		smp_wmb();
		spinlock_t *ptl;
		pteval_t *pte = pte_alloc_map_lock(race_mm, rslot(i), &ptl);
		if (pte && !pte_maps_page(*pte)) {
			WRITE_ONCE(*pte, mk_pte(page_to_phys(page), user_pte_flags(vm_flags)));
			mm_rss_add(race_mm, 1);
			page = NULL;
		}
		if (pte)
			spin_unlock(ptl);
		if (page)
			put_page(page);
	}
	up_read(&race_mm->mmap_lock);
}

/* After an unmap of [first, first + n) returned: every generation mapped
 * there until now is dead. */
static void mark_dead(unsigned first, unsigned n)
{
	uint64_t g = next_gen;
	for (unsigned i = first; i < first + n; i++)
		WRITE_ONCE(dead_gen[i], g);
}

static void pinner(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1);
	kthread_use_mm(race_mm);
	uint64_t calls = 0, pages = 0, bad = 0, overlaps = 0;
	while (!READ_ONCE(race_stop)) {
		uint64_t x = rng_next(&seed);
		unsigned first = x % RACE_SLOTS, n = 1 + (x >> 8) % 4;
		if (first + n > RACE_SLOTS)
			n = RACE_SLOTS - first;
		static const unsigned part[3] = { FOLL_FAST_ONLY, FOLL_NOFAULT, FOLL_SLOW_ONLY | FOLL_NOFAULT };
		unsigned flags = part[(x >> 18) % 3] | ((x >> 16) & 1 ? FOLL_PIN : 0) | ((x >> 17) & 1 ? FOLL_WRITE : 0);
		uint64_t floor[4];
		for (unsigned i = 0; i < n; i++)
			floor[i] = READ_ONCE(dead_gen[first + i]);
		smp_rmb();  /* the floors before the walk (pairs with the unmap's completion before mark_dead) */
		struct page *p[4];
		long got = gup_fast_mm(race_mm, rslot(first), n, flags, p);
		calls++;
		for (long i = 0; i < got; i++) {
			const struct tag *tg = page_address(p[i]);
			if (tg->magic != TAG_MAGIC || tg->addr != rslot(first + i) || tg->gen <= floor[i]) {
				if (bad++ == 0)
					ktest_log("page %llu of a call at %#lx: magic %#llx addr %#llx gen %llu (dead before the call: %llu)",
						  (unsigned long long)i, (unsigned long)rslot(first),
						  (unsigned long long)tg->magic, (unsigned long long)tg->addr,
						  (unsigned long long)tg->gen, (unsigned long long)floor[i]);
			} else if (tg->gen <= READ_ONCE(dead_gen[first + i])) {
				overlaps++;     /* unmapped during the call or since: a real race */
			}
		}
		pages += got > 0 ? (uint64_t)got : 0;
		if (got > 0) {
			udelay(5);          /* hold the pins a little, as a user would */
			if (flags & FOLL_PIN)
				unpin_user_pages(p, got);
			else
				put_user_pages(p, got);
		}
		if (calls % 256 == 0)
			yield();
	}
	__atomic_fetch_add(&r_calls, calls, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r_pages, pages, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r_bad, bad, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r_overlaps, overlaps, __ATOMIC_RELAXED);
	kthread_unuse_mm(race_mm);
}

#define RACE_MIN_MS     400
#define RACE_MIN_ROUNDS 500
#define RACE_MAX_MS     6000
/* Many CPUs on few host cores make rounds slow (8 vCPUs on 2 cores: about
 * 30 a second) but races plentiful: there the run may end after
 * RACE_MIN_ROUNDS / 5 rounds once the fast part has counted 4x the races
 * required (recheck failures and zero-count try-gets, read live). */
#define RACE_EARLY_ROUNDS (RACE_MIN_ROUNDS / 5)
#define RACE_MIN_RACES  20

static void test_gup_race(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	uint64_t frames;
	race_mm = setup_mm(&frames);
	KTEST_ASSERT_NOT_NULL(t, race_mm);
	race_stop = 0;
	r_calls = r_pages = r_bad = r_overlaps = 0;
	next_gen = 0;
	for (unsigned i = 0; i < RACE_SLOTS; i++)
		dead_gen[i] = 0;
	uint64_t onfree0 = page_ref_on_free, bad0 = page_alloc_bad_count, under0 = page_ref_underflow;
	uint64_t poisoned0 = lockless_poisoned_reads, rech0 = stat_of(GUP_FB_RECHECK), ref0 = stat_of(GUP_FB_REF);
	struct gup_stats gs0, gs1;
	gup_get_stats(&gs0);
	KTEST_ASSERT_EQ(t, do_mmap(race_mm, RACE_AREA, RACE_SLOTS * PAGE_SIZE, RW, ANON, -1, 0), (long)RACE_AREA);
	populate(0, RACE_SLOTS, VM_READ | VM_WRITE);
	gup_test_delay_ns = 200000;
	pagewalk_test_delay_ns = 50000;     /* and between the PMD and the PTE read */
	/* The mapper stays on its CPU: migrating onto a pinner's would leave
	 * a CPU idle and the two taking turns. */
	cpumask_t aff = current->affinity, here;
	cpumask_clear(&here);
	preempt_disable();
	unsigned me = smp_processor_id(), cpu, n = 0;
	preempt_enable();
	cpumask_set_cpu(me, &here);
	thread_set_affinity(current, &here);
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me)
			th[n++] = thread_create_on(cpu, "ktest-gup", pinner, (void *)(uintptr_t)cpu);
	uint64_t seed = 12345, rounds = 0, t0 = ktime_ns(), ops[4] = { 0, 0, 0, 0 };
	for (;;) {
		uint64_t now = ktime_ns();
		if (now >= t0 + RACE_MAX_MS * 1000000ull)
			break;
		if (now >= t0 + RACE_MIN_MS * 1000000ull &&
		    (rounds >= RACE_MIN_ROUNDS ||
		     (rounds >= RACE_EARLY_ROUNDS && rounds % 16 == 0 &&
		      stat_of(GUP_FB_RECHECK) - rech0 + stat_of(GUP_FB_REF) - ref0 >= 4 * RACE_MIN_RACES)))
			break;
		uint64_t x = rng_next(&seed);
		unsigned first = x % RACE_SLOTS, len = 1 + (x >> 8) % 4, op = (x >> 16) % 4;
		if (first + len > RACE_SLOTS)
			len = RACE_SLOTS - first;
		if (op == 0 && (x >> 20) % 2) {
			/* The whole area: its PTE table is left empty and freed,
			 * under walkers that may hold its PMD entry. */
			first = 0;
			len = RACE_SLOTS;
		}
		uintptr_t a = rslot(first), l = (uintptr_t)len * PAGE_SIZE;
		ops[op]++;
		switch (op) {
		case 0:     /* munmap, then mmap again (tables freed in between) */
			do_munmap(race_mm, a, l);
			mark_dead(first, len);
			udelay(20);
			do_mmap(race_mm, a, l, RW, ANON, -1, 0);
			break;
		case 1:     /* MAP_FIXED over the mapped range */
			do_mmap(race_mm, a, l, RW, ANON, -1, 0);
			mark_dead(first, len);
			break;
		case 2:     /* MADV_DONTNEED: the VMA stays, the pages go */
			do_madvise(race_mm, a, l, MADV_DONTNEED);
			mark_dead(first, len);
			break;
		case 3:     /* read-only for a while: writers fall back */
			do_mprotect(race_mm, a, l, PROT_READ);
			udelay(50);
			do_mprotect(race_mm, a, l, RW);
			break;
		}
		populate(first, len, VM_READ | VM_WRITE);
		udelay(50);             /* the pinners find the pages mapped */
		rounds++;
	}
	race_stop = 1;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	thread_set_affinity(current, &aff);
	gup_get_stats(&gs1);
	gup_test_delay_ns = 0;
	pagewalk_test_delay_ns = 0;
	uint64_t rech = stat_of(GUP_FB_RECHECK) - rech0, refz = stat_of(GUP_FB_REF) - ref0;
	uint64_t onfree = page_ref_on_free - onfree0, badalloc = page_alloc_bad_count - bad0;
	uint64_t under = page_ref_underflow - under0, poisoned = lockless_poisoned_reads - poisoned0;
	teardown_mm(t, race_mm, frames);
	ktest_log("TABLE_FREE=%s: %llu rounds (munmap %llu, MAP_FIXED %llu, madvise %llu, mprotect %llu), "
		  "%llu calls, %llu pages",
		  CONFIG_TABLE_FREE_NAME, (unsigned long long)rounds, (unsigned long long)ops[0],
		  (unsigned long long)ops[1], (unsigned long long)ops[2], (unsigned long long)ops[3],
		  (unsigned long long)r_calls, (unsigned long long)r_pages);
	uint64_t fallbacks = gs1.fallbacks - gs0.fallbacks, slow = gs1.slow_pages - gs0.slow_pages;
	ktest_log("slow part: %llu calls fell back to it, %llu pages taken by it (of %llu)",
		  (unsigned long long)fallbacks, (unsigned long long)slow, (unsigned long long)r_pages);
	ktest_log("races: %llu recheck failures, %llu try-gets on a zero count, %llu overlaps; "
		  "bad: %llu wrong pages, %llu refs on free pages, %llu bad allocs, %llu puts on free pages, %llu poisoned reads",
		  (unsigned long long)rech, (unsigned long long)refz, (unsigned long long)r_overlaps,
		  (unsigned long long)r_bad, (unsigned long long)onfree, (unsigned long long)badalloc,
		  (unsigned long long)under, (unsigned long long)poisoned);
	KTEST_EXPECT_GT(t, r_pages, 0ull);
	KTEST_EXPECT_GT(t, fallbacks, 0ull);
	KTEST_EXPECT_GT(t, slow, 0ull);
	KTEST_EXPECT_GE(t, rech + refz + r_overlaps, (uint64_t)RACE_MIN_RACES);
	KTEST_EXPECT_EQ(t, r_bad, 0ull);
	KTEST_EXPECT_EQ(t, onfree, 0ull);
	KTEST_EXPECT_EQ(t, badalloc, 0ull);
	KTEST_EXPECT_EQ(t, under, 0ull);
	KTEST_EXPECT_EQ(t, poisoned, 0ull);
}

/* The consumer, from user space (user/bin/pinbuf_demo.c); then a process
 * that exits with its buffer still registered: unpinned at exit. */
static void test_pinbuf_demo(struct ktest *t)
{
	rcu_barrier();
	uint64_t frames = ktest_frames_available(), frees0 = page_ref_frees;
	KTEST_EXPECT_EQ(t, ktest_run_program("pinbuf_demo", 0, NULL), 0);
	char *argv[] = { "pinbuf_demo", "leave", NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("pinbuf_demo", 2, argv), 0);
	msleep(50);                 /* the device thread sees no buffer and leaves */
	rcu_barrier();
	KTEST_EXPECT_GT(t, page_ref_frees - frees0, 8ull);     /* both buffers' pages went */
	KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
}

static struct ktest_case gup_cases[] = {
	KTEST_CASE(test_gup_fast_and_slow),
	KTEST_CASE(test_pin_counts),
	KTEST_CASE(test_gup_fast_unloaded_mm),
	KTEST_CASE(test_pin_refused_near_overflow),
	KTEST_CASE(test_gup_errors),
	KTEST_CASE(test_gup_permissions),
	KTEST_CASE(test_pin_outlives_munmap),
	KTEST_CASE(test_no_leak_over_rounds),
	KTEST_CASE(test_pinbuf_demo),
	KTEST_CASE(test_gup_race),
	{ 0 },
};
KTEST_SUITE(gup, gup_cases);
