/*
 * mm/fault.h - the page-fault handler for user addresses.
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include <stdint.h>

struct mm_struct;

#define FAULT_WRITE (1u << 0)
#define FAULT_EXEC  (1u << 1)
#define FAULT_USER  (1u << 2)

/* Why a fault could not be resolved (for the segfault message). */
enum fault_result {
	FAULT_OK = 0,
	FAULT_NO_VMA,           /* outside every mapping */
	FAULT_ACCESS,           /* against the mapping's protection */
	FAULT_OOM,              /* no memory for a page or a table */
	FAULT_STUCK,            /* the same fault again and again: no progress */
};

/* Consecutive faults of one thread on one page, each finding the PTE
 * already present (nothing to map), after which the fault is declared
 * unresolvable: a CPU or emulator that keeps refusing an access the page
 * tables allow.  A stale TLB entry explains one such fault; a fault that
 * maps a page is progress and starts the count again. */
#define FAULT_MAX_REPEATS 1000

/**
 * handle_mm_fault() - resolve a fault at @addr in @mm (the `locked` path):
 * under mmap_lock for read, find the VMA, check the access, allocate
 * missing tables, and map a zeroed page on first touch.
 * Return: FAULT_OK, or why not.  Context: process context, may sleep.
 */
enum fault_result handle_mm_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags);

/**
 * handle_user_fault() - the arch's entry for a fault on a user address by
 * the current thread (from user mode, or from a uaccess routine): resolve
 * it in current->mm, and give up on a fault that repeats with no progress.
 * Return: FAULT_OK, or why not (FAULT_NO_VMA for a thread without an mm).
 * Context: process context, may sleep.
 */
enum fault_result handle_user_fault(uintptr_t addr, unsigned flags);

/** fault_reason() - "no mapping", "protection", "out of memory". */
const char *fault_reason(enum fault_result r);

#endif
