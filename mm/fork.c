/*
 * mm/fork.c - copying an address space for fork() (Linux's dup_mmap() and
 * copy_page_range()).
 *
 * The child gets a copy of every VMA and of every PTE: a page of a
 * MAP_SHARED mapping is simply mapped on both sides (the page-cache page;
 * docs/files.md), and a private page is not copied but shared
 * copy-on-write, its reference count raised and both
 * PTEs (the parent's and the child's) write-protected; the first write
 * on either side faults and copies, or reuses the page if by then the
 * faulting side holds the only reference (mm/cow.c, docs/fork.md).
 *
 * The invariant it keeps: when dup_mm() returns, no CPU can write to a
 * shared page through a translation of the parent, and every page the
 * parent may have pinned for a device (page_maybe_dma_pinned) is the
 * parent's alone, so the pin and the parent's writes stay on one page.
 *
 *   1. mmap_write_lock(parent): the parent's VMAs stay put; its sequence
 *      is odd, so speculative faults (FAULT=spf) abort or are caught by
 *      their recheck under the PTE lock, and each parent VMA is
 *      write-locked (vma_start_write) so that per-VMA-lock faults
 *      (FAULT=vma) wait or fall back.  Linux 6.4 learned this the hard
 *      way: without the VMA locks a fault on another CPU ran beside the
 *      copy and wrote into a page already shared with the child.
 *   2. The VMAs are copied into the child (its own mmap_lock for write).
 *   3. For each PTE table of the parent: the child's table, then both PTE
 *      locks; each present PTE is either shared (get_page, both PTEs
 *      write-protected) or, for a maybe-pinned page, copied at once into
 *      a new page for the child (the parent's PTE is left as it was).
 *   4. One TLB flush of the parent's write-protected range on every CPU
 *      that runs it (flush_tlb_mm_range through an mmu_gather), before
 *      mmap_lock is released.  Without it a parent thread on another CPU
 *      keeps a writable TLB entry and goes on writing into the page the
 *      child now shares: the child sees the parent's writes
 *      (COW_FLUSH_BROKEN shows it, suite fork).
 *
 * Lock order: parent mmap_lock, then child mmap_lock (nobody else can
 * reach the child yet; taken for vma_replace_range()'s contract), then
 * the child's PTE lock, then the parent's PTE lock (Linux's order in
 * copy_pte_range(); no other code holds two PTE locks).
 *
 * Pins racing fork: fast GUP pins without mmap_lock.  fork's smp_mb()
 * after making mm->write_protect_seq odd pairs with the full barrier of GUP's
 * try-pin followed by its read of the sequence (mm/gup.c): either fork
 * sees the pin in the page's count (and copies the page), or GUP sees the
 * sequence moved and gives the pin back (Linux's mm->write_protect_seq).
 */
#include "mm/fork.h"
#include "mm/cow.h"
#include "mm/mm.h"
#include "mm/mmu_gather.h"
#include "mm/page.h"
#include "mm/pagewalk.h"
#include "mm/pmm.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "lib/string.h"
#include "asm/page.h"

struct fork_walk {
	struct mm_struct *dst, *src;
	struct mmu_gather tlb;      /* the parent's write-protected range */
	struct page *prealloc;      /* for the next maybe-pinned page */
	int err;
	uint64_t shared, copied;    /* pages, for the statistics */
};

uint64_t fork_pages_shared, fork_pages_copied;

/* Should @page be copied for the child now rather than shared? */
static bool fork_must_copy(struct page *page)
{
#ifdef CONFIG_FORK_PIN_BROKEN
	(void)page;
	return false;               /* test-only: a pinned page shared COW (the 2020 bug) */
#else
	/* LAB 7 BEGIN: say whether fork must copy @page for the child now instead of sharing it: a page a device may hold pinned (page_maybe_dma_pinned) */
	/* A pin holder (a device, pinbuf) writes or reads the page behind
	 * the PTEs' back; sharing it would leave the parent's next write on
	 * a copy the pin never sees. */
	return page_maybe_dma_pinned(page);
	/* LAB 7 STUB:
	(void)page;
	return true;
	*/
	/* LAB 7 END */
#endif
}

/* Is @addr in a MAP_SHARED VMA of the parent?  (The walk goes by page
 * tables, not VMAs; the parent's VMAs are stable: its mmap_lock for write.) */
static bool fork_pte_shared(struct fork_walk *w, uintptr_t addr)
{
	struct vm_area_struct *v = vma_find(w->src, addr);
	return v && (v->flags & VM_SHARED);
}

/*
 * Share @page, mapped by the parent's PTE *@src (value @pte) at @addr,
 * copy-on-write with the child's *@dst.  Returns false if it did not (the
 * caller then copies the page for the child, as for a pinned page).
 * Context: both PTE locks held; @page is mapped, so its count is not zero.
 */
static bool fork_share_pte(struct fork_walk *w, pteval_t *src, pteval_t *dst, uintptr_t addr, pteval_t pte,
			   struct page *page)
{
	/* LAB 7 BEGIN: share the page copy-on-write: a reference for the child's mapping, the parent's PTE write-protected (and its range noted in w->tlb for the flush), the child's PTE write-protected */
	get_page(page);             /* the child's mapping's reference */
	if (pte_write(pte)) {
		/* Write-protected under the PTE lock; the parent's TLBs
		 * may still hold it writable until dup_mm()'s flush. */
		WRITE_ONCE(*src, pte_wrprotect(pte));
		tlb_note_range(&w->tlb, addr, addr + PAGE_SIZE);
	}
	/* No smp_wmb before it, unlike the copy's PTE: the bytes are the
	 * parent's, published with the parent's PTE long ago. */
	WRITE_ONCE(*dst, pte_wrprotect(pte));
	return true;
	/* LAB 7 STUB:
	(void)w, (void)src, (void)dst, (void)addr, (void)pte, (void)page;
	return false;
	*/
	/* LAB 7 END */
}

/*
 * The PTEs of one parent table, [@addr, @end).  Returns where it stopped:
 * @end, or the address of a maybe-pinned page met without a preallocated
 * page (the caller allocates one, outside the locks, and comes back).
 */
static uintptr_t copy_pte_range(struct fork_walk *w, pteval_t *src_pmd, uintptr_t addr, uintptr_t end)
{
	spinlock_t *dst_ptl;
	pteval_t *dst = pte_alloc_map_lock(w->dst, addr, &dst_ptl);
	if (!dst) {
		w->err = -ENOMEM;
		return end;
	}
	pteval_t *src_table = pt_table(READ_ONCE(*src_pmd));
	spinlock_t *src_ptl = &virt_to_page(src_table)->ptl;
	spin_lock(src_ptl);             /* after the child's: see the header */
	pteval_t *src = src_table + pte_index(addr);
	for (; addr < end; addr += PAGE_SIZE, src++, dst++) {
		pteval_t pte = *src;
		if (!pte_maps_page(pte))
			continue;
		struct page *page = phys_to_page(entry_addr(pte));
		if (fork_pte_shared(w, addr)) {
			/* MAP_SHARED: both sides map the one page-cache page,
			 * as they are; nothing to write-protect or copy (a
			 * store is meant to reach the other side). */
			get_page(page);
			WRITE_ONCE(*dst, pte);
			w->shared++;
		} else if (fork_must_copy(page) || !fork_share_pte(w, src, dst, addr, pte, page)) {
			struct page *copy = w->prealloc;
			if (!copy)
				break;      /* back with a page */
			w->prealloc = NULL;
			copy_user_page(copy, page);
			/* The copy's contents before the child's PTE: the
			 * child cannot run yet, but its PTE is a publish like
			 * any other (pairs with the address dependency of a
			 * reader of the PTE, as in fault_in_vma()). */
			page_set_anon(copy, PAGE_ANON_EXCLUSIVE);   /* the child's own */
			smp_wmb();
			WRITE_ONCE(*dst, mk_pte(page_to_phys(copy), pte_flags(pte)));
			w->copied++;
		} else {
			/* Two mms map it now: neither may reuse it on trust
			 * (cow_may_reuse: the count decides again).  Under the
			 * parent's PTE lock, after fork_must_copy() read the
			 * count: a pin taken since came through fast GUP, whose
			 * write_protect_seq check sends it back (mm/gup.c). */
			if (page->anon == PAGE_ANON_EXCLUSIVE)
				page_set_anon(page, PAGE_ANON_SHARED);
			w->shared++;
		}
		mm_rss_add(w->dst, 1);
	}
	spin_unlock(src_ptl);
	spin_unlock(dst_ptl);
	return addr;
}

static void fork_pte_table(pteval_t *pmd, uintptr_t addr, uintptr_t end, void *priv)
{
	struct fork_walk *w = priv;
	while (addr < end && !w->err) {
		addr = copy_pte_range(w, pmd, addr, end);
		if (addr < end && !w->err) {
			/* A maybe-pinned page: allocate outside the PTE locks. */
			w->prealloc = alloc_page();
			if (!w->prealloc)
				w->err = -ENOMEM;
		}
	}
}

/* The VMAs of @src into empty @dst.  Context: both mmap_locks for write. */
static int dup_vmas(struct mm_struct *dst, struct mm_struct *src)
{
	for (struct vm_area_struct *v = vma_find_after(src, 0); v; v = vma_find_after(src, v->end)) {
		/* Faults under this VMA's read lock must be done, and new
		 * ones wait or fall back, while its PTEs change (step 1). */
		vma_start_write(src, v);
		struct vm_area_struct *c = vma_alloc_from(v, v->start, v->end, v->flags);
		if (!c)
			return -ENOMEM;
		/* On failure it frees @c itself (nothing published). */
		int r = vma_replace_range(dst, c->start, c->end, &c, 1);
		if (r)
			return r;
	}
	return 0;
}

struct mm_struct *dup_mm(struct mm_struct *src, int *err)
{
	struct mm_struct *dst = mm_create();
	if (!dst) {
		*err = -ENOMEM;
		return NULL;
	}
	struct fork_walk w = { .dst = dst, .src = src };
	mmap_write_lock(src);
	write_seqcount_begin(&src->write_protect_seq);
	/* The odd sequence before the page counts are read below: pairs with
	 * the smp_mb between fast GUP's try-pins and its second read of the
	 * sequence (mm/gup.c).  write_seqcount_begin() orders only stores
	 * (smp_wmb); this is a store-to-load order, so smp_mb. */
	smp_mb();
	mmap_write_lock(dst);           /* after src's: see the header */
	w.err = dup_vmas(dst, src);
	mmap_write_unlock(dst);
	if (!w.err) {
		tlb_gather_mmu(&w.tlb, src);
		const struct pt_range_ops ops = { .pte_table = fork_pte_table, .priv = &w };
		walk_page_range(src->pgd, 0, (uintptr_t)USER_PGD_ENTRIES << PGD_SHIFT, &ops);
		/* Step 4, even after a failure: what was write-protected
		 * stays so (a later write fault reuses the page). */
#ifdef CONFIG_COW_FLUSH_BROKEN
		w.tlb.start = w.tlb.end = 0;    /* test-only: no flush of the parent */
#endif
		tlb_finish_mmu(&w.tlb);
	}
	/* Its smp_wmb: our PTE stores before the even value (a pinner that
	 * reads it even and unchanged walked PTEs from before or after). */
	write_seqcount_end(&src->write_protect_seq);
	mmap_write_unlock(src);
	if (w.prealloc)
		free_page(w.prealloc);
	__atomic_fetch_add(&fork_pages_shared, w.shared, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fork_pages_copied, w.copied, __ATOMIC_RELAXED);
	if (w.err) {
		mm_put(dst);            /* everything mapped so far, and the tables */
		*err = w.err;
		return NULL;
	}
	return dst;
}
