/*
 * mm/lockless_walk.c - the first lockless walker (see lockless_walk.h).
 */
#include "kernel/trace/trace.h"
#include "mm/lockless_walk.h"
#include "mm/mm.h"
#include "mm/pagewalk.h"
#include "mm/pgtable_free.h"
#include "kernel/config.h"
#include "kernel/cpumask.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "asm/cpu.h"
#include "asm/page.h"
#include "kernel/time.h"

uint64_t lockless_poisoned_reads;
uint64_t lockless_unprotected_walks;
uint64_t pagewalk_test_delay_ns;
uint64_t pagewalk_test_pauses[NR_CPUS];
unsigned long pagewalk_test_release;

/* Poisoned: the entry was read from a freed page table. */
static bool poisoned(pteval_t v, const pteval_t *table)
{
	if (v != PT_POISON)
		return false;
	trace(WALK_FREED, table, 0, 0);
	if (__atomic_fetch_add(&lockless_poisoned_reads, 1, __ATOMIC_RELAXED) == 0)
		pr_err("lockless_walk: a lockless walker read a freed page table (%p)\n", (const void *)table);
	return true;
}

/* pt_walk's check: each upper entry is read once; stop on poison. */
static bool lockless_check(pteval_t e, const pteval_t *table, int level, void *priv)
{
	(void)priv;
	if (poisoned(e, table))
		return false;
	/* Tests: widen the window between reading the PMD entry and reading
	 * the PTE table it points to, the window a free could hit.  The
	 * delay is read once: a test may clear it meanwhile. */
	uint64_t delay = READ_ONCE(pagewalk_test_delay_ns);
	if (level == PT_PMD && entry_present(e) && delay) {
		/* The release count first, then the pause count (a full
		 * barrier): a test that sees the pause counted and then bumps
		 * the release count ends this pause. */
		unsigned long r0 = READ_ONCE(pagewalk_test_release);
		__atomic_fetch_add(&pagewalk_test_pauses[smp_processor_id()], 1, __ATOMIC_SEQ_CST);
		uint64_t end = ktime_ns() + delay;
		while (ktime_ns() < end && READ_ONCE(pagewalk_test_release) == r0)
			cpu_relax();
	}
	return true;
}

bool lockless_walk_protected(struct mm_struct *mm)
{
#ifdef CONFIG_TABLE_FREE_RCU
	(void)mm;
	return rcu_read_lock_held();
#else
	/* IRQs off first: with them on, this CPU could switch mm (and its
	 * cpumask bit) right after the test. */
	return irqs_disabled() && cpumask_test_cpu(smp_processor_id(), &mm->cpumask);
#endif
}

uint64_t follow_pte_lockless(struct mm_struct *mm, uintptr_t addr)
{
	/* Atomic: walkers on several CPUs may all be counted at once. */
	if (WARN_ON_ONCE(!lockless_walk_protected(mm)))
		__atomic_fetch_add(&lockless_unprotected_walks, 1, __ATOMIC_RELAXED);
	const struct pt_walk_ops ops = { .check = lockless_check };
	int level;
	pteval_t *slot = pt_walk(mm->pgd, addr, PT_PTE, &ops, &level);
	if (!slot || level != PT_PTE)
		return 0;           /* absent, poisoned, or a huge page */
	pteval_t e = READ_ONCE(*slot);
	if (poisoned(e, slot - pte_index(addr)) || !entry_present(e))
		return 0;
	return e;
}

bool lockless_walk_entry_poisoned(pteval_t e, const pteval_t *table)
{
	return poisoned(e, table);
}

bool lockless_walk_check_entry_slow(pteval_t e, const pteval_t *table, int level)
{
	return lockless_check(e, table, level, NULL);
}
