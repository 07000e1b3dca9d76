/*
 * mm/fork.h - copying an address space for fork() (mm/fork.c).
 */
#ifndef MM_FORK_H
#define MM_FORK_H

#include <stdint.h>

struct mm_struct;

/**
 * dup_mm() - a new address space with a copy of @src's VMAs and PTEs:
 * private pages shared copy-on-write (reference raised, both PTEs
 * write-protected), maybe-pinned pages copied for the child at once.
 * @src's TLBs are flushed on every CPU that runs it before this returns.
 * Return: the new mm (users = 1), or NULL with *@err = -ENOMEM (nothing
 * leaked; @src's PTEs may stay write-protected, which only costs a fault).
 * Context: process context, may sleep; takes @src's mmap_lock for write.
 */
struct mm_struct *dup_mm(struct mm_struct *src, int *err);

/* Pages shared copy-on-write and pages copied (maybe pinned) by forks since boot. */
extern uint64_t fork_pages_shared, fork_pages_copied;

#endif
