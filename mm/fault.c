/*
 * mm/fault.c - demand paging of anonymous memory, under mmap_lock held for
 * read (FAULT=locked; the speculative paths build on this one).
 *
 * Two threads may fault on the same page at once: both allocate a zeroed
 * page, but only the first to take the PTE table's lock installs it; the
 * other finds the PTE present and frees its page.
 */
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/pmm.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/percpu.h"
#include "lib/string.h"
#include "asm/page.h"

const char *fault_reason(enum fault_result r)
{
	switch (r) {
	case FAULT_NO_VMA: return "no mapping";
	case FAULT_ACCESS: return "protection";
	case FAULT_OOM: return "out of memory";
	case FAULT_STUCK: return "the same fault repeats with no progress";
	default: return "ok";
	}
}

static enum fault_result do_anonymous_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags,
					     bool *spurious);

enum fault_result handle_user_fault(uintptr_t addr, unsigned flags)
{
	struct thread *t = current;
	if (!t || !t->mm)
		return FAULT_NO_VMA;
	bool spurious = false;
	enum fault_result r = do_anonymous_fault(t->mm, addr, flags, &spurious);
	uintptr_t page = addr & PAGE_MASK;
	if (r != FAULT_OK || !spurious || page != t->fault_addr || flags != t->fault_flags) {
		/* Progress (a page was mapped), a failure, or another fault:
		 * start counting again from here. */
		t->fault_addr = page;
		t->fault_flags = flags;
		t->fault_repeats = 0;
		return r;
	}
	/* The PTE was already there and the same access faulted again: a
	 * stale TLB entry explains one such fault, never a thousand. */
	if (++t->fault_repeats >= FAULT_MAX_REPEATS)
		return FAULT_STUCK;
	return FAULT_OK;
}

static bool access_allowed(unsigned vm_flags, unsigned fault)
{
	if (fault & FAULT_WRITE)
		return vm_flags & VM_WRITE;
	if (fault & FAULT_EXEC)
		return vm_flags & VM_EXEC;
	return vm_flags & (VM_READ | VM_WRITE | VM_EXEC);  /* x86: W and X imply R */
}

enum fault_result handle_mm_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags)
{
	bool spurious;
	return do_anonymous_fault(mm, addr, flags, &spurious);
}

/* *@spurious: the PTE was already present (another thread won the race,
 * or our TLB entry was stale): nothing was mapped. */
static enum fault_result do_anonymous_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags,
					     bool *spurious)
{
	*spurious = false;
	might_sleep();
	addr &= PAGE_MASK;
	down_read(&mm->mmap_lock);
	struct vm_area_struct *vma = vma_find(mm, addr);
	if (!vma) {
		up_read(&mm->mmap_lock);
		return FAULT_NO_VMA;
	}
	if (!access_allowed(vma->flags, flags)) {
		up_read(&mm->mmap_lock);
		return FAULT_ACCESS;
	}
	uint64_t pteflags = user_pte_flags(vma->flags);

	struct page *page = alloc_page();
	if (!page) {
		up_read(&mm->mmap_lock);
		return FAULT_OOM;
	}
	memset(page_address(page), 0, PAGE_SIZE);

	spinlock_t *ptl;
	uint64_t *pte = pte_alloc_map_lock(mm, addr, &ptl);
	if (!pte) {
		up_read(&mm->mmap_lock);
		free_page(page);
		return FAULT_OOM;
	}
	pteval_t old = *pte;
	if (entry_present(old)) {
		*spurious = true;
		/* Someone else mapped it, or our TLB entry was stale (an
		 * mprotect upgrade): nothing to do but drop our view. */
		spin_unlock(ptl);
		arch_flush_tlb_one(addr);
		put_page(page);         /* never mapped: our reference was the only one */
	} else {
		/* The page's zeroes must be visible before the PTE that maps
		 * it: pairs with the address dependency of whoever reads the
		 * page through the PTE (another CPU's MMU, a lockless walker). */
		smp_wmb();
		WRITE_ONCE(*pte, mk_pte(page_to_phys(page), pteflags));
		__atomic_fetch_add(&mm->rss, 1, __ATOMIC_RELAXED);
		spin_unlock(ptl);
	}
	up_read(&mm->mmap_lock);
	return FAULT_OK;
}
