/*
 * mm/mm.h - user address spaces.
 *
 * An mm_struct is a page table whose kernel half (PGD slots from
 * USER_PGD_ENTRIES on) is
 * shared with every other address space, plus the VMAs that say what the
 * user half may contain.  Threads of one process share it.
 *
 * Locks, outermost first:
 *   mmap_lock (rwsem)      VMAs; read for faults, write for mmap/munmap/mprotect
 *                          (always through mmap_{read,write}_{lock,unlock})
 *   a VMA's lock           FAULT=vma: a fault on that VMA (read, trylock);
 *                          writers take it inside mmap_lock (mm/vma.c)
 *   page_table_lock        installing new PUD/PMD/PTE tables
 *   a PTE table's ptl      the PTEs in that table (split lock, in its struct page)
 * fork (mm/fork.c) holds two of a kind: the parent's mmap_lock, then the
 * child's; the child's PTE lock, then the parent's (Linux's order; nothing
 * else nests two mmap_locks or two PTE locks).
 */
#ifndef MM_MM_H
#define MM_MM_H

#include <stdint.h>
#include <stdbool.h>
#include "asm/pgtable.h"
#include "kernel/atomic.h"
#include "kernel/cpumask.h"
#include "kernel/locking/rwsem.h"
#include "kernel/locking/seqcount.h"
#include "kernel/locking/spinlock.h"
#include "mm/vma.h"
#include "mm/tlb.h"

struct page;

#define MM_RSS_SLOTS 8

struct mm_struct {
	pgd_t *pgd;
	uint64_t pgd_phys;
	atomic_t users;             /* references; the mm dies at 0 */
	struct list_head mm_list;   /* on all_mms (mm.c), for truncate's unmap of file mappings */
	cpumask_t cpumask;          /* CPUs that have this mm loaded in CR3 */
	struct rw_semaphore mmap_lock;
	spinlock_t page_table_lock;
	struct vma_table *vmas;     /* published with release; see vma.h */
	seqcount_t seq;             /* odd while mmap_lock is held for write: see mmap_write_lock() */
	seqcount_t write_protect_seq; /* odd while fork write-protects the PTEs (mm/fork.c, mm/gup.c) */
	atomic64_t tlb_gen;         /* TLB generation: bumped by every flush (mm/tlb.c) */
	atomic_t tlb_flush_pending; /* mmu_gathers between their first PTE change and their flush */
	/* User pages mapped, split over MM_RSS_SLOTS counters on cache lines
	 * of their own, a CPU adding to slot (cpu % MM_RSS_SLOTS): every fault
	 * and every unmapped page updates it, and one shared counter moved
	 * its cache line between the faulting CPUs on each (Linux 6.2 made
	 * its RSS counters per CPU for the same reason).  Read with mm_rss(),
	 * exact when nothing maps or unmaps meanwhile. */
	struct mm_rss_slot {
		int64_t pages;
	} __aligned(64) rss[MM_RSS_SLOTS];
};

/**
 * mm_rss_add() - @delta pages mapped (negative: unmapped) in @mm.
 * Context: any; a relaxed atomic on this CPU's slot (a migration between
 * choosing the slot and adding only means another slot, still atomic).
 */
static inline void mm_rss_add(struct mm_struct *mm, int64_t delta)
{
	__atomic_fetch_add(&mm->rss[smp_processor_id() % MM_RSS_SLOTS].pages, delta, __ATOMIC_RELAXED);
}

/** mm_rss() - pages mapped in @mm: the sum of the slots. */
static inline uint64_t mm_rss(const struct mm_struct *mm)
{
	int64_t n = 0;
	for (unsigned i = 0; i < MM_RSS_SLOTS; i++)
		n += __atomic_load_n(&mm->rss[i].pages, __ATOMIC_RELAXED);
	return (uint64_t)n;
}

/**
 * mmap_read_lock() / mmap_read_unlock() - mmap_lock for read: the VMAs
 * cannot change (faults, GUP's slow part, madvise(MADV_DONTNEED)).
 */
static inline void mmap_read_lock(struct mm_struct *mm) { down_read(&mm->mmap_lock); }
static inline void mmap_read_unlock(struct mm_struct *mm) { up_read(&mm->mmap_lock); }

/**
 * mmap_write_lock() - mmap_lock for write, and the mm's sequence made odd:
 * everything a writer does (VMAs, PTEs, tables) happens while @mm->seq is
 * odd, and mmap_write_unlock() makes it even again, a new value (except
 * munmap's zap and table freeing, which come after mmap_write_downgrade()
 * has made it even: by then the range is in no VMA, so no fault can map
 * into it, and the sequence has moved on for any that began before).  A
 * speculative fault (FAULT=spf) that read an even value and reads the same
 * again later knows no writer ran in between; a VMA whose vm_lock_seq
 * equals the (odd) sequence is write-locked by this writer (FAULT=vma), and
 * every such mark drops at once when the unlock moves the sequence on.
 * Context: process context, may sleep.
 */
static inline void mmap_write_lock(struct mm_struct *mm)
{
	down_write(&mm->mmap_lock);
	/* Its smp_wmb orders the odd sequence before every store of the
	 * writer: pairs with the smp_rmb of readers that read data and then
	 * the sequence (spf_fault()'s recheck, vma_write_marked()). */
	write_seqcount_begin(&mm->seq);
}

/** mmap_write_unlock() - the sequence even again (a new value), then release. */
static inline void mmap_write_unlock(struct mm_struct *mm)
{
	/* Its smp_wmb: every store of the writer before the new even value;
	 * pairs with mmap_seq_read()'s smp_rmb and lock_vma_under_rcu()'s. */
	write_seqcount_end(&mm->seq);
	up_write(&mm->mmap_lock);
}

/**
 * mmap_write_downgrade() - end the write section (the sequence even again,
 * every VMA mark dropped, as mmap_write_unlock()) but keep mmap_lock for
 * read: what comes next may run beside faults and other readers, but no
 * writer may change the VMAs under it.  Release with mmap_read_unlock().
 */
static inline void mmap_write_downgrade(struct mm_struct *mm)
{
	write_seqcount_end(&mm->seq);       /* every store of the writer before the new value */
	downgrade_write(&mm->mmap_lock);
}

/**
 * mmap_seq_read() - @mm's write sequence, read once, with the loads after
 * it ordered after it (smp_rmb; pairs with the smp_wmb of
 * mmap_write_unlock()'s write_seqcount_end(): an even value seen here
 * comes with every store of the writer that stored it).
 * Odd: a writer holds mmap_lock now.
 */
static inline unsigned mmap_seq_read(struct mm_struct *mm)
{
	unsigned s = READ_ONCE(mm->seq.sequence);
	smp_rmb();
	return s;
}

/** mm_create() - an empty address space. Return: it (users = 1), or NULL. */
struct mm_struct *mm_create(void);
/**
 * mm_get_all() - a reference on up to @max live mms (those whose count
 * has not reached zero), into @out.  Return: how many (mm_put() each).
 * Context: any but IRQ.  For a walk over every address space that cannot
 * hold a lock across it (unmap_mapping_range(): it sleeps).
 */
int mm_get_all(struct mm_struct **out, int max);
/** mm_get() / mm_put() - references; the last put frees pages, tables and VMAs. */
void mm_get(struct mm_struct *mm);
void mm_put(struct mm_struct *mm);


/**
 * pte_alloc_map_lock() - the PTE slot for @addr, allocating missing tables,
 * with the PTE table's lock held (*@ptl).  Return: NULL on out of memory.
 */
uint64_t *pte_alloc_map_lock(struct mm_struct *mm, uintptr_t addr, spinlock_t **ptl);
/** pte_lookup_lock() - the PTE slot for @addr if its table exists (locked), else NULL. */
uint64_t *pte_lookup_lock(struct mm_struct *mm, uintptr_t addr, spinlock_t **ptl);

/**
 * install_user_page() - map @pg at @va (empty slot) with @pteflags, during
 * setup (ELF loading, the first stack page).  Return: 0 or -ENOMEM.
 */
int install_user_page(struct mm_struct *mm, uintptr_t va, struct page *pg, uint64_t pteflags);

/** user_pte_flags() - the PTE bits for a page of a VMA with @vm_flags. */
uint64_t user_pte_flags(unsigned vm_flags);

/**
 * zap_range() - unmap every page in [@start, @end), flush the TLBs of every
 * CPU using @mm, then free the pages.  Tables stay.  Context: mmap_lock held.
 */
void zap_range(struct mm_struct *mm, uintptr_t start, uintptr_t end);
/* Zaps that overlapped another gather of their mm and flushed their whole
 * range for it (tests count the races they exercised with it). */
extern uint64_t zap_nested_flushes;
/* Tests only: a pause in zap_range() between clearing PTEs and flushing. */
extern uint64_t zap_test_delay_ns;

/**
 * unmap_region() - munmap's work on the page tables: unmap every page of
 * [@start, @end) and unhook the page-table pages left holding no entry (not
 * those covering part of a VMA still in the table), then one TLB flush for
 * both, then free the pages and the tables (by TABLE_FREE's rule).
 * Context: the range already out of the VMA table, mmap_lock held for
 * write or, after the write section that took the range out, downgraded
 * to read (munmap: mmap_write_downgrade()); either way no VMA can enter
 * the range meanwhile.
 */
void unmap_region(struct mm_struct *mm, uintptr_t start, uintptr_t end);

/** change_protection() - rewrite the PTEs of [@start, @end) for @vm_flags, then flush. */
void change_protection(struct mm_struct *mm, uintptr_t start, uintptr_t end, unsigned vm_flags);

/** exit_mmap() - free every page and page table of @mm, with one flush (mm_put). */
void exit_mmap(struct mm_struct *mm);

#endif
