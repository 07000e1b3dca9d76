/*
 * mm/memory.c - operations on ranges of user PTEs: zapping (munmap,
 * MADV_DONTNEED), changing protections (mprotect), and the TLB flush that
 * must follow both before the change counts as done.
 *
 * Order matters: PTEs are cleared first, then every CPU that may cache them
 * is flushed, and only then are the pages freed.  Freeing before the flush
 * would let another CPU keep writing, through its stale TLB entry, into a
 * page that already belongs to someone else.
 */
#include "mm/mm.h"
#include "mm/pmm.h"
#include "mm/kmalloc.h"
#include "mm/pgtable_free.h"
#include "kernel/smp.h"
#include "kernel/percpu.h"
#include "asm/page.h"

#define FLUSH_CEILING 33    /* pages: above this a full flush is cheaper */

struct flush_args {
	struct mm_struct *mm;
	uintptr_t start, end;
};

static void flush_local(const struct flush_args *a)
{
	if ((a->end - a->start) / PAGE_SIZE > FLUSH_CEILING) {
		arch_flush_tlb_all();
		return;
	}
	for (uintptr_t va = a->start; va < a->end; va += PAGE_SIZE)
		arch_flush_tlb_one(va);
}

static void flush_remote(void *arg)
{
	flush_local(arg);
}

void flush_tlb_mm_range(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	struct flush_args a = { mm, start, end };
	preempt_disable();
	if (cpumask_test_cpu(smp_processor_id(), &mm->cpumask))
		flush_local(&a);
	/* Every other CPU that has this mm loaded; wait for all of them. */
	smp_call_function_many(&mm->cpumask, flush_remote, &a, true);
	preempt_enable();
}

/* A batch of pages to free after the flush. */
#define ZAP_BATCH 256

void zap_range(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	uint64_t batch_pa[ZAP_BATCH];
	while (start < end) {
		int n = 0;
		uintptr_t chunk_start = start;
		while (start < end && n < ZAP_BATCH) {
			spinlock_t *ptl;
			uint64_t *pte = pte_lookup_lock(mm, start, &ptl);
			if (!pte) {
				/* No PTE table: skip to the next 2 MiB boundary. */
				start = (start + PMD_SIZE) & ~(PMD_SIZE - 1);
				continue;
			}
			uint64_t old = *pte;
			if (old & (_PAGE_PRESENT | _PAGE_PROTNONE)) {
				WRITE_ONCE(*pte, 0);
				batch_pa[n++] = entry_addr(old);
				__atomic_fetch_sub(&mm->rss, 1, __ATOMIC_RELAXED);
			}
			spin_unlock(ptl);
			start += PAGE_SIZE;
		}
		if (start > end)
			start = end;
		if (n) {
			flush_tlb_mm_range(mm, chunk_start, start);
			for (int i = 0; i < n; i++)
				free_page(phys_to_page(batch_pa[i]));
		}
	}
}

void change_protection(struct mm_struct *mm, uintptr_t start, uintptr_t end, unsigned vm_flags)
{
	uint64_t newf = user_pte_flags(vm_flags);
	bool any = false;
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
			any = true;
		}
		spin_unlock(ptl);
		va += PAGE_SIZE;
	}
	/* An upgrade needs no flush (a stale, stricter entry only causes a
	 * spurious fault, which the fault handler resolves); a downgrade
	 * does.  Flushing always is simpler and still correct. */
	if (any)
		flush_tlb_mm_range(mm, start, end);
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
	uintptr_t a = start & ~(PMD_SIZE - 1);
	while (a < end) {
		struct page *dead[64];
		int n = 0;
		uintptr_t chunk = a;
		uint64_t *pgd = (uint64_t *)mm->pgd;
		spin_lock(&mm->page_table_lock);
		/* Each PMD slot whose 2 MiB region meets [start, end), bottom
		 * up: empty PTE tables, then PMD and PUD tables left empty.  At
		 * most 3 pages per step: stop before the batch can overflow. */
		for (; a < end && n <= 61; a += PMD_SIZE) {
			uint64_t *pgde = &pgd[pgd_index(a)];
			if (!entry_present(*pgde))
				continue;
			uint64_t *pud = __va(entry_addr(*pgde));
			uint64_t *pude = &pud[pud_index(a)];
			if (!entry_present(*pude))
				continue;
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
		spin_unlock(&mm->page_table_lock);
		if (!n)
			continue;
		/* The CPUs' paging-structure caches may still hold entries read
		 * from these tables: flush before the pages can be reused. */
		flush_tlb_mm_range(mm, chunk, a);
		for (int i = 0; i < n; i++)
			pgtable_free(dead[i]);
	}
}
