/*
 * mm/kmalloc.h - the kernel heap.
 *
 * Requests up to KMALLOC_MAX_SMALL bytes come from slabs of one page per
 * power-of-two size class (16 .. 2048 bytes); larger ones get whole pages
 * from the buddy allocator.  Memory is 16-byte aligned (page aligned above
 * 2048 bytes).  Each CPU keeps a few free objects of each class
 * (mm/kmalloc_cpu.c), so most calls take no shared lock.  Bad frees (a pointer inside an object, a pointer the heap
 * never handed out, a double free) are reported with a backtrace and
 * ignored, and counted in kmalloc_bad_frees (debug builds).
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define KMALLOC_MIN_SHIFT 4
#define KMALLOC_MAX_SMALL 2048
#define KMALLOC_CLASSES 8           /* 16, 32, ..., 2048 */
/* Empty slabs each class keeps rather than freeing (mm/kmalloc.c). */
#define KMALLOC_KEEP_EMPTY 2

/** kmalloc() - @size bytes, or NULL (size 0 or out of memory). Context: any but NMI. */
void *kmalloc(size_t size);
/** kzalloc() - kmalloc() and zero. */
void *kzalloc(size_t size);
/** kfree() - free what kmalloc() returned; NULL is ignored. */
void kfree(const void *p);
/** ksize() - usable size of an allocation (its size class). */
size_t ksize(const void *p);

/**
 * kmalloc_fail_nth() - fault injection: make the @nth kmalloc() from now on
 * return NULL (1: the next one), then behave again.  @owner: count only
 * the calls of this thread (a struct thread *, outside interrupts), so that
 * a test sees its own allocations fail and nobody else's; NULL counts every
 * call.  @nth = 0 turns it off.  The `fail_alloc=N` command-line key sets
 * it at boot with no owner.  Context: any.
 */
void kmalloc_fail_nth(unsigned long nth, const void *owner);
/** kmalloc_fail_pending() - armed, and the failing call has not come yet. */
bool kmalloc_fail_pending(void);
/** kmalloc_failures_injected() - allocations failed on purpose since boot. */
unsigned long kmalloc_failures_injected(void);

struct kmalloc_stats {
	uint64_t class_size[KMALLOC_CLASSES];
	uint64_t objects_in_use[KMALLOC_CLASSES];  /* handed out: not free on a slab or in a CPU's cache */
	uint64_t cpu_cached[KMALLOC_CLASSES];      /* free, in the per-CPU caches */
	uint64_t slab_pages[KMALLOC_CLASSES];   /* kept empty slabs included */
	uint64_t empty_slabs[KMALLOC_CLASSES];  /* of slab_pages: kept with no object in use */
	uint64_t empty_slab_pages;  /* all classes' empty_slabs */
	uint64_t large_allocs, large_pages;
	uint64_t bytes_in_use;      /* sum of size classes handed out */
	uint64_t cpu_cached_bytes;  /* sum of size classes in the per-CPU caches */
	uint64_t bad_frees;
};

/**
 * kmalloc_shrink() - drain every CPU's cache into the slabs, then give every
 * empty slab back to the page allocator (Linux's kmem_cache_shrink());
 * returns how many pages.  For the tests that
 * count frames exactly, and for a caller short of memory.  Context: any
 * but NMI.
 */
unsigned kmalloc_shrink(void);

/** kmalloc_get_stats() - a snapshot for `mem` and the heap tests. */
void kmalloc_get_stats(struct kmalloc_stats *s);

#endif
