/*
 * mm/page_ref.c - page reference counts and pins (see page.h).
 *
 * Invariant: a frame is in the buddy allocator iff its count is zero.  A
 * count goes to zero once, in put_page(), which frees the frame; only
 * page_ref_add_unless_zero() may race with that last put (a lockless GUP
 * that read a PTE just before the page was unmapped), and it never lifts a
 * zero count.  get_page() is for holders of a reference: on a zero count it
 * reports the bug (and, being a plain increment, commits it: GUP_BROKEN
 * uses it that way on purpose).
 */
#include "mm/page.h"
#include "mm/pmm.h"
#include "kernel/printk.h"
#include "lib/string.h"

uint64_t page_ref_on_free, page_ref_underflow, page_alloc_bad_count, page_free_referenced;
uint64_t page_ref_frees;
uint64_t page_ref_saturated;

static void report_once(uint64_t *counter, const char *what, const struct page *p, int count)
{
	if (__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED) == 0)
		pr_err("page_ref: %s: pfn %#llx count %d flags %#x\n", what,
		       (unsigned long long)page_to_pfn(p), count, READ_ONCE(p->flags));
}

void page_ref_get_n(struct page *p, int n)
{
	int old = atomic_fetch_add(n, &p->refcount);
	if (old <= 0)
		report_once(&page_ref_on_free, "reference taken on a free page", p, old);
}

void get_page(struct page *p) { page_ref_get_n(p, 1); }

static void put_page_n(struct page *p, int n)
{
	int c = atomic_sub_return(n, &p->refcount);
	if (c > 0)
		return;
	if (c < 0 || (p->flags & PG_buddy)) {
		/* A put too many, or the last put of a page that is already
		 * free (a reference taken on it while free): freeing it again
		 * would corrupt the allocator.  Report and leave it. */
		report_once(&page_ref_underflow, "put_page on a free page", p, c);
		return;
	}
	/* The last reference: nobody maps it (zap put the mapping's reference
	 * after the TLB flush) and nobody holds it.  Poison it, so that a
	 * stale user of the frame reads the poison, then free it. */
	memset(page_address(p), PAGE_DATA_POISON, PAGE_SIZE);
	__atomic_fetch_add(&page_ref_frees, 1, __ATOMIC_RELAXED);
	/* A kernel block its owner already freed (free_pages() found our
	 * transient reference) goes back whole, at its own order.  Its flags
	 * and order were stored before free_pages()' decrement, and our
	 * atomic_sub_return (a full barrier, later on the same count) comes
	 * before these reads: they see them. */
	free_pages_released(p, p->flags & PG_free_deferred ? p->order : 0);
}

void put_page(struct page *p) { put_page_n(p, 1); }
void unpin_page(struct page *p) { put_page_n(p, GUP_PIN_COUNTING_BIAS); }
