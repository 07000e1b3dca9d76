/*
 * tests/kernel/ktest_proc.c - helpers shared by the suites that run user
 * programs (user, security, fuzz, fs): run one and collect its status, the
 * two measures the leak checks compare before and after, and the wait for
 * them to settle.
 */
#include "tests/kernel/ktest.h"
#include "kernel/proc/process.h"
#include "kernel/sched/thread.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/pgtable_free.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/time.h"
#include "mm/mm.h"
#include "mm/page.h"

int ktest_run_program(const char *name, int argc, char **argv)
{
	char *def[] = { (char *)name, NULL };
	int pid = process_spawn(name, argc ? argc : 1, argc ? argv : def, NULL);
	if (pid < 0)
		return pid - 1000;          /* distinguishable from exit codes */
	int status = -1;
	process_wait(pid, &status);
	return status;
}

/* Frames not in use: free ones, plus the stack cache (free stack slots
 * stay mapped for reuse), the page-table quarantine, and the heap's slab
 * pages (checked separately by the bytes in use). */
uint64_t ktest_frames_available(void)
{
	struct kmalloc_stats s;
	kmalloc_get_stats(&s);
	uint64_t slabs = 0;
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
		slabs += s.slab_pages[c];
	return pmm_free_frames() + kstack_cached_frames() + pgtable_quarantined() + slabs;
}

uint64_t ktest_heap_bytes(void)
{
	struct kmalloc_stats s;
	kmalloc_get_stats(&s);
	return s.bytes_in_use;
}

bool ktest_settle(uint64_t frames, uint64_t heap, unsigned ms)
{
	uint64_t end = ktime_ns() + (uint64_t)ms * 1000000;
	do {
		rcu_barrier();
		msleep(20);
	} while ((ktest_frames_available() != frames || ktest_heap_bytes() != heap) &&
		 ktime_ns() < end);
	return ktest_frames_available() == frames && ktest_heap_bytes() == heap;
}

struct page *ktest_mapped_frame(struct mm_struct *mm, uintptr_t va)
{
	spinlock_t *ptl;
	uint64_t *pte = pte_lookup_lock(mm, va, &ptl);
	if (!pte)
		return NULL;
	pteval_t v = READ_ONCE(*pte);
	spin_unlock(ptl);
	return entry_present(v) ? phys_to_page(entry_addr(v)) : NULL;
}
