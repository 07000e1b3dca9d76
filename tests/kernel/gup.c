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
	KTEST_EXPECT_EQ(t, mm->rss, 0ull);
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

static struct ktest_case gup_cases[] = {
	KTEST_CASE(test_gup_fast_and_slow),
	KTEST_CASE(test_pin_counts),
	KTEST_CASE(test_gup_errors),
	KTEST_CASE(test_gup_permissions),
	KTEST_CASE(test_pin_outlives_munmap),
	KTEST_CASE(test_no_leak_over_rounds),
	{ 0 },
};
KTEST_SUITE(gup, gup_cases);
