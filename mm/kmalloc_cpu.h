/*
 * mm/kmalloc_cpu.h - per-CPU object caches in front of the slab heap
 * (mm/kmalloc_cpu.c), and the two slab calls they use (mm/kmalloc.c).
 * Only mm/kmalloc.c, the heap test suite and the kmalloc benchmark
 * include this.
 */
#ifndef MM_KMALLOC_CPU_H
#define MM_KMALLOC_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include "mm/kmalloc.h"

/* Objects each CPU keeps per size class, and how many it moves to or from
 * the slabs at once (the SLAB allocator's array cache: limit, batchcount;
 * its limits are larger, and smaller for large objects). */
#define KMALLOC_CPU_OBJS  16
#define KMALLOC_CPU_BATCH 8

/**
 * kmalloc_cpu_alloc() - an object of class @c from this CPU's cache,
 * refilled with a batch from the slabs when empty.  The object is free:
 * poisoned, unchecked (kmalloc() checks it).  Return: NULL when the slabs
 * cannot give one (out of memory).  Context: any but NMI.
 */
void *kmalloc_cpu_alloc(unsigned c);
/**
 * kmalloc_cpu_free() - park the free (already poisoned) object @obj of
 * class @c in this CPU's cache; a full cache first gives its oldest batch
 * back to the slabs.  Context: any but NMI.
 */
void kmalloc_cpu_free(unsigned c, void *obj);

/**
 * kmalloc_cpu_lock_all() - every CPU's cache lock, in CPU order, IRQs off:
 * the caches hold still until kmalloc_cpu_unlock_all().  Lock order: the
 * cache locks (ascending CPU), then heap_lock; never the reverse.
 */
struct kmalloc_cpu_all {
	unsigned long irqflags;
	unsigned cpus;              /* the caches locked: unlock releases the same */
};
void kmalloc_cpu_lock_all(struct kmalloc_cpu_all *all);
void kmalloc_cpu_unlock_all(const struct kmalloc_cpu_all *all);
/** kmalloc_cpu_cached() - objects of class @c in all caches: exact with
 * all locked, a racy snapshot without (kmalloc() uses it so, to decide
 * whether a drain could help). */
uint64_t kmalloc_cpu_cached(unsigned c);
/** kmalloc_cpu_holds() - is @obj (class @c) in some CPU's cache?  All locked. */
bool kmalloc_cpu_holds(unsigned c, const void *obj);
/**
 * kmalloc_cpu_drain_locked() - give every cached object back to the slabs.
 * All locked.  Return: how many objects came from caches of CPUs other than
 * this one (the heap suite counts the races its drain test exercised).
 */
uint64_t kmalloc_cpu_drain_locked(void);
/** kmalloc_cpu_drain_all() - kmalloc_cpu_drain_locked() under its locks. */
uint64_t kmalloc_cpu_drain_all(void);

/**
 * kmalloc_cpu_set_enabled() - use the caches (the default) or not
 * (kmalloc_cache=0, and tests of the slabs' own behaviour); switching off
 * drains them.  Return: the previous setting.
 */
bool kmalloc_cpu_set_enabled(bool on);
extern bool kmalloc_cpu_enabled;

/* From mm/kmalloc.c: take up to @n free objects of class @c from the slabs
 * into @objs / give @n free (poisoned) objects back to their slabs, under
 * heap_lock once.  Return: how many were taken (fewer only when out of
 * memory). */
unsigned kmalloc_slab_take(unsigned c, void **objs, unsigned n);
void kmalloc_slab_give(void *const *objs, unsigned n);

#endif
