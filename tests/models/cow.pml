/*
 * tests/models/cow.pml - the order of a copy-on-write fault's install,
 * flush and upgrade against the TLBs of the other CPUs of the mm
 * (mm/cow.c do_wp_page(), cow_install(), cow_finish(),
 * cow_make_writable(), cow_release_copy(); docs/fork.md, steps 6-9 and
 * "Step 8, and why the copy is read-only until it is done").
 *
 * Property (safety): causality through a stale TLB entry cannot break.
 * If a CPU writes the copy through the page tables and then says so
 * (a flag in other memory), a CPU that has seen the flag and then reads
 * the address sees that write, never the old page's bytes.
 *
 * Bounds: 3 CPUs, 1 address, 2 frames (the old page P, the copy Q); one
 * COW fault; one write and one message; TLB refills without bound.
 *
 * Memory model: sequential consistency for memory.  What is modelled is
 * the TLB: each CPU keeps at most one translation of the address (frame
 * and write permission), filled from the PTE by a walk at any moment the
 * hardware likes (x86 may cache any present translation, speculatively),
 * used without looking at the PTE again, and dropped only by a flush of
 * that CPU (its IPI handler) or by the CPU's own page fault.
 *
 * The system: after fork, the address maps P read-only (P shared with a
 * child, not modelled: it only keeps P's count above 1).  CPU0 takes the
 * write fault: copies P into Q outside the lock, installs Q under the PTE
 * lock, flushes every other CPU of the mm, then (correct order) makes Q
 * writable.  CPU1 writes NEW to the address as soon as its MMU lets it,
 * then sets the flag.  CPU2 read the page before (its TLB holds P) and,
 * once it sees the flag, reads the address again.
 *
 * Abstracted away, and why that is sound:
 *  - CPU1's own write fault on a read-only entry: it drops the entry and
 *    tries again until the PTE allows the write; it never makes its own
 *    copy.  A second writer that finds the copy pending waits for it
 *    (PG_cow_pending, suite fork's test_cow_second_writer_waits), which
 *    is this behaviour; the count rule of step 9 then always holds here;
 *  - the flush is one invalidation per target CPU, each at its own moment
 *    between the install and the flush's return (the IPI's handler runs
 *    when that CPU takes the interrupt; the initiator waits for all of
 *    them): tlb.pml checks that a flush returns only after every target
 *    handled it;
 *  - the page's reference counts and the old page's free after the flush
 *    (gup.pml has the counts); CPU0's own write after its fault returns
 *    (it comes after the flush in both orders).
 *
 * Variant (models.txt): COW_ORDER_BROKEN, the copy installed writable
 * before the flush (the order before 2026-12-07): CPU1 writes Q through
 * the new PTE and sets the flag while CPU2 still reads P.
 */

#define P 0
#define Q 1
#define OLD 1           /* P's bytes (and Q's, once copied) */
#define NEW 2           /* CPU1's write */

byte content[2];        /* the first word of each frame: content[P] = OLD at the start */
byte pte_page;          /* the PTE of the address: the frame it maps ... */
bit pte_w;              /* ... and whether it allows writing */
bit ptl;                /* the PTE lock */
bit tlb_valid[3];       /* each CPU's TLB entry for the address */
byte tlb_page[3];
bit tlb_w[3];
bit flag;               /* CPU1's message ("I wrote it"), in other memory */

/* The MMU of CPU c fills its TLB from the PTE (a walk). */
#define tlb_fill(c) \
	d_step { tlb_valid[c] = 1; tlb_page[c] = pte_page; tlb_w[c] = pte_w }

/* CPU0: the COW write fault. */
proctype faulter()
{
	printf("@column %d CPU0 | COW write fault\n", _pid);
	content[Q] = content[P];                    /* @copy_user_page: the copy, outside any lock */
	atomic { ptl == 0 -> ptl = 1 };             /* @do_wp_page: pte_lookup_lock(): the PTE lock again */
	assert(pte_page == P && !pte_w);            /* still the PTE read at the fault: nothing else changes it here */
#ifdef COW_ORDER_BROKEN
	d_step { pte_page = Q; pte_w = 1 };         /* @cow_install: COW_ORDER_BROKEN: WRITE_ONCE(*ptep, the copy writable), before the flush */
#else
	d_step { pte_page = Q; pte_w = 0 };         /* @cow_install: WRITE_ONCE(*ptep, copy read-only), after smp_wmb() */
#endif
	ptl = 0;                                    /* @do_wp_page: spin_unlock(ptl) */
	tlb_valid[1] = 0;                           /* @flush_tlb_mm_range: CPU1's flush IPI handled (cow_finish) */
	tlb_valid[2] = 0;                           /* @flush_tlb_mm_range: CPU2's flush IPI handled; then the wait returns */
	atomic { ptl == 0 -> ptl = 1 };             /* @cow_upgrade: spin_lock(ptl): step 9 */
	if
	:: pte_page == Q && !pte_w -> pte_w = 1     /* @cow_make_writable: still our copy, read-only: WRITE_ONCE(*ptep, pte_mkwrite()) */
	:: else -> skip                             /* changed meanwhile: left read-only (here only COW_ORDER_BROKEN: already writable) */
	fi;
	ptl = 0                                     /* @cow_upgrade: spin_unlock(ptl); cow_release_copy() */
}

/* CPU1: another thread of the mm writes the page once its MMU allows it, then says so. */
proctype writer()
{
	printf("@column %d CPU1 | writes the page, then the flag\n", _pid);
	do
	:: tlb_fill(1)                              /* @hw: a walk fills the TLB (any time) */
	:: atomic { tlb_valid[1] && tlb_w[1] ->
		content[tlb_page[1]] = NEW };       /* @hw: the write, through the TLB entry */
		break
	:: atomic { tlb_valid[1] && !tlb_w[1] -> tlb_valid[1] = 0 }   /* @hw: a write to a read-only entry faults: the fault handler finds the PTE and the access retries */
	od;
	flag = 1                                    /* @hw: the message, a store to other memory */
}

/* CPU2: read the page before; once the flag is seen, read it again. */
proctype reader()
{
	byte v;
	printf("@column %d CPU2 | reads after the flag\n", _pid);
end:	do
	:: tlb_fill(2)                              /* @hw: a walk fills the TLB (any time) */
	:: flag == 1 ->                             /* @hw: the message seen */
		if
		:: !tlb_valid[2] -> tlb_fill(2)     /* @hw: no entry: a walk */
		:: else -> skip
		fi;
		v = content[tlb_page[2]];           /* @hw: the read, through the TLB entry */
		assert(v == NEW);
		break
	od
}

init {
	atomic {
		content[P] = OLD;
		pte_page = P;
		pte_w = 0;
		/* Both other CPUs read the page before the fault: their TLBs
		 * hold the old, read-only translation. */
		tlb_valid[1] = 1; tlb_page[1] = P; tlb_w[1] = 0;
		tlb_valid[2] = 1; tlb_page[2] = P; tlb_w[2] = 0;
		run faulter();
		run writer();
		run reader()
	}
}
