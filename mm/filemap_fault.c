/*
 * mm/filemap_fault.c - page faults on file mappings (VM_FILE): a file
 * mapped MAP_PRIVATE or MAP_SHARED, and shared anonymous memory (a shmem
 * file: kernel/fs/shmem.c).  Linux's filemap_fault() with the three
 * outcomes of do_read_fault(), do_cow_fault() and do_shared_fault().
 *
 * Which page a fault maps, and how:
 *   MAP_SHARED, any access   the page-cache page itself (inserted, zeroed,
 *                            if the file has a hole there), writable if
 *                            the VMA is.  A store is the file's data at
 *                            once: read() copies from the same page, and
 *                            every other mapping on every CPU maps it too.
 *                            Nothing to write back: the cache is the file.
 *   MAP_PRIVATE, read        the page-cache page, read-only: a later write
 *                            to it is a copy-on-write fault (mm/cow.c),
 *                            which copies (the cache's own reference means
 *                            wp_can_reuse_anon_page() never reuses it).
 *   MAP_PRIVATE, write       a private copy of the file's page (zeroes for
 *                            a hole), writable; the file never sees it.
 * A page at or past the end of the file (i_size) is FAULT_SIGBUS: the
 * process is killed with SIGBUS, as POSIX says.
 *
 * Context: the VMA is held (mmap_lock for read, or its per-VMA read lock:
 * FAULT=locked and FAULT=vma); FAULT=spf sends file faults to the locked
 * path (SPF_ABORT_FILE, docs/files.md says why).  No sleeping lock of the
 * file system is taken: the page cache's lookup is RCU, its insert takes
 * tree_lock (a spinlock), so the order "i_rwsem, then mmap_lock" of
 * read()/write() copying to user memory cannot invert here.
 *
 * Truncation (filemap_unmap_range(), kernel/fs/file.c's truncate): the
 * size is stored first, then every mapping's PTEs past it are zapped,
 * then the pages are dropped from the cache.  A fault re-reads the size
 * under the PTE lock, after a full barrier, right before it installs:
 *   fault:     install the table (under ptl) ... smp_mb(); read i_size
 *   truncate:  store i_size; smp_mb(); walk to the PTE (reads the table)
 * Each side stores, fences and loads what the other stored (SB): either
 * the fault sees the new size and refuses (SIGBUS), or the truncate's walk
 * sees the table and, taking the same PTE lock, finds the fault's PTE and
 * zaps it.  A page the fault inserted into the cache past the new end
 * after the truncate dropped the pages is refused by the cache itself:
 * filemap_grab_page_below() inserts only below the size it reads under
 * tree_lock, and truncate stores the size before taking tree_lock.
 */
#include "mm/filemap.h"
#include "mm/cow.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pmm.h"
#include "mm/kmalloc.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "asm/page.h"

#ifdef CONFIG_TRUNCATE_BROKEN
/* Test-only: truncate leaves the PTEs past the end in place, and a fault
 * that raced with it installs without its size recheck: a mapping keeps
 * reaching pages the file no longer has (suite filemap, truncate case). */
#define IS_ENABLED_TRUNCATE_BROKEN 1
#else
#define IS_ENABLED_TRUNCATE_BROKEN 0
#endif

uint64_t filemap_faults, filemap_sigbus;

static bool past_eof(struct inode *ino, uint64_t index)
{
	return index >= (READ_ONCE(ino->size) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* The page to map for a fault that found no PTE, with a reference for
 * the mapping.  Return: 0, or the fault's failure. */
static enum fault_result get_fault_page(struct inode *ino, uint64_t index, bool cow,
					struct page **out)
{
	if (!cow) {
		int r = filemap_grab_page_below(&ino->mapping, index, &ino->size, out);
		if (r == -ERANGE || r == -ENOSPC || r == -EFBIG)
			return FAULT_SIGBUS;       /* truncated meanwhile, or tmpfs full: Linux's shmem also SIGBUSes */
		return r ? FAULT_OOM : FAULT_OK;
	}
	struct page *copy = alloc_page();
	if (!copy)
		return FAULT_OOM;
	struct page *src = filemap_get_page(&ino->mapping, index);
	if (src) {
		copy_user_page(copy, src);
		put_page(src);
	} else {
		memset(page_address(copy), 0, PAGE_SIZE);   /* a hole reads as zeroes */
	}
	*out = copy;
	return FAULT_OK;
}

enum fault_result filemap_fault(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t addr,
				unsigned flags, bool *spurious)
{
	*spurious = false;
	struct inode *ino = vma->vm_file->inode;
	uint64_t index = vma->vm_pgoff + (addr - vma->start) / PAGE_SIZE;
	bool write = flags & FAULT_WRITE, shared = vma->flags & VM_SHARED;
	__atomic_fetch_add(&filemap_faults, 1, __ATOMIC_RELAXED);

	spinlock_t *ptl;
	pteval_t *pte = pte_alloc_map_lock(mm, addr, &ptl);
	if (!pte)
		return FAULT_OOM;
	pteval_t old = *pte;
	if (entry_present(old)) {
		if (!shared && !write && (flags & FAULT_UNSHARE) && cow_needs_unshare(old))
			return do_wp_page(mm, addr, pte, ptl, NULL, true, spurious);    /* a read pin's */
		if (write && !pte_write(old)) {
			if (!shared)            /* a private copy-on-write */
				return do_wp_page(mm, addr, pte, ptl, NULL, false, spurious);
			/* Shared: the cache page itself, left read-only by an
			 * mprotect upgrade (change_protection() keeps pages it
			 * does not hold alone read-only): make it writable. */
			WRITE_ONCE(*pte, pte_mkwrite(old));
		} else {
			*spurious = true;
		}
		spin_unlock(ptl);
		arch_flush_tlb_one(addr);       /* our own stale entry */
		return FAULT_OK;
	}
	spin_unlock(ptl);

	if (past_eof(ino, index))
		goto sigbus;
	struct page *page;
	enum fault_result r = get_fault_page(ino, index, !shared && write, &page);
	if (r == FAULT_SIGBUS)
		goto sigbus;
	if (r)
		return r;

	pte = pte_alloc_map_lock(mm, addr, &ptl);
	if (!pte) {
		put_page(page);
		return FAULT_OOM;
	}
	if (*pte) {
		/* Another thread mapped it first. */
		spin_unlock(ptl);
		put_page(page);
		*spurious = true;
		return FAULT_OK;
	}
	/* Against truncate: our table (and PTE lock) before the size read;
	 * pairs with the smp_mb() in filemap_unmap_range() (the header). */
	smp_mb();
	if (past_eof(ino, index) && !IS_ENABLED_TRUNCATE_BROKEN) {
		spin_unlock(ptl);
		put_page(page);
		goto sigbus;
	}
	pteval_t e = mk_pte(page_to_phys(page), user_pte_flags(vma->flags));
	if (!shared && !write)
		e = pte_wrprotect(e);   /* the cache's page: a write must copy */
	else if (!shared)
		page_set_anon(page, PAGE_ANON_EXCLUSIVE);   /* our private copy */
	/* The page's contents (a copy, or the cache's) before the PTE that
	 * maps it: pairs with the address dependency of whoever reads the
	 * page through the PTE, as fault_in_vma()'s publish. */
	smp_wmb();
	WRITE_ONCE(*pte, e);
	mm_rss_add(mm, 1);
	spin_unlock(ptl);
	return FAULT_OK;

sigbus:
	__atomic_fetch_add(&filemap_sigbus, 1, __ATOMIC_RELAXED);
	return FAULT_SIGBUS;
}

/* How many address spaces one truncate visits at most: the process limit
 * is far below it (a few hundred).  Past it, truncate warns once. */
#define UNMAP_MMS_MAX 512

void unmap_mapping_range(struct address_space *m, uint64_t first)
{
	/* The new size (stored by the caller) before the loads below: of
	 * the count and of the page tables.  Pairs with the fault's smp_mb()
	 * between its PTE lock and its size read (the header: SB). */
	smp_mb();
	if (!__atomic_load_n(&m->i_mmap_count, __ATOMIC_RELAXED) || IS_ENABLED_TRUNCATE_BROKEN)
		return;
	struct mm_struct **mms = kmalloc(UNMAP_MMS_MAX * sizeof(*mms));
	if (!mms) {
		/* Nothing is zapped: the pages stay mapped (their references
		 * keep them) past the end until unmapped.  Said, not hidden. */
		pr_warn("truncate: no memory to unmap a mapped file's pages past its end\n");
		return;
	}
	int n = mm_get_all(mms, UNMAP_MMS_MAX);
	if (n == UNMAP_MMS_MAX)
		pr_warn("truncate: more than %d address spaces; some not unmapped\n", UNMAP_MMS_MAX);
	for (int i = 0; i < n; i++) {
		struct mm_struct *mm = mms[i];
		mmap_read_lock(mm);
		for (struct vm_area_struct *v = vma_find_after(mm, 0); v; v = vma_find_after(mm, v->end)) {
			if (!(v->flags & VM_FILE) || &v->vm_file->inode->mapping != m)
				continue;
			uint64_t pages = (v->end - v->start) / PAGE_SIZE;
			if (v->vm_pgoff + pages <= first)
				continue;
			uint64_t skip = first > v->vm_pgoff ? first - v->vm_pgoff : 0;
			zap_range(mm, v->start + skip * PAGE_SIZE, v->end);
		}
		mmap_read_unlock(mm);
		mm_put(mm);
	}
	kfree(mms);
}
