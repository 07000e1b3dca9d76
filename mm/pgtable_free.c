/*
 * mm/pgtable_free.c - freeing page-table pages (see pgtable_free.h).
 * Today: straight back to the frame allocator.
 */
#include "mm/pgtable_free.h"
#include "mm/pmm.h"

void pgtable_free(struct page *pg)
{
	pg->flags &= ~PG_pagetable;
	free_page(pg);
}
