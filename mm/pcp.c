/*
 * mm/pcp.c - per-CPU lists of free order-0 frames (Linux's per-cpu page
 * lists, "pcp"), so that a page fault and a page free do not take the one
 * zone lock every time.
 *
 * Why.  Every demand-zero fault allocates a frame and every munmap frees
 * its frames.  With one zone lock, two CPUs faulting in their own regions
 * took it 1.8 million times in 4 s and contended 142,000 times, and the
 * lock's cache line moved between the CPUs on most acquisitions, doubling
 * its hold time (shared/notes counters, reproduced in docs/performance.md).
 * A per-CPU list is refilled and trimmed in batches of PCP_BATCH frames:
 * one zone-lock acquisition per PCP_BATCH allocations or frees, and
 * frames freed on a CPU are reused, cache-warm, on that CPU.
 *
 * Locking.  Each list has its own lock, taken with IRQs off (frames
 * are allocated and freed from IRQ context too).  Normally only its CPU
 * takes it, so the lock's line stays in that CPU's cache; pcp_drain_all()
 * takes every CPU's lock from one CPU (Linux drains remote lists by
 * scheduling work on each CPU; a lock is simpler and costs nothing
 * uncontended).  A thread may migrate between choosing "this CPU's" list
 * and locking it: it then uses another CPU's list, under that list's lock,
 * which is correct, only not local.  Lock order: a pcp lock, then
 * zone_lock (refill, trim); never the reverse.  The lock is an
 * owner_lock_t (kernel/locking/owner_lock.h: an exchange and a release
 * store), not a spinlock_t: its CPU nearly always finds it free, and the
 * spinlock's tickets, checks and statistics cost about 360 cycles a lock
 * and unlock under TCG; page_fault1 at one thread ran 2.4% faster with
 * the owner lock (docs/performance.md, finding 20).
 *
 * Invariants: a frame on a list has count zero (page_ref.c's "free iff
 * zero" holds for it), no PG_buddy, and is counted in `count` of exactly
 * one list.  pmm_free_frames() adds pcp_frames(), so the tests' leak
 * checks see list frames as free.  An allocation that finds the buddy
 * empty drains every list and tries again before it fails, so frames
 * parked on other CPUs' lists never cause a false out-of-memory.
 */
#include "mm/pcp.h"
#include "mm/pmm.h"
#include "kernel/irqflags.h"
#include "kernel/locking/owner_lock.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"

static struct pcp_list {
	owner_lock_t lock;          /* its CPU, or pcp_drain_all(); IRQs off */
	struct list_head frames;
	unsigned count;
} __aligned(64) pcp[NR_CPUS];

bool pcp_enabled = true;
static bool pcp_ready;

static struct pcp_list *pcp_of(unsigned cpu)
{
	struct pcp_list *l = &pcp[cpu];
	if (!READ_ONCE(pcp_ready)) {
		/* First use (boot CPU, before SMP): set every list up. */
		for (unsigned c = 0; c < NR_CPUS; c++) {
			INIT_LIST_HEAD(&pcp[c].frames);
			pcp[c].count = 0;
		}
		WRITE_ONCE(pcp_ready, true);
	}
	return l;
}

struct page *pcp_alloc(void)
{
	struct page *p = NULL;
	unsigned long flags;
	local_irq_save(flags);
	struct pcp_list *l = pcp_of(smp_processor_id());
	owner_lock(&l->lock);
	/* count: written under the list's lock, read racily by pcp_frames()
	 * on any CPU: marked stores (they order nothing). */
	if (!l->count)
		WRITE_ONCE(l->count, pmm_take_batch(&l->frames, PCP_BATCH));
	if (l->count) {
		p = list_first_entry(&l->frames, struct page, lru);
		list_del(&p->lru);
		WRITE_ONCE(l->count, l->count - 1);
	}
	owner_unlock(&l->lock);
	local_irq_restore(flags);
	return p;
}

/* Park a free frame on @l, LIFO (the next allocation gets it cache-warm),
 * and trim the list to the buddy once it is over PCP_HIGH.  l->lock held. */
static void pcp_park(struct pcp_list *l, struct page *p)
{
	p->flags = 0;
	list_add(&p->lru, &l->frames);
	WRITE_ONCE(l->count, l->count + 1);
	if (l->count > PCP_HIGH) {
		pmm_give_batch(&l->frames, PCP_BATCH);
		WRITE_ONCE(l->count, l->count - PCP_BATCH);
	}
}

void pcp_free(struct page *p)
{
	unsigned long flags;
	local_irq_save(flags);
	struct pcp_list *l = pcp_of(smp_processor_id());
	owner_lock(&l->lock);
	pcp_park(l, p);
	owner_unlock(&l->lock);
	local_irq_restore(flags);
}

void pcp_free_list(struct list_head *frames)
{
	unsigned long flags;
	local_irq_save(flags);
	struct pcp_list *l = pcp_of(smp_processor_id());
	owner_lock(&l->lock);
	while (!list_empty(frames)) {
		struct page *p = list_first_entry(frames, struct page, lru);
		list_del(&p->lru);
		pcp_park(l, p);
	}
	owner_unlock(&l->lock);
	local_irq_restore(flags);
}

uint64_t pcp_frames(void)
{
	uint64_t n = 0;
	if (!READ_ONCE(pcp_ready))
		return 0;
	for (unsigned c = 0; c < NR_CPUS; c++)
		n += READ_ONCE(pcp[c].count);   /* racy sum: exact when quiet */
	return n;
}

void pcp_drain_all(void)
{
	if (!READ_ONCE(pcp_ready))
		return;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		struct pcp_list *l = &pcp[c];
		unsigned long flags;
		if (!READ_ONCE(l->count))
			continue;
		local_irq_save(flags);
		owner_lock(&l->lock);
		pmm_give_batch(&l->frames, l->count);
		WRITE_ONCE(l->count, 0);
		owner_unlock(&l->lock);
		local_irq_restore(flags);
	}
}

bool pcp_set_enabled(bool on)
{
	bool was = READ_ONCE(pcp_enabled);
	WRITE_ONCE(pcp_enabled, on);
	if (!on)
		pcp_drain_all();    /* a free racing with this may still park one: drained next time */
	return was;
}

static int set_pcp_lists(const char *v)
{
	return param_parse_switch(v, &pcp_enabled);
}
KERNEL_PARAM(pcp_lists, "pcp_lists", "0|1",
	     "per-CPU lists of free frames in front of the zone lock (default 1)", set_pcp_lists);
