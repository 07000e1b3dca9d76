/*
 * mm/pmm.h - the physical frame allocator (a buddy allocator).
 *
 * Blocks of 2^order frames (order 0 .. MAX_ORDER-1), each naturally aligned.
 * Freeing a block merges it with its buddy (the block of the same order it
 * was split from) whenever the buddy is free too, so memory does not stay
 * fragmented after frees.  Exhaustion returns NULL; it never panics.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <stdint.h>
#include <stddef.h>
#include "mm/page.h"

#define MAX_ORDER 11                    /* largest block: 2^10 frames = 4 MiB */

/** early_alloc_frame() - a zeroed frame before pmm_init(), from the first 1 GiB. Panics when none is left. */
uint64_t early_alloc_frame(void);

/**
 * pmm_init() - build struct page for every frame and hand every usable
 * frame not taken by the kernel image, the low 1 MiB or early allocations
 * to the buddy allocator.  Context: boot CPU, after paging_init().
 */
void pmm_init(void);

/**
 * alloc_pages() - allocate 2^@order physically contiguous frames.
 * Return: the first frame's struct page (refcount 1), or NULL if no block
 * that large is free.  Context: any but NMI; takes the zone lock with IRQs off.
 */
struct page *alloc_pages(unsigned order);

/**
 * free_pages() - drop the owner's reference to a block from alloc_pages()
 * of the same @order, and give it back if that was the last one.  Fast GUP
 * takes speculative references (try-get, then recheck, then put) on
 * whatever frame a stale PTE named, which may by then be a kernel page; if
 * one is held here, the block is freed by that reference's put instead
 * (counted in page_free_referenced), never handed out while referenced.
 * User pages go through put_page().
 */
void free_pages(struct page *page, unsigned order);

/**
 * free_pages_released() - give back a block whose count already reached
 * zero (page_ref.c's last put).  Not for other callers.
 */
void free_pages_released(struct page *page, unsigned order);
/** free_pages_released_list() - free_pages_released(p, 0) of every page on
 * @pages (linked by lru; emptied), taking the free list's lock once. */
void free_pages_released_list(struct list_head *pages);

/**
 * page_alloc_fail_nth() - fault injection: the @nth alloc_pages() from now
 * on (1: the next) returns NULL; @owner as kmalloc_fail_nth() (NULL: any
 * caller); 0 turns it off.  `fail_page_alloc=N` sets it at boot.
 */
void page_alloc_fail_nth(unsigned long nth, const void *owner);
/** page_alloc_fail_pending() - armed, and the failing call has not come yet. */
bool page_alloc_fail_pending(void);

static inline struct page *alloc_page(void) { return alloc_pages(0); }
static inline void free_page(struct page *p) { free_pages(p, 0); }

/** get_zeroed_page() - direct-map address of a zeroed frame, or NULL. */
void *get_zeroed_page(void);
/** free_page_addr() - free a frame by its direct-map address. */
void free_page_addr(void *addr);

/** pmm_free_frames() - frames currently free (tests use it to find leaks). */
uint64_t pmm_free_frames(void);
/** pmm_total_frames() - frames managed by the allocator (free or allocated). */
uint64_t pmm_total_frames(void);
/** pmm_free_blocks() - free blocks of exactly @order. */
uint64_t pmm_free_blocks(unsigned order);

/** pmm_release_range() - give a reserved physical range to the allocator (boot page tables). */
void pmm_release_range(uint64_t start, uint64_t end);

#endif
