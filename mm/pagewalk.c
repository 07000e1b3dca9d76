/*
 * mm/pagewalk.c - the one page-table walker (see pagewalk.h).
 */
#include "mm/pagewalk.h"
#include "kernel/atomic.h"

pteval_t *pt_walk(pgd_t *pgd, uintptr_t va, int stop_level, const struct pt_walk_ops *ops, int *level)
{
	pteval_t *table = pgd;
	for (int l = PT_PGD;; l--) {
		pteval_t *slot = &table[pt_index(va, l)];
		if (l == stop_level) {
			*level = l;
			return slot;
		}
		pteval_t e = READ_ONCE(*slot);
		if (ops && ops->check && !ops->check(e, table, l, ops->priv))
			return NULL;
		if (!entry_present(e)) {
			if (!ops || !ops->alloc)
				return NULL;
			e = ops->alloc(slot, l, ops->priv);
			if (!e)
				return NULL;
		}
		if (l != PT_PGD && entry_huge(e)) {   /* a 1 GiB or 2 MiB leaf */
			*level = l;
			return slot;
		}
		table = ops && ops->table_va ? ops->table_va(entry_addr(e)) : pt_table(e);
	}
}

/* The entries of @table (at @level) for [@addr, @end), and below them. */
static void walk_level(pteval_t *table, int level, uintptr_t addr, uintptr_t end,
		       const struct pt_range_ops *ops)
{
	for (uintptr_t next; addr < end; addr = next) {
		next = pt_block_end(addr, level, end);
		pteval_t *slot = &table[pt_index(addr, level)];
		pteval_t e = READ_ONCE(*slot);
		if (!entry_present(e) || entry_huge(e))
			continue;
		if (level == PT_PMD) {
			if (ops->pte_table)
				ops->pte_table(slot, addr, next, ops->priv);
		}
		else
			walk_level(pt_table(e), level - 1, addr, next, ops);
		if (ops->table_done)
			ops->table_done(slot, level, addr, next, ops->priv);
	}
}

void walk_page_range(pgd_t *pgd, uintptr_t start, uintptr_t end, const struct pt_range_ops *ops)
{
	uintptr_t user_end = (uintptr_t)USER_PGD_ENTRIES << PGD_SHIFT;
	if (end > user_end)
		end = user_end;
	if (start < end)
		walk_level(pgd, PT_PGD, start, end, ops);
}
