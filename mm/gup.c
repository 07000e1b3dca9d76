/*
 * mm/gup.c - get_user_pages and pin_user_pages, fast and slow (see gup.h
 * and docs/gup.md).
 *
 * The fast part holds no mmap_lock and no page-table lock.  It runs inside
 * lockless_page_walk_begin/end, which keeps every page table it reads from
 * being freed (TABLE_FREE=ipi: IRQs off, so a table-freeing flush waits for
 * us; rcu: a read section, so the grace period before a table is freed
 * waits for us).  Nothing keeps the *pages* or the *entries*: a concurrent
 * munmap, madvise, mprotect or MAP_FIXED may clear or change an entry and
 * drop the page's last reference at any moment.  So, for each page:
 *
 *   1. read the PMD entry and the PTE once each (pt_walk, READ_ONCE);
 *   2. check the PTE: present, user, writable if FOLL_WRITE, a normal page;
 *   3. take the reference with a try-get, which fails on a count of zero:
 *      the page was unmapped and its last reference dropped (it is being
 *      freed, or free) after step 1; a plain get would resurrect a free
 *      frame (page_ref_on_free);
 *   4. re-read the PMD entry and the PTE; if either changed, drop the
 *      reference and stop: the page was unmapped (or replaced) after step 1
 *      and, though our reference now keeps the frame, it is no longer what
 *      the address maps.  If both are unchanged, the page was mapped at its
 *      address at the moment of the re-read, while we held a reference:
 *      the result is a page that was really there during the call.
 *
 * Ordering: the try-get is a full barrier (cmpxchg), so the re-read in 4
 * happens after the count was raised.  A zap clears the PTE under its lock
 * *before* it flushes and drops the mapping's reference (mm/memory.c,
 * mmu_gather).  Either the re-read sees the PTE cleared (we back off), or
 * the PTE was still set when we re-read, so the zap's put comes after our
 * get, and the page stays ours.
 */
#include "mm/gup.h"
#include "mm/fault.h"
#include "mm/lockless_walk.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pagewalk.h"
#include "mm/pgtable_free.h"
#include "mm/pmm.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "asm/page.h"

static struct gup_stats stats;
uint64_t gup_test_delay_ns;

static void stat_add(uint64_t *c, uint64_t n)
{
	if (n)
		__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* ---- the fast part -------------------------------------------------------------- */

/* What pt_walk saw at the PMD level, for the recheck (step 4). */
struct gup_walk {
	uintptr_t addr;
	pteval_t *pmd_slot;
	pteval_t pmd;
};

/* pt_walk's check hook: each upper entry as read (once).  Poison means a
 * freed table (counted and reported by the lockless walker's check: the
 * bug TABLE_FREE exists to prevent); the PMD's slot and value are kept. */
static bool gup_check(pteval_t e, const pteval_t *table, int level, void *priv)
{
	struct gup_walk *w = priv;
	if (!lockless_walk_check_entry(e, table, level))
		return false;
	if (level == PT_PMD) {
		w->pmd_slot = (pteval_t *)&table[pt_index(w->addr, PT_PMD)];
		w->pmd = e;
	}
	return true;
}

/* A frame GUP may hand out: a page of RAM that is not the allocator's, a
 * page table, or the kernel's own (a PTE could point anywhere). */
static struct page *normal_page(pteval_t pte)
{
	uint64_t pfn = entry_addr(pte) >> PAGE_SHIFT;
	if (pfn >= max_pfn)
		return NULL;
	struct page *p = pfn_to_page(pfn);
	if (READ_ONCE(p->flags) & (PG_reserved | PG_pagetable | PG_slab | PG_large | PG_buddy | PG_poisoned))
		return NULL;
	return p;
}

static bool grab(struct page *p, unsigned flags)
{
	int n = flags & FOLL_PIN ? GUP_PIN_COUNTING_BIAS : 1;
#ifdef CONFIG_GUP_BROKEN
	page_ref_get_n(p, n);   /* unconditional: resurrects a free page */
	return true;
#else
	return page_ref_add_unless_zero(p, n);
#endif
}

static inline void release(struct page *p, unsigned flags)
{
	if (flags & FOLL_PIN)
		unpin_page(p);
	else
		put_page(p);
}

/* One page, steps 1-4.  Return: the page with our reference, or NULL and
 * *@why. */
static struct page *gup_fast_one(struct mm_struct *mm, uintptr_t addr, unsigned flags,
				 enum gup_fallback *why)
{
	struct gup_walk w = { .addr = addr };
	const struct pt_walk_ops ops = { .check = gup_check, .priv = &w };
	int level;
	/* 1: every level read once; the walk follows what it read. */
	pteval_t *slot = pt_walk(mm->pgd, addr, PT_PTE, &ops, &level);
	if (!slot) {
		*why = GUP_FB_ABSENT;
		return NULL;
	}
	if (level != PT_PTE) {
		*why = GUP_FB_SPECIAL;  /* a huge page: not handled here */
		return NULL;
	}
	pteval_t pte = READ_ONCE(*slot);
	/* 2: what the PTE says, on the value read once. */
	if (pte == PT_POISON) {
		lockless_walk_check_entry(pte, slot - pte_index(addr), PT_PTE);
		*why = GUP_FB_ABSENT;
		return NULL;
	}
	if (!entry_present(pte)) {
		*why = GUP_FB_ABSENT;   /* never touched, zapped, or PROT_NONE */
		return NULL;
	}
	if (!pte_user(pte) || ((flags & FOLL_WRITE) && !pte_write(pte))) {
		*why = GUP_FB_PERM;     /* the slow part decides from the VMA */
		return NULL;
	}
	struct page *page = normal_page(pte);
	if (!page) {
		*why = GUP_FB_SPECIAL;
		return NULL;
	}
	if (gup_test_delay_ns)
		udelay(gup_test_delay_ns / 1000);
	/* 3: the page may have been unmapped and its last reference dropped
	 * since 1; try-get refuses a count of zero rather than resurrect it. */
	if (!grab(page, flags)) {
		*why = GUP_FB_REF;
		return NULL;
	}
#ifndef CONFIG_GUP_BROKEN
	/* 4: still what the address maps?  The PMD: the PTE table we read may
	 * have been unhooked (and, being empty, queued for freeing) and
	 * another installed in its place; our PTE slot is then in a table no
	 * longer reachable, which can still hold the old value (Linux's THP
	 * collapse unhooks full tables: the case this check was written for).
	 * The PTE: cleared by a zap (munmap, madvise, MAP_FIXED, exit) or
	 * changed by mprotect (a write we were allowed may be forbidden now)
	 * after 1.  Read after the reference was taken (grab's full barrier). */
	pteval_t pmd2 = READ_ONCE(*w.pmd_slot), pte2 = READ_ONCE(*slot);
	if (pmd2 != w.pmd || pte2 != pte) {
		/* Poison here means the table was freed under the walk (the
		 * protection failed): counted and reported like any other. */
		if (pte2 == PT_POISON)
			lockless_walk_check_entry(pte2, slot - pte_index(addr), PT_PTE);
		release(page, flags);
		*why = GUP_FB_RECHECK;
		return NULL;
	}
#endif
	return page;
}

/* The fast part: pages from @start while they can be had.  Return: how many. */
static long gup_fast(struct mm_struct *mm, uintptr_t start, long nr, unsigned flags,
		     struct page **pages)
{
	long n = 0;
	enum gup_fallback why = GUP_FB_NR;
	unsigned long w = lockless_page_walk_begin();
	for (; n < nr; n++) {
		pages[n] = gup_fast_one(mm, start + (uintptr_t)n * PAGE_SIZE, flags, &why);
		if (!pages[n])
			break;
	}
	lockless_page_walk_end(w);
	stat_add(&stats.fast_pages, (uint64_t)n);
	if (n < nr)
		stat_add(&stats.fallback[why], 1);
	return n;
}

/* ---- the slow part ------------------------------------------------------------- */

static bool vma_allows(unsigned vm_flags, unsigned gup_flags)
{
	if (gup_flags & FOLL_WRITE)
		return vm_flags & VM_WRITE;
	return vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
}

/* One page under mmap_lock (read): the VMA decides; a missing page is
 * faulted in with the lock dropped (the fault path takes it itself) and
 * looked up again.  Return: 0 and *@out, or a negative errno. */
static long gup_slow_one(struct mm_struct *mm, uintptr_t addr, unsigned flags, struct page **out)
{
	for (int tries = 0; tries < 4; tries++) {
		struct vm_area_struct *vma = vma_find(mm, addr);
		if (!vma || !vma_allows(vma->flags, flags))
			return -EFAULT;
		spinlock_t *ptl;
		pteval_t *pte = pte_lookup_lock(mm, addr, &ptl);
		if (pte) {
			pteval_t v = *pte;
			struct page *page = entry_present(v) ? normal_page(v) : NULL;
			if (page && (!(flags & FOLL_WRITE) || pte_write(v))) {
				/* The mapping holds a reference and the PTE lock
				 * keeps the mapping: a plain get is safe here. */
				page_ref_get_n(page, flags & FOLL_PIN ? GUP_PIN_COUNTING_BIAS : 1);
				spin_unlock(ptl);
				*out = page;
				return 0;
			}
			spin_unlock(ptl);
		}
		/* Not there (or not writable yet): fault it in, as the access
		 * would.  The fault takes mmap_lock for read itself; taking it
		 * twice could deadlock behind a waiting writer. */
		mmap_read_unlock(mm);
		enum fault_result r = handle_mm_fault(mm, addr, FAULT_USER | (flags & FOLL_WRITE ? FAULT_WRITE : 0));
		mmap_read_lock(mm);
		if (r == FAULT_OOM)
			return -ENOMEM;
		if (r != FAULT_OK)
			return -EFAULT;
		/* The VMA may have changed while the lock was dropped: look
		 * again from the top. */
	}
	return -EFAULT;             /* unmapped again each time: give up */
}

/* Range checks shared by every entry point (Linux's errno values). */
static long gup_check_args(uintptr_t start, long nr_pages, unsigned flags)
{
	if (flags & ~FOLL_ALL)
		return -EINVAL;
	if ((flags & FOLL_FAST_ONLY) && (flags & FOLL_SLOW_ONLY))
		return -EINVAL;
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (nr_pages <= 0 || nr_pages > GUP_MAX_PAGES)
		return -EINVAL;
	uintptr_t len = (uintptr_t)nr_pages << PAGE_SHIFT, end;
	if (__builtin_add_overflow(start, len, &end))
		return -EOVERFLOW;
	if (start < USER_BASE || end > USER_END)
		return -EFAULT;         /* kernel half, non-canonical, or below user space */
	return 0;
}

long get_user_pages(struct mm_struct *mm, uintptr_t start, long nr_pages, unsigned flags,
		    struct page **pages)
{
	long r = gup_check_args(start, nr_pages, flags);
	if (r)
		return r;
	might_sleep();
	long n = 0;
	mmap_read_lock(mm);
	for (; n < nr_pages; n++) {
		r = gup_slow_one(mm, start + (uintptr_t)n * PAGE_SIZE, flags, &pages[n]);
		if (r)
			break;
	}
	mmap_read_unlock(mm);
	stat_add(&stats.slow_pages, (uint64_t)n);
	return n ? n : r;
}

long gup_fast_mm(struct mm_struct *mm, uintptr_t start, long nr_pages, unsigned flags,
		 struct page **pages)
{
	long r = gup_check_args(start, nr_pages, flags);
	if (r)
		return r;
	stat_add(&stats.calls, 1);
	long n = flags & FOLL_SLOW_ONLY ? 0 : gup_fast(mm, start, nr_pages, flags, pages);
	if (n == nr_pages)
		return n;
	if (flags & FOLL_FAST_ONLY)
		return n ? n : -EAGAIN;
	r = get_user_pages(mm, start + (uintptr_t)n * PAGE_SIZE, nr_pages - n,
			   flags & ~FOLL_SLOW_ONLY, pages + n);
	if (r < 0)
		return n ? n : r;
	return n + r;
}

long get_user_pages_fast(uintptr_t start, long nr_pages, unsigned flags, struct page **pages)
{
	struct mm_struct *mm = current ? current->mm : NULL;
	if (!mm)
		return -EFAULT;
	return gup_fast_mm(mm, start, nr_pages, flags, pages);
}

long pin_user_pages_fast(uintptr_t start, long nr_pages, unsigned flags, struct page **pages)
{
	return get_user_pages_fast(start, nr_pages, flags | FOLL_PIN, pages);
}

void unpin_user_pages(struct page **pages, long n)
{
	for (long i = 0; i < n; i++)
		unpin_page(pages[i]);
}

void put_user_pages(struct page **pages, long n)
{
	for (long i = 0; i < n; i++)
		put_page(pages[i]);
}

/* ---- statistics ------------------------------------------------------------------ */

void gup_get_stats(struct gup_stats *s)
{
	s->calls = READ_ONCE(stats.calls);
	s->fast_pages = READ_ONCE(stats.fast_pages);
	s->slow_pages = READ_ONCE(stats.slow_pages);
	for (int i = 0; i < GUP_FB_NR; i++)
		s->fallback[i] = READ_ONCE(stats.fallback[i]);
}

const char *gup_fallback_name(enum gup_fallback r)
{
	static const char *const names[GUP_FB_NR] = {
		[GUP_FB_ABSENT] = "absent", [GUP_FB_PERM] = "permission",
		[GUP_FB_SPECIAL] = "huge/special", [GUP_FB_REF] = "refcount zero",
		[GUP_FB_RECHECK] = "recheck failed",
	};
	return r < GUP_FB_NR ? names[r] : "?";
}

static int cmd_gup(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct gup_stats s;
	gup_get_stats(&s);
	mon_printf("gup (TABLE_FREE=%s): %llu calls, %llu pages fast, %llu pages slow\n",
		   CONFIG_TABLE_FREE_NAME, (unsigned long long)s.calls,
		   (unsigned long long)s.fast_pages, (unsigned long long)s.slow_pages);
	mon_printf("fast part stopped early:");
	for (int i = 0; i < GUP_FB_NR; i++)
		mon_printf(" %s %llu%s", gup_fallback_name((enum gup_fallback)i),
			   (unsigned long long)s.fallback[i], i + 1 < GUP_FB_NR ? "," : "\n");
	mon_printf("page refs: %llu taken on free pages, %llu put on free pages, %llu freed by the last put\n",
		   (unsigned long long)page_ref_on_free, (unsigned long long)page_ref_underflow,
		   (unsigned long long)page_ref_frees);
	return 0;
}
MONITOR_COMMAND(gup, "gup", "", "get_user_pages statistics: fast/slow pages, fallbacks by reason", cmd_gup);
