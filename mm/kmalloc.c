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
 * In front of the slabs sit per-CPU caches of free objects (mm/kmalloc_cpu.c):
 * kmalloc() takes from this CPU's cache and kfree() puts back into it; the
 * slabs see batches.  Lock order: the cache locks, then heap_lock.
 *
 * Debug checks: freed objects are filled with POISON_FREE (0x6b) behind
 * their free-list link; kmalloc verifies the poison is intact before handing
 * an object out (a write after free is reported), and kfree checks that the
 * pointer is the start of an object of a slab or large allocation and is not
 * already free (on its slab's free list or in a CPU's cache).
 */
#include "mm/kmalloc.h"
#include "mm/kmalloc_cpu.h"
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
/* Word 1 of an object just handed out (Linux's POISON_INUSE byte): an
 * object the caller has not written there yet must not look free to
 * kfree()'s double-free check. */
#define POISON_INUSE_WORD (0x0101010101010101ull * 0x5a)

struct slab_class {
	size_t size;
	struct list_head partial;   /* slabs with a free object: in use first, kept empty ones last */
	uint64_t in_use, pages;     /* in_use: out of the slabs, CPU caches included; pages: every
				     * slab of the class, kept empty ones too */
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
	__atomic_fetch_add(&bad_frees, 1, __ATOMIC_RELAXED);
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
	pg->slab_class = (uint8_t)c;
	pg->inuse = 0;
	pg->freelist = NULL;
	for (size_t off = PAGE_SIZE; off >= size; off -= size) {
		void *obj = base + off - size;
		poison_object(obj, size);
		*(void **)obj = pg->freelist;
		pg->freelist = obj;
	}
	/* Release: the class and the free list before the flag that says
	 * "slab".  Pairs with kfree()'s smp_load_acquire() of the flags,
	 * which reads the class after it without heap_lock. */
	smp_store_release(&pg->flags, PG_slab);
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

/* ---- the slabs: batches in and out, under heap_lock ---------------------- */

/* One free object of class @c out of its slabs.  heap_lock held. */
static void *slab_take_one(unsigned c)
{
	struct slab_class *sc = &classes[c];
	struct page *pg;
	if (list_empty(&sc->partial)) {
		pg = new_slab(c);
		if (!pg)
			return NULL;
	} else {
		/* Slabs in use come first, so an empty one here means every
		 * slab of the class is empty: it goes back into use. */
		pg = list_first_entry(&sc->partial, struct page, lru);
		if (pg->inuse == 0)
			sc->empty--;
	}
	void *obj = pg->freelist;
	pg->freelist = *(void **)obj;
	pg->inuse++;
	sc->in_use++;
	if (!pg->freelist)
		list_del(&pg->lru);     /* full: off the partial list */
	return obj;
}

unsigned kmalloc_slab_take(unsigned c, void **objs, unsigned n)
{
	unsigned long flags;
	unsigned got = 0;
	spin_lock_irqsave(&heap_lock, flags);
	heap_init_once();
	while (got < n && (objs[got] = slab_take_one(c)) != NULL)
		got++;
	spin_unlock_irqrestore(&heap_lock, flags);
	return got;
}

/* Free object @obj (poisoned) back onto its slab @pg.  A slab that empties
 * is kept while its class has fewer than KMALLOC_KEEP_EMPTY empty ones,
 * else moved to @gone for the caller to free outside the lock.  heap_lock
 * held. */
static void slab_give_one(struct page *pg, void *obj, struct list_head *gone)
{
	struct slab_class *sc = &classes[pg->slab_class];
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
			return;
		}
		/* Enough kept: back to the buddy allocator. */
		sc->pages--;
		WRITE_ONCE(pg->flags, 0);
		list_add(&pg->lru, gone);
		return;
	}
	if (was_full)
		list_add(&pg->lru, &sc->partial);
}

static void free_slab_pages(struct list_head *gone)
{
	struct page *pg, *next;
	list_for_each_entry_safe(pg, next, gone, lru) {
		list_del(&pg->lru);
		free_page(pg);
	}
}

void kmalloc_slab_give(void *const *objs, unsigned n)
{
	LIST_HEAD(gone);
	unsigned long flags;
	spin_lock_irqsave(&heap_lock, flags);
	for (unsigned i = 0; i < n; i++)
		slab_give_one(virt_to_page(objs[i]), objs[i], &gone);
	spin_unlock_irqrestore(&heap_lock, flags);
	/* Outside the lock: the page allocator has its own. */
	free_slab_pages(&gone);
}

/* ---- kmalloc and kfree ---------------------------------------------------- */

void *kmalloc(size_t size)
{
	if (size == 0)
		return NULL;
	if (fail_nth_should_fail(&kmalloc_fail))
		return NULL;
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
		unsigned long flags;
		spin_lock_irqsave(&heap_lock, flags);
		large_allocs++;
		large_pages += 1ull << order;
		spin_unlock_irqrestore(&heap_lock, flags);
		return page_address(pg);
	}
	unsigned c = size_to_class(size);
	void *obj = kmalloc_cpu_alloc(c);
	if (!obj && kmalloc_cpu_cached(c)) {
		/* The slabs are out and no page is left for a new one, but
		 * other CPUs' caches hold free objects of the class (and keep
		 * their slabs in use): drain every cache, and try once more,
		 * as pcp.c drains its lists before an allocation fails.  No
		 * cache lock is held here (the drain takes them all); the
		 * racy count only decides whether to try. */
		kmalloc_shrink();
		obj = kmalloc_cpu_alloc(c);
	}
	/* The object is ours now: check it outside every lock. */
	if (obj) {
		check_poison(obj, (size_t)1 << (c + KMALLOC_MIN_SHIFT));
		((uint64_t *)obj)[1] = POISON_INUSE_WORD;
	}
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
		return (size_t)1 << (pg->slab_class + KMALLOC_MIN_SHIFT);
	if (pg->flags & PG_large)
		return PAGE_SIZE << pg->order;
	return 0;
}

static void kfree_large(struct page *pg, const void *p)
{
	unsigned long flags;
	spin_lock_irqsave(&heap_lock, flags);
	/* Checked again under the lock: a second free racing with the
	 * first must see the flag the first one cleared. */
	if (!(pg->flags & PG_large)) {
		spin_unlock_irqrestore(&heap_lock, flags);
		bad_free("page is free (double free of a large allocation?)", p);
		return;
	}
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
}

enum free_check { OBJ_LIVE, OBJ_FREE, OBJ_NOT_A_SLAB };

/* Is @obj, of class @c on slab @pg, free already: in a CPU's cache or on
 * its slab's free list?  Every cache and the slabs held still while it
 * looks (the lock order: caches, then heap_lock).  kfree() read the page's
 * flags and class without a lock; a double free racing with the first
 * free on another CPU may have seen a slab that has since been drained,
 * emptied and given back, so they are checked again here, under the lock,
 * before the free list is walked (a freed page's `freelist` is stale).
 * Such a racing double free can otherwise pass unseen: the check is for
 * the common bug, a second free long after the first. */
static enum free_check object_is_free(unsigned c, struct page *pg, const void *obj)
{
	struct kmalloc_cpu_all all;
	enum free_check r = OBJ_LIVE;
	kmalloc_cpu_lock_all(&all);
	spin_lock(&heap_lock);
	if (!(pg->flags & PG_slab) || pg->slab_class != c) {
		r = OBJ_NOT_A_SLAB;
	} else if (kmalloc_cpu_holds(c, obj)) {
		r = OBJ_FREE;
	} else {
		for (void *f = pg->freelist; f; f = *(void **)f)
			if (f == obj) {
				r = OBJ_FREE;
				break;
			}
	}
	spin_unlock(&heap_lock);
	kmalloc_cpu_unlock_all(&all);
	return r;
}

void kfree(const void *p)
{
	if (!p)
		return;
	struct page *pg = virt_to_page(p);
	/* Without heap_lock: a live object's slab (or large allocation)
	 * cannot be freed under us, the object keeps it in use.  A bad
	 * pointer's page may change meanwhile; the double-free search
	 * checks the page again under the lock before it trusts it.
	 * Acquire: the class below is the one new_slab() wrote before its
	 * release store of the flags. */
	unsigned long pflags = pg ? smp_load_acquire(&pg->flags) : 0;
	if (!(pflags & (PG_slab | PG_large))) {
		bad_free(pflags & PG_buddy ? "page is free (double free of a large allocation?)"
					   : "foreign pointer: not from kmalloc", p);
		return;
	}
	if (pflags & PG_large) {
		kfree_large(pg, p);
		return;
	}
	unsigned c = pg->slab_class;
	size_t size = (size_t)1 << (c + KMALLOC_MIN_SHIFT);
	if (((uintptr_t)p & (PAGE_SIZE - 1)) % size) {
		bad_free("pointer inside an object, not its start", p);
		return;
	}
	/* A double free: the object is free already.  The search locks every
	 * CPU's cache and walks the slab's free list, so it is made only for
	 * an object that looks free: a free object keeps its poison from the
	 * second word on (kfree wrote it; kmalloc checks it is intact before
	 * handing the object out, and writes POISON_INUSE_WORD there, so an
	 * object its owner never wrote does not look free).  A live object
	 * with exactly that bit pattern there is searched for nothing, never
	 * missed. */
	void *obj = (void *)p;
	if (((const uint64_t *)obj)[1] == POISON_FREE_WORD) {
		enum free_check r = object_is_free(c, pg, obj);
		if (r != OBJ_LIVE) {
			bad_free(r == OBJ_FREE ? "double free" : "page is no longer a slab of its class (double free?)", p);
			return;
		}
	}
	poison_object(obj, size);
	kmalloc_cpu_free(c, obj);
}

unsigned kmalloc_shrink(void)
{
	LIST_HEAD(gone);
	unsigned long flags;
	unsigned n = 0;
	/* First the caches, so that their objects' slabs can empty. */
	kmalloc_cpu_drain_all();
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
	free_slab_pages(&gone);
	return n;
}

void kmalloc_get_stats(struct kmalloc_stats *s)
{
	struct kmalloc_cpu_all all;
	/* The caches held still too: their objects are free, not in use. */
	kmalloc_cpu_lock_all(&all);
	spin_lock(&heap_lock);
	heap_init_once();
	memset(s, 0, sizeof(*s));
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++) {
		uint64_t cached = kmalloc_cpu_cached(c);
		s->class_size[c] = classes[c].size;
		s->cpu_cached[c] = cached;
		s->objects_in_use[c] = classes[c].in_use - cached;
		s->slab_pages[c] = classes[c].pages;
		s->empty_slabs[c] = classes[c].empty;
		s->empty_slab_pages += classes[c].empty;
		s->cpu_cached_bytes += cached * classes[c].size;
		s->bytes_in_use += (classes[c].in_use - cached) * classes[c].size;
	}
	s->large_allocs = large_allocs;
	s->large_pages = large_pages;
	s->bytes_in_use += large_pages * PAGE_SIZE;
	s->bad_frees = READ_ONCE(bad_frees);
	spin_unlock(&heap_lock);
	kmalloc_cpu_unlock_all(&all);
}
