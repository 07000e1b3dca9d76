/*
 * mm/pt_trace.c - pt_trace(): a four-level walk by hand (see pt_trace.h),
 * and the monitor command `pt ADDR` that prints it for the kernel's table.
 *
 * Invariant: pt_trace() only reads; it changes no entry and no TLB.  Its
 * reads follow pagewalk.h's rule: each entry read once, and the next
 * table's address computed from that value (an address dependency orders
 * the loads, as in pt_walk()).
 */
#include "mm/pt_trace.h"
#include "mm/paging.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "asm/page.h"
#include "lib/string.h"

static const char *const level_name[] = { "", "pte", "pmd", "pud", "pgd" };

int pt_trace(uint64_t pgd_pa, uintptr_t va, struct pt_trace *tr)
{
	memset(tr, 0, sizeof(*tr));
	/* LAB 1 BEGIN: refuse a non-canonical va; walk from the PGD down recording table, index and entry; stop at a non-present entry or a leaf and set mapped, pa and page_size */
	/* Bits 63..47 must all equal bit 47: else no table maps @va. */
	if (!(va < USER_TOP || va >= 0xffff800000000000ul))
		return -EINVAL;
	uint64_t table_pa = pgd_pa;
	for (int level = PT_PGD; level >= PT_PTE; level--) {
		const pteval_t *table = __va(table_pa);
		unsigned index = pt_index(va, level);
		pteval_t e = READ_ONCE(table[index]);
		tr->step[tr->nsteps++] = (struct pt_trace_step){ level, table_pa, index, e };
		if (!entry_present(e))
			return 0;
		/* A leaf: a PTE, or a PMD/PUD entry with the huge bit (never a
		 * PGD entry: no 512 GiB pages). */
		if (level == PT_PTE || (level != PT_PGD && entry_huge(e))) {
			tr->page_size = 1ul << pt_level_shift(level);
			tr->pa = (entry_addr(e) & ~(tr->page_size - 1)) | (va & (tr->page_size - 1));
			tr->mapped = true;
			return 0;
		}
		table_pa = entry_addr(e);
	}
	return 0;
	/* LAB 1 STUB:
	(void)pgd_pa;
	(void)va;
	return -ENOSYS;
	*/
	/* LAB 1 END */
}

/* ---- monitor: pt ----------------------------------------------------------- */

static int cmd_pt(int argc, char **argv)
{
	unsigned long long va;
	if (argc != 2 || kstrtoull(argv[1], 16, &va)) {
		mon_printf("error: usage: pt ADDR (hex, e.g. pt ffffffff80100000)\n");
		return -EINVAL;
	}
	struct pt_trace tr;
	int r = pt_trace(kernel_pgd_phys, (uintptr_t)va, &tr);
	if (r == -EINVAL) {
		mon_printf("error: %#llx is not canonical (bits 63..47 differ)\n", va);
		return r;
	}
	if (r) {
		mon_printf("error: pt_trace() returned %d (lab 1 not done?)\n", r);
		return r;
	}
	for (int i = 0; i < tr.nsteps; i++) {
		const struct pt_trace_step *s = &tr.step[i];
		mon_printf("%s  table %#llx  index %3u  entry 0x%016llx%s\n", level_name[s->level],
			   (unsigned long long)s->table_pa, s->index, (unsigned long long)s->entry,
			   entry_present(s->entry) ? "" : "  (not present)");
	}
	if (tr.mapped)
		mon_printf("%#llx -> %#llx (%llu KiB page)\n", va, (unsigned long long)tr.pa,
			   (unsigned long long)(tr.page_size >> 10));
	else
		mon_printf("%#llx is not mapped\n", va);
	return 0;
}
MONITOR_COMMAND(pt, "pt", "ADDR", "walk the kernel's page table for ADDR by hand (lab 1)", cmd_pt);
