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
 * drop the page's last reference at any moment.  The range is walked once,
 * as Linux's gup_fast_pgd_range(): each PGD, PUD and PMD entry read once
 * per table (pt_walk_range_once), each PTE table looped over
 * (gup_fast_pte_range).  Then, for each page:
 *
 *   1. read the PTE once (READ_ONCE; the PMD entry was read once above);
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
 *      the result is a page that was really there during the call;
 *   5. a read pin (FOLL_PIN, read-only PTE) of an anonymous page that fork
 *      shared with another mm: drop it and stop; the slow part unshares
 *      the page first (docs/fork.md, "Exclusive anonymous pages").
 *
 * Ordering: the try-get is a full barrier (cmpxchg), so the re-read in 4
 * happens after the count was raised.  A zap clears the PTE under its lock
 * *before* it flushes and drops the mapping's reference (mm/memory.c,
 * mmu_gather).  Either the re-read sees the PTE cleared (we back off), or
 * the PTE was still set when we re-read, so the zap's put comes after our
 * get, and the page stays ours.
 */
#include "kernel/trace/trace.h"
#include "mm/gup.h"
#include "mm/cow.h"
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

uint64_t gup_test_delay_ns;
bool gup_test_no_unshare;

/* ---- statistics, per CPU ------------------------------------------------------ */

/* One cache line per CPU: a shared counter would be written by every GUP
 * call on every CPU, a cache-line bounce per call that Linux's fast GUP
 * does not pay (it counts nothing but the per-CPU NR_FOLL_PIN_* stats). */
struct gup_stats_pcpu {
	struct gup_stats s;
} __aligned(64);
static struct gup_stats_pcpu pcpu_stats[NR_CPUS];

/* Add to this CPU's counter: no migration possible (inside a walk section,
 * or preemption off), and only this CPU writes it, so a plain add; readers
 * sum with READ_ONCE. */
static inline void stat_add_local(uint64_t *c, uint64_t n)
{
	WRITE_ONCE(*c, *c + n);
}

static inline struct gup_stats *local_stats(void)
{
	return &pcpu_stats[smp_processor_id()].s;
}

/* ---- the fast part -------------------------------------------------------------- */

struct gup_fast_ctx {
	unsigned flags;
	long nr;                    /* pages taken so far */
	struct page **pages;
	enum gup_fallback why;      /* why the walk stopped early */
};

/* Each upper entry (PGD, PUD, PMD) as pt_walk_range_once read it, once per
 * call (per table below it), not per page.  Poison means a freed table: the
 * bug TABLE_FREE exists to prevent (counted and reported); absent or huge:
 * the slow part decides. */
static inline bool gup_fast_check(pteval_t e, const pteval_t *table, int level, void *priv)
{
	struct gup_fast_ctx *c = priv;
	if (!lockless_walk_check_entry(e, table, level) || !entry_present(e)) {
		c->why = GUP_FB_ABSENT;
		return false;
	}
	if (level != PT_PGD && entry_huge(e)) {
		c->why = GUP_FB_SPECIAL;    /* a huge page: not handled here */
		return false;
	}
	return true;
}

/* A frame GUP may hand out: a page of RAM that is not the allocator's, a
 * page table, or the kernel's own (a PTE could point anywhere). */
static inline struct page *normal_page(pteval_t pte)
{
	uint64_t pfn = entry_addr(pte) >> PAGE_SHIFT;
	if (pfn >= max_pfn)
		return NULL;
	struct page *p = pfn_to_page(pfn);
	if (READ_ONCE(p->flags) & (PG_reserved | PG_pagetable | PG_slab | PG_large | PG_buddy | PG_poisoned))
		return NULL;
	return p;
}

static inline bool grab(struct page *p, unsigned flags)
{
	int n = flags & FOLL_PIN ? GUP_PIN_COUNTING_BIAS : 1;
#ifdef CONFIG_GUP_BROKEN
	page_ref_get_n(p, n);   /* unconditional: resurrects a free page */
	return true;
#endif
	/* LAB 5 BEGIN: step 3: take n references with a try-get that refuses a count of zero (page_ref_add_unless_zero); return whether it succeeded */
	return page_ref_add_unless_zero(p, n);
	/* LAB 5 STUB:
	page_ref_get_n(p, n);
	return true;
	*/
	/* LAB 5 END */
}

static inline void release(struct page *p, unsigned flags)
{
	if (flags & FOLL_PIN)
		unpin_page(p);
	else
		put_page(p);
}

/* Must a pin of @page, mapped by @pte, wait until this mm holds it alone?
 * Linux's gup_must_unshare(), for FOLL_PIN without FOLL_WRITE: a write
 * pin has made the PTE writable first (a write fault), which unshares. */
static inline bool needs_unshare(const struct page *page, pteval_t pte, unsigned flags)
{
#ifdef CONFIG_ANON_EXCLUSIVE_BROKEN
	(void)page, (void)pte, (void)flags;
	return false;               /* test-only: pins shared pages as before */
#else
	return (flags & FOLL_PIN) && !pte_write(pte) && READ_ONCE(page->anon) == PAGE_ANON_SHARED &&
	       !READ_ONCE(gup_test_no_unshare);
#endif
}

/*
 * The PTEs of one table for [@addr, @end) (Linux's gup_fast_pte_range()):
 * steps 1-5 for each page.  The PMD entry *@pmd_slot was read once, as
 * @pmd, by the descent; the table it points to stays allocated for the
 * whole section (TABLE_FREE), though it may be unhooked meanwhile.
 */
static inline bool gup_fast_pte_range(pteval_t *pmd_slot, pteval_t pmd, uintptr_t addr,
				      uintptr_t end, void *priv)
{
	struct gup_fast_ctx *c = priv;
	pteval_t *table = pt_table(pmd);
	pteval_t *ptep = &table[pt_index(addr, PT_PTE)];
	for (; addr != end; addr += PAGE_SIZE, ptep++) {
		/* 1: the PTE, read once; everything below looks at this value.
		 * The struct page and the page's contents are reached through
		 * it (an address dependency from this READ_ONCE): the reader's
		 * half of the PTE publish, whose writer orders the contents
		 * first with smp_wmb (fault_in_vma(), spf_fault(),
		 * install_user_page()). */
		pteval_t pte = READ_ONCE(*ptep);
		/* 2: what it says.  Poison: the table was freed under us. */
		if (unlikely(pte == PT_POISON)) {
			lockless_walk_entry_poisoned(pte, table);
			c->why = GUP_FB_ABSENT;
			return false;
		}
		if (!entry_present(pte)) {
			c->why = GUP_FB_ABSENT;     /* never touched, zapped, or PROT_NONE */
			return false;
		}
		if (!pte_user(pte) || ((c->flags & FOLL_WRITE) && !pte_write(pte))) {
			c->why = GUP_FB_PERM;       /* the slow part decides from the VMA */
			return false;
		}
		struct page *page = normal_page(pte);
		if (!page) {
			c->why = GUP_FB_SPECIAL;
			return false;
		}
		/* A COW copy between its install and its step 5 (mm/cow.c): a
		 * reference now would make step 5 leave it read-only, and the
		 * next write copy it away from us.  The flag was set before the
		 * PTE that names the page was stored (smp_wmb there; the address
		 * dependency from 1 here); once it is clear, step 5 is over. */
		if (unlikely(cow_copy_pending(page))) {
			c->why = GUP_FB_COW_PENDING;
			return false;
		}
		uint64_t delay = READ_ONCE(gup_test_delay_ns);     /* tests write it meanwhile */
		if (unlikely(delay))
			udelay(delay / 1000);
		/* 3: the page may have been unmapped and its last reference
		 * dropped since 1 (it is being freed, or free): the try-get
		 * refuses a count of zero rather than resurrect the frame. */
		if (!grab(page, c->flags)) {
			c->why = GUP_FB_REF;
			return false;
		}
#ifndef CONFIG_GUP_BROKEN
		/* LAB 5 BEGIN: step 4: re-read the PMD entry and the PTE; if either changed since step 1, release the page, set c->why = GUP_FB_RECHECK and stop */
		/* 4: still what the address maps?  Read after the reference was
		 * taken (grab's full barrier).
		 * The PTE: cleared by a zap (munmap, madvise, MAP_FIXED, exit)
		 * or changed by mprotect (a write allowed at 1 may be forbidden
		 * now) after 1: the try-get succeeded on a page that is no
		 * longer (or no longer so) mapped, still counted above zero, or
		 * already freed and handed out again (count 1 again).
		 * The PMD: the PTE table we are looping over may have been
		 * unhooked (and queued for freeing) and another installed in
		 * its place; its slots can still hold the old values (Linux's
		 * THP collapse unhooks full tables: the case this check was
		 * written for; here tables are unhooked only once empty, so the
		 * PTE check already catches it).  The PUD and PGD entries need
		 * no recheck: an upper table is unhooked only after every entry
		 * in it was cleared, our PMD entry included. */
		pteval_t pte2 = READ_ONCE(*ptep);
		if (unlikely(READ_ONCE(*pmd_slot) != pmd || pte2 != pte)) {
			/* Poison here means the table was freed under the walk
			 * (the protection failed): counted and reported. */
			if (pte2 == PT_POISON)
				lockless_walk_entry_poisoned(pte2, table);
			release(page, c->flags);
			c->why = GUP_FB_RECHECK;
			return false;
		}
		/* LAB 5 STUB:
		(void)pmd_slot;
		*/
		/* LAB 5 END */
#else
		(void)pmd_slot;
#endif
		/* 5: a pin must be on a page that stays the one this address
		 * maps: an anonymous page another mm may share (fork) would be
		 * copied away from by this mm's next write.  A read-only PTE
		 * only (a writable one maps a page this mm holds alone).  Read
		 * after the recheck: the PTE still maps this page, and ->anon
		 * was set before that PTE was published (the address
		 * dependency from 1).  A fork that makes it SHARED after this
		 * read also write-protects under write_protect_seq, which
		 * gup_fast() checks after the walk: the pin is undone there. */
		if (unlikely(needs_unshare(page, pte, c->flags))) {
			release(page, c->flags);
			c->why = GUP_FB_UNSHARE;
			return false;
		}
		c->pages[c->nr++] = page;
	}
	return true;
}

long gup_fast_section_walk(struct mm_struct *mm, uintptr_t start, long nr, unsigned flags,
			   struct page **pages, enum gup_fallback *why)
{
	struct gup_fast_ctx c = { .flags = flags, .pages = pages, .why = GUP_FB_NR };
	const struct pt_range_once_ops ops = {
		.check = gup_fast_check, .pte_range = gup_fast_pte_range, .priv = &c,
	};
	/* One descent of the range: the PGD, PUD and PMD entries read once
	 * per table, each PTE table looped over (gup_fast_pte_range). */
	pt_walk_range_once(mm->pgd, start, start + (uintptr_t)nr * PAGE_SIZE, &ops);
	*why = c.why;
	return c.nr;
}

/* The fast part: pages from @start while they can be had.  Return: how many. */
static long gup_fast(struct mm_struct *mm, uintptr_t start, long nr, unsigned flags,
		     struct page **pages)
{
	enum gup_fallback why = GUP_FB_UNPROTECTED;
	unsigned long w = lockless_page_walk_begin();
	long n = 0;
	/* A pin must not race fork's write-protect (mm/fork.c): fork could
	 * read the count before our pin and share the page copy-on-write,
	 * leaving the pin on the page the parent's next write abandons.
	 * Odd: a fork is copying; refuse.  Its smp_rmb orders the sequence
	 * before the walk's loads. */
	unsigned wp_seq = 0;
	if (flags & FOLL_PIN) {
		wp_seq = READ_ONCE(mm->write_protect_seq.sequence);
		smp_rmb();
		if (wp_seq & 1) {
			why = GUP_FB_FORK;
			goto out;
		}
	}
	/* The section protects the walk only if lockless_walk_protected():
	 * under TABLE_FREE=ipi, IRQs off hold back only the table frees of
	 * an mm loaded on this CPU (its flush interrupts only the mm's
	 * cpumask).  For any other mm, do not walk: the slow path takes the
	 * locks (Linux's fast GUP likewise serves only current->mm). */
	if (lockless_walk_protected(mm))
		n = gup_fast_section_walk(mm, start, nr, flags, pages, &why);
	/* Our pins (each try-pin a full barrier) before this read of the
	 * sequence: pairs with the smp_mb in dup_mm() between fork's odd
	 * store and its reads of the counts.  Either fork saw our pin (and
	 * copied the page for the child), or we see its sequence moved and
	 * give the pins back (Linux's gup_fast() and write_protect_seq). */
	if ((flags & FOLL_PIN) && n) {
		smp_mb();
		if (READ_ONCE(mm->write_protect_seq.sequence) != wp_seq) {
			for (long i = 0; i < n; i++)
				release(pages[i], flags);
			n = 0;
			why = GUP_FB_FORK;
		}
	}
out:;
	struct gup_stats *s = local_stats();    /* inside the section: no migration */
	stat_add_local(&s->calls, 1);
	stat_add_local(&s->fast_pages, (uint64_t)n);
	if (n < nr)
		stat_add_local(&s->fallback[why], 1);
	lockless_page_walk_end(w);
	return n;
}

/* ---- the slow part ------------------------------------------------------------- */

static bool vma_allows(unsigned vm_flags, unsigned gup_flags)
{
	if (gup_flags & FOLL_WRITE)
		return vm_flags & VM_WRITE;
	return vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
}

/*
 * follow_page (Linux's follow_page_mask()/follow_page_pte()): the page
 * mapped at @addr, with a reference (a pin for FOLL_PIN), if it is there
 * and allows the access; else NULL (the caller faults it in).  A full walk
 * from the PGD and the PTE lock, for every page: the mapping holds a
 * reference and the PTE lock keeps the mapping, so the count is not zero;
 * *@saturated is set when the reference is refused at PAGE_REF_MAX.
 * *@unshare: a read pin met an anonymous page shared with another mm: the
 * caller faults with FAULT_UNSHARE first, which copies it or, held alone,
 * reuses it, either way making it this mm's exclusively, its PTE still
 * read-only.
 */
static struct page *follow_page(struct mm_struct *mm, uintptr_t addr, unsigned flags,
				bool *saturated, struct page **pending, bool *unshare)
{
	spinlock_t *ptl;
	pteval_t *ptep = pte_lookup_lock(mm, addr, &ptl);
	if (!ptep)
		return NULL;
	pteval_t pte = *ptep;
	struct page *page = entry_present(pte) ? normal_page(pte) : NULL;
	if (page && cow_copy_pending(page)) {
		*pending = page;            /* the fast part's reason: wait, then look again */
		page = NULL;
	}
	if (page && (flags & FOLL_WRITE) && !pte_write(pte))
		page = NULL;                /* a write fault makes it writable (or refuses) */
	if (page && needs_unshare(page, pte, flags)) {
		*unshare = true;
		page = NULL;
	}
	/* Mapped under the PTE lock, so the count is not zero; the add can
	 * still be refused at PAGE_REF_MAX (too many pins). */
	if (page && !page_ref_add_unless_zero(page, flags & FOLL_PIN ? GUP_PIN_COUNTING_BIAS : 1)) {
		*saturated = true;
		page = NULL;
	}
	spin_unlock(ptl);
	return page;
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

/*
 * The slow part (Linux's __get_user_pages()): under mmap_lock for read,
 * the VMA looked up and its permissions checked once per VMA the range
 * crosses, then for each page follow_page (a full walk and the PTE lock);
 * a page that is missing (or not writable yet) is faulted in as the access
 * would, and looked up again.
 */
long get_user_pages(struct mm_struct *mm, uintptr_t start, long nr_pages, unsigned flags,
		    struct page **pages)
{
	long r = gup_check_args(start, nr_pages, flags);
	if (r)
		return r;
	might_sleep();
	long n = 0;
	int faults = 0;
	struct vm_area_struct *vma = NULL;
	mmap_read_lock(mm);
	while (n < nr_pages) {
		uintptr_t addr = start + (uintptr_t)n * PAGE_SIZE;
		if (!vma || addr >= vma->end) {     /* the first page, or into the next VMA */
			vma = vma_find(mm, addr);
			if (!vma || !vma_allows(vma->flags, flags)) {
				r = -EFAULT;
				break;
			}
		}
		bool saturated = false, unshare = false;
		struct page *pending = NULL;
		struct page *page = follow_page(mm, addr, flags, &saturated, &pending, &unshare);
		if (saturated) {
			r = -ENOMEM;            /* Linux's answer to a count near overflow */
			break;
		}
		if (page) {
			pages[n++] = page;
			faults = 0;
			continue;
		}
		if (pending) {
			/* Another thread's COW fault is between its install and its
			 * step 5 (mm/cow.c); it needs no lock of ours to finish.
			 * Not a fault: it does not count toward giving up. */
			mmap_read_unlock(mm);
			cow_wait_copy(pending);
			mmap_read_lock(mm);
			vma = NULL;
			continue;
		}
		if (flags & FOLL_NOFAULT) {
			r = -EFAULT;            /* Linux's faultin_page() refuses the same way */
			break;
		}
		if (++faults > 4) {
			r = -EFAULT;            /* unmapped again after each fault: give up */
			break;
		}
		/* Not there (or not writable yet): fault it in, as the access
		 * would.  The fault takes mmap_lock for read itself; taking it
		 * twice could deadlock behind a waiting writer.  The VMA may
		 * change while the lock is dropped: look it up again. */
		mmap_read_unlock(mm);
		unsigned fault = FAULT_USER | (flags & FOLL_WRITE ? FAULT_WRITE : 0) | (unshare ? FAULT_UNSHARE : 0);
		enum fault_result fr = handle_mm_fault(mm, addr, fault);
		mmap_read_lock(mm);
		vma = NULL;
		if (fr == FAULT_OOM) {
			r = -ENOMEM;
			break;
		}
		if (fr != FAULT_OK) {
			r = -EFAULT;
			break;
		}
	}
	mmap_read_unlock(mm);
	preempt_disable();
	stat_add_local(&local_stats()->slow_pages, (uint64_t)n);
	preempt_enable();
	return n ? n : r;
}

long gup_fast_mm(struct mm_struct *mm, uintptr_t start, long nr_pages, unsigned flags,
		 struct page **pages)
{
	long r = gup_check_args(start, nr_pages, flags);
	if (r)
		return r;
	long n;
	trace(GUP_BEGIN, start, nr_pages, 0);
	if (flags & FOLL_SLOW_ONLY) {
		preempt_disable();
		stat_add_local(&local_stats()->calls, 1);
		preempt_enable();
		n = 0;
	} else {
		n = gup_fast(mm, start, nr_pages, flags, pages);    /* counts the call */
	}
	trace(GUP_END, n, 0, 0);
	if (n == nr_pages)
		return n;
	if (flags & FOLL_FAST_ONLY)
		return n ? n : -EAGAIN;
	if (!(flags & FOLL_SLOW_ONLY)) {
		preempt_disable();
		stat_add_local(&local_stats()->fallbacks, 1);
		preempt_enable();
	}
	trace(GUP_FALLBACK, start + (uintptr_t)n * PAGE_SIZE, n, 0);
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
	*s = (struct gup_stats){ 0 };
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct gup_stats *c = &pcpu_stats[cpu].s;
		s->calls += READ_ONCE(c->calls);
		s->fallbacks += READ_ONCE(c->fallbacks);
		s->fast_pages += READ_ONCE(c->fast_pages);
		s->slow_pages += READ_ONCE(c->slow_pages);
		for (int i = 0; i < GUP_FB_NR; i++)
			s->fallback[i] += READ_ONCE(c->fallback[i]);
	}
}

const char *gup_fallback_name(enum gup_fallback r)
{
	static const char *const names[GUP_FB_NR] = {
		[GUP_FB_ABSENT] = "absent", [GUP_FB_PERM] = "permission",
		[GUP_FB_SPECIAL] = "huge/special", [GUP_FB_REF] = "refcount zero",
		[GUP_FB_RECHECK] = "recheck failed", [GUP_FB_UNPROTECTED] = "mm not loaded (ipi)",
		[GUP_FB_FORK] = "raced fork", [GUP_FB_COW_PENDING] = "COW copy pending",
		[GUP_FB_UNSHARE] = "shared anon page",
	};
	return r < GUP_FB_NR ? names[r] : "?";
}

static int cmd_gup(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct gup_stats s;
	gup_get_stats(&s);
	mon_printf("gup (TABLE_FREE=%s): %llu calls, %llu fell back to the slow part; %llu pages fast, %llu pages slow\n",
		   CONFIG_TABLE_FREE_NAME, (unsigned long long)s.calls, (unsigned long long)s.fallbacks,
		   (unsigned long long)s.fast_pages, (unsigned long long)s.slow_pages);
	mon_printf("fast part stopped early:");
	for (int i = 0; i < GUP_FB_NR; i++)
		mon_printf(" %s %llu%s", gup_fallback_name((enum gup_fallback)i),
			   (unsigned long long)s.fallback[i], i + 1 < GUP_FB_NR ? "," : "\n");
	mon_printf("page refs: %llu taken on free pages, %llu put on free pages, %llu freed by the last put\n",
		   (unsigned long long)READ_ONCE(page_ref_on_free), (unsigned long long)READ_ONCE(page_ref_underflow),
		   (unsigned long long)READ_ONCE(page_ref_frees));
	return 0;
}
MONITOR_COMMAND(gup, "gup", "", "get_user_pages statistics: fast/slow pages, fallbacks by reason", cmd_gup);
