/*
 * mm/mmu_gather.h - batching the freeing of pages and page tables around
 * one TLB flush.
 *
 *   struct mmu_gather tlb;
 *   tlb_gather_mmu(&tlb, mm);
 *   ... clear PTEs; tlb_remove_page(&tlb, page, addr) for each page,
 *       unhook tables; tlb_remove_table(&tlb, table_page) for each ...
 *   tlb_finish_mmu(&tlb);      flush the range once, then free the pages,
 *                              then free the tables
 *
 * Nothing gathered is freed before the flush that makes it unreachable
 * from every TLB and page walker.  A full batch is flushed and freed early.
 */
#ifndef MM_MMU_GATHER_H
#define MM_MMU_GATHER_H

#include <stdint.h>
#include <stdbool.h>

struct mm_struct;
struct page;

#define GATHER_PAGES  256
#define GATHER_TABLES 64
/* Past the GATHER_PAGES on the gatherer's stack, pages go into batches of
 * one page each, allocated as needed (when none can be had, the gather
 * just flushes early), at most GATHER_MAX_BATCHES: up to about 8,400
 * pages between two flushes, as Linux's mmu_gather allocates batch pages
 * up to MAX_GATHER_BATCH_COUNT.  With only the stack's 256, unmapping 128
 * MiB flushed 128 times, and each flush of a shared mm interrupted every
 * other CPU running it (docs/performance.md). */
#define GATHER_MAX_BATCHES 16
extern unsigned gather_max_batches;     /* gather_batches= (0..64) */

/**
 * tlb_gather_capacity() - how many pages a gather holds before it must
 * flush early, with @batches overflow batches: the stack's GATHER_PAGES
 * and about 510 per batch.  A gather of N pages flushes
 * ceil(N / capacity) times in all (the last in tlb_finish_mmu()), if
 * every batch page could be had and the table array did not fill first.
 */
unsigned tlb_gather_capacity(unsigned batches);

struct gather_batch;

struct mmu_gather {
	struct mm_struct *mm;
	uintptr_t start, end;       /* range touched since the last flush */
	bool freed_tables;
	unsigned nr_pages, nr_tables;
	struct gather_batch *batches;   /* allocated batches, the one being filled first */
	unsigned nr_batches;
	struct page *pages[GATHER_PAGES];
	struct page *tables[GATHER_TABLES];
};

/**
 * tlb_gather_mmu() - start a gather on @mm; it counts as a pending flush of
 * @mm (mm->tlb_flush_pending) until tlb_finish_mmu() has flushed.
 */
void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm);
/** tlb_remove_page() - drop the mapping's reference on @page (mapped at @addr) after the flush. */
void tlb_remove_page(struct mmu_gather *tlb, struct page *page, uintptr_t addr);
/** tlb_remove_table() - free the page-table page @table (covering @addr) after the flush. */
void tlb_remove_table(struct mmu_gather *tlb, struct page *table, uintptr_t addr);
/** tlb_note_range() - PTEs of [@start, @end) changed without freeing (mprotect). */
void tlb_note_range(struct mmu_gather *tlb, uintptr_t start, uintptr_t end);
/** tlb_finish_mmu() - flush, then free pages, then tables. Context: may wait for other CPUs. */
void tlb_finish_mmu(struct mmu_gather *tlb);

/**
 * mm_tlb_flush_nested() - is another gather of @mm between its PTE changes
 * and the end of its flush?  Called by a gatherer after its own PTE walk
 * (so the caller counts itself).  A zap under mmap_lock for read that
 * finds PTEs already cleared by such a gather must flush its whole range
 * itself: the other one's flush may not have reached this CPU yet.
 * Context: between tlb_gather_mmu() and tlb_finish_mmu(), after the PTE
 * table locks of the walk were taken and released.
 */
bool mm_tlb_flush_nested(struct mm_struct *mm);

#endif
