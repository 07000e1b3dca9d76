/*
 * tests/kernel/forkutil.c - helpers shared by the fork and COW suites
 * (forkutil.h).  Every address space here is driven by the test's kernel
 * thread through kthread_use_mm(), so peek()/poke() take the real fault
 * paths, COW faults included.
 */
#include "tests/kernel/forkutil.h"
#include "tests/kernel/ktest.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/thread.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/page.h"
#include "mm/pagewalk.h"
#include "mm/uaccess.h"
#include "asm/page.h"

uintptr_t slot(unsigned i)
{
	return FORKT_AREA + (uintptr_t)i * PAGE_SIZE;
}

uint64_t peek(uintptr_t a)
{
	uint64_t v = ~0ull;
	if (copy_from_user(&v, (const void *)a, sizeof(v)))
		return ~0ull;
	return v;
}

int poke(uintptr_t a, uint64_t v)
{
	return (int)copy_to_user((void *)a, &v, sizeof(v));
}

pteval_t pte_of(struct mm_struct *mm, uintptr_t addr)
{
	int level;
	pteval_t *p = pt_walk(mm->pgd, addr, PT_PTE, NULL, &level);
	return p && level == PT_PTE ? *p : 0;
}

struct mm_struct *parent_with_pages(unsigned pages, uint64_t tag)
{
	struct mm_struct *mm = mm_create();
	if (!mm)
		return NULL;
	kthread_use_mm(mm);
	if (do_mmap(mm, FORKT_AREA, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (long)FORKT_AREA)
		return mm;
	for (unsigned i = 0; i < pages; i++)
		poke(slot(i), tag + i);
	return mm;
}

void switch_mm_to(struct mm_struct *from, struct mm_struct *to)
{
	kthread_unuse_mm(from);
	kthread_use_mm(to);
}

uint64_t device_view(struct page *pg)
{
	return READ_ONCE(*(volatile uint64_t *)page_address(pg));
}

void baseline_take(struct baseline *b)
{
	/* Frees deferred to RCU (tables, VMAs) done before counting. */
	rcu_barrier();
	b->frames = ktest_frames_available();
	b->heap = ktest_heap_bytes();
}

void baseline_expect(struct ktest *t, const struct baseline *b)
{
	rcu_barrier();
	KTEST_EXPECT_EQ(t, ktest_frames_available(), b->frames);
	KTEST_EXPECT_EQ(t, ktest_heap_bytes(), b->heap);
}
