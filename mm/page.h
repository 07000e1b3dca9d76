/*
 * mm/page.h - struct page: one per physical frame, in one array indexed by
 * page frame number (the "vmemmap" of Linux, here a plain array).
 *
 * Which fields mean something depends on what the frame is used for,
 * recorded in ->flags:
 *   PG_buddy     head of a free block in the buddy allocator (->order)
 *   PG_reserved  never handed out (firmware, kernel image, the array itself)
 *   PG_slab      a kmalloc slab (->slab_class, ->inuse, ->freelist, ->lru)
 *   PG_large     head of a kmalloc allocation of whole pages (->order)
 *   PG_pagetable a page-table page (->ptl, its split lock; ->rcu for deferred free)
 *   PG_cow_pending a user page that a COW fault installed read-only and has
 *                not yet made writable (mm/cow.c, steps 3-5)
 * and, apart from the flags, ->anon says whether a user page is anonymous
 * and whether one mm alone may map it (enum page_anon).
 *
 * ->refcount: alloc_pages() hands a frame out with 1 (its owner's
 * reference).  A user page's references are its mapping (the one from the
 * fault or the loader) and whatever get_user_pages() took; each pin adds
 * GUP_PIN_COUNTING_BIAS, so a count that large says "maybe pinned for DMA"
 * (Linux's page_maybe_dma_pinned(): false positives only once a page has
 * over a thousand plain references, which nothing here takes).  A user page
 * goes back to the allocator when put_page() drops the last reference
 * (mm/page_ref.c); kernel-owned frames (tables, slabs, stacks) are still
 * freed directly with free_page() at count 1.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <stdint.h>
#include <stdbool.h>
#include "asm/page.h"
#include "kernel/atomic.h"
#include "kernel/locking/spinlock.h"
#include "kernel/rcu/rcu_types.h"
#include "lib/list.h"

#define PG_buddy     (1u << 0)
#define PG_reserved  (1u << 1)
#define PG_slab      (1u << 2)
#define PG_large     (1u << 3)
#define PG_pagetable (1u << 4)
#define PG_poisoned  (1u << 5)   /* freed page table filled with poison (debug) */
#define PG_free_deferred (1u << 6) /* its owner freed it while a transient reference
				    * (a fast-GUP try-get) held it: the last put frees
				    * the whole block (->order) */
#define PG_cow_pending (1u << 7)   /* a COW copy installed read-only whose fault has
				    * not yet made it writable (mm/cow.c, steps 3-5):
				    * another write fault on it waits, never copies */

struct page {
	/* Written by the frame's owner (allocator, slab, page-table code),
	 * one writer at a time, but read locklessly by fast GUP for any frame
	 * a PTE names, stale or not (normal_page(), READ_ONCE): so every
	 * store is WRITE_ONCE.  No ordering hangs on it (GUP's try-get and
	 * recheck decide, the flags only refuse early), except on
	 * PG_cow_pending: set before the PTE that names the page is stored,
	 * cleared with a store-release (mm/cow.c, docs/memory-ordering.md). */
	uint32_t flags;
	atomic_t refcount;
	uint8_t order;              /* PG_buddy / PG_large: block order */
	uint8_t slab_class;         /* PG_slab: size class index */
	uint16_t inuse;             /* PG_slab: objects handed out */
	/* What an anonymous user page is to the mms that map it (enum
	 * page_anon, below; Linux's PageAnon and PageAnonExclusive).  Its own
	 * byte, so that no read-modify-write of ->flags can lose a store to
	 * it (fork's clear and a COW fault's PG_cow_pending clear may run at
	 * once).  Written under the PTE lock of a PTE that maps the page
	 * (fault, reuse, fork), before that PTE is published for a new page;
	 * read there, and by fast GUP with READ_ONCE (mm/gup.c says why a
	 * stale value cannot let a pin through). */
	uint8_t anon;
	void *freelist;             /* PG_slab: first free object */
	union {
		struct list_head lru;   /* buddy free list, slab partial list */
		struct rcu_head rcu;    /* deferred freeing (page tables) */
	};
	spinlock_t ptl;             /* PG_pagetable: split page-table lock */
};

/* struct page's ->anon. */
enum page_anon {
	PAGE_NOT_ANON = 0,          /* not an anonymous page, or not known to be one
				     * (page cache, loader pages, kernel frames):
				     * the COW reuse rule decides by the count alone */
	PAGE_ANON_SHARED,           /* anonymous, and may be mapped by more than one
				     * mm (fork shared it copy-on-write) */
	PAGE_ANON_EXCLUSIVE,        /* anonymous, mapped by one PTE of one mm, and no
				     * other may map it until fork makes it SHARED:
				     * a write fault reuses it whatever its count (a
				     * pin on it is its owner's own: docs/fork.md) */
};

static inline bool page_anon_exclusive(const struct page *p)
{
	return READ_ONCE(p->anon) == PAGE_ANON_EXCLUSIVE;
}

/* Under the PTE lock of a PTE that maps @p (or before the PTE that will is
 * published). */
static inline void page_set_anon(struct page *p, enum page_anon a)
{
	WRITE_ONCE(p->anon, (uint8_t)a);
}

extern struct page *page_array;     /* page_array[pfn] */
extern uint64_t max_pfn;            /* one past the highest frame with a struct page */

static inline uint64_t page_to_pfn(const struct page *p) { return (uint64_t)(p - page_array); }
static inline struct page *pfn_to_page(uint64_t pfn) { return &page_array[pfn]; }
static inline uint64_t page_to_phys(const struct page *p) { return page_to_pfn(p) << PAGE_SHIFT; }
static inline struct page *phys_to_page(uint64_t pa) { return pfn_to_page(pa >> PAGE_SHIFT); }
static inline void *page_address(const struct page *p) { return __va(page_to_phys(p)); }

/** virt_to_page() - struct page of a direct-map address, or NULL if @va is not one. */
struct page *virt_to_page(const void *va);

/* ---- reference counts (mm/page_ref.c) ------------------------------------------ */

/* What one pin adds to ->refcount (Linux's GUP_PIN_COUNTING_BIAS). */
#define GUP_PIN_COUNTING_BIAS 1024

/* No reference or pin is granted that would lift a count above this:
 * ->refcount is an int, and a pin adds 1024, so about two million pins of
 * one page would wrap it to negative (a "free" page still mapped).  Like
 * Linux's try_grab_folio(), which refuses a count close to overflow, the
 * grab fails instead; GUP then returns -ENOMEM.  2^30 leaves headroom for
 * plain get_page()s of holders, which are not checked. */
#define PAGE_REF_MAX (1 << 30)
extern uint64_t page_ref_saturated;     /* grabs refused at PAGE_REF_MAX */

static inline int page_ref_count(const struct page *p) { return atomic_read(&p->refcount); }

/** page_maybe_dma_pinned() - has someone pinned @p (pin_user_pages*) and not unpinned it? */
static inline bool page_maybe_dma_pinned(const struct page *p)
{
	return page_ref_count(p) >= GUP_PIN_COUNTING_BIAS;
}

/**
 * page_ref_add_unless_zero() - add @n to @p's count unless it is zero, or
 * the sum would pass PAGE_REF_MAX.
 * Return: true if added.  A count of zero means the page is free or being
 * freed: whoever saw it mapped a moment ago lost the race with its unmap.
 * A refusal at PAGE_REF_MAX is counted in page_ref_saturated.
 * Context: any; the caller must keep @p's struct page valid (it always is:
 * the page array is never freed), not the page itself.
 * Inline: fast GUP runs it once per page (Linux's folio_ref_try_add()).
 */
static inline bool page_ref_add_unless_zero(struct page *p, int n)
{
	int c = atomic_read(&p->refcount);
	do {
		if (c <= 0)
			return false;
		if (c > PAGE_REF_MAX - n) {
			__atomic_fetch_add(&page_ref_saturated, 1, __ATOMIC_RELAXED);
			return false;
		}
		/* cmpxchg is a full barrier: the caller's recheck of the PTE
		 * (mm/gup.c) is ordered after the count is raised, pairing with
		 * the zap that clears the PTE before it drops its reference
		 * (PTE lock release, then the flush, then put_page). */
	} while (!__atomic_compare_exchange_n(&p->refcount.counter, &c, c + n, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return true;
}

/** try_get_page() - take a reference unless the count already reached zero. */
static inline bool try_get_page(struct page *p) { return page_ref_add_unless_zero(p, 1); }

/** try_pin_page() - take a pin (GUP_PIN_COUNTING_BIAS references) unless the count is zero. */
static inline bool try_pin_page(struct page *p) { return page_ref_add_unless_zero(p, GUP_PIN_COUNTING_BIAS); }

/**
 * get_page() - take a reference on a page the caller already holds one on
 * (or that is mapped under a lock that keeps it).  A get on a page whose
 * count is zero (a free page) is the bug try_get_page() exists to avoid: it
 * is counted in page_ref_on_free and reported, and the count still rises.
 */
void get_page(struct page *p);
/** page_ref_get_n() - get_page() of @n references at once (a pin: GUP_PIN_COUNTING_BIAS). */
void page_ref_get_n(struct page *p, int n);

/**
 * put_page() - drop a reference; the last one poisons the page's data
 * (PAGE_DATA_POISON, when page_poison is on) and gives it back to the
 * allocator.
 * Context: any but NMI; never on a page table, slab or kmalloc page.
 */
void put_page(struct page *p);
/**
 * put_pages() - put_page() of each of @n pages; the ones whose last reference
 * goes are freed together (one free-list lock hold, one update of the free
 * count): the mmu_gather's release of a zapped range.
 */
void put_pages(struct page *const *pages, unsigned n);
/** unpin_page() - drop a pin taken by try_pin_page() (GUP_PIN_COUNTING_BIAS references). */
void unpin_page(struct page *p);

/* The byte freed user pages are filled with, so that a reader of a freed
 * page (a stale GUP result) sees it rather than someone else's data. */
#define PAGE_DATA_POISON 0x6b

/*
 * page_poison (the command line's page_poison=0|1): whether put_page()
 * fills freed pages with PAGE_DATA_POISON.  Off by default, as in Linux;
 * on in test boots (kmain calls page_poison_default(true) before the
 * tests, unless the command line said otherwise).
 */
/** page_poison_enabled() - is put_page() poisoning freed pages? */
bool page_poison_enabled(void);
/** page_poison_default() - switch poisoning to @on unless page_poison= was given. */
void page_poison_default(bool on);
/** page_poison_set() - switch poisoning (a test that needs it); returns the old state. */
bool page_poison_set(bool on);

/* Debug counters (never reset; tests compare before and after):
 *   page_ref_on_free       references taken on a page with count zero
 *   page_ref_underflow     puts below zero
 *   page_alloc_bad_count   frames the allocator found with a count != 0
 *   page_free_referenced   frames freed with free_page() while a transient
 *                          reference held them (freed by its last put instead)
 *                          by more than their owner (count > 1) */
extern uint64_t page_ref_on_free, page_ref_underflow, page_alloc_bad_count, page_free_referenced;
/* Pages freed by put_page (the last reference went). */
extern uint64_t page_ref_frees;

#endif
