/*
 * mm/mm.c - user address spaces: creation and teardown, the user half of
 * their page tables, and switching between them.
 *
 * New page-table levels are allocated without locks, then installed under
 * mm->page_table_lock if the slot is still empty (user_table_alloc).  PTEs are read and written
 * under the split lock of the PTE table that holds them (its struct page's
 * ptl), so faults on different 2 MiB regions do not contend.
 */
#include "mm/mm.h"
#include "mm/pmm.h"
#include "mm/paging.h"
#include "mm/pagewalk.h"
#include "mm/kmalloc.h"
#include "mm/pgtable_free.h"
#include "kernel/panic.h"
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/proc/uapi/syscall.h"
#include "lib/string.h"

/* Every mm that has users: truncate must find every mapping of a file
 * (mm/filemap_fault.c, unmap_mapping_range()).  An mm leaves it before
 * it is freed, under the lock, once its count reached zero; a walker
 * takes a reference only on a count that is not zero yet, under the same
 * lock, so it never touches an mm being freed. */
static LIST_HEAD(all_mms);
DEFINE_SPINLOCK(all_mms_lock);

int mm_get_all(struct mm_struct **out, int max)
{
	int n = 0;
	unsigned long flags;
	spin_lock_irqsave(&all_mms_lock, flags);
	struct mm_struct *mm;
	list_for_each_entry(mm, &all_mms, mm_list) {
		if (n == max)
			break;
		int u = atomic_read(&mm->users);
		while (u > 0) {
			int seen = atomic_cmpxchg(&mm->users, u, u + 1);
			if (seen == u) {
				out[n++] = mm;
				break;
			}
			u = seen;
		}
	}
	spin_unlock_irqrestore(&all_mms_lock, flags);
	return n;
}

struct mm_struct *mm_create(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm));
	struct page *p = alloc_page();
	if (!mm || !p) {
		kfree(mm);
		if (p)
			free_page(p);
		return NULL;
	}
	WRITE_ONCE(p->flags, p->flags | PG_pagetable);    /* see struct page */
	mm->pgd = page_address(p);
	mm->pgd_phys = page_to_phys(p);
	memset(mm->pgd, 0, USER_PGD_ENTRIES * sizeof(pgd_t));
	/* The kernel half: the very same PUD tables as every address space. */
	memcpy(mm->pgd + USER_PGD_ENTRIES, kernel_pgd + USER_PGD_ENTRIES,
	       (PTRS_PER_TABLE - USER_PGD_ENTRIES) * sizeof(pgd_t));
	atomic_set(&mm->users, 1);
	init_rwsem(&mm->mmap_lock);
	spin_lock_init(&mm->page_table_lock);
	seqcount_init(&mm->seq);
	seqcount_init(&mm->write_protect_seq);
	unsigned long flags;
	spin_lock_irqsave(&all_mms_lock, flags);
	list_add(&mm->mm_list, &all_mms);
	spin_unlock_irqrestore(&all_mms_lock, flags);
	return mm;
}

void mm_get(struct mm_struct *mm)
{
	atomic_inc(&mm->users);
}

void mm_put(struct mm_struct *mm)
{
	if (!atomic_dec_and_test(&mm->users))
		return;
	unsigned long flags;
	spin_lock_irqsave(&all_mms_lock, flags);
	list_del(&mm->mm_list);
	spin_unlock_irqrestore(&all_mms_lock, flags);
	/* The last user left it (leave_mm) before dropping its reference;
	 * exit_mmap's table-freeing flush sends lazy CPUs away. */
	exit_mmap(mm);
	/* A snapshot (cpumask_copy reads each word once): a CPU that was
	 * lazy may be clearing its bit right now (kernel/cpumask.h). */
	cpumask_t loaded;
	cpumask_copy(&loaded, &mm->cpumask);
	if (!cpumask_empty(&loaded))
		panic("mm_put: mm %p still loaded on CPU %u", (void *)mm, cpumask_first(&loaded));
	vma_destroy_all(mm);
	pgtable_free(virt_to_page(mm->pgd));
	kfree(mm);
}

uint64_t user_pte_flags(unsigned vm_flags)
{
	return pgprot_user(vm_flags & VM_READ, vm_flags & VM_WRITE, vm_flags & VM_EXEC);
}

/*
 * pt_walk's allocator for user tables.  The new table is allocated and
 * zeroed without locks, then installed under page_table_lock if the slot
 * is still empty (another thread may have raced us to it; the loser frees
 * its page, which nobody saw).
 */
static pteval_t user_table_alloc(pteval_t *slot, int level, void *priv)
{
	(void)level;
	struct mm_struct *mm = priv;
	struct page *p = alloc_page();
	if (!p)
		return 0;
	WRITE_ONCE(p->flags, p->flags | PG_pagetable);    /* see struct page */
	memset(page_address(p), 0, PAGE_SIZE);
	spin_lock(&mm->page_table_lock);
	pteval_t e = READ_ONCE(*slot);
	if (!entry_present(e)) {
		/* The zeroes must be visible before the entry that makes the
		 * table reachable.  Pairs with the address dependency of every
		 * walker (pt_walk, the lockless walker, the MMU) that reads the
		 * entry and then the table it points to, as Linux's
		 * pmd_install() does. */
		smp_wmb();
		e = mk_table_entry(page_to_phys(p), true);
		WRITE_ONCE(*slot, e);
		p = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (p)
		pgtable_free(p);            /* somebody else installed one; ours was never seen */
	return e;
}

static pteval_t *pte_walk(struct mm_struct *mm, uintptr_t addr, bool alloc, spinlock_t **ptl)
{
	const struct pt_walk_ops ops = { .alloc = alloc ? user_table_alloc : NULL, .priv = mm };
	int level;
	pteval_t *pte = pt_walk(mm->pgd, addr, PT_PTE, &ops, &level);
	if (!pte || level != PT_PTE)
		return NULL;
	/* The PTE table's split lock lives in its struct page. */
	*ptl = &virt_to_page(pte - pte_index(addr))->ptl;
	spin_lock(*ptl);
	return pte;
}

uint64_t *pte_alloc_map_lock(struct mm_struct *mm, uintptr_t addr, spinlock_t **ptl)
{
	return pte_walk(mm, addr, true, ptl);
}

uint64_t *pte_lookup_lock(struct mm_struct *mm, uintptr_t addr, spinlock_t **ptl)
{
	return pte_walk(mm, addr, false, ptl);
}

int install_user_page(struct mm_struct *mm, uintptr_t va, struct page *pg, uint64_t pteflags)
{
	spinlock_t *ptl;
	uint64_t *pte = pte_alloc_map_lock(mm, va, &ptl);
	if (!pte)
		return -ENOMEM;
	/* The page's contents (the caller filled or zeroed it) before the
	 * PTE that maps it: pairs with the address dependency of whoever
	 * reads the page through the PTE (another CPU's MMU, a lockless
	 * walker such as fast GUP), as in fault_in_vma(). */
	smp_wmb();
	WRITE_ONCE(*pte, mk_pte(page_to_phys(pg), pteflags));
	mm_rss_add(mm, 1);
	spin_unlock(ptl);
	return 0;
}
