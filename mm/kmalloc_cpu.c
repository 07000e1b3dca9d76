/*
 * mm/kmalloc_cpu.c - per-CPU object caches in front of the slab heap: each
 * CPU keeps up to KMALLOC_CPU_OBJS free objects of each size class, so that
 * most kmalloc() and kfree() calls touch neither the heap lock nor a slab
 * page that another CPU writes (Bonwick's magazines; the SLAB allocator's
 * per-CPU array caches; SLUB's per-CPU slabs do the same job).
 *
 * Why.  Every mmap and munmap replaces the VMA table and a VMA: about four
 * allocations and four frees a call.  With one heap lock, two threads in an
 * mmap/munmap loop contended it 192,118 times in 3 s, and every allocation
 * moved the lock's line and the slab page's free list between the CPUs
 * (docs/performance.md, finding 20).  A cache is refilled from the slabs
 * and flushed to them in batches of KMALLOC_CPU_BATCH, one heap-lock
 * acquisition per batch; an object freed on a CPU is handed out next on
 * that CPU (LIFO), cache-warm.
 *
 * Locking.  Each cache has its own lock, taken with IRQs off (the cache
 * is found by this CPU's id, which must not change under us, and an
 * interrupt handler on this CPU may allocate too).  Normally only its CPU
 * takes it, so its line stays in that
 * CPU's cache.  Three things read or change another CPU's cache: the drain
 * (kmalloc_shrink()), the statistics (objects in caches are free, not in
 * use) and kfree()'s double-free check (the first free may sit in any
 * CPU's cache).  Each needs the caches to hold still while it looks, so
 * kmalloc_cpu_lock_all() takes every CPU's lock, in ascending CPU order;
 * the owner takes only its own.  Lock order: cache locks (ascending CPU),
 * then heap_lock (refill, flush), never the reverse.  The locks are
 * owner_lock_t (kernel/locking/owner_lock.h), an exchange and a store: the
 * generic spinlock's tickets, statistics and checks cost about as much as
 * the rest of a kmalloc+kfree pair under TCG (finding 20), and a lock its
 * own CPU takes nearly always uncontended needs none of them.
 *
 * Invariants: an object in a cache is free (poisoned by kfree()), counted
 * in exactly one cache's `nr`, and still counted by its slab as in use
 * (pg->inuse), so its slab is never freed under it.  The statistics
 * subtract the cached objects from the in-use ones.
 *
 * KMALLOC_CACHE_BROKEN=1 (test only) makes kmalloc_cpu_lock_all() take
 * this CPU's lock alone: a drain then races with the owner's pops and
 * pushes, and an object can be both handed out and back on its slab.  The
 * heap suite's heap_cpu_cache_drain_race must catch it.
 */
#include "mm/kmalloc_cpu.h"
#include "kernel/config.h"
#include "kernel/irqflags.h"
#include "kernel/locking/owner_lock.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "lib/string.h"

static struct kmalloc_cpu_cache {
	owner_lock_t lock;          /* its CPU, or kmalloc_cpu_lock_all(); IRQs off */
	unsigned nr[KMALLOC_CLASSES];               /* objects in obj[c][0 .. nr[c]-1], newest last */
	void *obj[KMALLOC_CLASSES][KMALLOC_CPU_OBJS];
} __aligned(64) caches[NR_CPUS];

bool kmalloc_cpu_enabled = true;

void *kmalloc_cpu_alloc(unsigned c)
{
	void *obj = NULL;
	unsigned long flags;
	if (!READ_ONCE(kmalloc_cpu_enabled))
		return kmalloc_slab_take(c, &obj, 1) ? obj : NULL;
	local_irq_save(flags);
	struct kmalloc_cpu_cache *cc = &caches[smp_processor_id()];
	owner_lock(&cc->lock);
	/* nr: written under the lock, read without it by kmalloc()'s
	 * should-I-drain test (kmalloc_cpu_cached()): marked stores, as
	 * pcp.c's count (they order nothing). */
	unsigned nr = cc->nr[c];
	if (!nr)
		nr = kmalloc_slab_take(c, cc->obj[c], KMALLOC_CPU_BATCH);
	if (nr)
		obj = cc->obj[c][--nr];
	WRITE_ONCE(cc->nr[c], nr);
	owner_unlock(&cc->lock);
	local_irq_restore(flags);
	return obj;
}

void kmalloc_cpu_free(unsigned c, void *obj)
{
	unsigned long flags;
	if (!READ_ONCE(kmalloc_cpu_enabled)) {
		kmalloc_slab_give(&obj, 1);
		return;
	}
	local_irq_save(flags);
	struct kmalloc_cpu_cache *cc = &caches[smp_processor_id()];
	owner_lock(&cc->lock);
	if (cc->nr[c] == KMALLOC_CPU_OBJS) {
		/* Full: the oldest batch (coldest in this CPU's cache) goes
		 * back to the slabs, the rest moves down. */
		kmalloc_slab_give(cc->obj[c], KMALLOC_CPU_BATCH);
		memmove(&cc->obj[c][0], &cc->obj[c][KMALLOC_CPU_BATCH],
			(KMALLOC_CPU_OBJS - KMALLOC_CPU_BATCH) * sizeof(void *));
		WRITE_ONCE(cc->nr[c], cc->nr[c] - KMALLOC_CPU_BATCH);
	}
	cc->obj[c][cc->nr[c]] = obj;
	WRITE_ONCE(cc->nr[c], cc->nr[c] + 1);   /* marked: see kmalloc_cpu_alloc() */
	owner_unlock(&cc->lock);
	local_irq_restore(flags);
}

/* The CPUs whose caches can hold objects: those that can run (ids are
 * dense).  Before the MADT is read, nr_cpus_possible is 1: only the boot
 * CPU runs. */
static unsigned cache_cpus(void)
{
	unsigned n = READ_ONCE(nr_cpus_possible);
	return n ? n : 1;
}

static bool lock_taken_by_lock_all(unsigned cpu)
{
#ifdef CONFIG_KMALLOC_CACHE_BROKEN
	/* Test-only: the owner's lock is not taken; another CPU's cache is
	 * read and drained while its owner pops and pushes. */
	return cpu == smp_processor_id();
#else
	(void)cpu;
	return true;
#endif
}

void kmalloc_cpu_lock_all(struct kmalloc_cpu_all *all)
{
	local_irq_save(all->irqflags);
	/* The count changes only while the boot CPU enumerates the others,
	 * before anything allocates there; unlock releases the caches
	 * locked here all the same. */
	all->cpus = cache_cpus();
	for (unsigned cpu = 0; cpu < all->cpus; cpu++)
		if (lock_taken_by_lock_all(cpu))
			owner_lock(&caches[cpu].lock);
}

void kmalloc_cpu_unlock_all(const struct kmalloc_cpu_all *all)
{
	for (unsigned cpu = all->cpus; cpu-- > 0;)
		if (lock_taken_by_lock_all(cpu))
			owner_unlock(&caches[cpu].lock);
	local_irq_restore(all->irqflags);
}

uint64_t kmalloc_cpu_cached(unsigned c)
{
	uint64_t n = 0;
	for (unsigned cpu = 0; cpu < cache_cpus(); cpu++)
		n += READ_ONCE(caches[cpu].nr[c]);
	return n;
}

bool kmalloc_cpu_holds(unsigned c, const void *obj)
{
	for (unsigned cpu = 0; cpu < cache_cpus(); cpu++) {
		struct kmalloc_cpu_cache *cc = &caches[cpu];
		unsigned nr = READ_ONCE(cc->nr[c]);
		for (unsigned i = 0; i < nr && i < KMALLOC_CPU_OBJS; i++)
			if (READ_ONCE(cc->obj[c][i]) == obj)
				return true;
	}
	return false;
}

uint64_t kmalloc_cpu_drain_locked(void)
{
	uint64_t remote = 0;
	unsigned self = smp_processor_id();
	for (unsigned cpu = 0; cpu < cache_cpus(); cpu++) {
		struct kmalloc_cpu_cache *cc = &caches[cpu];
		for (unsigned c = 0; c < KMALLOC_CLASSES; c++) {
			/* READ_ONCE: in the broken build the owner changes nr
			 * under us; with the locks nothing does. */
			unsigned nr = READ_ONCE(cc->nr[c]);
			if (nr > KMALLOC_CPU_OBJS)
				nr = KMALLOC_CPU_OBJS;
			if (!nr)
				continue;
			kmalloc_slab_give(cc->obj[c], nr);
			WRITE_ONCE(cc->nr[c], 0);
			if (cpu != self)
				remote += nr;
		}
	}
	return remote;
}

uint64_t kmalloc_cpu_drain_all(void)
{
	struct kmalloc_cpu_all all;
	kmalloc_cpu_lock_all(&all);
	uint64_t remote = kmalloc_cpu_drain_locked();
	kmalloc_cpu_unlock_all(&all);
	return remote;
}

bool kmalloc_cpu_set_enabled(bool on)
{
	bool was = READ_ONCE(kmalloc_cpu_enabled);
	WRITE_ONCE(kmalloc_cpu_enabled, on);
	if (!on)
		kmalloc_cpu_drain_all();    /* a call racing with this may still park objects (a refill, a
					     * batch): counted as cached, drained by the next shrink */
	return was;
}

static int set_kmalloc_cache(const char *v)
{
	return param_parse_switch(v, &kmalloc_cpu_enabled);
}
KERNEL_PARAM(kmalloc_cache, "kmalloc_cache", "0|1",
	     "per-CPU caches of free kmalloc objects in front of the heap lock (default 1)", set_kmalloc_cache);
