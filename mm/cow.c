/*
 * mm/cow.c - the copy-on-write write fault (Linux's do_wp_page(),
 * wp_page_reuse(), wp_page_copy()), shared by the three fault paths;
 * docs/fork.md has the protocol as numbered steps.
 *
 * A write to a present, write-protected PTE in a VMA that allows writing
 * is a COW fault (fork left the page shared, or mprotect left a shared
 * page read-only).  Under the PTE lock:
 *   1. reuse: if the page is this mm's exclusively (PAGE_ANON_EXCLUSIVE,
 *      mm/page.h), or the faulting mapping holds its only reference
 *      (wp_can_reuse_anon_page), make the PTE writable; done
 *      (cow_may_reuse, cow_reuse).  Only a local flush: other CPUs may
 *      keep the read-only entry, which at worst makes them fault once
 *      more (spurious, resolved at once).
 *   2. else take a reference (the page must outlive the copy), drop the
 *      lock, and copy it into a new page outside any lock;
 *   3. take the PTE lock again; if the PTE is no longer the one read in
 *      1 (zapped, replaced, another thread's COW won), give up: the
 *      access retries.  Else install the copy *read-only*, holding one
 *      more reference on it until step 5 (cow_install);
 *   4. drop the lock, flush the address on every CPU of the mm, and only
 *      then drop the old page's mapping reference (cow_finish): another
 *      thread's read-only TLB entry still reaches the old page until the
 *      flush, and the old page may be freed by the put;
 *   5. take the PTE lock again; if the PTE still maps the copy read-only
 *      and the copy's count is still 2 (the mapping's and step 3's), make
 *      it writable (no flush: a permission upgrade); drop step 3's
 *      reference (cow_make_writable, cow_release_copy).  Else leave it:
 *      the access retries and faults again.  From step 3 to here the copy
 *      carries PG_cow_pending: another thread's write fault on it (before its step 1)
 *      drops the lock and waits for the flag to clear (cow_wait_copy),
 *      then retries, rather than copy the copy; two writers of one page
 *      would otherwise keep each other's copies read-only, each taking
 *      the reference that makes the other's step 5 refuse.
 * How each path holds the VMA and the table across 2-5: mm/fault.c.
 *
 * Why read-only until the flush.  While any CPU may still hold the old
 * translation, no CPU may be able to write the copy: a thread on a third
 * CPU could write it through the new PTE and then tell the stale CPU,
 * which would read the old page's bytes after seeing the message (a
 * causality break, not just a late view).  Linux keeps the same rule by
 * clearing the PTE and flushing *before* it sets the new one, with the
 * PTE lock held across the IPIs (wp_page_copy()).  This kernel cannot
 * wait for IPIs under a PTE lock that the IPI design's speculative faults
 * spin on with IRQs off, so it publishes the copy read-only, flushes with
 * no lock held, and upgrades.
 * The extra reference makes everything else treat the copy as shared
 * until then (the reuse rule refuses it; fork would see count 3), and
 * PG_cow_pending makes other write faults wait instead of copying it.
 * COW_ORDER_BROKEN=1 installs the copy writable before the flush (the
 * order before this rule); suite fork's test_cow_flush_order catches it.
 *
 * The invariant: a page is writable through some PTE only while that PTE
 * is the page's one mapping and every other reference to it came through
 * that PTE (its count is 1, or it is exclusive: pins and GUP references
 * of this mm; fork copies maybe-pinned pages and marks the pages it
 * shares SHARED), and no CPU can still reach another page through that
 * address: so a write is seen by everyone who can see the page, and by no
 * one else.
 */
#include "mm/cow.h"
#include "mm/fork.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/sched/sched.h"
#include "kernel/time.h"
#include "lib/string.h"
#include "asm/cpu.h"
#include "asm/page.h"

uint64_t cow_copies, cow_reuses, cow_left_read_only, cow_pending_waits;
void (*cow_test_window)(uintptr_t addr);
void (*cow_test_installed)(uintptr_t addr);

void cow_window(uintptr_t addr)
{
	void (*hook)(uintptr_t) = READ_ONCE(cow_test_window);
	if (hook)
		hook(addr);
}

void cow_installed_window(uintptr_t addr)
{
	void (*hook)(uintptr_t) = READ_ONCE(cow_test_installed);
	if (hook)
		hook(addr);
}

bool wp_can_reuse_anon_page(struct page *page)
{
#ifdef CONFIG_COW_REUSE_BROKEN
	/* Test-only: decided by the number of mappings (here: the count
	 * with pins left out), as Linux did before 5.8: a page the child
	 * read-pinned and then unmapped looks like the parent's alone. */
	return page_ref_count(page) % GUP_PIN_COUNTING_BIAS == 1;
#else
	/* LAB 7 BEGIN: the reuse-or-copy decision: reuse only if the faulting mapping holds the page's one reference (a pin counts too) */
	/* One reference: our mapping's.  A pin is GUP_PIN_COUNTING_BIAS
	 * references, so a pinned page never passes. */
	return page_ref_count(page) == 1;
	/* LAB 7 STUB:
	(void)page;
	return false;
	*/
	/* LAB 7 END */
#endif
}

void copy_user_page(struct page *dst, struct page *src)
{
	memcpy(page_address(dst), page_address(src), PAGE_SIZE);
}

bool cow_may_reuse(struct page *page)
{
	/* A copy between steps 3 and 5 is made writable by its own fault's
	 * step 5 and nothing else: not before the flush (mm/cow.c's header). */
	if (cow_copy_pending(page))
		return false;
#ifndef CONFIG_ANON_EXCLUSIVE_BROKEN
	/* This mm's alone: whatever else holds a reference to it (a pin, a
	 * GUP reference) took it through this mm's PTE, so it must keep
	 * seeing this mm's writes: reuse, never copy away from it. */
	if (page_anon_exclusive(page))
		return true;
#endif
	return wp_can_reuse_anon_page(page);
}

void cow_reuse_unshare(struct page *page)
{
	/* The PTE stays read-only: a read pin asked, not a write.  The next
	 * write fault reuses the page (exclusive) without a copy. */
	page_set_anon(page, PAGE_ANON_EXCLUSIVE);
	__atomic_fetch_add(&cow_reuses, 1, __ATOMIC_RELAXED);
}

void cow_reuse(pteval_t *ptep, pteval_t orig, struct page *page)
{
	/* Reused by the count (or already so): ours alone from now on, until
	 * a fork shares it. */
	page_set_anon(page, PAGE_ANON_EXCLUSIVE);
	/* No smp_wmb: the page's contents do not change, only the right to
	 * write them, and only the PTE's owner (us) can then write. */
	WRITE_ONCE(*ptep, pte_mkwrite(orig));
	__atomic_fetch_add(&cow_reuses, 1, __ATOMIC_RELAXED);
}

pteval_t cow_install(struct mm_struct *mm, uintptr_t addr, pteval_t *ptep, pteval_t orig, struct page *copy)
{
	(void)mm, (void)addr;
	pteval_t installed = mk_pte(page_to_phys(copy), pte_flags(pte_wrprotect(orig)));
#ifdef CONFIG_COW_ORDER_BROKEN
	/* Test-only: writable at once, before cow_finish()'s flush. */
	installed = pte_mkwrite(installed);
#else
	/* Step 5's reference: until the flush is done and the PTE writable,
	 * the copy counts as shared, so no other fault reuses it (makes it
	 * writable) and a fork in the window leaves it to the copy path. */
	get_page(copy);
	/* Seen by other write faults under this PTE lock (cow_copy_pending),
	 * and by fast GUP through the PTE (the smp_wmb below).  A plain
	 * store: until step 5 this fault is the copy's only owner, and no
	 * one else writes a mapped user page's flags (mm/page.h). */
	WRITE_ONCE(copy->flags, copy->flags | PG_cow_pending);
#endif
	/* This mm's alone (cow_may_reuse() still refuses it while pending). */
	page_set_anon(copy, PAGE_ANON_EXCLUSIVE);
	/* The copied bytes (and ->anon) before the PTE that maps them: pairs
	 * with the address dependency of whoever reads the page through the
	 * PTE (another CPU's MMU, fast GUP), as a demand-zero install does. */
	smp_wmb();
	WRITE_ONCE(*ptep, installed);
	__atomic_fetch_add(&cow_copies, 1, __ATOMIC_RELAXED);
	return installed;
}

void cow_finish(struct mm_struct *mm, uintptr_t addr, struct page *old)
{
	flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE, PAGE_SIZE, false);
	put_page(old);              /* the old PTE's reference */
	put_page(old);              /* ours, from step 2 */
}

bool cow_make_writable(pteval_t *ptep, pteval_t installed, struct page *copy)
{
#ifdef CONFIG_COW_ORDER_BROKEN
	(void)ptep, (void)installed, (void)copy;
	return true;                /* cow_install() made it writable */
#else
	pteval_t now = READ_ONCE(*ptep);
	/* The count: the mapping's and step 3's.  More means a fork, a GUP
	 * reference or a pin arrived meanwhile: the page is shared now, and
	 * the retried access takes the copy path like any shared page. */
	if (!pte_same(now, installed) || page_ref_count(copy) != 2) {
		__atomic_fetch_add(&cow_left_read_only, 1, __ATOMIC_RELAXED);
		return false;
	}
	/* No smp_wmb and no flush: the bytes were published with the PTE in
	 * step 3; a CPU that cached the read-only entry faults once more on
	 * a write and finds the PTE writable (spurious). */
	WRITE_ONCE(*ptep, pte_mkwrite(now));
	return true;
#endif
}

void cow_release_copy(struct page *copy)
{
#ifndef CONFIG_COW_ORDER_BROKEN
	/* Release: step 5's PTE store (if any) before the flag's clear, so a
	 * waiter that sees the flag clear retries against the final PTE.
	 * Pairs with the acquire in cow_wait_copy().  Cleared before the put,
	 * so no freed frame ever carries the flag. */
	smp_store_release(&copy->flags, copy->flags & ~PG_cow_pending);
	put_page(copy);             /* step 3's reference */
#else
	(void)copy;
#endif
}

bool cow_copy_pending(struct page *page)
{
	return READ_ONCE(page->flags) & PG_cow_pending;
}

void cow_wait_copy(struct page *page)
{
	/* No reference is held: the frame may be freed and reused once the
	 * flag clears, but the flag is always cleared before that (it is
	 * cleared before the last put); a reused frame that became another
	 * pending copy only makes this wait for that one too.  IRQs on (the
	 * fault we wait for waits for this CPU's answer to its flush IPI),
	 * and a yield now and then: that fault may be preempted on this very
	 * CPU. */
	might_sleep();
	__atomic_fetch_add(&cow_pending_waits, 1, __ATOMIC_RELAXED);
	for (unsigned spins = 1; smp_load_acquire(&page->flags) & PG_cow_pending; spins++) {
		if (spins % 256 == 0)
			yield();
		else
			cpu_relax();
	}
}

/* Step 5 for the paths that hold the VMA (locked, vma): no table under a
 * live VMA is freed, so step 3's slot and lock still serve. */
static void cow_upgrade(pteval_t *ptep, spinlock_t *ptl, pteval_t installed, struct page *copy)
{
	spin_lock(ptl);
	cow_make_writable(ptep, installed, copy);
	spin_unlock(ptl);
	cow_release_copy(copy);
}

bool cow_needs_unshare(pteval_t pte)
{
	/* The PTE may have changed since GUP asked: only a frame with a
	 * struct page is looked at. */
	uint64_t pfn = entry_addr(pte) >> PAGE_SHIFT;
	return entry_present(pte) && !pte_write(pte) && pfn < max_pfn &&
	       READ_ONCE(pfn_to_page(pfn)->anon) == PAGE_ANON_SHARED;
}

enum fault_result do_wp_page(struct mm_struct *mm, uintptr_t addr, pteval_t *ptep, spinlock_t *ptl,
			     struct page *spare, bool unshare, bool *spurious)
{
	*spurious = false;
	pteval_t orig = *ptep;
	struct page *old = phys_to_page(entry_addr(orig));
	if (unshare && !cow_needs_unshare(orig)) {  /* unshared meanwhile */
		spin_unlock(ptl);
		if (spare)
			put_page(spare);
		*spurious = true;
		return FAULT_OK;
	}
	if (cow_copy_pending(old)) {                /* another fault's step 3-5 */
		spin_unlock(ptl);
		if (spare)
			put_page(spare);
		cow_wait_copy(old);
		*spurious = true;                   /* nothing done: the access retries */
		return FAULT_OK;
	}
	if (cow_may_reuse(old)) {                   /* step 1 */
		if (unshare)
			cow_reuse_unshare(old);
		else
			cow_reuse(ptep, orig, old);
		spin_unlock(ptl);
		arch_flush_tlb_one(addr);               /* our own read-only entry */
		if (spare)
			put_page(spare);
		return FAULT_OK;
	}
	get_page(old);                              /* step 2 */
	spin_unlock(ptl);
	struct page *copy = spare ? spare : alloc_page();
	if (!copy) {
		put_page(old);
		return FAULT_OOM;
	}
	copy_user_page(copy, old);
	uint64_t delay = READ_ONCE(fault_test_delay_ns);
	if (delay)
		udelay(delay / 1000);
	cow_window(addr);
	/* Step 3.  The table is still there: our caller's lock (mmap_lock
	 * or the VMA's) keeps the VMA, and no table under a VMA is freed. */
	ptep = pte_lookup_lock(mm, addr, &ptl);
	if (!ptep || !pte_same(*ptep, orig)) {
		if (ptep)
			spin_unlock(ptl);
		put_page(copy);
		put_page(old);
		*spurious = true;
		return FAULT_OK;
	}
	pteval_t installed = cow_install(mm, addr, ptep, orig, copy);
	spin_unlock(ptl);
	cow_installed_window(addr);
	cow_finish(mm, addr, old);                  /* step 4 */
	if (unshare)
		cow_release_copy(copy);             /* step 5 without the upgrade */
	else
		cow_upgrade(ptep, ptl, installed, copy);    /* step 5 */
	return FAULT_OK;
}

/* The monitor's `cow`: what forks and COW faults did since boot (lab 7). */
static int cmd_cow(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		mon_printf("error: cow takes no arguments\n");
		return -EINVAL;
	}
	mon_printf("fork: %llu pages shared copy-on-write, %llu copied at fork (maybe pinned)\n",
		   (unsigned long long)READ_ONCE(fork_pages_shared), (unsigned long long)READ_ONCE(fork_pages_copied));
	mon_printf("cow and unshare faults (FAULT=%s): %llu copied, %llu reused (the page was the faulting mm's alone)\n",
		   CONFIG_FAULT_NAME, (unsigned long long)READ_ONCE(cow_copies),
		   (unsigned long long)READ_ONCE(cow_reuses));
	mon_printf("copies left read-only after the flush (shared or changed meanwhile; the access retried): %llu\n",
		   (unsigned long long)READ_ONCE(cow_left_read_only));
	mon_printf("write faults and GUP lookups that waited for another fault's copy to become writable: %llu\n",
		   (unsigned long long)READ_ONCE(cow_pending_waits));
	return 0;
}
MONITOR_COMMAND(cow, "cow", "", "fork and copy-on-write: pages shared or copied at fork, COW faults copied or reused",
		cmd_cow);
