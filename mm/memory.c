/*
 * mm/memory.c - operations on ranges of user PTEs: zapping (munmap,
 * MADV_DONTNEED, exit), freeing the page tables left empty, and changing
 * protections (mprotect).
 *
 * Order matters: PTEs are cleared first, then every CPU that may cache them
 * is flushed, and only then are the pages freed (mmu_gather does the last
 * two).  Freeing before the flush would let another CPU keep writing,
 * through its stale TLB entry, into a page that already belongs to someone
 * else.
 */
#include "mm/mm.h"
#include "mm/mmu_gather.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "asm/page.h"

void zap_range(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	for (uintptr_t va = start; va < end;) {
		spinlock_t *ptl;
		uint64_t *pte = pte_lookup_lock(mm, va, &ptl);
		if (!pte) {
			/* No PTE table here: skip to the next 2 MiB boundary. */
			va = (va + PMD_SIZE) & ~(PMD_SIZE - 1);
			continue;
		}
		/* Clear the rest of this PTE table under one lock hold. */
		uintptr_t table_end = (va + PMD_SIZE) & ~(PMD_SIZE - 1);
		struct page *batch[64];
		unsigned n = 0;
		for (; va < end && va < table_end && n < 64; va += PAGE_SIZE, pte++) {
			uint64_t old = *pte;
			if (old & (_PAGE_PRESENT | _PAGE_PROTNONE)) {
				WRITE_ONCE(*pte, 0);
				batch[n++] = phys_to_page(entry_addr(old));
				__atomic_fetch_sub(&mm->rss, 1, __ATOMIC_RELAXED);
				tlb_note_range(&tlb, va, va + PAGE_SIZE);
			}
		}
		spin_unlock(ptl);
		for (unsigned i = 0; i < n; i++)    /* may flush when full: not under ptl */
			tlb_remove_page(&tlb, batch[i], 0);
	}
	tlb_finish_mmu(&tlb);
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

void free_empty_tables(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	uint64_t *pgd = (uint64_t *)mm->pgd;
	/* Each PMD slot whose 2 MiB region meets [start, end), bottom up:
	 * empty PTE tables, then PMD and PUD tables left empty.  No fault can
	 * walk them meanwhile: we hold mmap_lock for write. */
	for (uintptr_t a = start & ~(PMD_SIZE - 1); a < end; a += PMD_SIZE) {
		struct page *dead[3];
		int n = 0;
		spin_lock(&mm->page_table_lock);
		uint64_t *pgde = &pgd[pgd_index(a)];
		if (entry_present(*pgde)) {
			uint64_t *pud = __va(entry_addr(*pgde));
			uint64_t *pude = &pud[pud_index(a)];
			if (entry_present(*pude)) {
				uint64_t *pmd = __va(entry_addr(*pude));
				uint64_t *pmde = &pmd[pmd_index(a)];
				if (entry_present(*pmde) && table_empty(__va(entry_addr(*pmde)))) {
					dead[n++] = phys_to_page(entry_addr(*pmde));
					WRITE_ONCE(*pmde, 0);
				}
				if (table_empty(pmd)) {
					dead[n++] = virt_to_page(pmd);
					WRITE_ONCE(*pude, 0);
					if (table_empty(pud)) {
						dead[n++] = virt_to_page(pud);
						WRITE_ONCE(*pgde, 0);
					}
				}
			}
		}
		spin_unlock(&mm->page_table_lock);
		for (int i = 0; i < n; i++)
			tlb_remove_table(&tlb, dead[i], a);
	}
	tlb_finish_mmu(&tlb);
}

void change_protection(struct mm_struct *mm, uintptr_t start, uintptr_t end, unsigned vm_flags)
{
	uint64_t newf = user_pte_flags(vm_flags);
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	for (uintptr_t va = start; va < end;) {
		spinlock_t *ptl;
		uint64_t *pte = pte_lookup_lock(mm, va, &ptl);
		if (!pte) {
			va = (va + PMD_SIZE) & ~(PMD_SIZE - 1);
			continue;
		}
		uint64_t old = *pte;
		if (old & (_PAGE_PRESENT | _PAGE_PROTNONE)) {
			WRITE_ONCE(*pte, entry_addr(old) | newf);
			/* An upgrade needs no flush (a stale, stricter entry only
			 * causes a spurious fault, which the fault handler
			 * resolves); a downgrade does.  Flushing both is simpler
			 * and still correct. */
			tlb_note_range(&tlb, va, va + PAGE_SIZE);
		}
		spin_unlock(ptl);
		va += PAGE_SIZE;
	}
	tlb_finish_mmu(&tlb);
}

void exit_mmap(struct mm_struct *mm)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	uint64_t *pgd = (uint64_t *)mm->pgd;
	for (unsigned i = 0; i < 256; i++) {
		if (!entry_present(pgd[i]))
			continue;
		uint64_t *pud = __va(entry_addr(pgd[i]));
		for (unsigned j = 0; j < 512; j++) {
			if (!entry_present(pud[j]))
				continue;
			uint64_t *pmd = __va(entry_addr(pud[j]));
			for (unsigned k = 0; k < 512; k++) {
				if (!entry_present(pmd[k]))
					continue;
				uint64_t *pte = __va(entry_addr(pmd[k]));
				uintptr_t base = ((uintptr_t)i << PGD_SHIFT) | ((uintptr_t)j << PUD_SHIFT) |
						 ((uintptr_t)k << PMD_SHIFT);
				for (unsigned l = 0; l < 512; l++)
					if (pte[l] & (_PAGE_PRESENT | _PAGE_PROTNONE))
						tlb_remove_page(&tlb, phys_to_page(entry_addr(pte[l])),
								base + l * PAGE_SIZE);
				tlb_remove_table(&tlb, virt_to_page(pte), base);
			}
			tlb_remove_table(&tlb, virt_to_page(pmd), (uintptr_t)i << PGD_SHIFT);
		}
		tlb_remove_table(&tlb, virt_to_page(pud), (uintptr_t)i << PGD_SHIFT);
		pgd[i] = 0;
	}
	/* By now no thread of the mm runs, and the CPUs that ran one have
	 * switched away (their CR3 writes flushed them) or hold the mm only
	 * lazily.  The flush (it frees tables, so it reaches lazy CPUs) sends
	 * those away too.  An mm no other CPU has loaded gets no remote flush
	 * at all: its cpumask is empty, and without a loaded CR3 no TLB or
	 * page walker can hold anything of it. */
	tlb_finish_mmu(&tlb);
}
