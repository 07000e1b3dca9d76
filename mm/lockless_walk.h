/*
 * mm/lockless_walk.h - lockless page-table walkers (the fast-GUP style).
 *
 *   unsigned long w = lockless_page_walk_begin();
 *   uint64_t pte = follow_pte_lockless(mm, addr);
 *   lockless_page_walk_end(w);
 *
 * No mmap_lock, no page-table lock: tables can be unhooked and freed under
 * the walker.  What keeps a table it is reading from being freed (and
 * reused) depends on TABLE_FREE:
 *   ipi: the walker runs with IRQs off, and tables are freed only after a
 *        TLB-flush IPI to every CPU using the mm has been acknowledged:
 *        a CPU inside a walk cannot acknowledge, so the free waits for it.
 *        This protects only a walker on a CPU that has the mm loaded (fast
 *        GUP walks current->mm): no other CPU gets the IPI;
 *   rcu: the walker is an RCU reader, and tables are freed only after a
 *        grace period: it cannot end while a walker is inside (any CPU).
 * (With SHOOTDOWN=pv a preempted vCPU is not interrupted, so the ipi rule
 * no longer holds: the unsafe pairing the build warns about.)
 */
#ifndef MM_LOCKLESS_WALK_H
#define MM_LOCKLESS_WALK_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/config.h"
#include "kernel/irqflags.h"
#include "kernel/percpu.h"
#include "kernel/rcu/rcu.h"
#include "mm/pgtable_free.h"
#include "lib/compiler.h"

struct mm_struct;

/**
 * lockless_page_walk_begin() - open a lockless walk section: what keeps
 * the tables the walk reads from being freed under it (see above).
 * Return: a cookie for lockless_page_walk_end() (the saved IRQ flags
 * under TABLE_FREE=ipi).
 * Context: any; does not sleep; the section must not sleep either.
 */
static inline unsigned long lockless_page_walk_begin(void)
{
	/* LAB 5 BEGIN: choose the walker's protection from TABLE_FREE: rcu -> an RCU read section; ipi -> IRQs off (save the flags and return them) */
#ifdef CONFIG_TABLE_FREE_RCU
	rcu_read_lock();
	return 0;
#else
	unsigned long flags;
	local_irq_save(flags);
	return flags;
#endif
	/* LAB 5 STUB:
	return 0;
	*/
	/* LAB 5 END */
}

/** lockless_page_walk_end() - close the section begun with cookie @flags. */
static inline void lockless_page_walk_end(unsigned long flags)
{
	/* LAB 5 BEGIN: close what lockless_page_walk_begin() opened (rcu: the read section; ipi: restore the IRQ flags @flags) */
#ifdef CONFIG_TABLE_FREE_RCU
	(void)flags;
	rcu_read_unlock();
#else
	local_irq_restore(flags);
#endif
	/* LAB 5 STUB:
	(void)flags;
	*/
	/* LAB 5 END */
}

/**
 * lockless_walk_protected() - does the caller hold what TABLE_FREE requires
 * to walk @mm?  rcu: an RCU read section (it protects a walk of any mm on
 * any CPU).  ipi: IRQs off *and* @mm loaded on this CPU (in its cpumask,
 * lazily or not): the table-freeing flush interrupts only the CPUs in the
 * mm's cpumask, so IRQs off on any other CPU hold nothing back.
 * Context: any; the answer holds until IRQs are enabled again (ipi: only
 * this CPU changes its own cpumask bits, and not with IRQs off).
 */
bool lockless_walk_protected(struct mm_struct *mm);

/**
 * follow_pte_lockless() - the PTE mapping @addr in @mm, read once per level
 * with READ_ONCE; never allocates, never sleeps.
 * Return: the PTE value, or 0 if some level is not present.  A level that
 * holds the freed-table poison is counted in lockless_poisoned_reads and
 * reported (a walker read a freed table), and gives 0.
 * Context: between lockless_page_walk_begin() and _end() (checked).
 */
uint64_t follow_pte_lockless(struct mm_struct *mm, uintptr_t addr);

/* The out-of-line part of lockless_walk_check_entry(). */
bool lockless_walk_check_entry_slow(uint64_t e, const uint64_t *table, int level);

extern uint64_t pagewalk_test_delay_ns;    /* (tests: see below) */

/**
 * lockless_walk_check_entry() - the lockless walker's look at an upper
 * entry @e of @table at @level, for other lockless walkers built on
 * pagewalk.h (mm/gup.c): counts and reports poison, applies the test delay.
 * The common case (no poison, no test delay) is two compares inline: fast
 * GUP runs it for every upper entry it reads.
 * Return: false to stop (poisoned).
 */
static inline bool lockless_walk_check_entry(uint64_t e, const uint64_t *table, int level)
{
	if (likely(e != PT_POISON && !READ_ONCE(pagewalk_test_delay_ns)))
		return true;
	return lockless_walk_check_entry_slow(e, table, level);
}

/**
 * lockless_walk_entry_poisoned() - the poison check alone, without the
 * test delay: for walkers the window tests do not aim at (the speculative
 * fault path, which the tests' own page faults take; a pause there would
 * stall the very thread that ends pauses).
 * Return: true if @e was read from a freed table (counted and reported).
 */
bool lockless_walk_entry_poisoned(uint64_t e, const uint64_t *table);

extern uint64_t lockless_poisoned_reads;
/* Walks without lockless_walk_protected(mm) (atomic increments). */
extern uint64_t lockless_unprotected_walks;
/* Tests only: a pause between reading the PMD entry and the PTE table,
 * the window in which a premature table free would be seen: at most
 * pagewalk_test_delay_ns, ended early when pagewalk_test_release changes;
 * and per CPU the walks that paused there (counted as the pause begins),
 * so that a race test can count the races it ran. */
extern uint64_t pagewalk_test_delay_ns;
extern unsigned long pagewalk_test_release;
extern uint64_t pagewalk_test_pauses[NR_CPUS];

#endif
