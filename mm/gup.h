/*
 * mm/gup.h - get_user_pages: references on the pages behind user
 * addresses, for code that will read or write them outside the process's
 * page tables (a device, a kernel thread on another CPU).
 *
 *   struct page *pages[n];
 *   long got = pin_user_pages_fast(start, n, FOLL_WRITE, pages);
 *   ... use page_address(pages[i]) for i < got ...
 *   unpin_user_pages(pages, got);
 *
 * The fast part walks the page tables with no lock at all (a lockless
 * walk section, mm/lockless_walk.h) and takes each reference with a
 * try-get followed by a recheck of the entries it walked; what it cannot
 * do the slow part does under mmap_lock, faulting pages in.  A reference
 * keeps the frame (never the mapping): after munmap the page stays the
 * holder's until it lets go.  docs/gup.md tells the protocol step by step.
 */
#ifndef MM_GUP_H
#define MM_GUP_H

#include <stdint.h>
#include <stdbool.h>

struct mm_struct;
struct page;

#define FOLL_WRITE     (1u << 0)   /* the caller will write: the page must be writable */
#define FOLL_PIN       (1u << 1)   /* a pin (GUP_PIN_COUNTING_BIAS), not a plain reference */
#define FOLL_FAST_ONLY (1u << 2)   /* never fall back to the slow part (tests, benchmarks) */
#define FOLL_SLOW_ONLY (1u << 3)   /* skip the fast part (tests, benchmarks) */
#define FOLL_NOFAULT   (1u << 4)   /* the slow part takes only what is mapped: no fault-in (Linux's) */
#define FOLL_ALL       (FOLL_WRITE | FOLL_PIN | FOLL_FAST_ONLY | FOLL_SLOW_ONLY | FOLL_NOFAULT)

/* The most pages one call takes (the slow part holds mmap_lock meanwhile). */
#define GUP_MAX_PAGES  (1l << 20)

/**
 * get_user_pages_fast() - references on the @nr_pages pages from @start in
 * the current thread's mm, into @pages.
 * @gup_flags: FOLL_WRITE, FOLL_FAST_ONLY, FOLL_SLOW_ONLY, FOLL_NOFAULT
 * (FOLL_PIN: see pin_user_pages_fast).
 * Return: the number of pages taken (from @start on, without gaps; fewer
 * than asked where a page could not be had), or when none: -EINVAL
 * (unaligned @start, @nr_pages <= 0 or above GUP_MAX_PAGES, unknown
 * flags), -EOVERFLOW (the range wraps), -EFAULT (kernel, non-canonical or
 * unmapped addresses, or an access the mapping forbids), -ENOMEM, -EAGAIN
 * (FOLL_FAST_ONLY and the fast part took none).  Release with put_page()
 * for each (or put_user_pages()).
 * Context: a thread with an mm; may sleep (the slow part).
 */
long get_user_pages_fast(uintptr_t start, long nr_pages, unsigned gup_flags, struct page **pages);

/** pin_user_pages_fast() - get_user_pages_fast() with FOLL_PIN: release with unpin_user_pages(). */
long pin_user_pages_fast(uintptr_t start, long nr_pages, unsigned gup_flags, struct page **pages);

/**
 * gup_fast_mm() - get_user_pages_fast() on @mm, which the caller keeps
 * alive and whose cpumask holds this CPU (kthread_use_mm) under
 * TABLE_FREE=ipi: a flush that frees tables must wait for this walker.
 */
long gup_fast_mm(struct mm_struct *mm, uintptr_t start, long nr_pages, unsigned gup_flags,
		 struct page **pages);

/**
 * get_user_pages() - the slow part alone: under mmap_lock for read, each
 * page's VMA is checked (FOLL_WRITE needs a writable one, any access a
 * readable one) and a missing page is faulted in (handle_mm_fault), unless
 * FOLL_NOFAULT.
 * Return: as get_user_pages_fast().  Context: may sleep; mmap_lock not held.
 */
long get_user_pages(struct mm_struct *mm, uintptr_t start, long nr_pages, unsigned gup_flags,
		    struct page **pages);

/** unpin_user_pages() - drop the pins of @pages[0..@n). */
void unpin_user_pages(struct page **pages, long n);
/** put_user_pages() - drop the plain references of @pages[0..@n). */
void put_user_pages(struct page **pages, long n);

/* Why a fast walk stopped before the end of its range (counted per call). */
enum gup_fallback {
	GUP_FB_ABSENT,          /* a level or the PTE not present (or poisoned) */
	GUP_FB_PERM,            /* not a user page, or not writable for FOLL_WRITE */
	GUP_FB_SPECIAL,         /* a huge entry, or no normal page behind the PTE */
	GUP_FB_REF,             /* try-get found the count at zero: being freed */
	GUP_FB_RECHECK,         /* the PMD or PTE changed after the reference was taken */
	GUP_FB_UNPROTECTED,     /* TABLE_FREE=ipi and @mm not loaded here: no walk at all */
	GUP_FB_FORK,            /* a pin raced fork's write-protect (mm->write_protect_seq) */
	GUP_FB_COW_PENDING,     /* a COW copy not yet made writable (mm/cow.c): the slow part waits */
	GUP_FB_UNSHARE,         /* a read pin on an anonymous page shared with another mm: the
				 * slow part unshares it first (docs/fork.md, exclusive pages) */
	GUP_FB_NR
};

struct gup_stats {
	uint64_t calls;
	uint64_t fallbacks;         /* calls whose fast part stopped early and the slow part went on */
	uint64_t fast_pages, slow_pages;
	uint64_t fallback[GUP_FB_NR];
};

/** gup_get_stats() - a snapshot of the counters (relaxed; for tests and the monitor). */
void gup_get_stats(struct gup_stats *s);
/** gup_fallback_name() - "absent", "permission", ... */
const char *gup_fallback_name(enum gup_fallback r);

/**
 * gup_fast_section_walk() - the fast part's walk alone, for benchmarks that
 * open the section themselves (bench/kernel/bench_gup.c): steps 1-4 for
 * the @nr pages from @start, stopping at the first it cannot take (*@why).
 * No argument checks, no statistics, no fallback.
 * Return: how many pages were taken (references or pins in @pages).
 * Context: inside a lockless walk section on @mm (lockless_walk.h).
 */
long gup_fast_section_walk(struct mm_struct *mm, uintptr_t start, long nr, unsigned flags,
			   struct page **pages, enum gup_fallback *why);

/* Tests only: a pause in the fast part between reading a PTE and taking
 * the reference, the window in which the page can be unmapped and freed. */
extern uint64_t gup_test_delay_ns;
/* Tests only: while true, read pins do not unshare (as in Linux 5.8-5.18),
 * so that a case can check the COW reuse rule alone (docs/fork.md). */
extern bool gup_test_no_unshare;

#endif
