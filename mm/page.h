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

struct page {
	uint32_t flags;
	atomic_t refcount;
	uint8_t order;              /* PG_buddy / PG_large: block order */
	uint8_t slab_class;         /* PG_slab: size class index */
	uint16_t inuse;             /* PG_slab: objects handed out */
	void *freelist;             /* PG_slab: first free object */
	union {
		struct list_head lru;   /* buddy free list, slab partial list */
		struct rcu_head rcu;    /* deferred freeing (page tables) */
	};
	spinlock_t ptl;             /* PG_pagetable: split page-table lock */
};

extern struct page *page_array;     /* page_array[pfn] */
extern uint64_t max_pfn;            /* one past the highest frame with a struct page */

static inline uint64_t page_to_pfn(const struct page *p) { return (uint64_t)(p - page_array); }
static inline struct page *pfn_to_page(uint64_t pfn) { return &page_array[pfn]; }
static inline uint64_t page_to_phys(const struct page *p) { return page_to_pfn(p) << PAGE_SHIFT; }
static inline struct page *phys_to_page(uint64_t pa) { return pfn_to_page(pa >> PAGE_SHIFT); }
static inline void *page_address(const struct page *p) { return __va(page_to_phys(p)); }

/** virt_to_page() - struct page of a direct-map address, or NULL if @va is not one. */
struct page *virt_to_page(const void *va);

#endif
