/*
 * tests/kernel/forkutil.h - helpers shared by the fork and COW suites
 * (tests/kernel/fork.c, tests/kernel/cow_steps.c): an address space
 * driven by the test's own kernel thread (kthread_use_mm), its pages at
 * FORKT_AREA, and the frame/heap baseline every case returns to.
 */
#ifndef TESTS_KERNEL_FORKUTIL_H
#define TESTS_KERNEL_FORKUTIL_H

#include <stdint.h>
#include "asm/pgtable.h"

struct ktest;
struct mm_struct;
struct page;

#define FORKT_AREA  0x70000000ul

/** slot() - the address of page @i of the test area. */
uintptr_t slot(unsigned i);

/** peek() - the word at user address @a of the mm in use, ~0 if unreadable. */
uint64_t peek(uintptr_t a);

/** poke() - write @v at user address @a of the mm in use; 0 or the bytes left. */
int poke(uintptr_t a, uint64_t v);

/** pte_of() - the PTE of @addr in @mm, 0 if none.  Context: @mm's tables stay. */
pteval_t pte_of(struct mm_struct *mm, uintptr_t addr);

/**
 * parent_with_pages() - a fresh mm in use by this thread with @pages
 * read-write pages at FORKT_AREA, page i written with @tag + i.
 * Return: the mm (its area may be missing if do_mmap failed), or NULL.
 */
struct mm_struct *parent_with_pages(unsigned pages, uint64_t tag);

/** switch_mm_to() - this kernel thread leaves @from and uses @to. */
void switch_mm_to(struct mm_struct *from, struct mm_struct *to);

/** device_view() - a pinned page's first word as a device sees it (direct map). */
uint64_t device_view(struct page *pg);

/* Free frames and heap bytes before a case; expected back after it. */
struct baseline { uint64_t frames, heap; };
void baseline_take(struct baseline *b);
void baseline_expect(struct ktest *t, const struct baseline *b);

#endif
