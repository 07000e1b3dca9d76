/*
 * mm/pcp.h - per-CPU lists of free order-0 frames in front of the buddy
 * allocator (mm/pcp.c), and the two buddy calls they use (mm/pmm.c).
 * Only mm/pmm.c and the pmm test suite include this.
 */
#ifndef MM_PCP_H
#define MM_PCP_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/list.h"
#include "mm/page.h"

/* How many frames a list takes from or gives to the buddy at once, and
 * how many it may hold before it gives a batch back (Linux: pcp->batch,
 * pcp->high; its defaults are larger, its zones too). */
#define PCP_BATCH 16
#define PCP_HIGH  (3 * PCP_BATCH)

/** pcp_alloc() - a frame from this CPU's list (refilled from the buddy), or NULL. */
struct page *pcp_alloc(void);
/** pcp_free() - put a free frame (count zero) on this CPU's list; trims it to the buddy. */
void pcp_free(struct page *p);
/** pcp_free_list() - pcp_free() of every frame on @frames (linked by lru), under one hold of the list's lock. */
void pcp_free_list(struct list_head *frames);
/** pcp_frames() - frames on all the lists (free, but not in the buddy). */
uint64_t pcp_frames(void);
/** pcp_drain_all() - give every CPU's list back to the buddy (tests, OOM, switching off). */
void pcp_drain_all(void);
/**
 * pcp_set_enabled() - use the lists (the default) or not (pcp_lists=0, and
 * tests of the buddy's own merging); switching off drains them.
 * Return: the previous setting.
 */
bool pcp_set_enabled(bool on);
extern bool pcp_enabled;

/* From mm/pmm.c: move up to @n order-0 frames from the buddy onto @list /
 * @n frames from @list back to the buddy, under the zone lock once.
 * Return: how many were taken. */
unsigned pmm_take_batch(struct list_head *list, unsigned n);
void pmm_give_batch(struct list_head *list, unsigned n);

#endif
