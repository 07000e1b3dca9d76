/*
 * mm/cow.h - copy-on-write write faults (mm/cow.c, docs/fork.md): the
 * reuse rule, the copy, and the install read-only, flush, make writable
 * that ends each.
 */
#ifndef MM_COW_H
#define MM_COW_H

#include <stdint.h>
#include <stdbool.h>
#include "asm/pgtable.h"
#include "kernel/locking/spinlock.h"
#include "mm/fault.h"

struct mm_struct;
struct page;

/**
 * wp_can_reuse_anon_page() - may a write fault on write-protected @page
 * make it writable in place instead of copying it?  Yes only if the
 * mapping being written holds the one reference there is: no other mm
 * shares it, and no GUP reference or pin (a device, another process's
 * read pin taken before it unmapped) can see it (Linux's
 * wp_can_reuse_anon_folio(), by reference count, not by map count).
 * Context: the PTE lock of a PTE mapping @page held (so the count cannot
 * drop to zero, and no new mapping of it appears: only fork adds one, and
 * it holds this PTE lock to do so).
 */
bool wp_can_reuse_anon_page(struct page *page);

/** copy_user_page() - copy the 4 KiB of @src into @dst. */
void copy_user_page(struct page *dst, struct page *src);

/**
 * do_wp_page() - the write fault on present, write-protected PTE *@ptep
 * at @addr of @mm, in a VMA that allows writing (FAULT=locked and vma:
 * mmap_lock for read or the VMA's read lock held, so neither the VMA nor
 * the PTE table can go).  Called with *@ptl held; returns with it
 * released.  Reuses the page (wp_can_reuse_anon_page), or copies it
 * outside the lock and installs the copy read-only if the PTE is still the
 * same, then flushes every CPU of @mm, drops the old page and makes the
 * copy writable.  @unshare (FAULT_UNSHARE, no FAULT_WRITE: a read pin's
 * fault, in a VMA that need not allow writing): the same decision and
 * copy, but the PTE stays read-only; only the page becomes this mm's
 * exclusively.  @spare: a page
 * the caller allocated (or NULL); used or freed.  *@spurious: the PTE
 * changed meanwhile (nothing done; the access retries).
 * Return: FAULT_OK or FAULT_OOM.
 */
enum fault_result do_wp_page(struct mm_struct *mm, uintptr_t addr, pteval_t *ptep, spinlock_t *ptl,
			     struct page *spare, bool unshare, bool *spurious);

/**
 * cow_needs_unshare() - does a FAULT_UNSHARE fault on present PTE @pte
 * have work to do: a read-only PTE of an anonymous page that another mm
 * may share?  Context: any (the callers recheck under the PTE lock).
 */
bool cow_needs_unshare(pteval_t pte);

/**
 * cow_install() - under the PTE lock, with *@ptep checked still
 * pte_same() as @orig: map @copy (already filled) *read-only* at @addr in
 * place of @orig's page, and take one more reference on @copy for step 5.
 * The caller then drops its locks, calls cow_finish(), and then step 5:
 * cow_make_writable() under the PTE lock if it can still find the PTE,
 * and cow_release_copy() in any case.
 * Return: the PTE installed (what cow_make_writable() expects to find).
 */
pteval_t cow_install(struct mm_struct *mm, uintptr_t addr, pteval_t *ptep, pteval_t orig, struct page *copy);

/**
 * cow_finish() - after cow_install() and once no spinlock or walk section
 * is held: flush @addr on every CPU of @mm (a thread there may still
 * read the old page through its read-only entry), then drop the old
 * mapping's reference and the caller's on @old.
 * Context: IRQs on (it waits for other CPUs).
 */
void cow_finish(struct mm_struct *mm, uintptr_t addr, struct page *old);

/**
 * cow_make_writable() - step 5, under the PTE lock of *@ptep, after
 * cow_finish(): if *@ptep is still @installed and @copy's count is 2 (the
 * mapping's and cow_install()'s), make it writable.
 * Return: false if it was left read-only (counted in cow_left_read_only;
 * the access retries and faults again).
 */
bool cow_make_writable(pteval_t *ptep, pteval_t installed, struct page *copy);

/**
 * cow_release_copy() - step 5's end: clear @copy's PG_cow_pending (waiters
 * go on) and drop cow_install()'s reference.
 */
void cow_release_copy(struct page *copy);

/** cow_copy_pending() - is @page a copy between cow_install() and cow_release_copy()? */
bool cow_copy_pending(struct page *page);

/**
 * cow_wait_copy() - wait until @page is no longer a pending copy.  The
 * caller found it pending under the PTE lock, dropped the lock (and any
 * walk section), and retries the access afterwards (a spurious fault).
 * Context: may yield; no spinlock held.
 */
void cow_wait_copy(struct page *page);

/**
 * cow_may_reuse() - step 1's decision: may a write to write-protected
 * @page make it writable in place?  Never a copy between its steps 3 and
 * 5 (PG_cow_pending); always a page this mm holds exclusively
 * (PAGE_ANON_EXCLUSIVE: whatever else references it, a pin included, came
 * through this mm's PTE); else the count rule, wp_can_reuse_anon_page().
 * Context: as wp_can_reuse_anon_page() (the PTE lock held).
 */
bool cow_may_reuse(struct page *page);

/** cow_reuse() - under the PTE lock: make *@ptep (@orig), which maps
 * @page, writable in place; @page becomes this mm's exclusively. */
void cow_reuse(pteval_t *ptep, pteval_t orig, struct page *page);

/** cow_reuse_unshare() - step 1 of an unshare fault: @page becomes this
 * mm's exclusively, its PTE unchanged (read-only).  Under the PTE lock. */
void cow_reuse_unshare(struct page *page);

/* COW faults resolved by a copy / by reuse, since boot, every path;
 * copies that step 5 left read-only; write faults that waited for a
 * pending copy. */
extern uint64_t cow_copies, cow_reuses, cow_left_read_only, cow_pending_waits;

/* Tests only: when set, every path calls it in the COW copy window (the
 * page copied, the PTE lock not yet taken again), with the address. */
extern void (*cow_test_window)(uintptr_t addr);
/* cow_window() - call cow_test_window if set (the paths' one call site each). */
void cow_window(uintptr_t addr);
/* Tests only: when set, every path calls it once the copy is installed
 * (step 3, the PTE lock dropped) and before the flush of step 4. */
extern void (*cow_test_installed)(uintptr_t addr);
/* cow_installed_window() - call cow_test_installed if set. */
void cow_installed_window(uintptr_t addr);

#endif
