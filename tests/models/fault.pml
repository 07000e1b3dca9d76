/*
 * tests/models/fault.pml - the speculative fault's sequence validation
 * (FAULT=spf) and the per-VMA lock's marks and reader counts (FAULT=vma)
 * against an mmap_lock writer (mm/fault.c spf_fault(), vma_lock_fault(),
 * locked_fault(), fault_in_vma(); mm/vma.c lock_vma_under_rcu(),
 * vma_start_write(), vma_replace_range(); mm/mm.h mmap_write_lock();
 * docs/faults.md).
 *
 * Property (safety): a fault never installs a PTE outside a live VMA or
 * with stale protections.  At the end, the PTE of X is either empty or
 * has exactly the protection of the VMA the published table has at X;
 * and a PTE installed after the writer finished must match at once.
 * (A PTE installed while the writer runs may be stale for a moment: the
 * writer's PTE pass, under the same PTE lock, fixes it; that is the
 * protocol, and the end state checks that it happened.)
 *
 * Bounds: 2 CPUs, 1 address, 2 VMAs; one fault, one mprotect or munmap;
 * store buffer depth 4.
 *
 * Memory model: x86-TSO for the writer (tso.pml): the Dekker pattern of
 * vma_start_write() (mark; fence; readers) against lock_vma_under_rcu()
 * (readers++, a locked RMW; mark), and the order of the writer's
 * sequence, mark, table and PTE stores.  The faulter's stores need no
 * buffer: its reader count changes by locked instructions, and its PTE
 * store and PTE-lock release are read by the writer only through the
 * lock (a locked acquisition that waits for the release, which FIFO
 * order puts after the PTE store).
 *
 * The system: one address X.  VMA 1 (read-write) covers it.  CPU1 is a
 * writer: mmap_write_lock(), then either mprotect (VMA 1 replaced by
 * VMA 2, read-only) or munmap (VMA 1 removed), its PTE pass
 * (change_protection() or unmap_region(): the PTE of X rewritten or
 * cleared under the PTE lock if present), mmap_write_unlock().  CPU0
 * takes a read fault on X by the build's path (spf or vma), falling back
 * to locked_fault() (mmap_lock for read) where the C code does.
 *
 * Abstracted away, and why that is sound:
 *  - the VMA table is one slot (the VMA at X), published with one store,
 *    as vma_replace_range() publishes a whole new table; VMA objects are
 *    never freed here (vma_free() is kfree_rcu: the fault's RCU section
 *    keeps them readable, which is all the model uses);
 *  - page tables always exist (the fault's table allocation and freeing
 *    are pgtable_free.pml's subject); the page allocation and zeroing come
 *    before the window and touch nothing shared;
 *  - mmap_lock is a reader count and a writer flag (rwsem.c's fairness
 *    is not what this model is about);
 *  - the TLB flushes after the writer's PTE pass (tlb.pml);
 *  - the speculative path's smp_rmb() between the VMA copy and the
 *    sequence re-read: x86 keeps loads in order, as the model does.
 *
 * Variants (models.txt): -DFAULT_SPF or -DFAULT_VMA; SPF_BROKEN (no
 * sequence recheck under the PTE lock), VMA_LOCK_BROKEN (the writer skips
 * vma_start_write()), NO_VMA_FENCE (vma_start_write()'s fence removed).
 */

#define NSB 1
#define SB_DEPTH 4      /* the writer's most plain stores between two fences (NO_VMA_FENCE: 4) */
#define NVARS 7
#define SEQ 0           /* mem: mm->seq.sequence */
#define CUR 1           /* mem: mm->vmas (the VMA at X: 0 none, 1, 2) */
#define MARK1 2         /* mem: vma1->vm_lock_seq */
#define MARK2 3         /* mem: vma2->vm_lock_seq */
#define DETACHED1 4     /* mem: vma1->detached */
#define PTE 5           /* mem: the PTE of X (0, or its protection: 1 R, 3 RW) */
#define PTL 6           /* mem: the PTE table's lock */
#include "tso.pml"

#define W 0             /* the writer's store buffer */
#define MPROTECT 1
#define MUNMAP 2

byte vflags[3];         /* VMA v's flags as PTE protection: 1 = 3 (RW), 2 = 1 (R) */
byte readers[3];        /* vma->vm_readers (locked RMW only) */
byte mmap_readers;      /* mmap_lock held for read */
bit mmap_writer;        /* mmap_lock held for write */
bit writer_done;        /* ghost: mmap_write_unlock() returned */
bit fault_done;         /* ghost */

/* Install protection fl at X: the faulter holds the PTE lock. */
#define install(fl) \
	d_step { \
		mem[PTE] = fl; \
		/* After the writer, an install must match the table at once. */ \
		assert(!writer_done || (mem[CUR] != 0 && fl == vflags[mem[CUR]])) \
	}

/* fault_in_vma(): the PTE lock, then map if empty.  SC (the faulter). */
inline fault_in_vma(fl) {
	atomic { mem[PTL] == 0 -> mem[PTL] = 1 }    /* @fault_in_vma: pte_alloc_map_lock(): the PTE lock */
	if
	:: mem[PTE] != 0 -> skip                    /* @fault_in_vma: present: spurious (another path mapped it) */
	:: else -> install(fl)                      /* @fault_in_vma: WRITE_ONCE(*pte, mk_pte(page, user_pte_flags(vm_flags))) */
	fi;
	mem[PTL] = 0                                /* @fault_in_vma: spin_unlock(ptl) */
}

/* locked_fault(): under mmap_lock for read. */
inline locked_fault(v) {
	atomic { !mmap_writer -> mmap_readers++ }   /* @locked_fault: mmap_read_lock() (fault_mmap_read_lock) */
	v = mem[CUR];                               /* @locked_fault: vma_find() */
	if
	:: v != 0 -> fault_in_vma(vflags[v])
	:: else -> skip                             /* @locked_fault: FAULT_NO_VMA */
	fi;
	mmap_readers--                              /* @locked_fault: mmap_read_unlock() */
}

/* CPU0: a read fault on X. */
proctype faulter()
{
	byte v, s, s2, fl, p, m, d;
	printf("@column %d CPU0 | page fault\n", _pid);
#ifdef FAULT_SPF
	v = mem[CUR];                               /* @spf_vma_flags: first look-up (before allocating): vma_find() under RCU */
	if
	:: v == 0 -> goto fallback                  /* @spf_fault: SPF_ABORT_VMA */
	:: else -> skip
	fi;
	s = mem[SEQ];                               /* @mmap_seq_read: seq = READ_ONCE(mm->seq.sequence); smp_rmb() */
	if
	:: s & 1 -> goto fallback                   /* @spf_fault: odd: a writer is in: SPF_ABORT_SEQ */
	:: else -> skip
	fi;
	v = mem[CUR];                               /* @spf_vma_flags: vma_find() under RCU */
	if
	:: v == 0 -> goto fallback                  /* @spf_fault: SPF_ABORT_VMA */
	:: else -> fl = vflags[v]                   /* @spf_vma_flags: *vm_flags = READ_ONCE(vma->flags) */
	fi;
	s2 = mem[SEQ];                              /* @spf_fault: smp_rmb(); READ_ONCE(mm->seq.sequence) != seq? */
	if
	:: s2 != s -> goto fallback                 /* @spf_fault: SPF_ABORT_SEQ */
	:: else -> skip
	fi;
	p = mem[PTE];                               /* @spf_fault: spf_walk() (lockless), pte = READ_ONCE(*slot) */
	if
	:: p != 0 -> goto done                      /* @spf_fault: present and sufficient: spurious */
	:: else -> skip
	fi;
	atomic { mem[PTL] == 0 -> mem[PTL] = 1 }    /* @spf_fault: spin_lock(ptl) */
#ifndef SPF_BROKEN
	if
	:: mem[SEQ] != s -> mem[PTL] = 0; goto fallback     /* @spf_fault: under the PTE lock: sequence changed: SPF_ABORT_SEQ */
	:: else -> skip
	fi;
#endif
	if
	:: mem[PTE] != p -> mem[PTL] = 0; goto fallback     /* @spf_fault: READ_ONCE(*slot) != pte: SPF_ABORT_PTE */
	:: else -> skip
	fi;
	install(fl);                                /* @spf_fault: WRITE_ONCE(*slot, mk_pte(page, user_pte_flags(vm_flags))) */
	mem[PTL] = 0;                               /* @spf_fault: spin_unlock(ptl) */
	goto done;
#endif
#ifdef FAULT_VMA
	v = mem[CUR];                               /* @lock_vma_under_rcu: rcu_read_lock(); vma_find() */
	if
	:: v == 0 -> goto fallback                  /* @vma_lock_fault: VMA_FB_NO_VMA */
	:: else -> skip
	fi;
	m = (v == 1 -> mem[MARK1] : mem[MARK2]);    /* @vma_write_marked: mark = READ_ONCE(v->vm_lock_seq); smp_rmb() */
	s = mem[SEQ];                               /* @vma_write_marked: seq = READ_ONCE(mm->seq.sequence) */
	if
	:: (s & 1) && m == s -> goto fallback       /* @lock_vma_under_rcu: write-marked: busy */
	:: else -> skip
	fi;
	readers[v]++;                               /* @lock_vma_under_rcu: __atomic_fetch_add(&v->vm_readers, 1, SEQ_CST): a full barrier */
	m = (v == 1 -> mem[MARK1] : mem[MARK2]);    /* @vma_write_marked: mark = READ_ONCE(v->vm_lock_seq); smp_rmb() */
	s = mem[SEQ];                               /* @vma_write_marked: seq = READ_ONCE(mm->seq.sequence) */
	d = (v == 1 -> mem[DETACHED1] : 0);         /* @lock_vma_under_rcu: READ_ONCE(v->detached) */
	if
	:: ((s & 1) && m == s) || d ->
		readers[v]--;                       /* @vma_end_read: marked or detached since: back off */
		goto fallback                       /* @vma_lock_fault: VMA_FB_BUSY */
	:: else -> skip
	fi;
	fault_in_vma(vflags[v]);                    /* @vma_lock_fault: fault_in_vma(mm, vma->flags, ...) under the VMA read lock */
	readers[v]--;                               /* @vma_end_read: __atomic_fetch_sub(&v->vm_readers, 1, RELEASE) */
	goto done;
#endif
fallback:
	locked_fault(v);
done:
	fault_done = 1;
	v = 0; s = 0; s2 = 0; fl = 0; p = 0; m = 0; d = 0
}

/* vma_start_write(mm, v) on the writer's CPU. */
inline vma_start_write(mk, rv, s, m) {
#ifndef VMA_LOCK_BROKEN
	d_step { LOAD_IN(W, SEQ, s); LOAD_IN(W, mk, m) }    /* @vma_start_write: seq = mm->seq.sequence; already marked this section? */
	if
	:: m != s ->
		STORE(W, mk, s);                    /* @vma_start_write: WRITE_ONCE(v->vm_lock_seq, seq) */
#ifndef NO_VMA_FENCE
		d_step { SB_FLUSH(W) };             /* @vma_start_write: __atomic_thread_fence(SEQ_CST): pairs with lock_vma_under_rcu's RMW */
#endif
		readers[rv] == 0                    /* @vma_start_write: while (vm_readers) yield(): the faults inside leave */
	:: else -> skip
	fi
#else
	skip                                        /* @vma_start_write: VMA_LOCK_BROKEN: returns at once */
#endif
}

/* CPU1: mprotect or munmap of X under mmap_lock for write. */
proctype writer()
{
	byte op, s, m, p;
	printf("@column %d CPU1 | mmap writer\n", _pid);
	if
	:: op = MPROTECT                            /* @do_mprotect: mprotect(X, PROT_READ) */
	:: op = MUNMAP                              /* @do_munmap: munmap(X) */
	fi;
	atomic { !mmap_writer && mmap_readers == 0 -> SB_FLUSH(W); mmap_writer = 1 }   /* @mmap_write_lock: down_write() */
	STORE(W, SEQ, 1);                           /* @mmap_write_lock: write_seqcount_begin(): sequence odd, smp_wmb() */
	/* vma_replace_range(): VMA 1 leaves the table, VMA 2 enters it (mprotect). */
#ifdef FAULT_VMA
	vma_start_write(MARK1, 1, s, m);
#endif
	STORE(W, DETACHED1, 1);                     /* @vma_replace_range: WRITE_ONCE(dead->detached, true) */
#ifdef FAULT_VMA
	if
	:: op == MPROTECT -> vma_start_write(MARK2, 2, s, m)  /* @vma_replace_range: the VMA entering the table is marked */
	:: else -> skip
	fi;
#endif
	STORE(W, CUR, (op == MPROTECT -> 2 : 0));   /* @vma_replace_range: smp_store_release(&mm->vmas, nt) */
	/* The PTE pass: change_protection() or unmap_region(). */
	atomic { mem[PTL] == 0 -> SB_FLUSH(W); mem[PTL] = 1 }   /* @change_protection: the PTE lock (a locked RMW: drains the store buffer) */
	p = mem[PTE];
	if
	:: p != 0 -> STORE(W, PTE, (op == MPROTECT -> 1 : 0))   /* @change_protection: present: rewritten for the new flags (munmap: zap_range clears it) */
	:: else -> skip
	fi;
	STORE(W, PTL, 0);                           /* @change_protection: spin_unlock(ptl); the TLB flush follows */
	STORE(W, SEQ, 2);                           /* @mmap_write_unlock: write_seqcount_end(): sequence even, a new value */
	atomic { SB_FLUSH(W); mmap_writer = 0; writer_done = 1 }   /* @mmap_write_unlock: up_write() (a locked RMW) */
	s = 0; m = 0; p = 0
}

init
{
	atomic {
		vflags[1] = 3; vflags[2] = 1;
		mem[CUR] = 1;
		run faulter();
		run writer();
		run store_buffer(W, 1)
	}
	(fault_done && writer_done);                /* @hw: both CPUs are done */
	/* The PTE of X is empty or exactly what the VMA at X allows. */
	assert(mem[PTE] == 0 || (mem[CUR] != 0 && mem[PTE] == vflags[mem[CUR]]))
}
