/*
 * mm/vma.c - the VMA table of an mm (see vma.h for the publication rules).
 *
 * Every change builds a complete new table next to the old one, then
 * publishes it with one release store; VMAs that dropped out, and the old
 * table, are freed only after that.  Lookups are a binary search.
 */
#include "mm/vma.h"
#include "mm/mm.h"
#include "mm/kmalloc.h"
#include "kernel/rcu/rcu.h"
#include "kernel/atomic.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/panic.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/sched/sched.h"
#include "asm/page.h"

#define VMA_MAX 1024

struct vm_area_struct *vma_alloc(uintptr_t start, uintptr_t end, unsigned flags)
{
	struct vm_area_struct *v = kmalloc(sizeof(*v));
	if (v) {
		v->start = start;
		v->end = end;
		v->flags = flags;
		v->vm_lock_seq = 0;     /* even: never equal to a writer's odd sequence */
		v->vm_readers = 0;
		v->detached = false;
		v->vm_file = NULL;
		v->vm_pgoff = 0;
	}
	return v;
}

struct vm_area_struct *vma_alloc_from(const struct vm_area_struct *tmpl, uintptr_t start,
				      uintptr_t end, unsigned flags)
{
	struct vm_area_struct *v = vma_alloc(start, end, flags);
	if (v && tmpl->vm_file)
		vma_set_file(v, fget(tmpl->vm_file), tmpl->vm_pgoff + (start - tmpl->start) / PAGE_SIZE);
	return v;
}

void vma_set_file(struct vm_area_struct *v, struct file *file, uint64_t pgoff)
{
	/* Counted before the VMA can be published (and so before any fault
	 * on it): truncate reads the count after storing the new size
	 * (unmap_mapping_range()), and the fault reads the size after its
	 * PTE lock; see mm/filemap_fault.c. */
	__atomic_fetch_add(&file->inode->mapping.i_mmap_count, 1, __ATOMIC_SEQ_CST);
	v->vm_file = file;
	v->vm_pgoff = pgoff;
}

/*
 * Per-VMA locks (FAULT=vma, Linux 6.4's design, fitted to the copy-on-write
 * table).  A published VMA never changes, so "changing" a VMA here means
 * replacing it: vma_replace_range() write-locks every VMA that leaves the
 * table (removed, split, merged away) before the new table is published,
 * and marks every VMA that enters it.  The write lock is a mark,
 * vm_lock_seq = the mm's sequence, which is odd for exactly the length of
 * this mmap_lock write section (mmap_write_lock): mmap_write_unlock() moves
 * the sequence on and every mark of the section drops at once, as Linux's
 * mm_lock_seq increment does.  No unlock per VMA.
 *
 * Reader (a fault):  inc vm_readers; full barrier; load mark, load seq
 * Writer:            store mark;     full barrier; load vm_readers
 * Each side stores, fences, then loads what the other stores (Dekker): a
 * reader that does not see the mark was seen by the writer, which waits
 * for it to leave; a writer that sees no reader is seen by every later
 * reader, which backs off (and falls back to mmap_lock, which the writer
 * holds).  The reader loads the mark before the sequence (smp_rmb): the
 * writer stored the sequence before the mark, so a reader that sees the
 * mark sees that sequence or a later one.
 */
uint64_t vma_write_waits;

static bool vma_write_marked(struct mm_struct *mm, const struct vm_area_struct *v)
{
	unsigned mark = READ_ONCE(v->vm_lock_seq);
	/* The mark, then the sequence (see above): pairs with the smp_wmb of
	 * write_seqcount_begin() in mmap_write_lock(), which orders the odd
	 * sequence before vma_start_write()'s store of the mark. */
	smp_rmb();
	unsigned seq = READ_ONCE(mm->seq.sequence);
	return (seq & 1) && mark == seq;
}

struct vm_area_struct *lock_vma_under_rcu(struct mm_struct *mm, uintptr_t addr, bool *busy)
{
	/* LAB 6 BEGIN: find the VMA under rcu_read_lock, refuse it if write-marked, take a read reference (vm_readers, full barrier), then validate again: not marked, not detached, still covers addr; else drop it and report busy */
	*busy = false;
	/* RCU keeps the table and the VMA readable (vma_free is kfree_rcu)
	 * until our read lock holds the VMA itself. */
	rcu_read_lock();
	struct vm_area_struct *v = vma_find(mm, addr);
	if (!v || vma_write_marked(mm, v)) {
		rcu_read_unlock();
		*busy = v != NULL;
		return NULL;
	}
	__atomic_fetch_add(&v->vm_readers, 1, __ATOMIC_SEQ_CST);
	/* Full barrier (the seq_cst RMW): the increment before the mark is
	 * read again; pairs with vma_start_write()'s fence. */
	bool gone = vma_write_marked(mm, v);
	/* The sequence, then detached (smp_rmb): pairs with the smp_wmb in
	 * mmap_write_unlock()'s write_seqcount_end(), which the writer's
	 * store of detached (vma_replace_range) precedes.  A reader on a
	 * stale table that finds the mark dropped (the sequence moved on)
	 * must then see the VMA detached. */
	smp_rmb();
	if (gone || READ_ONCE(v->detached) || addr < v->start || addr >= v->end) {
		vma_end_read(v);
		rcu_read_unlock();
		*busy = true;
		return NULL;
	}
	rcu_read_unlock();
	return v;
	/* LAB 6 STUB:
	(void)mm, (void)addr, (void)vma_write_marked;
	*busy = false;
	return NULL;
	*/
	/* LAB 6 END */
}

void vma_end_read(struct vm_area_struct *v)
{
	/* Release: the fault's PTE stores before the writer sees us gone
	 * (pairs with vma_start_write()'s acquire loads of vm_readers). */
	__atomic_fetch_sub(&v->vm_readers, 1, __ATOMIC_RELEASE);
}

void vma_start_write(struct mm_struct *mm, struct vm_area_struct *v)
{
#ifdef CONFIG_VMA_LOCK_BROKEN
	(void)mm, (void)v;
	return;                     /* test-only: faults run on under the writer */
#endif
	unsigned seq = mm->seq.sequence;     /* odd: we hold mmap_lock for write */
	if (v->vm_lock_seq == seq)
		return;
	WRITE_ONCE(v->vm_lock_seq, seq);
	/* Store the mark, full barrier, load vm_readers: our side of the
	 * store-buffer pattern; the other is lock_vma_under_rcu()'s seq_cst
	 * increment of vm_readers before it reads the mark again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->vm_readers, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&vma_write_waits, 1, __ATOMIC_RELAXED);
		/* Acquire: the reader's PTE stores before ours (pairs with
		 * vma_end_read()'s release decrement). */
		while (__atomic_load_n(&v->vm_readers, __ATOMIC_ACQUIRE))
			yield();
	}
}

/* The one place a VMA dies: after a grace period, so that a lockless
 * lookup (rcu_read_lock, then the table, then a VMA) that found it before
 * it was unpublished can still read it. */
void vma_free(struct vm_area_struct *v)
{
	/* The file reference goes now, the VMA after a grace period: a
	 * lockless reader that still finds this VMA reads only its range and
	 * flags (spf copies the flags and aborts file faults;
	 * lock_vma_under_rcu() finds it detached), never vm_file.  Only
	 * faults holding mmap_lock or the VMA's read lock use vm_file, and
	 * a VMA leaves a table write-locked, after they are done. */
	if (v->vm_file) {
		__atomic_fetch_sub(&v->vm_file->inode->mapping.i_mmap_count, 1, __ATOMIC_RELAXED);
		fput(v->vm_file);
	}
	kfree_rcu(v, rcu);
}

void vma_table_free(struct vma_table *t)
{
	kfree_rcu(t, rcu);
}

static struct vma_table *table_of(struct mm_struct *mm)
{
	/* Acquire: the VMAs the table points to are complete.  Pairs with
	 * the smp_store_release() that publishes it in vma_replace_range()
	 * (stronger than rcu_dereference()'s address dependency, which
	 * would do as well: every load goes through the pointer). */
	return smp_load_acquire(&mm->vmas);
}

static int first_ending_after(struct vma_table *t, uintptr_t addr)
{
	int lo = 0, hi = t ? t->nr : 0;
	while (lo < hi) {               /* first index with vma->end > addr */
		int mid = (lo + hi) / 2;
		if (t->vma[mid]->end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vm_area_struct *vma_find_after(struct mm_struct *mm, uintptr_t addr)
{
	struct vma_table *t = table_of(mm);
	int i = first_ending_after(t, addr);
	return t && i < t->nr ? t->vma[i] : NULL;
}

struct vm_area_struct *vma_find(struct mm_struct *mm, uintptr_t addr)
{
	struct vm_area_struct *v = vma_find_after(mm, addr);
	return v && v->start <= addr ? v : NULL;
}

bool vma_range_mapped(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	uintptr_t a = start;
	while (a < end) {
		struct vm_area_struct *v = vma_find(mm, a);
		if (!v)
			return false;
		a = v->end;
	}
	return true;
}

uintptr_t vma_get_unmapped_area(struct mm_struct *mm, uintptr_t hint, uint64_t len)
{
	if (hint && hint >= USER_BASE && hint + len <= USER_MMAP_BASE && hint + len > hint) {
		struct vm_area_struct *v = vma_find_after(mm, hint);
		if (!v || v->start >= hint + len)
			return hint;
	}
	/* Top-down from USER_MMAP_BASE: walk the VMAs below it from the top.
	 * A length of whole 2 MiB blocks gets a 2 MiB-aligned start (Linux
	 * 6.8 does so for anonymous mappings, for THP): such a mapping then
	 * owns its PTE tables outright.  Placed flush against a neighbour at
	 * an odd address, it would share a PTE table with it at each end, and
	 * every munmap would scan the shared table's empty half and test it
	 * for emptiness: a third of an mmap/munmap pair's time under TCG
	 * (docs/performance.md, finding 9). */
	uintptr_t align = len % PMD_SIZE == 0 ? PMD_SIZE : PAGE_SIZE;
	struct vma_table *t = table_of(mm);
	uintptr_t top = USER_MMAP_BASE;
	for (int i = t ? t->nr - 1 : -1; i >= -1; i--) {
		uintptr_t floor = i >= 0 ? t->vma[i]->end : USER_BASE;
		if (i >= 0 && t->vma[i]->start >= top)
			continue;
		if (floor < top && top - floor >= len && ((top - len) & ~(align - 1)) >= floor)
			return (top - len) & ~(align - 1);
		if (i >= 0 && t->vma[i]->start < top)
			top = t->vma[i]->start;
	}
	return 0;
}

/* Two neighbours in a table that one VMA can replace. */
static bool vma_touch(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	/* File VMAs merge only with the next pages of the same open file. */
	return a->end == b->start && a->flags == b->flags && a->vm_file == b->vm_file &&
	       (!a->vm_file || a->vm_pgoff + (a->end - a->start) / PAGE_SIZE == b->vm_pgoff);
}

static void free_pieces(struct vm_area_struct **v, int n)
{
	for (int i = 0; i < n; i++)
		vma_free(v[i]);
}

int vma_replace_range(struct mm_struct *mm, uintptr_t start, uintptr_t end,
		      struct vm_area_struct **new, int nnew)
{
	/* The contract: mmap_lock held for write, i.e. the sequence odd
	 * (mmap_write_lock()).  Lockless readers (spf, FAULT=vma, fast GUP)
	 * rely on it: the odd sequence and the VMA marks are what tell them
	 * a writer is at work. */
	if (WARN_ON_ONCE(!(READ_ONCE(mm->seq.sequence) & 1)))
		return -EINVAL;
	struct vma_table *old = mm->vmas;
	int oldn = old ? old->nr : 0;
	/* At most: every old VMA, two edge pieces, the new ones. */
	int cap = oldn + 2 + nnew;
	struct vma_table *nt = kmalloc(sizeof(*nt) + (size_t)cap * sizeof(nt->vma[0]));
	struct vm_area_struct **dead = kmalloc((size_t)(oldn + 1) * sizeof(*dead));
	struct vm_area_struct *fresh[2 + 64], **merged = NULL;
	int nfresh = 0, ndead = 0, n = 0, nmerged = 0;
	if (!nt || !dead || nnew > 64)
		goto nomem;

	int i = 0;
	for (; i < oldn && old->vma[i]->end <= start; i++)
		nt->vma[n++] = old->vma[i];
	for (; i < oldn && old->vma[i]->start < end; i++) {
		struct vm_area_struct *v = old->vma[i];
		dead[ndead++] = v;
		if (v->start < start) {
			struct vm_area_struct *left = vma_alloc_from(v, v->start, start, v->flags);
			if (!left)
				goto nomem;
			fresh[nfresh++] = left;
			nt->vma[n++] = left;
		}
		if (v->end > end) {
			struct vm_area_struct *right = vma_alloc_from(v, end, v->end, v->flags);
			if (!right)
				goto nomem;
			fresh[nfresh++] = right;
			/* Placed after the new VMAs below. */
		}
	}
	/* New VMAs, then a right edge piece (the last fresh one, if any). */
	for (int k = 0; k < nnew; k++)
		nt->vma[n++] = new[k];
	if (nfresh && fresh[nfresh - 1]->start == end)
		nt->vma[n++] = fresh[nfresh - 1];
	for (; i < oldn; i++)
		nt->vma[n++] = old->vma[i];
	if (n > VMA_MAX)
		goto nomem;

	/* Merge runs of neighbours with equal flags that touch, each run into
	 * one new VMA.  Every allocation comes first: a failure then leaves
	 * nothing to undo (the old table still published and untouched). */
	int nruns = 0;
	for (int k = 1; k < n; k++)
		if (vma_touch(nt->vma[k - 1], nt->vma[k]) && (k == 1 || !vma_touch(nt->vma[k - 2], nt->vma[k - 1])))
			nruns++;
	if (nruns) {
		merged = kmalloc((size_t)nruns * sizeof(*merged));
		if (!merged)
			goto nomem;
		for (; nmerged < nruns; nmerged++) {
			merged[nmerged] = vma_alloc(0, 0, 0);
			if (!merged[nmerged])
				goto nomem;
		}
	}
	int m = 0, r = 0;
	for (int k = 0; k < n;) {
		int e = k + 1;
		while (e < n && vma_touch(nt->vma[e - 1], nt->vma[e]))
			e++;
		if (e - k == 1) {
			nt->vma[m++] = nt->vma[k++];
			continue;
		}
		struct vm_area_struct *mv = merged[r++];
		mv->start = nt->vma[k]->start;
		mv->end = nt->vma[e - 1]->end;
		mv->flags = nt->vma[k]->flags;
		if (nt->vma[k]->vm_file)
			vma_set_file(mv, fget(nt->vma[k]->vm_file), nt->vma[k]->vm_pgoff);
		/* The run leaves the table: free later if published, now if
		 * not (a fresh piece or one of @new, never seen by anyone). */
		for (; k < e; k++) {
			struct vm_area_struct *gone = nt->vma[k];
			bool published = false;
			for (int j = 0; j < oldn && !published; j++)
				published = old->vma[j] == gone;
			if (published)
				dead[ndead++] = gone;   /* room: old ones are counted once */
			else
				vma_free(gone);
		}
		nt->vma[m++] = mv;          /* m <= k: never overwrites an unread slot */
	}
	nt->nr = m;
	kfree(merged);

	/* FAULT=vma: every VMA leaving the table is write-locked (waiting for
	 * the faults inside it) and detached; every VMA entering it is marked,
	 * so faults on it wait for this writer's mmap_lock (they fall back)
	 * until it is done with the PTEs below.  Nothing can fail from here. */
	for (int k = 0; k < ndead; k++) {
		vma_start_write(mm, dead[k]);
		WRITE_ONCE(dead[k]->detached, true);
	}
	for (int k = 0; k < m; k++) {
		bool published = false;
		for (int j = 0; j < oldn && !published; j++)
			published = old->vma[j] == nt->vma[k];
		if (!published)
			vma_start_write(mm, nt->vma[k]);    /* no reader yet: a mark */
	}

	/* Publish (rcu_assign_pointer): the table and every VMA in it are
	 * complete before this, and so are the marks and `detached` stores
	 * above.  Pairs with table_of()'s smp_load_acquire.  The mm's
	 * sequence is odd (mmap_write_lock) until the writer is done with
	 * the PTEs too, so a speculative fault cannot validate against a
	 * half-done change. */
	smp_store_release(&mm->vmas, nt);
	for (int k = 0; k < ndead; k++)
		vma_free(dead[k]);
	if (old)
		vma_table_free(old);
	kfree(dead);
	return 0;

nomem:
	/* Nothing was published: every piece is freed, none is in use. */
	free_pieces(merged, nmerged);
	kfree(merged);
	free_pieces(fresh, nfresh);
	free_pieces(new, nnew);
	kfree(nt);
	kfree(dead);
	return -ENOMEM;
}

void vma_destroy_all(struct mm_struct *mm)
{
	struct vma_table *t = mm->vmas;
	if (!t)
		return;
	mm->vmas = NULL;
	for (int i = 0; i < t->nr; i++)
		vma_free(t->vma[i]);
	vma_table_free(t);
}
