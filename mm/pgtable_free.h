/*
 * mm/pgtable_free.h - the one way a user page-table page is freed.
 *
 * Only after every CPU that could have cached entries read from the table
 * (TLBs and paging-structure caches) has flushed may the page be reused:
 * callers clear the entry pointing to the table, flush, then call this.
 * The TLB-shootdown and RCU issues change the policy here, in one place.
 */
#ifndef MM_PGTABLE_FREE_H
#define MM_PGTABLE_FREE_H

struct page;

/** pgtable_free() - give back a page-table page nobody can reach any more. */
void pgtable_free(struct page *pg);

#endif
