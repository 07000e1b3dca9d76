/*
 * mm/pagewalk.c - the first lockless walker (see pagewalk.h).
 */
#include "mm/pagewalk.h"
#include "mm/mm.h"
#include "mm/pgtable_free.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "asm/page.h"
#include "kernel/time.h"

uint64_t lockless_poisoned_reads;
uint64_t lockless_unprotected_walks;
uint64_t pagewalk_test_delay_ns;

/* One level: read the entry once; stop on absent or poisoned. */
static bool level(uint64_t *table, unsigned idx, uint64_t *out)
{
	uint64_t v = READ_ONCE(table[idx]);
	if (v == PT_POISON) {
		if (__atomic_fetch_add(&lockless_poisoned_reads, 1, __ATOMIC_RELAXED) == 0)
			pr_err("pagewalk: a lockless walker read a freed page table (%p)\n", (void *)table);
		return false;
	}
	*out = v;
	return entry_present(v);
}

uint64_t follow_pte_lockless(struct mm_struct *mm, uintptr_t addr)
{
	if (WARN_ON_ONCE(!lockless_walk_protected()))
		lockless_unprotected_walks++;
	uint64_t e;
	if (!level((uint64_t *)mm->pgd, pgd_index(addr), &e))
		return 0;
	if (!level(__va(entry_addr(e)), pud_index(addr), &e) || entry_huge(e))
		return 0;
	if (!level(__va(entry_addr(e)), pmd_index(addr), &e) || entry_huge(e))
		return 0;
	if (pagewalk_test_delay_ns)     /* tests: widen the window a free could hit */
		udelay(pagewalk_test_delay_ns / 1000);
	if (!level(__va(entry_addr(e)), pte_index(addr), &e))
		return 0;
	return e;
}
