/*
 * mm/vma.h - virtual memory areas and the per-mm table that holds them.
 *
 * A VMA is [start, end) with one protection.  Once a VMA is published in
 * an mm's table it never changes: mprotect, split and merge build new VMAs
 * and publish a new table.  The table is an array sorted by address (binary
 * search: O(log n) lookup) that is also replaced whole on every change, with
 * a release store.  So a reader that loads the table pointer (acquire) sees
 * a complete array of complete VMAs, never a half-built one: the property a
 * lockless lookup under RCU needs.  Writers hold mmap_lock for write.
 * Old tables and removed VMAs are freed through vma_table_free() and
 * vma_free(), the one place where RCU will defer the free.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/rcu/rcu_types.h"

#define VM_READ   0x1
#define VM_WRITE  0x2
#define VM_EXEC   0x4
#define VM_SHARED 0x8       /* MAP_SHARED: stores reach the file (the page-cache page itself is mapped) */
#define VM_FILE   0x10      /* backed by vm_file's page cache (a file, or shmem for shared anonymous) */
#define VM_MAYWRITE 0x20    /* VM_SHARED only: mprotect may add VM_WRITE (not to a file opened read-only) */
#define VM_STACK  0x100     /* the main thread's stack */

struct file;

struct vm_area_struct {
	uintptr_t start, end;       /* page aligned, start < end */
	unsigned flags;             /* VM_* */
	/* VM_FILE: the open file (a counted reference: fget, dropped by
	 * vma_free) and the file page that backs .start.  Linux's vm_file
	 * and vm_pgoff. */
	struct file *vm_file;
	uint64_t vm_pgoff;
	/* FAULT=vma (per-VMA locks; see mm/vma.c "Per-VMA locks"): */
	unsigned vm_lock_seq;       /* == the mm's (odd) sequence: write-locked */
	int vm_readers;             /* faults holding it for read (atomics) */
	bool detached;              /* dropped from the published table */
	struct rcu_head rcu;
};

struct vma_table {
	int nr;
	struct rcu_head rcu;
	struct vm_area_struct *vma[];   /* sorted by start, non-overlapping */
};

struct mm_struct;

/** vma_find() - the VMA containing @addr, or NULL. Context: mmap_lock held (read or write). */
struct vm_area_struct *vma_find(struct mm_struct *mm, uintptr_t addr);

/** vma_find_after() - the first VMA ending after @addr (containing it or above it), or NULL. */
struct vm_area_struct *vma_find_after(struct mm_struct *mm, uintptr_t addr);

/**
 * vma_replace_range() - make [@start, @end) hold exactly @nnew VMAs @new
 * (which must lie inside it, sorted), splitting VMAs that straddle the
 * edges and removing every other VMA in the range; neighbours with the same
 * flags are merged.  Publishes a new table.
 * Return: 0, or -ENOMEM (nothing changed), or -EINVAL with a warning when
 * called without mmap_lock for write.  Context: mmap_lock held for write
 * (checked: the mm's sequence is odd).
 */
int vma_replace_range(struct mm_struct *mm, uintptr_t start, uintptr_t end,
		      struct vm_area_struct **new, int nnew);

/** vma_alloc() - a new VMA, not yet published. */
struct vm_area_struct *vma_alloc(uintptr_t start, uintptr_t end, unsigned flags);
/**
 * vma_alloc_from() - a new VMA for [@start, @end) of the same backing as
 * @tmpl (a piece of it, or a copy for fork): its file (another reference)
 * and the file page that @start then maps.  Not yet published.
 */
struct vm_area_struct *vma_alloc_from(const struct vm_area_struct *tmpl, uintptr_t start,
				      uintptr_t end, unsigned flags);
/** vma_set_file() - back unpublished @v by @file (its reference moves to @v) from file page @pgoff. */
void vma_set_file(struct vm_area_struct *v, struct file *file, uint64_t pgoff);
/** vma_free() - free a VMA that is no longer in any published table (its file reference dropped now). */
void vma_free(struct vm_area_struct *v);
/** vma_table_free() - free a replaced table (not the VMAs it points to). */
void vma_table_free(struct vma_table *t);

/** vma_range_mapped() - is every page of [@start, @end) inside some VMA? */
bool vma_range_mapped(struct mm_struct *mm, uintptr_t start, uintptr_t end);

/** vma_get_unmapped_area() - a free gap of @len bytes at @hint if free, else searching down from the mmap base
 * (2 MiB-aligned when @len is whole 2 MiB blocks). 0 if none. */
uintptr_t vma_get_unmapped_area(struct mm_struct *mm, uintptr_t hint, uint64_t len);

/**
 * lock_vma_under_rcu() - FAULT=vma: the VMA containing @addr, read-locked,
 * found without mmap_lock.  Fails (NULL) when there is none, when a writer
 * holds or has marked it (*@busy true), or when it left the table between
 * the lookup and the lock.  Release with vma_end_read().
 * Context: any (never sleeps).
 */
struct vm_area_struct *lock_vma_under_rcu(struct mm_struct *mm, uintptr_t addr, bool *busy);
/** vma_end_read() - drop a read lock of lock_vma_under_rcu(). */
void vma_end_read(struct vm_area_struct *v);
/**
 * vma_start_write() - write-lock @v for the rest of this mmap_lock write
 * section: mark it, then wait for the faults holding it for read to leave.
 * Context: mmap_write_lock(mm) held; may sleep (yields while waiting).
 */
void vma_start_write(struct mm_struct *mm, struct vm_area_struct *v);
/* Tests only: VMA-lock waits of writers that found readers (and so raced). */
extern uint64_t vma_write_waits;

/** vma_destroy_all() - free every VMA and the table (exit). */
void vma_destroy_all(struct mm_struct *mm);

#endif
