/*
 * mm/pt_trace.h - a page-table walk done by hand, one level at a time,
 * recording what it read: the monitor's `pt ADDR` and lab 1
 * (docs/labs/lab1-pagetables.md).
 *
 * The kernel's own walks go through pt_walk() (mm/pagewalk.h); this one
 * spells the four steps out so that a student can compare each of them
 * with what the hardware does and with gdb's `kernel-pt`.
 */
#ifndef MM_PT_TRACE_H
#define MM_PT_TRACE_H

#include <stdint.h>
#include <stdbool.h>
#include "mm/pagewalk.h"

/* One level of the walk: the table read, the index used, the entry found. */
struct pt_trace_step {
	int level;              /* PT_PGD (4) down to PT_PTE (1) */
	uint64_t table_pa;      /* physical address of the table read */
	unsigned index;         /* @va's index in it (0-511) */
	pteval_t entry;         /* the entry read there */
};

struct pt_trace {
	int nsteps;             /* steps recorded, from the PGD down */
	struct pt_trace_step step[4];
	bool mapped;            /* the walk ended on a present leaf */
	uint64_t pa;            /* if mapped: the physical address of @va */
	uint64_t page_size;     /* if mapped: 4 KiB, 2 MiB or 1 GiB */
};

/**
 * pt_trace() - walk the page table at @pgd_pa for @va by hand.
 * @pgd_pa: physical address of the top-level table (what CR3 holds).
 * @va: the virtual address.
 * @tr: filled with every entry read, top down, and the result.
 *
 * The walk stops at the first entry that is not present (@tr->mapped
 * false, that entry the last step) or at a leaf: a PTE, or a PMD/PUD
 * entry with the huge-page bit (@tr->mapped true, @tr->pa and
 * @tr->page_size set).  Each entry is read once (READ_ONCE).
 *
 * Context: any; takes no lock, so the caller makes sure the tables stay
 * (the kernel's tables are never freed).
 * Return: 0, or -EINVAL for a non-canonical @va (nothing walked).
 */
int pt_trace(uint64_t pgd_pa, uintptr_t va, struct pt_trace *tr);

#endif
