/*
 * mm/pagewalk.h - the one page-table walker: every piece of mm code that
 * goes down the four levels (pgd -> pud -> pmd -> pte) goes through here.
 *
 * Two shapes, as in xv6 and Linux:
 *   pt_walk()          one address, top down, optionally allocating the
 *                      missing tables (xv6's walk()): map, unmap, translate,
 *                      the PTE lookups of faults, the lockless walker;
 *   walk_page_range()  every table under a range, skipping absent entries
 *                      at whatever level they are absent (Linux's
 *                      walk_page_range()): zap, mprotect, freeing empty
 *                      tables, exit.
 * Callers say what to do at the bottom (a PTE table, a leaf) and, for the
 * range walk, after a table's subtree is done (where a table can be freed,
 * children first).  The walker itself takes no lock and frees nothing: the
 * caller's rules (mmap_lock, page_table_lock, the PTE lock, a lockless walk
 * section) are what make its reads safe, and they are stated at each caller.
 *
 * Each entry is read once (READ_ONCE) and the walker descends on that
 * value: a concurrent change of the entry cannot make it follow half of an
 * old and half of a new pointer.
 */
#ifndef MM_PAGEWALK_H
#define MM_PAGEWALK_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
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

#endif
