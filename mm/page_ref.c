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
#include "kernel/params.h"
#include "kernel/errno.h"

uint64_t page_ref_on_free, page_ref_underflow, page_alloc_bad_count, page_free_referenced;
uint64_t page_ref_frees;
uint64_t page_ref_saturated;

/*
 * Poisoning freed user pages costs a 4 KiB write per page freed: under TCG
 * it made munmap of a touched range as slow per page as the faults that
 * filled it, with mmap_lock held (for read) throughout, and so the other
 * thread's mmap waited on it (docs/performance.md, finding 7).  Linux
 * ships it off (page_poison=, init_on_free=); so does this kernel, except
 * in test boots, whose race tests detect a stale reader by the poison.
 * -1: not given on the command line, the boot decides (page_poison_default).
 */
static int page_poison = -1;

static int set_page_poison(const char *v)
{
	bool on;
	if (param_parse_switch(v, &on))
		return -EINVAL;
	WRITE_ONCE(page_poison, on);
	return 0;
}
KERNEL_PARAM(page_poison, "page_poison", "0|1",
	     "fill freed user pages with 0x6b (default: 1 in test boots, 0 otherwise, as Linux)",
	     set_page_poison);

void page_poison_default(bool on)
{
	if (READ_ONCE(page_poison) < 0)
		WRITE_ONCE(page_poison, on);
}

bool page_poison_enabled(void)
{
	return READ_ONCE(page_poison) == 1;
}

bool page_poison_set(bool on)
{
	bool was = page_poison_enabled();
	WRITE_ONCE(page_poison, on);
	return was;
}

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

/*
 * After a put left the count at @c: true if that was the last reference and
 * the page is to be freed, poisoned first (page_poison=1) so that a stale
 * user of the frame reads the poison.  Nobody maps it any more (zap put the
 * mapping's reference after the TLB flush) and nobody holds it.
 */
static bool last_put(struct page *p, int c)
{
	if (c > 0)
		return false;
	if (c < 0 || (p->flags & PG_buddy)) {
		/* A put too many, or the last put of a page that is already
		 * free (a reference taken on it while free): freeing it again
		 * would corrupt the allocator.  Report and leave it. */
		report_once(&page_ref_underflow, "put_page on a free page", p, c);
		return false;
	}
	if (page_poison_enabled())
		memset(page_address(p), PAGE_DATA_POISON, PAGE_SIZE);
	return true;
}

/* The order a freed page goes back at: a kernel block its owner already
 * freed (free_pages() found our transient reference) goes back whole, at
 * its own order.  Its flags and order were stored before free_pages()'
 * decrement, and our atomic_sub_return (a full barrier, later on the same
 * count) comes before these reads: they see them. */
static unsigned freed_order(const struct page *p)
{
	return p->flags & PG_free_deferred ? p->order : 0;
}

static void put_page_n(struct page *p, int n)
{
	if (!last_put(p, atomic_sub_return(n, &p->refcount)))
		return;
	__atomic_fetch_add(&page_ref_frees, 1, __ATOMIC_RELAXED);
	free_pages_released(p, freed_order(p));
}

void put_page(struct page *p) { put_page_n(p, 1); }

void put_pages(struct page *const *pages, unsigned n)
{
	struct list_head freed = LIST_HEAD_INIT(freed);
	uint64_t nfreed = 0;
	for (unsigned i = 0; i < n; i++) {
		struct page *p = pages[i];
		if (!last_put(p, atomic_sub_return(1, &p->refcount)))
			continue;
		nfreed++;
		if (freed_order(p))
			free_pages_released(p, freed_order(p));
		else
			list_add_tail(&p->lru, &freed);
	}
	/* One shared counter write and one lock hold for the whole batch: per
	 * page, both bounced between two CPUs unmapping at once. */
	if (nfreed)
		__atomic_fetch_add(&page_ref_frees, nfreed, __ATOMIC_RELAXED);
	if (!list_empty(&freed))
		free_pages_released_list(&freed);
}

void unpin_page(struct page *p) { put_page_n(p, GUP_PIN_COUNTING_BIAS); }
