/*
 * mm/fault.c - demand paging of anonymous memory, by three paths (the
 * build's FAULT switch; docs/faults.md has them side by side):
 *
 *   locked  handle_mm_fault(): mmap_lock for read around the whole fault.
 *   spf     speculative (Lespinasse 2021): no mmap_lock at all.  Allocate
 *           and zero the page outside any lock; then snapshot the mm's
 *           write sequence (even: no writer), find the VMA under RCU and
 *           copy its flags, walk the page tables locklessly and, under the
 *           PTE lock, check that the sequence and the PTE are still what
 *           was read, and install.  Any doubt aborts, counted by reason,
 *           into the locked path.
 *   vma     per-VMA lock (Linux 6.4): the VMA found under RCU and
 *           read-locked with a trylock (mm/vma.c); the fault runs under
 *           that lock alone and falls back to mmap_lock when it fails.
 *
 * Why the spf recheck is enough: every writer holds mmap_lock for write,
 * and the sequence is odd from mmap_write_lock() to mmap_write_unlock()
 * (mm/mm.h), so any writer that overlaps the fault changes it.  (munmap
 * zaps after mmap_write_downgrade(), the sequence already even again: a
 * fault that snapshotted before its write section sees the new value, one
 * that snapshotted after finds no VMA in the range.)  A writer
 * changes the VMAs first and the PTEs after, each PTE under its PTE lock:
 *   - if the writer took our PTE lock before us, its sequence store came
 *     before its lock release and so before our read under the lock: we
 *     see the change and abort;
 *   - if we took the PTE lock first, our PTE is in place before the writer
 *     reaches it, and the writer treats it like any other (zaps it,
 *     rewrites its protection).
 * Page tables: the walk runs between lockless_page_walk_begin/end, which
 * keeps every table it reads from being freed (mm/lockless_walk.h), and
 * the PTE lock is taken inside it.  Under TABLE_FREE=ipi that means
 * spinning on the PTE lock with IRQs off: safe because no PTE-lock holder
 * waits for an IPI acknowledgement while holding it (zap and mprotect
 * flush after unlocking; a fault flushes only locally under it, and a COW
 * fault's flush of every CPU comes after it unlocks: mm/cow.c).
 *
 * Copy-on-write faults (a write to a present, write-protected PTE in a
 * writable VMA: fork shared the page; mm/cow.c has the steps, docs/fork.md
 * the protocol) take the same three paths:
 *   locked  do_wp_page() under mmap_lock for read: no writer runs, so the
 *           VMA and the PTE table stay; the copy is made with the PTE lock
 *           dropped and the PTE rechecked (pte_same) when it is taken
 *           again, against the other faults and MADV_DONTNEED, which run
 *           beside it under mmap_lock for read.
 *   vma     the same do_wp_page() under the VMA's read lock: a writer that
 *           changes this VMA (munmap, mprotect, fork) write-locks it first
 *           and so waits for the copy to be installed; a writer elsewhere
 *           in the mm cannot free our table (no table under a live VMA is
 *           freed).
 *   spf     spf_wp_fault(): validated exactly like a demand-zero fault,
 *           twice.  Under the PTE lock the sequence and the PTE are
 *           checked before the reuse or the reference taken for the copy;
 *           the copy runs with no lock and no walk section; then a new
 *           walk (the table may have been freed meanwhile: nothing holds
 *           the VMA) and, under the PTE lock, the same two checks again
 *           before the install (abort: SPF_ABORT_COW).  The case argument
 *           above carries over: a writer that overlapped any part of it
 *           moved the sequence; if it took our PTE lock before our second
 *           check, we see the move; if after, it finds our copy installed
 *           and treats it like any PTE (zaps it, write-protects it).  The
 *           PTE check alone would miss mprotect read-only: it leaves a
 *           write-protected PTE exactly as it was (SPF_BROKEN shows it,
 *           suite fork's directed race).
 * All three end alike: the copy is installed read-only, the address is
 * flushed on every CPU of the mm (cow_finish) before the old page's
 * reference is dropped (another thread's read-only TLB entry still
 * reaches it), and only then is the copy made writable, under the PTE lock
 * again (mm/cow.c, "Why read-only until the flush"); spf checks its
 * sequence once more for that.  An unshare fault (FAULT_UNSHARE, a read
 * pin's: mm/gup.c) on a read-only PTE of a page another mm shares takes
 * the same steps in each path, with read permission only, and leaves the
 * PTE read-only: the page, copied or reused, is this mm's exclusively.
 *
 * File mappings (VM_FILE: MAP_SHARED, a file MAP_PRIVATE, shared
 * anonymous memory) fault through filemap_fault() (mm/filemap_fault.c)
 * under mmap_lock (locked) or the VMA's read lock (vma); spf sends them to
 * the locked path (SPF_ABORT_FILE) before it allocates anything.
 *
 * Two threads may fault on the same page at once: both allocate a zeroed
 * page, but only the first to take the PTE table's lock installs it.  The
 * other, if it reads the PTE present, frees its page; under spf a loser
 * that read it empty aborts (SPF_ABORT_PTE) and its page goes to the
 * locked path, which finds the PTE present and frees it there.
 */
#include "kernel/trace/trace.h"
#include "mm/fault.h"
#include "mm/cow.h"
#include "mm/lockless_walk.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pagewalk.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "kernel/config.h"
#include "kernel/monitor.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/percpu.h"
#include "kernel/errno.h"
#include "kernel/proc/syscall.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/time.h"
#include "lib/string.h"
#include "asm/page.h"

uint64_t fault_test_delay_ns;

/*
 * Test-only: called, when set, inside each lockless path's window - spf
 * after its snapshot and VMA copy (its page allocated), before the
 * lockless walk and the PTE lock; vma after the VMA read lock, before the
 * install - with the page's address.  The fault
 * suite's directed race (tests/kernel/fault.c, which declares it itself)
 * parks one faulter there while a writer runs one conflicting operation.
 * May sleep: neither path holds a spinlock or a walk section there.
 */
void (*fault_test_window)(uintptr_t addr);

static void fault_window(uintptr_t addr)
{
	void (*hook)(uintptr_t) = READ_ONCE(fault_test_window);
	if (hook)
		hook(addr);
}

#ifdef CONFIG_FAULT_SPF
#define FAULT_PATH_SPF 1
#else
#define FAULT_PATH_SPF 0
#endif
#ifdef CONFIG_FAULT_VMA
#define FAULT_PATH_VMA 1
#else
#define FAULT_PATH_VMA 0
#endif

/* Per CPU, so that counting does not bounce one line between faulting
 * CPUs (the bouncing spf and vma exist to avoid); relaxed atomics because
 * a thread may migrate between reading its CPU and adding. */
static struct fault_stats cpu_stats[NR_CPUS] __aligned(64);

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static struct fault_stats *my_stats(void)
{
	return &cpu_stats[smp_processor_id()];
}

void fault_get_stats(struct fault_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		const uint64_t *src = (const uint64_t *)&cpu_stats[c];
		uint64_t *dst = (uint64_t *)s;
		for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
}

const char *spf_abort_name(enum spf_abort a)
{
	static const char *const names[SPF_ABORT_NR] = {
		"sequence", "table missing", "vma", "pte race", "unsupported", "cow race", "file",
	};
	return a < SPF_ABORT_NR ? names[a] : "?";
}

const char *vma_fallback_name(enum vma_fallback f)
{
	static const char *const names[VMA_FB_NR] = { "no vma", "busy" };
	return f < VMA_FB_NR ? names[f] : "?";
}

const char *fault_reason(enum fault_result r)
{
	switch (r) {
	case FAULT_NO_VMA: return "no mapping";
	case FAULT_ACCESS: return "protection";
	case FAULT_OOM: return "out of memory";
	case FAULT_STUCK: return "the same fault repeats with no progress";
	case FAULT_SIGBUS: return "past the end of the mapped file";
	default: return "ok";
	}
}

static bool access_allowed(unsigned vm_flags, unsigned fault)
{
	if (fault & FAULT_WRITE)
		return vm_flags & VM_WRITE;
	if (fault & FAULT_EXEC)
		return vm_flags & VM_EXEC;
	return vm_flags & (VM_READ | VM_WRITE | VM_EXEC);  /* x86: W and X imply R */
}

/*
 * The fault proper, once the VMA is pinned (mmap_lock for read, or the
 * VMA's read lock): allocate missing tables, map a zeroed page on first
 * touch.  Tables are safe to allocate under a VMA lock alone because
 * unmap_region() never frees a table that covers part of a VMA
 * (mm/memory.c), and ours stays in the table while we hold its lock.
 * *@spurious: the PTE was already present (another thread won the race,
 * or our TLB entry was stale): nothing was mapped.  @page: a zeroed page
 * to map (an aborted speculative fault's), or NULL to allocate one; it is
 * used or freed either way.
 */
static enum fault_result fault_in_vma(struct mm_struct *mm, unsigned vm_flags, uintptr_t addr,
				      unsigned flags, bool *spurious, struct page *page)
{
	*spurious = false;
	if (!access_allowed(vm_flags, flags)) {
		if (page)
			put_page(page);
		return FAULT_ACCESS;
	}
	uint64_t pteflags = user_pte_flags(vm_flags);

	if (!page) {
		page = alloc_page();
		if (!page)
			return FAULT_OOM;
		memset(page_address(page), 0, PAGE_SIZE);
	}
	uint64_t delay = READ_ONCE(fault_test_delay_ns);   /* a test may clear it meanwhile */
	if (delay)
		udelay(delay / 1000);

	spinlock_t *ptl;
	uint64_t *pte = pte_alloc_map_lock(mm, addr, &ptl);
	if (!pte) {
		free_page(page);
		return FAULT_OOM;
	}
	pteval_t old = *pte;
	if (entry_present(old) && (flags & FAULT_WRITE) && !pte_write(old))
		return do_wp_page(mm, addr, pte, ptl, page, false, spurious);   /* copy-on-write: mm/cow.c */
	if ((flags & FAULT_UNSHARE) && cow_needs_unshare(old))
		return do_wp_page(mm, addr, pte, ptl, page, true, spurious);    /* a read pin's: mm/cow.c */
	if (entry_present(old)) {
		*spurious = true;
		/* Someone else mapped it, or our TLB entry was stale (an
		 * mprotect upgrade): nothing to do but drop our view. */
		spin_unlock(ptl);
		arch_flush_tlb_one(addr);
		put_page(page);         /* never mapped: our reference was the only one */
	} else {
		/* A new anonymous page: this mm's alone (mm/page.h). */
		page_set_anon(page, PAGE_ANON_EXCLUSIVE);
		/* The page's zeroes (and ->anon) must be visible before the
		 * PTE that maps it: pairs with the address dependency of
		 * whoever reads the page through the PTE (another CPU's MMU, a
		 * lockless walker such as fast GUP). */
		smp_wmb();
		WRITE_ONCE(*pte, mk_pte(page_to_phys(page), pteflags));
		mm_rss_add(mm, 1);
		spin_unlock(ptl);
	}
	return FAULT_OK;
}

/* mmap_read_lock(), counting the faults that had to wait for it (a writer
 * held it or was queued for it) and how long they waited: the contention
 * spf and vma exist to avoid, measured where it happens. */
static void fault_mmap_read_lock(struct mm_struct *mm)
{
	if (down_read_trylock(&mm->mmap_lock))
		return;
	trace(MMAP_CONTEND, mm, 0, 0);
	uint64_t t0 = get_cycles();
	mmap_read_lock(mm);
	struct fault_stats *st = my_stats();
	count(&st->lock_waits);
	__atomic_fetch_add(&st->lock_wait_cycles, get_cycles() - t0, __ATOMIC_RELAXED);
}

/* @page as for fault_in_vma(). */
static enum fault_result locked_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags,
				      bool *spurious, struct page *page)
{
	*spurious = false;
	might_sleep();
	addr &= PAGE_MASK;
	fault_mmap_read_lock(mm);
	struct vm_area_struct *vma = vma_find(mm, addr);
	enum fault_result r = FAULT_NO_VMA;
	if (vma && (vma->flags & VM_FILE)) {
		if (page)
			put_page(page);         /* zeroed for anonymous memory: not ours to use */
		r = access_allowed(vma->flags, flags) ? filemap_fault(mm, vma, addr, flags, spurious)
						      : FAULT_ACCESS;
	} else if (vma) {
		r = fault_in_vma(mm, vma->flags, addr, flags, spurious, page);
	} else if (page) {
		put_page(page);
	}
	mmap_read_unlock(mm);
	struct fault_stats *st = my_stats();
	count(&st->locked);
	if (*spurious)
		count(&st->spurious);
	return r;
}

enum fault_result handle_mm_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags)
{
	bool spurious;
	return locked_fault(mm, addr, flags, &spurious, NULL);
}

/* ---- FAULT=spf ------------------------------------------------------------------- */

/* Poison only: the walker-window tests' delay is for their own walkers;
 * in this path it would pause every page fault of the test thread that
 * is supposed to end the pauses. */
static bool spf_check(pteval_t e, const pteval_t *table, int level, void *priv)
{
	(void)priv, (void)level;
	return !lockless_walk_entry_poisoned(e, table);
}

/* The PTE slot of @addr, or NULL if a level above it is missing (or
 * poisoned, or huge).  Context: inside a lockless walk section. */
static pteval_t *spf_walk(struct mm_struct *mm, uintptr_t addr)
{
	const struct pt_walk_ops ops = { .check = spf_check };
	int level;
	pteval_t *slot = pt_walk(mm->pgd, addr, PT_PTE, &ops, &level);
	return slot && level == PT_PTE ? slot : NULL;
}

static bool spf_abort(enum spf_abort why)
{
	trace(FAULT_SPF_ABORT, why, 0, 0);
	count(&my_stats()->spf_abort[why]);
	return false;
}

/* Does present PTE @pte already allow this access (a spurious fault: a
 * stale TLB entry after a protection upgrade, or another thread won)? */
static bool pte_allows(pteval_t pte, unsigned flags)
{
	if (!entry_present(pte) || !pte_user(pte) || (flags & FAULT_EXEC))
		return false;
	return !(flags & FAULT_WRITE) || pte_write(pte);
}

/* The VMA at @addr and its flags, under RCU (vma_free waits a grace
 * period): the flags are all a speculative fault needs from it, copied
 * before the section ends.  Return: false if there is none or it forbids
 * the access. */
static bool spf_vma_flags(struct mm_struct *mm, uintptr_t addr, unsigned flags, unsigned *vm_flags)
{
	rcu_read_lock();
	struct vm_area_struct *vma = vma_find(mm, addr);
	*vm_flags = vma ? READ_ONCE(vma->flags) : 0;
	rcu_read_unlock();
	return vma && access_allowed(*vm_flags, flags);
}

/* Under a PTE lock: has no writer begun since snapshot @seq?  The
 * sequence read pairs as in spf_fault(). */
static bool spf_seq_unchanged(struct mm_struct *mm, unsigned seq)
{
#ifndef CONFIG_SPF_BROKEN
	return READ_ONCE(mm->seq.sequence) == seq;
#else
	(void)mm, (void)seq;
	return true;
#endif
}

/* Under the PTE lock: is the fault still on the snapshot's mm (no writer
 * since, the sequence unchanged) and the PTE still @pte?  Counted under
 * @why if not. */
static bool spf_recheck_locked(struct mm_struct *mm, unsigned seq, pteval_t *slot, pteval_t pte,
			       enum spf_abort why)
{
	if (!spf_seq_unchanged(mm, seq))
		return spf_abort(why == SPF_ABORT_PTE ? SPF_ABORT_SEQ : why);
	if (!pte_same(READ_ONCE(*slot), pte))
		return spf_abort(why);
	return true;
}

/*
 * The speculative COW fault: PTE @pte at *@slot was read present and
 * write-protected in a VMA that allows writing (its flags copied under
 * the snapshot @seq), inside walk section @w, which this ends.  The steps
 * of mm/cow.c, validated as a demand-zero fault is: under the PTE lock the
 * sequence and the PTE must be unchanged, before the reuse and again
 * before the install; the copy into @page (allocated before the snapshot,
 * zeroed: wasted, but it keeps the window free of allocation) runs with no
 * lock and no walk section.  Between the two PTE locks the table may be
 * freed (no lock holds the VMA): so the second look walks again, in a new
 * section.  An abort after the copy frees @page (no longer zeroed) and
 * counts SPF_ABORT_COW; the locked path then does the fault over.  After
 * the install (read-only) and the flush, the copy is made writable through
 * the second walk's slot if the sequence still holds (mm/cow.c, step 5).
 */
static bool spf_wp_fault(struct mm_struct *mm, uintptr_t addr, unsigned seq, pteval_t *slot,
			 pteval_t pte, unsigned long w, struct page *page, bool unshare, bool *spurious,
			 struct page **leftover)
{
	spinlock_t *ptl = &virt_to_page(slot - pte_index(addr))->ptl;
	spin_lock(ptl);
	if (!spf_recheck_locked(mm, seq, slot, pte, SPF_ABORT_PTE)) {
		spin_unlock(ptl);
		lockless_page_walk_end(w);
		*leftover = page;
		return false;
	}
	struct page *old = phys_to_page(entry_addr(pte));
	if (cow_copy_pending(old)) {            /* another fault's steps 3-5 */
		spin_unlock(ptl);
		lockless_page_walk_end(w);
		put_page(page);
		cow_wait_copy(old);
		*spurious = true;
		count(&my_stats()->spf);
		return true;
	}
	if (unshare && !cow_needs_unshare(pte)) {   /* another pin unshared it meanwhile */
		spin_unlock(ptl);
		lockless_page_walk_end(w);
		put_page(page);
		*spurious = true;
		count(&my_stats()->spf);
		return true;
	}
	if (cow_may_reuse(old)) {
		if (unshare)                    /* the PTE stays read-only */
			cow_reuse_unshare(old);
		else
			cow_reuse(slot, pte, old);
		spin_unlock(ptl);
		lockless_page_walk_end(w);
		arch_flush_tlb_one(addr);       /* our own read-only entry */
		put_page(page);
		count(&my_stats()->spf);
		return true;
	}
	/* Mapped, under its PTE lock: the count is not zero. */
	get_page(old);
	spin_unlock(ptl);
	lockless_page_walk_end(w);

	copy_user_page(page, old);
	uint64_t delay = READ_ONCE(fault_test_delay_ns);
	if (delay)
		udelay(delay / 1000);
	cow_window(addr);

	w = lockless_page_walk_begin();
	slot = spf_walk(mm, addr);
	bool ok = slot != NULL;
	pteval_t installed = 0;
	if (ok) {
		ptl = &virt_to_page(slot - pte_index(addr))->ptl;
		spin_lock(ptl);
		ok = spf_recheck_locked(mm, seq, slot, pte, SPF_ABORT_COW);
		if (ok)
			installed = cow_install(mm, addr, slot, pte, page);
		spin_unlock(ptl);
	} else {
		spf_abort(SPF_ABORT_COW);
	}
	lockless_page_walk_end(w);
	if (!ok) {
		put_page(page);
		put_page(old);
		return false;
	}
	cow_installed_window(addr);
	cow_finish(mm, addr, old);      /* IRQs on again: the flush, then the puts */
	/* Step 5 (docs/fork.md's step 9): make the copy writable if no writer
	 * has begun since the snapshot.  mprotect read-only meanwhile leaves
	 * our read-only PTE as it is and must not find it writable after; a
	 * munmap may have freed the table.  The sequence, read inside a new
	 * walk section (smp_rmb in mmap_seq_read), says both: unchanged, no
	 * writer has unhooked the table of the second walk's slot, so it stays
	 * for this section (mm/lockless_walk.h) and serves; changed, the copy
	 * is left read-only (the access retries) and the slot is not touched.
	 * The same check again under the PTE lock, for a writer that begins
	 * meanwhile. */
#ifndef CONFIG_COW_ORDER_BROKEN     /* there, cow_install() made it writable */
	if (unshare)
		goto release;               /* a read pin's: the copy stays read-only */
	w = lockless_page_walk_begin();
	bool same = mmap_seq_read(mm) == seq;
#ifdef CONFIG_SPF_BROKEN
	/* Test-only: the broken fault goes on as if nothing had changed,
	 * through a new walk (the old slot may be a freed table). */
	if (!same)
		slot = spf_walk(mm, addr);
	same = slot != NULL;
#endif
	if (same && !lockless_walk_entry_poisoned(READ_ONCE(*slot), slot - pte_index(addr))) {
		ptl = &virt_to_page(slot - pte_index(addr))->ptl;
		spin_lock(ptl);
		if (spf_seq_unchanged(mm, seq))
			cow_make_writable(slot, installed, page);
		else
			__atomic_fetch_add(&cow_left_read_only, 1, __ATOMIC_RELAXED);
		spin_unlock(ptl);
	} else {
		__atomic_fetch_add(&cow_left_read_only, 1, __ATOMIC_RELAXED);
	}
	lockless_page_walk_end(w);
release:
#else
	(void)installed;
#endif
	cow_release_copy(page);
	*spurious = false;
	count(&my_stats()->spf);
	return true;
}

/*
 * Return: true if the fault was resolved (*@spurious as in fault_in_vma),
 * false to fall back to the locked path (the reason counted).
 *
 * The window: from the sequence snapshot to its recheck under the PTE
 * lock, any mmap_lock writer anywhere in the mm aborts the fault.  So the
 * page is allocated and zeroed before the snapshot, and the window holds
 * only the VMA lookup and one lockless walk (the install comes after the
 * recheck that closes it; the test delay and hook sit inside it): a few
 * hundred cycles, where zeroing 4 KiB inside it made it several times
 * longer and a concurrent mmap/munmap loop aborted up to 27% of the
 * faults (pft, docs/faults.md).  A first VMA lookup before the allocation keeps
 * faults that will be refused from allocating.  An abort hands the page
 * to the locked path (*@leftover), which maps it or frees it; a spurious
 * fault (the PTE present, rare) frees it.
 */
static bool spf_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags, bool *spurious,
		      struct page **leftover)
{
	*spurious = false;
	addr &= PAGE_MASK;
	unsigned vm_flags;
	if (!spf_vma_flags(mm, addr, flags, &vm_flags))
		return spf_abort(SPF_ABORT_VMA);
	/* A file mapping: the locked path (docs/files.md: the speculative
	 * path would need the VMA's file, which nothing holds here). */
	if (vm_flags & VM_FILE)
		return spf_abort(SPF_ABORT_FILE);

	/* Demand-zero, almost always: the page, zeroed outside any lock
	 * and before the window opens. */
	struct page *page = alloc_page();
	if (!page)
		return spf_abort(SPF_ABORT_UNSUPPORTED);
	memset(page_address(page), 0, PAGE_SIZE);

	unsigned seq = mmap_seq_read(mm);
	if (seq & 1) {
		*leftover = page;
		return spf_abort(SPF_ABORT_SEQ);
	}
	if (!spf_vma_flags(mm, addr, flags, &vm_flags)) {
		*leftover = page;
		return spf_abort(SPF_ABORT_VMA);
	}
	/* The copy must be from the snapshot's VMA table (loads before the
	 * re-read: smp_rmb pairs with mmap_write_lock's smp_wmb). */
	smp_rmb();
	if (READ_ONCE(mm->seq.sequence) != seq) {
		*leftover = page;
		return spf_abort(SPF_ABORT_SEQ);
	}
	/* Tests: widen the window, or hold it open (neither in a walk
	 * section: they may sleep). */
	uint64_t delay = READ_ONCE(fault_test_delay_ns);   /* a test may clear it meanwhile */
	if (delay)
		udelay(delay / 1000);
	fault_window(addr);

	unsigned long w = lockless_page_walk_begin();
	pteval_t *slot = spf_walk(mm, addr);
	if (!slot) {
		lockless_page_walk_end(w);
		*leftover = page;
		return spf_abort(SPF_ABORT_NO_TABLE);
	}
	pteval_t pte = READ_ONCE(*slot);
	if (entry_present(pte) && (flags & FAULT_WRITE) && !pte_write(pte) && pte_user(pte))
		return spf_wp_fault(mm, addr, seq, slot, pte, w, page, false, spurious, leftover);
	/* A read pin's unshare (FAULT_UNSHARE): ->anon read through the PTE
	 * (address dependency); spf_wp_fault() rechecks it under the lock. */
	if ((flags & FAULT_UNSHARE) && pte_user(pte) && cow_needs_unshare(pte))
		return spf_wp_fault(mm, addr, seq, slot, pte, w, page, true, spurious, leftover);
	if (pte) {
		lockless_page_walk_end(w);
		if (!pte_allows(pte, flags)) {
			*leftover = page;
			return spf_abort(SPF_ABORT_UNSUPPORTED);
		}
		put_page(page);         /* never mapped: our reference was the only one */
		/* Present and sufficient: a protection upgrade this CPU's TLB
		 * has not seen, or a lost race.  Drop our stale view. */
		arch_flush_tlb_one(addr);
		*spurious = true;
		struct fault_stats *st = my_stats();
		count(&st->spf);
		count(&st->spurious);
		return true;
	}
	spinlock_t *ptl = &virt_to_page(slot - pte_index(addr))->ptl;
	spin_lock(ptl);
	/* Under the PTE lock (acquire): a writer that already released this
	 * lock made its odd sequence visible before; one that has not yet
	 * taken it will see our PTE.  See the header. */
#ifndef CONFIG_SPF_BROKEN
	/* LAB 6 BEGIN: the validation: under the PTE lock, if the mm's sequence is no longer the snapshot seq, unlock, end the walk section, hand the page to the locked path (*leftover) and abort with SPF_ABORT_SEQ */
	if (READ_ONCE(mm->seq.sequence) != seq) {
		spin_unlock(ptl);
		lockless_page_walk_end(w);
		*leftover = page;
		return spf_abort(SPF_ABORT_SEQ);
	}
	/* LAB 6 STUB:
	*/
	/* LAB 6 END */
#endif
	if (READ_ONCE(*slot) != pte) {
		spin_unlock(ptl);
		lockless_page_walk_end(w);
		*leftover = page;
		return spf_abort(SPF_ABORT_PTE);
	}
	/* The zeroes and ->anon before the PTE, as in fault_in_vma(). */
	page_set_anon(page, PAGE_ANON_EXCLUSIVE);
	smp_wmb();
	WRITE_ONCE(*slot, mk_pte(page_to_phys(page), user_pte_flags(vm_flags)));
	mm_rss_add(mm, 1);
	spin_unlock(ptl);
	lockless_page_walk_end(w);
	count(&my_stats()->spf);
	return true;
}

/* ---- FAULT=vma ------------------------------------------------------------------- */

/* Return: true if resolved under the VMA lock (*@r its result), false to
 * fall back to mmap_lock (the reason counted). */
static bool vma_lock_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags,
			   enum fault_result *r, bool *spurious)
{
	might_sleep();
	addr &= PAGE_MASK;
	bool busy;
	struct vm_area_struct *vma = lock_vma_under_rcu(mm, addr, &busy);
	struct fault_stats *st = my_stats();
	if (!vma) {
		if (busy)
			trace(VMA_CONTEND, addr, 0, 0);
		count(&st->vma_fallback[busy ? VMA_FB_BUSY : VMA_FB_NO_VMA]);
		return false;
	}
	if (!access_allowed(vma->flags, flags)) {
		vma_end_read(vma);
		count(&st->vma_fallback[VMA_FB_NO_VMA]);
		return false;
	}
	fault_window(addr);
	if (vma->flags & VM_FILE)
		*r = filemap_fault(mm, vma, addr, flags, spurious);
	else
		*r = fault_in_vma(mm, vma->flags, addr, flags, spurious, NULL);
	vma_end_read(vma);
	st = my_stats();
	count(&st->vma);
	if (*spurious)
		count(&st->spurious);
	return true;
}

enum fault_result handle_user_fault(uintptr_t addr, unsigned flags)
{
	struct thread *t = current;
	if (!t || !t->mm)
		return FAULT_NO_VMA;
	bool spurious = false;
	enum fault_result r = FAULT_OK;
	/* Every path is compiled in every build (so each keeps building);
	 * the FAULT switch picks which one runs, as a constant. */
	bool done = false;
	struct page *zeroed = NULL;     /* an aborted speculative fault's page */
	trace(FAULT_BEGIN, addr, flags, 0);
	if (FAULT_PATH_SPF)
		done = spf_fault(t->mm, addr, flags, &spurious, &zeroed);
	else if (FAULT_PATH_VMA)
		done = vma_lock_fault(t->mm, addr, flags, &r, &spurious);
	if (!done && (FAULT_PATH_SPF || FAULT_PATH_VMA))
		trace(FAULT_FALLBACK, addr, FAULT_PATH_SPF ? 1 : 2, 0);
	if (!done)
		r = locked_fault(t->mm, addr, flags, &spurious, zeroed);
	trace(FAULT_PATH, addr, done ? (FAULT_PATH_SPF ? 1 : 2) : 0, 0);
	trace(FAULT_END, addr, r, 0);
	uintptr_t page = addr & PAGE_MASK;
	if (r != FAULT_OK || !spurious || page != t->fault_addr || flags != t->fault_flags) {
		/* Progress (a page was mapped), a failure, or another fault:
		 * start counting again from here. */
		t->fault_addr = page;
		t->fault_flags = flags;
		t->fault_repeats = 0;
		return r;
	}
	/* The PTE was already there and the same access faulted again: a
	 * stale TLB entry explains one such fault, never a thousand. */
	if (++t->fault_repeats >= FAULT_MAX_REPEATS)
		return FAULT_STUCK;
	return FAULT_OK;
}

/* ---- SYS_fault_stats: the counts for user space (the pft benchmark) ------------- */

static long sys_fault_stats(uint64_t out, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct fault_stats s;
	fault_get_stats(&s);
	uint64_t v[FAULT_STAT_NR] = { 0 };
	v[FAULT_STAT_LOCKED] = s.locked;
	v[FAULT_STAT_SPF] = s.spf;
	v[FAULT_STAT_VMA] = s.vma;
	v[FAULT_STAT_SPURIOUS] = s.spurious;
	for (int i = 0; i < SPF_ABORT_NR; i++)
		v[FAULT_STAT_SPF_ABORTS] += s.spf_abort[i];
	for (int i = 0; i < VMA_FB_NR; i++)
		v[FAULT_STAT_VMA_FALLBACKS] += s.vma_fallback[i];
	v[FAULT_STAT_LOCK_WAITS] = s.lock_waits;
	v[FAULT_STAT_LOCK_WAIT_CYCLES] = s.lock_wait_cycles;
	if (copy_to_user((void *)out, v, sizeof(v)))
		return -EFAULT;
	return 0;
}
SYSCALL_EXTENSION(fault_stats, SYS_fault_stats, sys_fault_stats);

/* ---- the monitor ----------------------------------------------------------------- */

static int cmd_faults(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct fault_stats s;
	fault_get_stats(&s);
	mon_printf("faults (FAULT=%s): %llu locked, %llu spf, %llu vma-locked, %llu spurious\n",
		   CONFIG_FAULT_NAME, (unsigned long long)s.locked, (unsigned long long)s.spf,
		   (unsigned long long)s.vma, (unsigned long long)s.spurious);
	mon_printf("spf aborts:");
	for (int i = 0; i < SPF_ABORT_NR; i++)
		mon_printf(" %s %llu%s", spf_abort_name((enum spf_abort)i),
			   (unsigned long long)s.spf_abort[i], i + 1 < SPF_ABORT_NR ? "," : "\n");
	mon_printf("vma-lock fallbacks:");
	for (int i = 0; i < VMA_FB_NR; i++)
		mon_printf(" %s %llu%s", vma_fallback_name((enum vma_fallback)i),
			   (unsigned long long)s.vma_fallback[i], i + 1 < VMA_FB_NR ? "," : "\n");
	mon_printf("vma write-lock waits: %llu\n", (unsigned long long)READ_ONCE(vma_write_waits));
	mon_printf("locked faults that waited for mmap_lock: %llu, %llu cycles in all\n",
		   (unsigned long long)s.lock_waits, (unsigned long long)s.lock_wait_cycles);
	return 0;
}
MONITOR_COMMAND(faults, "faults", "", "page faults by path, spf aborts and vma-lock fallbacks by reason", cmd_faults);
