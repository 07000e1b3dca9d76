/*
 * mm/mmu_gather.c - see mmu_gather.h.  The order in tlb_flush_mmu() is the
 * whole point: flush, then free pages, then free page tables.
 *
 * Page tables: free_gathered_tables() below is the one place that decides
 * when, by TABLE_FREE.
 */
#include "kernel/trace/trace.h"
#include "mm/mmu_gather.h"
#include "mm/mm.h"
#include "mm/pgtable_free.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "asm/page.h"
#include "kernel/config.h"
#include "kernel/rcu/rcu.h"
#include "lib/compiler.h"
#include "kernel/params.h"
#include "kernel/errno.h"
#include "lib/string.h"
#include "lib/cmdline.h"

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm)
{
	/* Counted before any PTE changes: a full barrier, and the PTE locks
	 * taken later release it, so a concurrent gatherer that sees one of
	 * our cleared PTEs under the same lock also sees this count (pairs
	 * with the acquire in mm_tlb_flush_nested). */
	atomic_inc_return(&mm->tlb_flush_pending);
	tlb->mm = mm;
	tlb->start = UINTPTR_MAX;
	tlb->end = 0;
	tlb->freed_tables = false;
	tlb->nr_pages = tlb->nr_tables = 0;
	tlb->batches = NULL;
	tlb->nr_batches = 0;
}

unsigned gather_max_batches = GATHER_MAX_BATCHES;

static int set_gather_batches(const char *v)
{
	unsigned long long n;
	if (kstrtoull(v, 10, &n) || n > 64)
		return -EINVAL;
	gather_max_batches = (unsigned)n;
	return 0;
}
KERNEL_PARAM(gather_batches, "gather_batches", "0-64",
	     "mmu_gather overflow batches of ~510 pages each (default 16; 0: flush every 256 pages)",
	     set_gather_batches);

/* An overflow batch: one page of page pointers, chained. */
#define BATCH_SLOTS ((PAGE_SIZE - 2 * sizeof(void *)) / sizeof(struct page *))
struct gather_batch {
	struct gather_batch *next;
	unsigned long nr;
	struct page *pages[BATCH_SLOTS];
};
_Static_assert(sizeof(struct gather_batch) <= PAGE_SIZE, "a batch is one page");

unsigned tlb_gather_capacity(unsigned batches)
{
	return GATHER_PAGES + batches * (unsigned)BATCH_SLOTS;
}

/* Room for one more page past the stack's array: the first batch (the one
 * being filled) if it has a slot, else a batch an earlier flush emptied,
 * else a new batch if the limit allows and one can be had.  The emptied
 * ones are looked for before the limit is checked: they are already
 * counted in it, so once the limit's worth exist, skipping them would
 * leave only the first batch in use after every flush (one flush per
 * 766 pages instead of per ~8,400: docs/performance.md, finding 17).
 * Context: may hold PTE locks: the allocation never sleeps. */
static struct gather_batch *batch_with_room(struct mmu_gather *tlb)
{
	struct gather_batch *b = tlb->batches;
	if (b && b->nr < BATCH_SLOTS)
		return b;
	/* Emptied batches sit behind the full ones: move one to the front. */
	for (struct gather_batch **pp = &tlb->batches; *pp; pp = &(*pp)->next) {
		if ((*pp)->nr == 0 && *pp != b) {
			struct gather_batch *r = *pp;
			*pp = r->next;
			r->next = tlb->batches;
			tlb->batches = r;
			return r;
		}
	}
	if (tlb->nr_batches >= READ_ONCE(gather_max_batches))
		return NULL;
	struct page *pg = alloc_page();
	if (!pg)
		return NULL;
	struct gather_batch *n = page_address(pg);
	n->next = tlb->batches;
	n->nr = 0;
	tlb->batches = n;
	tlb->nr_batches++;
	return n;
}

void tlb_note_range(struct mmu_gather *tlb, uintptr_t start, uintptr_t end)
{
	if (start < tlb->start)
		tlb->start = start;
	if (end > tlb->end)
		tlb->end = end;
}

#ifdef CONFIG_TABLE_FREE_RCU
/* A page full of page-table pages to free after a grace period. */
struct table_batch {
	struct rcu_head rcu;
	unsigned nr;
	struct page *tables[(PAGE_SIZE - 24) / sizeof(struct page *)];
};

static void table_batch_free(struct rcu_head *head)
{
	struct table_batch *b = container_of(head, struct table_batch, rcu);
	for (unsigned i = 0; i < b->nr; i++)
		pgtable_free(b->tables[i]);
	rcu_bytes_done((size_t)b->nr * PAGE_SIZE);
	trace(RCU_TABLE_FREE, b->nr, 0, 0);
	free_page_addr(b);
}
#endif

/*
 * The table-freeing policy of TABLE_FREE, here and nowhere else.
 *
 * ipi: the flush before us was acknowledged by every CPU in the mm's
 *      cpumask (lazy ones included, since tables were freed).  A lockless
 *      walker runs with IRQs off, so a CPU that acknowledged is not inside
 *      one: free now.
 * rcu: walkers hold only rcu_read_lock, which an IPI does not wait for;
 *      free after a grace period, in batches of one page each.  If no page
 *      can be had for a batch, wait for a grace period right here
 *      (synchronize_rcu) and free directly.  Linux's fallback is a
 *      synchronizing IPI, which suffices there because its fast-GUP
 *      walkers also disable IRQs; ours do not, so the IPI would prove
 *      nothing.
 */
static void free_gathered_tables(struct mmu_gather *tlb)
{
	if (!tlb->nr_tables)
		return;
#ifdef CONFIG_TABLE_FREE_RCU
	struct table_batch *b = get_zeroed_page();
	if (!b) {
		synchronize_rcu();
		for (unsigned i = 0; i < tlb->nr_tables; i++)
			pgtable_free(tlb->tables[i]);
		trace(RCU_TABLE_FREE, tlb->nr_tables, 2, 0);
	} else {
		b->nr = tlb->nr_tables;
		for (unsigned i = 0; i < b->nr; i++)
			b->tables[i] = tlb->tables[i];
		call_rcu_sized(&b->rcu, table_batch_free, (size_t)b->nr * PAGE_SIZE);
	}
#else
	for (unsigned i = 0; i < tlb->nr_tables; i++)
		pgtable_free(tlb->tables[i]);
	trace(RCU_TABLE_FREE, tlb->nr_tables, 1, 0);
#endif
	tlb->nr_tables = 0;
}

static void tlb_flush_mmu(struct mmu_gather *tlb)
{
	if (tlb->end > tlb->start)
		flush_tlb_mm_range(tlb->mm, tlb->start, tlb->end, PAGE_SIZE, tlb->freed_tables);
	/* The mappings' references, now that no TLB can reach the pages: a
	 * page pinned by GUP stays until its pin goes too. */
	put_pages(tlb->pages, tlb->nr_pages);
	tlb->nr_pages = 0;
	for (struct gather_batch *b = tlb->batches; b; b = b->next) {
		put_pages(b->pages, (unsigned)b->nr);
		b->nr = 0;
	}
	free_gathered_tables(tlb);
	tlb->start = UINTPTR_MAX;
	tlb->end = 0;
	tlb->freed_tables = false;
}

void tlb_remove_page(struct mmu_gather *tlb, struct page *page, uintptr_t addr)
{
	tlb_note_range(tlb, addr, addr + PAGE_SIZE);
	if (tlb->nr_pages < GATHER_PAGES) {
		tlb->pages[tlb->nr_pages++] = page;
		return;
	}
	struct gather_batch *b = batch_with_room(tlb);
	if (b) {
		b->pages[b->nr++] = page;
		return;
	}
	tlb_flush_mmu(tlb);                 /* every slot full: flush early */
	tlb->pages[tlb->nr_pages++] = page;
}

void tlb_remove_table(struct mmu_gather *tlb, struct page *table, uintptr_t addr)
{
	tlb_note_range(tlb, addr, addr + PAGE_SIZE);
	tlb->freed_tables = true;
	tlb->tables[tlb->nr_tables++] = table;
	if (tlb->nr_tables == GATHER_TABLES)
		tlb_flush_mmu(tlb);
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	while (tlb->batches) {              /* emptied by the flush */
		struct gather_batch *b = tlb->batches;
		tlb->batches = b->next;
		free_page(virt_to_page(b));
	}
	tlb->nr_batches = 0;
	/* After the flush was acknowledged everywhere: a gatherer that reads
	 * the count without us (acquire, mm_tlb_flush_nested) also sees
	 * that flush complete.  Full barrier (the release side). */
	atomic_sub_return(1, &tlb->mm->tlb_flush_pending);
}

bool mm_tlb_flush_nested(struct mm_struct *mm)
{
	/* Pairs with the increment in tlb_gather_mmu (seen through the PTE
	 * lock) and the release of the decrement in tlb_finish_mmu. */
	return atomic_read_acquire(&mm->tlb_flush_pending) > 1;
}
