/*
 * mm/memory.c - operations on ranges of user PTEs: zapping (munmap,
 * MADV_DONTNEED, exit), freeing the page tables left empty, and changing
 * protections (mprotect).  Each is a walk_page_range() (mm/pagewalk.c)
 * with a small callback, so each reads as its lesson: clear, flush, free.
 *
 * Order matters: PTEs are cleared first, then every CPU that may cache them
 * is flushed, and only then are the pages freed (mmu_gather does the last
 * two).  Freeing before the flush would let another CPU keep writing,
 * through its stale TLB entry, into a page that already belongs to someone
 * else.
 */
#include "mm/mm.h"
#include "mm/cow.h"
#include "mm/mmu_gather.h"
#include "mm/pagewalk.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "asm/page.h"
#include "kernel/time.h"

/* The PTE table an upper entry points to, and its split lock. */
static pteval_t *pte_table_lock(pteval_t pmd_entry, spinlock_t **ptl)
{
	pteval_t *table = pt_table(pmd_entry);
	*ptl = &virt_to_page(table)->ptl;
	spin_lock(*ptl);
	return table;
}

/* ---- zap: clear, flush, free ----------------------------------------------- */

#define ZAP_BATCH 64

static void zap_pte_table(pteval_t *pmd, uintptr_t addr, uintptr_t end, void *priv)
{
	struct mmu_gather *tlb = priv;
	while (addr < end) {
		/* Clear up to ZAP_BATCH PTEs under one lock hold, then hand the
		 * pages to the gather outside the lock: a full gather flushes,
		 * which waits for other CPUs. */
		struct page *batch[ZAP_BATCH];
		uintptr_t where[ZAP_BATCH];
		unsigned n = 0;
		spinlock_t *ptl;
		pteval_t *pte = pte_table_lock(READ_ONCE(*pmd), &ptl) + pte_index(addr);
		for (; addr < end && n < ZAP_BATCH; addr += PAGE_SIZE, pte++) {
			pteval_t old = *pte;
			if (pte_maps_page(old)) {
				WRITE_ONCE(*pte, 0);
				where[n] = addr;
				batch[n++] = phys_to_page(entry_addr(old));
			}
		}
		spin_unlock(ptl);
		if (n)
			mm_rss_add(tlb->mm, -(long)n);
		/* Each page with the address it was mapped at: the gathered
		 * range is what the flush invalidates (page by page up to the
		 * ceiling, mm/tlb.c), so it must be exactly the pages zapped. */
		for (unsigned i = 0; i < n; i++)
			tlb_remove_page(tlb, batch[i], where[i]);
	}
}

uint64_t zap_nested_flushes;
uint64_t zap_test_delay_ns;

/* Clear the PTEs of [start, end) into @tlb; the caller finishes it. */
static void zap_gather(struct mmu_gather *tlb, uintptr_t start, uintptr_t end)
{
	struct mm_struct *mm = tlb->mm;
	const struct pt_range_ops ops = { .pte_table = zap_pte_table, .priv = tlb };
	walk_page_range(mm->pgd, start, end, &ops);
	/* Tests: widen the window in which this zap's PTEs are clear but not
	 * yet flushed, the window a concurrent zap must not return in. */
	uint64_t delay = READ_ONCE(zap_test_delay_ns);     /* a test may clear it meanwhile */
	if (delay && tlb->nr_pages)
		udelay(delay / 1000);
	/* Two MADV_DONTNEED of one range run at once (mmap_lock for read).
	 * The first clears the PTEs; the second finds them clear, gathers
	 * nothing and, without this, would return to user space at once,
	 * its TLB still mapping pages the first frees once its own flush is
	 * done.  So a zap that overlaps another gather of the mm flushes its
	 * whole range anyway (Linux's mm_tlb_flush_nested, 2017). */
	if (mm_tlb_flush_nested(mm)) {
		__atomic_fetch_add(&zap_nested_flushes, 1, __ATOMIC_RELAXED);
		tlb_note_range(tlb, start, end);
	}
}

void zap_range(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	zap_gather(&tlb, start, end);
	tlb_finish_mmu(&tlb);
}

/* ---- freeing the tables munmap left empty ------------------------------------- */

static bool table_empty(const pteval_t *t)
{
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++)
		if (t[i])
			return false;
	return true;
}

/* Post-order, so a PMD table is looked at after its PTE tables went.  The
 * page_table_lock orders us against anyone installing tables elsewhere.
 * A table that covers part of a VMA still in the (already published) table
 * stays, empty or not: a fault under that VMA's lock alone (FAULT=vma),
 * which does not exclude us, may be allocating into it or about to take
 * its PTE lock.  No fault can come into a range that has left the table:
 * a lookup finds no VMA there, and one that found the removed VMA on an
 * older table sees it detached (lock_vma_under_rcu()) and falls back, so
 * this holds whether munmap still has mmap_lock for write or has
 * downgraded it to read; Linux bounds free_pgtables() by the neighbouring
 * VMAs for the same reason. */
static void free_table_if_empty(pteval_t *entry, int level, uintptr_t addr, uintptr_t end, void *priv)
{
	(void)end;
	struct mmu_gather *tlb = priv;
	struct page *dead = NULL;
	uintptr_t span = (uintptr_t)1 << pt_level_shift(level);
	uintptr_t lo = addr & ~(span - 1);
	struct vm_area_struct *v = vma_find_after(tlb->mm, lo);
	if (v && v->start < lo + span)
		return;
	spin_lock(&tlb->mm->page_table_lock);
	pteval_t e = READ_ONCE(*entry);
	if (entry_present(e) && table_empty(pt_table(e))) {
		dead = virt_to_page(pt_table(e));
		WRITE_ONCE(*entry, 0);
	}
	spin_unlock(&tlb->mm->page_table_lock);
	if (dead)
		tlb_remove_table(tlb, dead, addr);
}

/* Unhook the empty tables of [start, end) into @tlb; the caller finishes it. */
static void free_empty_tables(struct mmu_gather *tlb, uintptr_t start, uintptr_t end)
{
	/* Whole 2 MiB blocks: a PTE table is freed only if it is empty, so
	 * rounding out cannot take anything still mapped. */
	const struct pt_range_ops ops = {
		.table_done = free_table_if_empty, .priv = tlb,
	};
	walk_page_range(tlb->mm->pgd, start & ~(PMD_SIZE - 1), ALIGN_UP(end, PMD_SIZE), &ops);
}

/*
 * One gather for the pages and the tables, so munmap flushes once (Linux's
 * unmap_region: unmap_vmas, then free_pgtables, then tlb_finish_mmu).  The
 * order inside is still the one mmu_gather guarantees: every PTE and every
 * table entry is cleared first, then the one flush (acknowledged by lazy
 * CPUs too when a table went, tlb->freed_tables), then the pages' references
 * are dropped, then the tables are freed by TABLE_FREE's rule.  A walker
 * that still holds a table from before its entry was cleared is covered by
 * that rule exactly as with two gathers: under ipi it has IRQs off and the
 * one flush waits for it; under rcu the table outlives its read section.
 * Two flushes cost a walker-bound munmap under TABLE_FREE=ipi two waits for
 * the IRQs-off walkers (make compare's E2).
 */
void unmap_region(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	zap_gather(&tlb, start, end);
	free_empty_tables(&tlb, start, end);
	tlb_finish_mmu(&tlb);
}

/* ---- mprotect ------------------------------------------------------------------ */

struct change_prot {
	struct mmu_gather tlb;
	pgprot_t prot;
};

static void change_pte_table(pteval_t *pmd, uintptr_t addr, uintptr_t end, void *priv)
{
	struct change_prot *cp = priv;
	spinlock_t *ptl;
	pteval_t *pte = pte_table_lock(READ_ONCE(*pmd), &ptl) + pte_index(addr);
	for (; addr < end; addr += PAGE_SIZE, pte++) {
		pteval_t old = *pte;
		if (pte_maps_page(old)) {
			pteval_t new = pte_modify(old, cp->prot);
			/* A write-protected page shared copy-on-write (fork) must
			 * stay so: made writable here, our writes would reach the
			 * other mm.  The write fault decides (copy or reuse), as
			 * Linux's mprotect leaves it to do_wp_page().  A page we
			 * hold alone is upgraded now, by the fault's own rule;
			 * under the PTE lock nothing can share it meanwhile.  A
			 * PROT_NONE entry (not present, page kept) counts as
			 * write-protected too: PROT_NONE then read-write must not
			 * open a shared page for writing either. */
			if (pte_write(new) && !pte_write(old) &&
			    !cow_may_reuse(phys_to_page(entry_addr(old))))
				new = pte_wrprotect(new);
			WRITE_ONCE(*pte, new);
			/* An upgrade needs no flush (a stale, stricter entry only
			 * causes a spurious fault, which the fault handler
			 * resolves); a downgrade does.  Flushing both is simpler
			 * and still correct. */
			tlb_note_range(&cp->tlb, addr, addr + PAGE_SIZE);
		}
	}
	spin_unlock(ptl);
}

void change_protection(struct mm_struct *mm, uintptr_t start, uintptr_t end, unsigned vm_flags)
{
	struct change_prot cp = { .prot = user_pte_flags(vm_flags) };
	tlb_gather_mmu(&cp.tlb, mm);
	const struct pt_range_ops ops = { .pte_table = change_pte_table, .priv = &cp };
	walk_page_range(mm->pgd, start, end, &ops);
	tlb_finish_mmu(&cp.tlb);
}

/* ---- exit: everything ---------------------------------------------------------- */

/* No lock: nobody else uses the mm any more (see exit_mmap). */
static void exit_pte_table(pteval_t *pmd, uintptr_t addr, uintptr_t end, void *priv)
{
	struct mmu_gather *tlb = priv;
	pteval_t *pte = pt_table(*pmd) + pte_index(addr);
	for (; addr < end; addr += PAGE_SIZE, pte++)
		if (pte_maps_page(*pte))
			tlb_remove_page(tlb, phys_to_page(entry_addr(*pte)), addr);
}

static void exit_free_table(pteval_t *entry, int level, uintptr_t addr, uintptr_t end, void *priv)
{
	(void)level, (void)end;
	tlb_remove_table(priv, virt_to_page(pt_table(*entry)), addr);
	*entry = 0;
}

void exit_mmap(struct mm_struct *mm)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	const struct pt_range_ops ops = {
		.pte_table = exit_pte_table, .table_done = exit_free_table, .priv = &tlb,
	};
	walk_page_range(mm->pgd, 0, (uintptr_t)USER_PGD_ENTRIES << PGD_SHIFT, &ops);
	/* By now no thread of the mm runs, and the CPUs that ran one have
	 * switched away (their CR3 writes flushed them) or hold the mm only
	 * lazily, with its page directory in CR3.  mm_put() frees that page
	 * directory next, so a lazy CPU must leave whether or not any user
	 * table was gathered above (an mm without tables gathers nothing and
	 * would get no flush at all): a table-freeing flush reaches lazy CPUs
	 * and sends them away.  Nobody can join the cpumask any more (no user
	 * is left), so an empty one means no CR3, TLB or page walker holds
	 * anything of the mm, and no remote flush is needed. */
	cpumask_t loaded;                       /* a snapshot: lazy CPUs may leave meanwhile */
	cpumask_copy(&loaded, &mm->cpumask);
	if (!cpumask_empty(&loaded)) {
		tlb.freed_tables = true;                /* the page directory */
		tlb_note_range(&tlb, 0, PAGE_SIZE);     /* any address: lazy CPUs just leave */
	}
	tlb_finish_mmu(&tlb);
}
