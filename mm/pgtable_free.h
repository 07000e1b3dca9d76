/*
 * mm/pgtable_free.h - the one way a user page-table page is freed.
 *
 * Only after every CPU that could have cached entries read from the table
 * (TLBs and paging-structure caches) has flushed may the page be reused:
 * callers clear the entry pointing to the table, flush, then call this.
 * When that is (after the IPIs are acknowledged, or after an RCU grace
 * period: the TABLE_FREE switch) is decided in one place, mmu_gather.c's
 * free_gathered_tables(); this function only returns the page (poisoned,
 * and held in quarantine for a while so a late reader is caught).
 */
#ifndef MM_PGTABLE_FREE_H
#define MM_PGTABLE_FREE_H

struct page;

/* What a freed page table holds (not present: bit 0 clear). */
#define PT_POISON 0x5a5a5a5a5a5a5a5aull

/** pgtable_free() - give back a page-table page nobody can reach any more. */
void pgtable_free(struct page *pg);

/** pgtable_quarantined() - freed tables held back before reuse (leak checks count them as free). */
unsigned pgtable_quarantined(void);

#endif
