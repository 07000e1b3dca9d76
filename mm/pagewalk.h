/*
 * mm/pagewalk.h - the one page-table walker: every piece of mm code that
 * goes down the four levels (pgd -> pud -> pmd -> pte) goes through here.
 *
 * Three shapes, as in xv6 and Linux:
 *   pt_walk()          one address, top down, optionally allocating the
 *                      missing tables (xv6's walk()): map, unmap, translate,
 *                      the PTE lookups of faults, the lockless walker;
 *   walk_page_range()  every table under a range, skipping absent entries
 *                      at whatever level they are absent (Linux's
 *                      walk_page_range()): zap, mprotect, freeing empty
 *                      tables, exit;
 *   pt_walk_range_once()  a range in address order, each upper entry read
 *                      once, each PTE table handed over whole, stopping at
 *                      the first hole (Linux's gup_fast_pgd_range()): fast
 *                      GUP.
 * Callers say what to do at the bottom (a PTE table, a leaf) and, for the
 * range walk, after a table's subtree is done (where a table can be freed,
 * children first).  The walker itself takes no lock and frees nothing: the
 * caller's rules (mmap_lock, page_table_lock, the PTE lock, a lockless walk
 * section) are what make its reads safe, and they are stated at each caller.
 *
 * Each entry is read once (READ_ONCE) and the walker descends on that
 * value: a concurrent change of the entry cannot make it follow half of an
 * old and half of a new pointer.  Ordering (LKMM): the address of the next
 * table is computed from that READ_ONCE value, an address dependency, so
 * the loads from the table come after the load of the entry on every CPU
 * without a barrier.  That is the reader's half of the table publish: the
 * installers (user_table_alloc() in mm/mm.c, kernel_table_alloc() in
 * mm/paging.c) zero the table, smp_wmb(), then store the entry.
 */
#ifndef MM_PAGEWALK_H
#define MM_PAGEWALK_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "kernel/atomic.h"
#include "asm/pgtable.h"

/* Levels, counted from the bottom as the hardware walk ends. */
enum pt_level { PT_PTE = 1, PT_PMD = 2, PT_PUD = 3, PT_PGD = 4 };

/** pt_level_shift() - log2 of the bytes one entry at @level covers. */
static inline unsigned pt_level_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned)(level - 1);
}

/** pt_index() - the index of @va in a table of @level. */
static inline unsigned pt_index(uintptr_t va, int level)
{
	return (va >> pt_level_shift(level)) & (PTRS_PER_TABLE - 1);
}

/** pt_table() - the table an upper-level entry @e points to (direct map). */
static inline pteval_t *pt_table(pteval_t e) { return __va(entry_addr(e)); }

struct pt_walk_ops {
	/*
	 * Optional: the entry *@slot (at @level, above the leaf) is empty;
	 * install a table there and return the entry now in the slot, or 0 to
	 * stop the walk (out of memory, or not wanted).  Without it the walk
	 * stops at an empty entry.
	 */
	pteval_t (*alloc)(pteval_t *slot, int level, void *priv);
	/*
	 * Optional: look at each upper-level entry as read (before following
	 * it); return false to stop the walk.  The lockless walker detects
	 * poisoned (freed) tables here.
	 */
	bool (*check)(pteval_t entry, const pteval_t *table, int level, void *priv);
	/*
	 * Optional: where the table at physical @pa can be read.  Default: the
	 * direct map (__va); boot code that runs before the direct map exists
	 * gives its own.
	 */
	void *(*table_va)(uint64_t pa);
	void *priv;
};

/**
 * pt_walk() - go from the root @pgd towards the entry for @va, down to
 * @stop_level (PT_PTE for a 4 KiB leaf, PT_PMD to place a 2 MiB page).
 * A huge entry on the way ends the walk there (it is the leaf).
 * Return: the slot of the lowest entry reached (*@level says which level),
 * or NULL if a level was absent (and @ops could not allocate it) or
 * @ops->check said stop.  Context: the caller keeps the tables alive.
 */
pteval_t *pt_walk(pgd_t *pgd, uintptr_t va, int stop_level, const struct pt_walk_ops *ops, int *level);

struct pt_range_ops {
	/*
	 * Optional: for each present PMD entry that points to a PTE table: the PTEs
	 * covering [@addr, @end) (within one table) are the caller's to visit.
	 */
	void (*pte_table)(pteval_t *pmd_entry, uintptr_t addr, uintptr_t end, void *priv);
	/*
	 * Optional, post-order: each present entry at @level (PT_PMD, PT_PUD
	 * or PT_PGD) that points to a table, once everything below it inside
	 * the range has been visited; [@addr, @end) is the part of the range
	 * it covers.  The place to unhook and free tables, children first.
	 */
	void (*table_done)(pteval_t *entry, int level, uintptr_t addr, uintptr_t end, void *priv);
	void *priv;
};

/**
 * walk_page_range() - visit the tables under [@start, @end) of the user
 * half of @pgd, skipping absent (and huge) entries at every level, so the
 * cost follows what is mapped, not the size of the range.
 * Context: the caller holds what keeps the tables from being freed under
 * it (mmap_lock, or being their only user).
 */
void walk_page_range(pgd_t *pgd, uintptr_t start, uintptr_t end, const struct pt_range_ops *ops);

/** pt_block_end() - the end of @addr's entry at @level, clipped to @end (no wrap: user half). */
static inline uintptr_t pt_block_end(uintptr_t addr, int level, uintptr_t end)
{
	uintptr_t next = (addr | ((1ul << pt_level_shift(level)) - 1)) + 1;
	return next < end ? next : end;
}

struct pt_range_once_ops {
	/*
	 * Optional: each upper entry (@level PT_PGD, PT_PUD or PT_PMD of
	 * @table) as read, before the walker looks at it; false to stop.
	 */
	bool (*check)(pteval_t entry, const pteval_t *table, int level, void *priv);
	/*
	 * The PTE table under the PMD entry *@pmd_slot, read once as @pmd,
	 * for [@addr, @end) (within that table); false to stop.
	 */
	bool (*pte_range)(pteval_t *pmd_slot, pteval_t pmd, uintptr_t addr, uintptr_t end, void *priv);
	void *priv;
};

/* One upper entry for pt_walk_range_once: its slot and value (*@ep), or
 * NULL to stop (check refused it, absent, or a huge leaf). */
static inline pteval_t *pt_range_entry(pteval_t *table, int level, uintptr_t addr,
				       const struct pt_range_once_ops *ops, pteval_t *ep)
{
	pteval_t *slot = &table[pt_index(addr, level)];
	pteval_t e = READ_ONCE(*slot);
	if (ops->check && !ops->check(e, table, level, ops->priv))
		return NULL;
	if (!entry_present(e) || (level != PT_PGD && entry_huge(e)))
		return NULL;
	*ep = e;
	return slot;
}

/**
 * pt_walk_range_once() - go down [@start, @end) of the user half of @pgd
 * once, in address order: each PGD, PUD and PMD entry is read once
 * (READ_ONCE) and followed as read, and each PTE table is handed whole to
 * @ops->pte_range, which loops over its PTEs.  A range of n pages inside
 * one PTE table costs one descent, not n.  Unlike walk_page_range() it
 * stops at the first upper entry that is absent, huge or refused by
 * @ops->check, or when @ops->pte_range returns false: its caller (fast
 * GUP) wants pages from @start on without gaps, and leaves the rest to
 * code that can decide from the VMA.
 * Inline, so that a caller's constant @ops are direct calls (the compiler
 * sees them) rather than indirect ones.
 * Return: true if the whole range was handed over and accepted.
 * Context: the caller keeps the tables from being freed (fast GUP: a
 * lockless walk section).
 */
static inline __attribute__((always_inline)) bool
pt_walk_range_once(pgd_t *pgd, uintptr_t start, uintptr_t end, const struct pt_range_once_ops *ops)
{
	for (uintptr_t a4 = start, n4; a4 != end; a4 = n4) {
		n4 = pt_block_end(a4, PT_PGD, end);
		pteval_t e4, e3, e2;
		if (!pt_range_entry(pgd, PT_PGD, a4, ops, &e4))
			return false;
		for (uintptr_t a3 = a4, n3; a3 != n4; a3 = n3) {
			n3 = pt_block_end(a3, PT_PUD, n4);
			if (!pt_range_entry(pt_table(e4), PT_PUD, a3, ops, &e3))
				return false;
			for (uintptr_t a2 = a3, n2; a2 != n3; a2 = n2) {
				n2 = pt_block_end(a2, PT_PMD, n3);
				pteval_t *pmd_slot = pt_range_entry(pt_table(e3), PT_PMD, a2, ops, &e2);
				if (!pmd_slot || !ops->pte_range(pmd_slot, e2, a2, n2, ops->priv))
					return false;
			}
		}
	}
	return true;
}

#endif
