/*
 * mm/tlb.h - keeping every CPU's TLB coherent with the page tables: the
 * shootdown (flush_tlb_mm_range), lazy TLB for kernel threads, the per-mm
 * TLB generation, and the statistics the `tlb` monitor command and the
 * benchmarks read.  The protocol is written out in docs/tlb.md.
 */
#ifndef MM_TLB_H
#define MM_TLB_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/cpumask.h"

struct mm_struct;

struct tlb_stats {
	uint64_t shootdowns;        /* flush_tlb_mm_range calls that reached other CPUs */
	uint64_t ipis_sent;         /* flush requests sent */
	uint64_t flushes_received;  /* requests handled here */
	uint64_t pages_flushed;     /* INVLPGs */
	uint64_t full_flushes;      /* CR3 reloads */
	uint64_t gen_skips;         /* requests already covered by an earlier flush */
	uint64_t lazy_skipped;      /* lazy CPUs left out of non-table flushes */
	uint64_t lazy_exits;        /* lazy CPUs sent away by a table-freeing flush */
	uint64_t wait_cycles;       /* cycles waiting for acknowledgements */
	uint64_t flushes_deferred;  /* pv: targets left to their host (preempted: no IPI) */
	uint64_t deferred_done;     /* pv model: flushes done on this vCPU's entry */
	uint64_t ipis_to_preempted; /* IPIs sent to a vCPU whose record said preempted */
};

/** Tunables (monitor `tlb`): the single-page flush ceiling, and concurrent flushing. */
extern unsigned tlb_flush_ceiling;      /* pages; default 33, as Linux */
extern bool tlb_concurrent_flush;       /* IPIs first, local flush while they run */

/**
 * flush_tlb_mm_range() - after changing PTEs of @mm in [@start, @end):
 * when this returns, no CPU uses an old translation for the range.
 * @stride: page size of the entries changed (4 KiB here).
 * @freed_tables: page-table pages were unhooked too; lazy CPUs must be
 * flushed as well (their page walker may hold entries from those tables).
 * Context: process context, IRQs on (it waits for other CPUs).
 */
void flush_tlb_mm_range(struct mm_struct *mm, uintptr_t start, uintptr_t end,
			unsigned stride, bool freed_tables);

/**
 * switch_mm() - at a context switch to a thread whose address space is
 * @next (NULL for a kernel thread: stay lazily on the current one).
 * Context: IRQs off (the scheduler).
 */
void switch_mm(struct mm_struct *next);

/** leave_mm() - stop using @mm on this CPU now (load the kernel's tables). */
void leave_mm(struct mm_struct *mm);


/** tlb_cpu_lazy() - is @cpu lazily holding @mm? (tests) */
bool tlb_cpu_lazy(unsigned cpu, struct mm_struct *mm);

/** tlb_get_stats() - the counters of @cpu (sum over CPUs with @cpu == NR_CPUS). */
void tlb_get_stats(unsigned cpu, struct tlb_stats *out);

#endif
