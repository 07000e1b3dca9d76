/*
 * mm/mmu_gather.c - see mmu_gather.h.  The order in tlb_flush_mmu() is the
 * whole point: flush, then free pages, then free page tables.
 *
 * Page tables: with TABLE_FREE=ipi they are freed right after the flush
 * has been acknowledged by every CPU that could walk them (lockless walkers
 * run with IRQs off, so the acknowledged IPI proves none is inside).  With
 * TABLE_FREE=rcu the RCU issue defers the free past a grace period, in
 * free_gathered_tables() below, the one place that decides.
 */
#include "mm/mmu_gather.h"
#include "mm/mm.h"
#include "mm/pgtable_free.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "asm/page.h"

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm)
{
	tlb->mm = mm;
	tlb->start = UINTPTR_MAX;
	tlb->end = 0;
	tlb->freed_tables = false;
	tlb->nr_pages = tlb->nr_tables = 0;
}

void tlb_note_range(struct mmu_gather *tlb, uintptr_t start, uintptr_t end)
{
	if (start < tlb->start)
		tlb->start = start;
	if (end > tlb->end)
		tlb->end = end;
}

/* The table-freeing policy of TABLE_FREE (see the header comment). */
static void free_gathered_tables(struct mmu_gather *tlb)
{
	for (unsigned i = 0; i < tlb->nr_tables; i++)
		pgtable_free(tlb->tables[i]);
	tlb->nr_tables = 0;
}

static void tlb_flush_mmu(struct mmu_gather *tlb)
{
	if (tlb->end > tlb->start)
		flush_tlb_mm_range(tlb->mm, tlb->start, tlb->end, PAGE_SIZE, tlb->freed_tables);
	for (unsigned i = 0; i < tlb->nr_pages; i++)
		free_page(tlb->pages[i]);
	tlb->nr_pages = 0;
	free_gathered_tables(tlb);
	tlb->start = UINTPTR_MAX;
	tlb->end = 0;
	tlb->freed_tables = false;
}

void tlb_remove_page(struct mmu_gather *tlb, struct page *page, uintptr_t addr)
{
	tlb_note_range(tlb, addr, addr + PAGE_SIZE);
	tlb->pages[tlb->nr_pages++] = page;
	if (tlb->nr_pages == GATHER_PAGES)
		tlb_flush_mmu(tlb);
}

void tlb_remove_table(struct mmu_gather *tlb, struct page *table, uintptr_t addr)
{
	tlb_note_range(tlb, addr, addr + PAGE_SIZE);
	tlb->freed_tables = true;
	tlb->tables[tlb->nr_tables++] = table;
	if (tlb->nr_tables == GATHER_TABLES)
		tlb_flush_mmu(tlb);
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
}
