/*
 * mm/mm.c - user address spaces: creation and teardown, the user half of
 * their page tables, and switching between them.
 *
 * New page-table levels are allocated without locks, then installed under
 * mm->page_table_lock if the slot is still empty (another thread may have
 * raced us to it; the loser frees its page).  PTEs are read and written
 * under the split lock of the PTE table that holds them (its struct page's
 * ptl), so faults on different 2 MiB regions do not contend.
 */
#include "mm/mm.h"
#include "mm/pmm.h"
#include "mm/paging.h"
#include "mm/kmalloc.h"
#include "mm/pgtable_free.h"
#include "kernel/panic.h"
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/proc/uapi/syscall.h"
#include "lib/string.h"

struct mm_struct *mm_create(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm));
	struct page *p = alloc_page();
	if (!mm || !p) {
		kfree(mm);
		if (p)
			free_page(p);
		return NULL;
	}
	p->flags |= PG_pagetable;
	mm->pgd = page_address(p);
	mm->pgd_phys = page_to_phys(p);
	memset(mm->pgd, 0, PAGE_SIZE / 2);
	/* The kernel half: the very same PUD tables as every address space. */
	memcpy(mm->pgd + 256, kernel_pgd + 256, PAGE_SIZE / 2);
	atomic_set(&mm->users, 1);
	init_rwsem(&mm->mmap_lock);
	spin_lock_init(&mm->page_table_lock);
	seqcount_init(&mm->seq);
	return mm;
}

void mm_get(struct mm_struct *mm)
{
	atomic_inc(&mm->users);
}

void mm_put(struct mm_struct *mm)
{
	if (!atomic_dec_and_test(&mm->users))
		return;
	/* The last user left it (leave_mm) before dropping its reference;
	 * exit_mmap's table-freeing flush sends lazy CPUs away. */
	exit_mmap(mm);
	if (!cpumask_empty(&mm->cpumask))
		panic("mm_put: mm %p still loaded on CPU %u", (void *)mm, cpumask_first(&mm->cpumask));
	vma_destroy_all(mm);
	pgtable_free(virt_to_page(mm->pgd));
	kfree(mm);
}

uint64_t user_pte_flags(unsigned vm_flags)
{
	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return _PAGE_PROTNONE;              /* PROT_NONE: not present */
	uint64_t f = _PAGE_PRESENT | _PAGE_USER;
	if (vm_flags & VM_WRITE)
		f |= _PAGE_RW;
	if (!(vm_flags & VM_EXEC))
		f |= _PAGE_NX;
	return f;
}

/* The table below @entry, installing a fresh one if @alloc and empty. */
static uint64_t *next_table(struct mm_struct *mm, uint64_t *entry, bool alloc)
{
	uint64_t e = READ_ONCE(*entry);
	if (entry_present(e))
		return __va(entry_addr(e));
	if (!alloc)
		return NULL;
	struct page *p = alloc_page();
	if (!p)
		return NULL;
	p->flags |= PG_pagetable;
	memset(page_address(p), 0, PAGE_SIZE);
	spin_lock(&mm->page_table_lock);
	e = READ_ONCE(*entry);
	if (!entry_present(e)) {
		/* Zeroed contents are visible before the entry (x86: stores
		 * are ordered; the compiler is held by WRITE_ONCE). */
		e = page_to_phys(p) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER;
		WRITE_ONCE(*entry, e);
		p = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (p)
		pgtable_free(p);            /* somebody else installed one; ours was never seen */
	return __va(entry_addr(e));
}

static uint64_t *pte_walk(struct mm_struct *mm, uintptr_t addr, bool alloc, spinlock_t **ptl)
{
	uint64_t *pud = next_table(mm, (uint64_t *)mm->pgd + pgd_index(addr), alloc);
	uint64_t *pmd = pud ? next_table(mm, pud + pud_index(addr), alloc) : NULL;
	uint64_t *pte = pmd ? next_table(mm, pmd + pmd_index(addr), alloc) : NULL;
	if (!pte)
		return NULL;
	*ptl = &virt_to_page(pte)->ptl;
	spin_lock(*ptl);
	return pte + pte_index(addr);
}

uint64_t *pte_alloc_map_lock(struct mm_struct *mm, uintptr_t addr, spinlock_t **ptl)
{
	return pte_walk(mm, addr, true, ptl);
}

uint64_t *pte_lookup_lock(struct mm_struct *mm, uintptr_t addr, spinlock_t **ptl)
{
	return pte_walk(mm, addr, false, ptl);
}

int install_user_page(struct mm_struct *mm, uintptr_t va, struct page *pg, uint64_t pteflags)
{
	spinlock_t *ptl;
	uint64_t *pte = pte_alloc_map_lock(mm, va, &ptl);
	if (!pte)
		return -ENOMEM;
	WRITE_ONCE(*pte, page_to_phys(pg) | pteflags);
	__atomic_fetch_add(&mm->rss, 1, __ATOMIC_RELAXED);
	spin_unlock(ptl);
	return 0;
}
