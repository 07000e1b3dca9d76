/*
 * tests/kernel/cow_steps.c - suite `cow_steps`: fork's sharing and the COW
 * fault's reuse rule (mm/fork.c, mm/cow.c, docs/fork.md) one decision at a
 * time, with page-table and reference-count checks where suite `fork`
 * checks only what each side reads.
 *
 * Suite `fork` tests the behaviour: isolation under a write storm, pins,
 * the exploit shape.  An eager fork that copies every page passes much of
 * it, since copying is always safe.  These cases look at the mechanism, so
 * that each piece of lab 7 (docs/labs/lab7-cow.md) fails a case named
 * after it until it is written:
 *
 *   test_fork_shares_cow     after fork both PTEs map the same page, both
 *                            read-only, the page's count 2; the parent's
 *                            first write copies (fork_share_pte()).
 *   test_fork_copies_pinned  a page pinned for write before fork is copied
 *                            for the child, the others shared; the parent
 *                            keeps its writable PTE to the pinned page
 *                            (fork_must_copy()).
 *   test_cow_reuse_decision  the reuse rule: a page whose only reference is
 *                            the faulting mapping's is reused in place; a
 *                            shared one is copied; one the child read-pinned
 *                            and unmapped is copied (the count with the pin,
 *                            not the number of mappings decides)
 *                            (wp_can_reuse_anon_page()).
 *
 *   test_pinned_page_stays_exclusive  pages this mm faulted in are
 *                            exclusive; pinned (for write, and for read
 *                            while read-only), then through an mprotect
 *                            cycle, they are writable again at once and the
 *                            writes reach the pins: no copy
 *                            (cow_may_reuse(); ANON_EXCLUSIVE_BROKEN=1
 *                            fails it).
 *   test_read_pin_unshares   a read pin of a page shared with a child: the
 *                            fast part refuses it (GUP_FB_UNSHARE), the
 *                            slow part's unshare fault copies it for the
 *                            parent (the PTE left read-only, also in a
 *                            read-only mapping) and pins the copy, which
 *                            then sees the parent's writes;
 *                            after the child's exit a read pin reuses the
 *                            page in place (mm/gup.c's needs_unshare();
 *                            ANON_EXCLUSIVE_BROKEN=1 fails it).
 *
 * Every case ends with frames and heap back at their baseline.  Each runs
 * on one CPU (no race): the racy side of COW (the parent's TLB flush at
 * fork) is suite fork's test_cow_isolation.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/forkutil.h"
#include "kernel/errno.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/cow.h"
#include "mm/fork.h"
#include "mm/gup.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/page.h"
#include "mm/pmm.h"
#include "asm/page.h"

static struct page *page_of(struct mm_struct *mm, uintptr_t addr)
{
	pteval_t pte = pte_of(mm, addr);
	return pte_maps_page(pte) ? phys_to_page(entry_addr(pte)) : NULL;
}

static void test_fork_shares_cow(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	struct mm_struct *parent = parent_with_pages(4, 0x5a0);
	KTEST_ASSERT_NOT_NULL(t, parent);
	uint64_t shared0 = fork_pages_shared, copied0 = fork_pages_copied;
	int err = 0;
	struct mm_struct *child = dup_mm(parent, &err);
	KTEST_ASSERT_NOT_NULL(t, child);
	unsigned same = 0, read_only = 0, two_refs = 0;
	for (unsigned i = 0; i < 4; i++) {
		pteval_t p = pte_of(parent, slot(i)), c = pte_of(child, slot(i));
		same += pte_maps_page(p) && pte_maps_page(c) && entry_addr(p) == entry_addr(c);
		read_only += pte_maps_page(p) && !pte_write(p) && pte_maps_page(c) && !pte_write(c);
		two_refs += pte_maps_page(p) && page_ref_count(phys_to_page(entry_addr(p))) == 2;
	}
	ktest_log("after fork of 4 pages: %u mapped by one page in both, %u read-only on both sides, "
		  "%u with count 2; fork counted %llu shared, %llu copied",
		  same, read_only, two_refs, (unsigned long long)(fork_pages_shared - shared0),
		  (unsigned long long)(fork_pages_copied - copied0));
	KTEST_EXPECT_EQ(t, same, 4u);
	KTEST_EXPECT_EQ(t, read_only, 4u);
	KTEST_EXPECT_EQ(t, two_refs, 4u);
	KTEST_EXPECT_EQ(t, fork_pages_shared - shared0, 4ull);
	KTEST_EXPECT_EQ(t, fork_pages_copied - copied0, 0ull);
	/* The parent's first write: a COW fault that copies, since the child
	 * still maps the page; the child keeps the old page and its bytes. */
	struct page *old = page_of(child, slot(0));
	uint64_t copies0 = cow_copies;
	KTEST_EXPECT_EQ(t, poke(slot(0), 0xa0), 0);
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 1ull);
	KTEST_EXPECT_TRUE(t, page_of(parent, slot(0)) != old);
	KTEST_EXPECT_TRUE(t, pte_write(pte_of(parent, slot(0))));
	KTEST_EXPECT_TRUE(t, page_of(child, slot(0)) == old);
	if (old)
		KTEST_EXPECT_EQ(t, page_ref_count(old), 1);
	switch_mm_to(parent, child);
	KTEST_EXPECT_EQ(t, peek(slot(0)), 0x5a0ull);
	switch_mm_to(child, parent);
	KTEST_EXPECT_EQ(t, peek(slot(0)), 0xa0ull);
	kthread_unuse_mm(parent);
	mm_put(child);
	mm_put(parent);
	baseline_expect(t, &b);
}

static void test_fork_copies_pinned(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	struct mm_struct *parent = parent_with_pages(3, 0x9c0);
	KTEST_ASSERT_NOT_NULL(t, parent);
	struct page *pg = NULL;
	KTEST_ASSERT_EQ(t, gup_fast_mm(parent, slot(1), 1, FOLL_PIN | FOLL_WRITE, &pg), 1l);
	uint64_t shared0 = fork_pages_shared, copied0 = fork_pages_copied;
	int err = 0;
	struct mm_struct *child = dup_mm(parent, &err);
	KTEST_ASSERT_NOT_NULL(t, child);
	uint64_t shared = fork_pages_shared - shared0, copied = fork_pages_copied - copied0;
	ktest_log("fork with page 1 of 3 pinned: %llu shared, %llu copied; the child's page 1 %s the pinned one",
		  (unsigned long long)shared, (unsigned long long)copied,
		  page_of(child, slot(1)) == pg ? "is" : "is not");
	KTEST_EXPECT_EQ(t, copied, 1ull);
	KTEST_EXPECT_EQ(t, shared, 2ull);
	/* The pinned page stays the parent's, writable: the pin and the
	 * parent's writes stay on one page. */
	KTEST_EXPECT_TRUE(t, page_of(parent, slot(1)) == pg);
	KTEST_EXPECT_TRUE(t, pte_write(pte_of(parent, slot(1))));
	KTEST_EXPECT_TRUE(t, page_of(child, slot(1)) != pg);
	/* The unpinned ones are shared. */
	KTEST_EXPECT_TRUE(t, page_of(child, slot(0)) == page_of(parent, slot(0)));
	KTEST_EXPECT_TRUE(t, page_of(child, slot(2)) == page_of(parent, slot(2)));
	/* The parent writes the pinned page with no fault: the device sees it. */
	uint64_t copies0 = cow_copies, reuses0 = cow_reuses;
	KTEST_EXPECT_EQ(t, poke(slot(1), 0x9cf), 0);
	KTEST_EXPECT_EQ(t, device_view(pg), 0x9cfull);
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 0ull);
	KTEST_EXPECT_EQ(t, cow_reuses - reuses0, 0ull);
	/* The child's copy has the bytes of fork time. */
	switch_mm_to(parent, child);
	KTEST_EXPECT_EQ(t, peek(slot(1)), 0x9c1ull);
	switch_mm_to(child, parent);
	unpin_user_pages(&pg, 1);
	kthread_unuse_mm(parent);
	mm_put(child);
	mm_put(parent);
	baseline_expect(t, &b);
}

static void test_cow_reuse_decision(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	/* The rule on a page of our own: one reference reuses, two copy. */
	struct page *own = alloc_page();
	KTEST_ASSERT_NOT_NULL(t, own);
	KTEST_EXPECT_TRUE(t, wp_can_reuse_anon_page(own));
	get_page(own);
	KTEST_EXPECT_FALSE(t, wp_can_reuse_anon_page(own));
	put_page(own);
	put_page(own);

	struct mm_struct *parent = parent_with_pages(3, 0x4e0);
	KTEST_ASSERT_NOT_NULL(t, parent);
	int err = 0;
	struct mm_struct *child = dup_mm(parent, &err);
	KTEST_ASSERT_NOT_NULL(t, child);
	/* In the child: unmap page 0; read-pin page 2, then unmap it. */
	switch_mm_to(parent, child);
	KTEST_EXPECT_EQ(t, do_munmap(child, slot(0), PAGE_SIZE), 0l);
	struct page *pin = NULL;
	WRITE_ONCE(gup_test_no_unshare, true);      /* the reuse rule alone: as in fork's exploit shape */
	long got = gup_fast_mm(child, slot(2), 1, FOLL_PIN, &pin);
	WRITE_ONCE(gup_test_no_unshare, false);
	KTEST_ASSERT_EQ(t, got, 1l);
	KTEST_EXPECT_EQ(t, do_munmap(child, slot(2), PAGE_SIZE), 0l);
	switch_mm_to(child, parent);
	uint64_t copies0 = cow_copies, reuses0 = cow_reuses;
	/* Page 0: the parent's mapping holds the only reference: reuse. */
	struct page *p0 = page_of(parent, slot(0));
	KTEST_EXPECT_EQ(t, poke(slot(0), 0xa0), 0);
	KTEST_EXPECT_TRUE(t, page_of(parent, slot(0)) == p0);
	KTEST_EXPECT_EQ(t, cow_reuses - reuses0, 1ull);
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 0ull);
	/* Page 1: shared: the parent copies; then the child, alone, reuses. */
	KTEST_EXPECT_EQ(t, poke(slot(1), 0xa1), 0);
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 1ull);
	switch_mm_to(parent, child);
	struct page *c1 = page_of(child, slot(1));
	KTEST_EXPECT_EQ(t, poke(slot(1), 0xc1), 0);
	KTEST_EXPECT_TRUE(t, page_of(child, slot(1)) == c1);
	KTEST_EXPECT_EQ(t, cow_reuses - reuses0, 2ull);
	switch_mm_to(child, parent);
	/* Page 2: one mapping (the parent's), but the child's pin is a
	 * reference too: the parent's write must copy, the pin keeps the
	 * bytes of fork time (CVE-2020-29374's shape). */
	KTEST_EXPECT_EQ(t, poke(slot(2), 0x5ec7e7), 0);
	ktest_log("reuse rule: page alone reused %s; shared copied, then reused by the child %s; "
		  "read-pinned by the child, unmapped: pin reads %#llx (count %d); %llu copies, %llu reuses",
		  page_of(parent, slot(0)) == p0 ? "yes" : "no", page_of(child, slot(1)) == c1 ? "yes" : "no",
		  (unsigned long long)device_view(pin), page_ref_count(pin),
		  (unsigned long long)(cow_copies - copies0), (unsigned long long)(cow_reuses - reuses0));
	KTEST_EXPECT_EQ(t, device_view(pin), 0x4e2ull);
	KTEST_EXPECT_EQ(t, peek(slot(2)), 0x5ec7e7ull);
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 2ull);
	KTEST_EXPECT_EQ(t, cow_reuses - reuses0, 2ull);
	unpin_user_pages(&pin, 1);
	kthread_unuse_mm(parent);
	mm_put(child);
	mm_put(parent);
	baseline_expect(t, &b);
}

static void test_pinned_page_stays_exclusive(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	const int rw = PROT_READ | PROT_WRITE;
	struct mm_struct *mm = parent_with_pages(2, 0x3e0);
	KTEST_ASSERT_NOT_NULL(t, mm);
	/* Faulted in by this mm alone: exclusive. */
	KTEST_EXPECT_TRUE(t, page_anon_exclusive(page_of(mm, slot(0))));
	KTEST_EXPECT_TRUE(t, page_anon_exclusive(page_of(mm, slot(1))));
	struct page *pin0 = NULL, *pin1 = NULL;
	/* Page 0 pinned for write, page 1 for read while read-only (the fast
	 * part takes it: exclusive, nothing to unshare). */
	KTEST_ASSERT_EQ(t, gup_fast_mm(mm, slot(0), 1, FOLL_PIN | FOLL_WRITE, &pin0), 1l);
	KTEST_EXPECT_EQ(t, do_mprotect(mm, slot(1), PAGE_SIZE, PROT_READ), 0l);
	KTEST_ASSERT_EQ(t, gup_fast_mm(mm, slot(1), 1, FOLL_PIN, &pin1), 1l);
	/* An mprotect cycle: read-only, then read-write again.  Pinned, the
	 * pages' counts are over 1024, so the count rule would keep them
	 * read-only and the next writes would copy them away from the pins;
	 * exclusive, mprotect makes them writable again at once. */
	KTEST_EXPECT_EQ(t, do_mprotect(mm, slot(0), PAGE_SIZE, PROT_READ), 0l);
	KTEST_EXPECT_EQ(t, do_mprotect(mm, slot(0), 2 * PAGE_SIZE, rw), 0l);
	uint64_t copies0 = cow_copies;
	KTEST_EXPECT_EQ(t, poke(slot(0), 0x3ef), 0);
	KTEST_EXPECT_EQ(t, poke(slot(1), 0x3e1f), 0);
	ktest_log("pinned pages after mprotect read-only, read-write and a write: writable %d %d, "
		  "still the pinned pages %d %d, pins read %#llx %#llx, %llu copies",
		  pte_write(pte_of(mm, slot(0))) != 0, pte_write(pte_of(mm, slot(1))) != 0,
		  page_of(mm, slot(0)) == pin0, page_of(mm, slot(1)) == pin1,
		  (unsigned long long)device_view(pin0), (unsigned long long)device_view(pin1),
		  (unsigned long long)(cow_copies - copies0));
	KTEST_EXPECT_TRUE(t, page_of(mm, slot(0)) == pin0);
	KTEST_EXPECT_TRUE(t, page_of(mm, slot(1)) == pin1);
	KTEST_EXPECT_EQ(t, device_view(pin0), 0x3efull);
	KTEST_EXPECT_EQ(t, device_view(pin1), 0x3e1full);
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 0ull);
	unpin_user_pages(&pin0, 1);
	unpin_user_pages(&pin1, 1);
	kthread_unuse_mm(mm);
	mm_put(mm);
	baseline_expect(t, &b);
}

static void test_read_pin_unshares(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	struct mm_struct *parent = parent_with_pages(3, 0x7a0);
	KTEST_ASSERT_NOT_NULL(t, parent);
	/* Page 2 read-only in both: an unshare needs no write permission. */
	KTEST_EXPECT_EQ(t, do_mprotect(parent, slot(2), PAGE_SIZE, PROT_READ), 0l);
	int err = 0;
	struct mm_struct *child = dup_mm(parent, &err);
	KTEST_ASSERT_NOT_NULL(t, child);
	struct page *shared = page_of(parent, slot(0));
	KTEST_EXPECT_TRUE(t, shared == page_of(child, slot(0)));
	KTEST_EXPECT_FALSE(t, page_anon_exclusive(shared));
	/* Page 0, shared with the child: a read pin of it would be copied
	 * away from by the parent's next write.  So the fast part refuses
	 * it, and the slow part unshares it first (a copy: the child still
	 * maps the page; the parent's PTE stays read-only) and pins the
	 * parent's own page, which its next write then reuses. */
	struct gup_stats s0, s1;
	gup_get_stats(&s0);
	uint64_t copies0 = cow_copies, reuses0 = cow_reuses;
	struct page *pin0 = NULL;
	KTEST_ASSERT_EQ(t, gup_fast_mm(parent, slot(0), 1, FOLL_PIN, &pin0), 1l);
	gup_get_stats(&s1);
	KTEST_EXPECT_TRUE(t, pin0 != shared);
	KTEST_EXPECT_TRUE(t, pin0 == page_of(parent, slot(0)));
	KTEST_EXPECT_TRUE(t, page_anon_exclusive(pin0));
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 1ull);
	KTEST_EXPECT_EQ(t, s1.fallback[GUP_FB_UNSHARE] - s0.fallback[GUP_FB_UNSHARE], 1ull);
	KTEST_EXPECT_FALSE(t, pte_write(pte_of(parent, slot(0))));
	KTEST_EXPECT_EQ(t, poke(slot(0), 0x7af), 0);
	KTEST_EXPECT_TRUE(t, page_of(parent, slot(0)) == pin0);
	/* Page 2, in a read-only mapping: unshared all the same (a copy),
	 * and after mprotect read-write the parent's write reaches the pin. */
	struct page *shared2 = page_of(parent, slot(2)), *pin2 = NULL;
	KTEST_ASSERT_EQ(t, gup_fast_mm(parent, slot(2), 1, FOLL_PIN, &pin2), 1l);
	bool pin2_own = pin2 != shared2 && pin2 == page_of(parent, slot(2));
	KTEST_EXPECT_EQ(t, do_mprotect(parent, slot(2), PAGE_SIZE, PROT_READ | PROT_WRITE), 0l);
	KTEST_EXPECT_EQ(t, poke(slot(2), 0x7c2), 0);
	switch_mm_to(parent, child);
	uint64_t child_sees = peek(slot(0));
	switch_mm_to(child, parent);
	/* Page 1, after the child has gone: the parent's mapping holds the
	 * one reference, but the page is still marked shared: the pin's
	 * write fault reuses it in place and marks it exclusive. */
	mm_put(child);
	struct page *p1 = page_of(parent, slot(1));
	KTEST_EXPECT_EQ(t, page_ref_count(p1), 1);
	struct page *pin1 = NULL;
	KTEST_ASSERT_EQ(t, gup_fast_mm(parent, slot(1), 1, FOLL_PIN, &pin1), 1l);
	KTEST_EXPECT_EQ(t, poke(slot(1), 0x7b1), 0);
	ktest_log("read pins of shared pages: page 0 pinned %s, pin reads %#llx after the parent wrote "
		  "0x7af, the child reads %#llx; page 1 pinned %s, pin reads %#llx; page 2 (read-only "
		  "mapping) pinned %s, pin reads %#llx after 0x7c2; %llu copies, %llu reuses",
		  pin0 == shared ? "in place" : "on a copy", (unsigned long long)device_view(pin0),
		  (unsigned long long)child_sees, pin1 == p1 ? "in place" : "on a copy",
		  (unsigned long long)device_view(pin1), pin2_own ? "on a copy" : "in place",
		  (unsigned long long)device_view(pin2), (unsigned long long)(cow_copies - copies0),
		  (unsigned long long)(cow_reuses - reuses0));
	KTEST_EXPECT_EQ(t, device_view(pin0), 0x7afull);
	KTEST_EXPECT_EQ(t, child_sees, 0x7a0ull);
	KTEST_EXPECT_TRUE(t, pin1 == p1);
	KTEST_EXPECT_EQ(t, device_view(pin1), 0x7b1ull);
	KTEST_EXPECT_TRUE(t, pin2_own);
	KTEST_EXPECT_EQ(t, device_view(pin2), 0x7c2ull);
	/* Copies: the unshares of pages 0 and 2.  Reuses: page 1's unshare,
	 * then the write faults on pages 0 and 1 (exclusive by then; page
	 * 2's write took none: mprotect made its exclusive page writable). */
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 2ull);
	KTEST_EXPECT_EQ(t, cow_reuses - reuses0, 3ull);
	unpin_user_pages(&pin0, 1);
	unpin_user_pages(&pin1, 1);
	unpin_user_pages(&pin2, 1);
	kthread_unuse_mm(parent);
	mm_put(parent);
	baseline_expect(t, &b);
}

static struct ktest_case cow_steps_cases[] = {
	KTEST_CASE(test_fork_shares_cow),
	KTEST_CASE(test_fork_copies_pinned),
	KTEST_CASE(test_cow_reuse_decision),
	KTEST_CASE(test_pinned_page_stays_exclusive),
	KTEST_CASE(test_read_pin_unshares),
	{ 0 },
};
KTEST_SUITE(cow_steps, cow_steps_cases);
