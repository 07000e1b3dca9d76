/*
 * mm/kmalloc.c - size-class slab heap on top of the buddy allocator.
 *
 * A slab is one page holding objects of one class.  Its struct page carries
 * PG_slab, the class, the count of objects in use and the head of a free
 * list threaded through the free objects themselves.  Slabs with free
 * objects sit on their class's partial list.  A slab whose last object is
 * freed stays on that list, empty, while its class keeps fewer than
 * KMALLOC_KEEP_EMPTY such slabs (Linux's SLUB keeps min_partial of them for
 * the same reason); further empty slabs go back to the buddy allocator.
 * Without it a class whose one slab empties and refills on every cycle of
 * a loop (each mmap and munmap replaces the VMA table, docs/performance.md
 * finding 13) paid a page allocation, a page of poison and a page free per
 * cycle, under the heap lock.  kmalloc_shrink() gives the kept slabs back.
 *
 * Debug checks: freed objects are filled with POISON_FREE (0x6b) behind
 * their free-list link; kmalloc verifies the poison is intact before handing
 * an object out (a write after free is reported), and kfree checks that the
 * pointer is the start of an object of a slab or large allocation and is not
 * already on the slab's free list.
 */
#include "mm/kmalloc.h"
#include "mm/fail_nth.h"
#include "mm/pmm.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "kernel/locking/spinlock.h"
#include "kernel/stacktrace.h"
#include "lib/string.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/preempt.h"
#include "kernel/sched/thread.h"

#define POISON_FREE 0x6b

struct slab_class {
	size_t size;
	struct list_head partial;   /* slabs with a free object: in use first, kept empty ones last */
	uint64_t in_use, pages;     /* pages: every slab of the class, kept empty ones too */
	unsigned empty;             /* slabs on @partial with no object in use (<= KMALLOC_KEEP_EMPTY) */
};

static struct slab_class classes[KMALLOC_CLASSES];
static uint64_t large_allocs, large_pages, bad_frees;
DEFINE_SPINLOCK(heap_lock);

static unsigned size_to_class(size_t size)
{
	unsigned c = 0;
	while (((size_t)1 << (c + KMALLOC_MIN_SHIFT)) < size)
		c++;
	return c;
}

static void heap_init_once(void)
{
	if (classes[0].size)
		return;
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++) {
		classes[c].size = (size_t)1 << (c + KMALLOC_MIN_SHIFT);
		INIT_LIST_HEAD(&classes[c].partial);
	}
}

static void bad_free(const char *why, const void *p)
{
	bad_frees++;
	pr_err("kfree(%p): %s\n", p, why);
	dump_stack();
}

static void poison_object(void *obj, size_t size)
{
	memset((char *)obj + sizeof(void *), POISON_FREE, size - sizeof(void *));
}

/* POISON_FREE in every byte of a word. */
#define POISON_FREE_WORD (0x0101010101010101ull * POISON_FREE)

static void check_poison(void *obj, size_t size)
{
	/* A word at a time first: objects are at least 16 bytes, aligned to
	 * their power-of-two size, so the poison behind the link is whole
	 * words.  A byte loop here cost more than the rest of kmalloc under
	 * TCG (docs/performance.md, finding 8); bytes only to report. */
	const uint64_t *w = obj;
	size_t k = 1, words = size / sizeof(uint64_t);
	while (k < words && w[k] == POISON_FREE_WORD)
		k++;
	if (k == words)
		return;
	const unsigned char *b = obj;
	for (size_t i = sizeof(void *); i < size; i++) {
		if (b[i] != POISON_FREE) {
			pr_err("kmalloc: object %p (size %zu) was written after it was freed (byte %zu = %#x)\n",
			       obj, size, i, b[i]);
			dump_stack();
			return;
		}
	}
}

/* A fresh slab page for class @c, all objects on its free list. heap_lock held. */
static struct page *new_slab(unsigned c)
{
	struct page *pg = alloc_page();
	if (!pg)
		return NULL;
	size_t size = classes[c].size;
	char *base = page_address(pg);
	WRITE_ONCE(pg->flags, PG_slab);             /* see struct page */
	pg->slab_class = (uint8_t)c;
	pg->inuse = 0;
	pg->freelist = NULL;
	for (size_t off = PAGE_SIZE; off >= size; off -= size) {
		void *obj = base + off - size;
		poison_object(obj, size);
		*(void **)obj = pg->freelist;
		pg->freelist = obj;
	}
	list_add(&pg->lru, &classes[c].partial);
	classes[c].pages++;
	return pg;
}

/* ---- fault injection: fail the Nth allocation --------------------------- */

static struct fail_nth kmalloc_fail;

void kmalloc_fail_nth(unsigned long nth, const void *owner)
{
	fail_nth_arm(&kmalloc_fail, nth, owner);
}

bool kmalloc_fail_pending(void)
{
	return fail_nth_pending(&kmalloc_fail);
}

unsigned long kmalloc_failures_injected(void)
{
	return READ_ONCE(kmalloc_fail.injected);
}

static int set_fail_alloc(const char *v)
{
	return fail_nth_param(&kmalloc_fail, v);
}
KERNEL_PARAM(fail_alloc, "fail_alloc", "N", "fault injection: the Nth kmalloc() after boot fails", set_fail_alloc);

void *kmalloc(size_t size)
{
	if (size == 0)
		return NULL;
	if (fail_nth_should_fail(&kmalloc_fail))
		return NULL;
	unsigned long flags;
	if (size > KMALLOC_MAX_SMALL) {
		/* Stop at MAX_ORDER: alloc_pages() refuses it, and going on
		 * would shift PAGE_SIZE out of range for huge sizes (a hang). */
		unsigned order = 0;
		while (order < MAX_ORDER && (PAGE_SIZE << order) < size)
			order++;
		struct page *pg = alloc_pages(order);
		if (!pg)
			return NULL;
		WRITE_ONCE(pg->flags, PG_large);
		pg->order = (uint8_t)order;
		spin_lock_irqsave(&heap_lock, flags);
		large_allocs++;
		large_pages += 1ull << order;
		spin_unlock_irqrestore(&heap_lock, flags);
		return page_address(pg);
	}

	spin_lock_irqsave(&heap_lock, flags);
	heap_init_once();
	unsigned c = size_to_class(size);
	struct slab_class *sc = &classes[c];
	struct page *pg;
	if (list_empty(&sc->partial)) {
		pg = new_slab(c);
	} else {
		/* Slabs in use come first, so an empty one here means every
		 * slab of the class is empty: it goes back into use. */
		pg = list_first_entry(&sc->partial, struct page, lru);
		if (pg->inuse == 0)
			sc->empty--;
	}
	if (!pg) {
		spin_unlock_irqrestore(&heap_lock, flags);
		return NULL;
	}
	void *obj = pg->freelist;
	pg->freelist = *(void **)obj;
	pg->inuse++;
	sc->in_use++;
	if (!pg->freelist)
		list_del(&pg->lru);     /* full: off the partial list */
	size_t osize = sc->size;
	spin_unlock_irqrestore(&heap_lock, flags);
	/* The object is ours now: check it outside the lock, which every
	 * CPU's kmalloc and kfree share. */
	check_poison(obj, osize);
	return obj;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

size_t ksize(const void *p)
{
	struct page *pg = virt_to_page(p);
	if (!pg)
		return 0;
	if (pg->flags & PG_slab)
		return classes[pg->slab_class].size;
	if (pg->flags & PG_large)
		return PAGE_SIZE << pg->order;
	return 0;
}

void kfree(const void *p)
{
	if (!p)
		return;
	unsigned long flags;
	struct page *pg = virt_to_page(p);
	spin_lock_irqsave(&heap_lock, flags);
	if (!pg || !(pg->flags & (PG_slab | PG_large))) {
		spin_unlock_irqrestore(&heap_lock, flags);
		bad_free(pg && (pg->flags & PG_buddy) ? "page is free (double free of a large allocation?)"
						     : "foreign pointer: not from kmalloc", p);
		return;
	}
	if (pg->flags & PG_large) {
		if ((uintptr_t)p & (PAGE_SIZE - 1)) {
			spin_unlock_irqrestore(&heap_lock, flags);
			bad_free("pointer inside a large allocation", p);
			return;
		}
		unsigned order = pg->order;
		large_allocs--;
		large_pages -= 1ull << order;
		WRITE_ONCE(pg->flags, 0);
		spin_unlock_irqrestore(&heap_lock, flags);
		free_pages(pg, order);
		return;
	}
	struct slab_class *sc = &classes[pg->slab_class];
	uintptr_t off = (uintptr_t)p & (PAGE_SIZE - 1);
	if (off % sc->size) {
		spin_unlock_irqrestore(&heap_lock, flags);
		bad_free("pointer inside an object, not its start", p);
		return;
	}
	/* A double free: the object is on its slab's free list already.  The
	 * walk costs a pointer chase per free object under the heap lock, so
	 * it is taken only for an object that looks free: a free object
	 * keeps its poison from the second word on (kfree wrote it; kmalloc
	 * checks it is intact before handing the object out).  A live object
	 * with exactly that bit pattern there is walked for nothing, never
	 * missed. */
	void *obj = (void *)p;
	if (((const uint64_t *)obj)[1] == POISON_FREE_WORD) {
		for (void *f = pg->freelist; f; f = *(void **)f) {
			if (f == p) {
				spin_unlock_irqrestore(&heap_lock, flags);
				bad_free("double free", p);
				return;
			}
		}
	}
	poison_object(obj, sc->size);
	bool was_full = pg->freelist == NULL;
	*(void **)obj = pg->freelist;
	pg->freelist = obj;
	pg->inuse--;
	sc->in_use--;
	if (pg->inuse == 0) {
		if (!was_full)
			list_del(&pg->lru);
		if (sc->empty < KMALLOC_KEEP_EMPTY) {
			/* Kept, behind the slabs in use: kmalloc fills those
			 * first, and takes this one only when they are full. */
			list_add_tail(&pg->lru, &sc->partial);
			sc->empty++;
			spin_unlock_irqrestore(&heap_lock, flags);
			return;
		}
		/* Enough kept: back to the buddy allocator. */
		sc->pages--;
		WRITE_ONCE(pg->flags, 0);
		spin_unlock_irqrestore(&heap_lock, flags);
		free_page(pg);
		return;
	}
	if (was_full)
		list_add(&pg->lru, &sc->partial);
	spin_unlock_irqrestore(&heap_lock, flags);
}

unsigned kmalloc_shrink(void)
{
	LIST_HEAD(gone);
	unsigned long flags;
	unsigned n = 0;
	spin_lock_irqsave(&heap_lock, flags);
	heap_init_once();
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++) {
		struct slab_class *sc = &classes[c];
		struct page *pg, *next;
		list_for_each_entry_safe(pg, next, &sc->partial, lru) {
			if (pg->inuse)
				continue;
			list_del(&pg->lru);
			sc->empty--;
			sc->pages--;
			WRITE_ONCE(pg->flags, 0);
			list_add(&pg->lru, &gone);
			n++;
		}
	}
	spin_unlock_irqrestore(&heap_lock, flags);
	/* Outside the lock, as kfree() frees an empty slab. */
	struct page *pg, *next;
	list_for_each_entry_safe(pg, next, &gone, lru) {
		list_del(&pg->lru);
		free_page(pg);
	}
	return n;
}

void kmalloc_get_stats(struct kmalloc_stats *s)
{
	unsigned long flags;
	spin_lock_irqsave(&heap_lock, flags);
	heap_init_once();
	memset(s, 0, sizeof(*s));
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++) {
		s->class_size[c] = classes[c].size;
		s->objects_in_use[c] = classes[c].in_use;
		s->slab_pages[c] = classes[c].pages;
		s->empty_slabs[c] = classes[c].empty;
		s->empty_slab_pages += classes[c].empty;
		s->bytes_in_use += classes[c].in_use * classes[c].size;
	}
	s->large_allocs = large_allocs;
	s->large_pages = large_pages;
	s->bytes_in_use += large_pages * PAGE_SIZE;
	s->bad_frees = bad_frees;
	spin_unlock_irqrestore(&heap_lock, flags);
}
