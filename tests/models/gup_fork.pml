/*
 * tests/models/gup_fork.pml - a fast-GUP read pin against fork's sharing
 * of the same page (mm/gup.c gup_fast(), gup_fast_pte_range(),
 * needs_unshare(); mm/fork.c dup_mm(), copy_pte_range(), fork_must_copy();
 * docs/fork.md, "Pins" and "Exclusive anonymous pages").
 *
 * Property (safety): a pin that GUP keeps is on a page fork did not share.
 * At the end, if GUP returned the page pinned, fork copied it for the
 * child (the parent keeps the pinned page, exclusive) and the page is
 * still marked exclusive; it was never shared copy-on-write, which would
 * leave the pin on a page the parent's next write copies away from.
 *
 * Bounds: 2 CPUs, 1 page; one fork, one read pin (FOLL_PIN, no
 * FOLL_WRITE) through fast GUP; store buffer depth 3.
 *
 * Memory model: x86-TSO for fork (tso.pml): the store-buffering pattern
 * of fork's sequence (write_protect_seq odd: a plain store; smp_mb(); the
 * page's count read) against GUP's pin (a locked cmpxchg on the count;
 * smp_mb(); the sequence read again).  GUP's own stores are locked
 * instructions, so it needs no buffer; fork's stores after its fence are
 * read by GUP only through its sequence check, so only fork's buffer
 * ever holds a store.
 *
 * The system: the page is mapped in the parent, exclusive, its count 1
 * (the mapping's).  CPU0 (GUP, the parent's thread) reads the sequence
 * (odd: refuse), reads the PTE and the page's mark (shared, read-only:
 * refuse, the slow part unshares), takes the pin (count += 1024),
 * re-reads the PTE, reads the mark again (step 5), then the sequence
 * (moved: give the pin back).  CPU1 (fork) makes the sequence odd, fences,
 * reads the count: maybe pinned -> copy for the child; else share
 * copy-on-write: the parent's PTE write-protected, the mark made SHARED;
 * then the sequence even again.
 *
 * Abstracted away, and why that is sound:
 *  - fork's PTE lock and the child's PTE: GUP takes no lock, and what the
 *    child maps matters only through the mark and the parent's PTE;
 *  - the TLB flush at the end of fork (tlb.pml; fork.c's flush precedes
 *    mmap_write_unlock, and GUP never uses a TLB);
 *  - the slow part: a refused fast GUP falls back to it, which takes
 *    mmap_lock and so runs before or after fork, never inside it;
 *  - the PMD recheck (gup.pml has it).
 *
 * Variants (models.txt): NO_FORK_MB (dup_mm()'s smp_mb() after making the
 * sequence odd removed: fork reads the count before its odd sequence is
 * visible), NO_SEQ_RECHECK (GUP does not read the sequence again after
 * its pins), ANON_EXCLUSIVE_BROKEN (GUP pins a read-only page fork has
 * already shared: the sequence is even again by then, so only the mark
 * can refuse it).
 */

#define NSB 2           /* fork's buffer, and GUP's, which stays empty: its loads read memory */
#define SB_DEPTH 3      /* fork's most plain stores between two fences (NO_FORK_MB: the sequence, the PTE, the mark) */
#define NVARS 3
#define SEQ 0           /* mem: mm->write_protect_seq.sequence */
#define PTEW 1          /* mem: the parent's PTE allows writing (1) or not (0) */
#define ANON 2          /* mem: page->anon: 2 EXCLUSIVE, 1 SHARED */
#include "tso.pml"

#define F 0             /* fork's store buffer */
#define G 1             /* GUP's (its only stores are locked RMWs on the count)*/
#define EXCLUSIVE 2
#define SHARED 1
#define BIAS 4          /* GUP_PIN_COUNTING_BIAS, scaled down: a count >= BIAS is "maybe pinned" */

byte count = 1;         /* the page's count (locked RMW only) */
bit gup_kept;           /* ghost: GUP returned the page pinned */
bit fork_shared;        /* ghost: fork shared the page copy-on-write */
bit fork_copied;        /* ghost: fork copied it for the child */
bit gup_done, fork_done;

/* CPU0: pin_user_pages_fast() of the page, read-only. */
proctype gup()
{
	byte s, s2, w, a, w2;
	printf("@column %d CPU0 | fast GUP read pin\n", _pid);
	LOAD(G, SEQ, s);                            /* @gup_fast: wp_seq = READ_ONCE(mm->write_protect_seq.sequence); smp_rmb() */
	if
	:: s % 2 == 1 -> goto out                   /* @gup_fast: odd: a fork is copying: GUP_FB_FORK */
	:: else -> skip
	fi;
	LOAD(G, PTEW, w);                           /* @gup_fast_pte_range: 1: pte = READ_ONCE(*ptep) */
	d_step { count = count + BIAS }             /* @gup_fast_pte_range: 3: grab(): the try-pin (cmpxchg, full barrier) */
	LOAD(G, PTEW, w2);                          /* @gup_fast_pte_range: 4: the PTE re-read */
	if
	:: w2 != w -> goto unpin                    /* @gup_fast_pte_range: changed: release, GUP_FB_RECHECK */
	:: else -> skip
	fi;
	LOAD(G, ANON, a);                           /* @needs_unshare: READ_ONCE(page->anon) */
#ifndef ANON_EXCLUSIVE_BROKEN
	if
	:: w == 0 && a == SHARED -> goto unpin      /* @gup_fast_pte_range: 5: a read pin of a shared anon page: GUP_FB_UNSHARE */
	:: else -> skip
	fi;
#endif
#ifndef NO_SEQ_RECHECK
	LOAD(G, SEQ, s2);                           /* @gup_fast: smp_mb(); READ_ONCE(mm->write_protect_seq.sequence) */
	if
	:: s2 != s -> goto unpin                    /* @gup_fast: moved: give the pins back (GUP_FB_FORK) */
	:: else -> skip
	fi;
#endif
	gup_kept = 1;                               /* @gup_fast: the page returned pinned */
	goto out;
unpin:
	count = count - BIAS;                       /* @release: unpin_user_page() (a locked RMW) */
out:
	gup_done = 1
}

/* CPU1: dup_mm() of the parent: copy_pte_range() for the page. */
proctype fork()
{
	byte c;
	printf("@column %d CPU1 | fork\n", _pid);
	STORE(F, SEQ, 1);                           /* @dup_mm: write_seqcount_begin(&src->write_protect_seq): odd */
#ifndef NO_FORK_MB
	atomic { SB_FLUSH(F) }                      /* @dup_mm: smp_mb() before any page's count is read */
#endif
	c = count;                                  /* @fork_must_copy: page_maybe_dma_pinned(page) */
	if
	:: c >= BIAS ->
		fork_copied = 1                     /* @copy_pte_range: maybe pinned: copy_user_page() for the child; the parent keeps the page */
	:: else ->
		STORE(F, PTEW, 0);                  /* @fork_share_pte: WRITE_ONCE(*src, pte_wrprotect(pte)) */
		STORE(F, ANON, SHARED);             /* @copy_pte_range: page_set_anon(page, PAGE_ANON_SHARED) */
		fork_shared = 1
	fi;
	atomic { SB_FLUSH(F) }                      /* @dup_mm: the PTE lock's release and the flush's IPIs (locked instructions) */
	STORE(F, SEQ, 2);                           /* @dup_mm: write_seqcount_end(): even, a new value */
	atomic { SB_FLUSH(F); fork_done = 1 }       /* @dup_mm: mmap_write_unlock() (a locked RMW) */
}

init
{
	atomic {
		mem[PTEW] = 1;
		mem[ANON] = EXCLUSIVE;
		run gup();
		run fork();
		run store_buffer(F, 1)
	}
	(gup_done && fork_done);                    /* @hw: both CPUs are done */
	/* A kept pin is on a page fork did not share: the parent's. */
	assert(!gup_kept || (fork_copied && !fork_shared && mem[ANON] == EXCLUSIVE))
}
