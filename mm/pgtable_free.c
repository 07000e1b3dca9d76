/*
 * mm/pgtable_free.c - freeing page-table pages (see pgtable_free.h).
 *
 * Debug aid, always on: a freed table is filled with PT_POISON and kept in
 * a small quarantine before it goes back to the frame allocator, so that a
 * lockless walker that reads a table after it was freed (the bug both
 * TABLE_FREE designs exist to prevent) sees the poison, and counts and
 * reports it, rather than silently reading a reused page.
 */
#include "mm/pgtable_free.h"
#include "mm/pmm.h"
#include "kernel/locking/spinlock.h"
#include "lib/string.h"

#define QUARANTINE 32

static struct page *quarantine[QUARANTINE];
static unsigned q_next;
DEFINE_SPINLOCK(quarantine_lock);

void pgtable_free(struct page *pg)
{
	pteval_t *t = page_address(pg);
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++)
		WRITE_ONCE(t[i], PT_POISON);
	WRITE_ONCE(pg->flags, (pg->flags & ~PG_pagetable) | PG_poisoned);    /* see struct page */
	unsigned long flags;
	spin_lock_irqsave(&quarantine_lock, flags);
	struct page *old = quarantine[q_next];
	quarantine[q_next] = pg;
	q_next = (q_next + 1) % QUARANTINE;
	spin_unlock_irqrestore(&quarantine_lock, flags);
	if (old) {
		WRITE_ONCE(old->flags, old->flags & ~PG_poisoned);
		free_page(old);
	}
}

unsigned pgtable_quarantined(void)
{
	unsigned n = 0;
	unsigned long flags;
	spin_lock_irqsave(&quarantine_lock, flags);
	for (unsigned i = 0; i < QUARANTINE; i++)
		n += quarantine[i] != NULL;
	spin_unlock_irqrestore(&quarantine_lock, flags);
	return n;
}
