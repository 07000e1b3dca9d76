/*
 * tests/models/pgtable_free.pml - freeing a page-table page against a
 * lockless walker, under the four pairings of TABLE_FREE x SHOOTDOWN
 * (mm/mmu_gather.c free_gathered_tables(), mm/lockless_walk.h, mm/tlb.c,
 * mm/tlb_pv.c, kernel/pvmodel.c; docs/pv.md, "Why TABLE_FREE=ipi
 * SHOOTDOWN=pv is unsafe").
 *
 * Property (safety): the walker never reads a PTE table after it was
 * freed (pgtable_free(): the poison that lockless_walk.c counts).  Invalid
 * end states (a flusher or a callback waiting forever) are errors too.
 * Expected: no error for ipi+ipi, rcu+ipi and rcu+pv; the use-after-free
 * for ipi+pv, found and printed.
 *
 * Bounds: 2 CPUs and the host, 1 PTE table, 1 walk, 1 munmap;
 * preemptions without bound.
 *
 * Memory model: sequentially consistent.  Sound for x86 here: every step
 * that orders the free against the walker is a locked instruction or an
 * interrupt (the tlb_gen increment, the compare-and-exchange on the
 * steal-time byte and the host's exchange, the IPI and its acknowledging
 * decrement, the RCU grace period's lock), and the walker only loads.
 *
 * The system: CPU0 runs fast GUP on its own mm (the mm is loaded there,
 * so TABLE_FREE=ipi's rule applies to it): lockless_page_walk_begin(),
 * the PMD entry, then the PTE table it points to, then
 * lockless_page_walk_end().  CPU1 runs munmap: unmap_region() unhooks the
 * emptied PTE table (one mmu_gather), flush_tlb_mm_range(freed_tables),
 * then free_gathered_tables().  The host (kernel/pvmodel.c, or KVM) takes
 * CPU0 out at any moment, IRQs off or not, for as long as it likes; while
 * it is out CPU0 executes nothing, its IPIs wait and it passes no RCU
 * quiescent state.
 *
 * Abstracted away, and why that is sound:
 *  - one table, one PMD entry, one walk: the walk's only shared reads are
 *    the PMD entry and then the table; more entries or walks repeat the
 *    same two reads;
 *  - the TLB: the hazard is the walker's *software* pointer, which no
 *    flush reaches (the tlb model covers TLB entries); the host's flush on
 *    entry is kept as a step only to show it does not help;
 *  - RCU is its contract, not its code (the rcu model checks the code):
 *    call_rcu()'s callback runs only after every CPU passed a quiescent
 *    state after the call; CPU1 is not in a read section (process context
 *    after the gather), so only CPU0's quiescent state is waited for; it
 *    happens only outside the walk's read section and while CPU0 runs;
 *  - the cross-CPU call: one request, acknowledged by the handler when
 *    CPU0 runs with IRQs on (the tlb model covers generations and lazy
 *    CPUs; CPU0 here is not lazy: it runs the walker);
 *  - the synchronize_rcu() fallback of free_gathered_tables() (no page
 *    for a batch): a grace period as well, the same contract.
 *
 * Variants (models.txt): -DTABLE_FREE_IPI or -DTABLE_FREE_RCU,
 * -DSHOOTDOWN_IPI or -DSHOOTDOWN_PV; SHOOTDOWN_BROKEN (no IPI sent),
 * RCU_BROKEN (the grace period ends at once).
 */

#define PREEMPTED 1     /* KVM_VCPU_PREEMPTED */
#define FLUSH_TLB 2     /* KVM_VCPU_FLUSH_TLB */

byte pmd = 1;           /* the PMD entry: table 1, or 0 once unhooked */
bit freed;              /* table 1 went through pgtable_free() */
bit irqs_on0 = 1;       /* CPU0's IRQ flag */
bit in_rcu0;            /* CPU0 inside rcu_read_lock() */
bit out0;               /* CPU0 is out of guest execution (the host runs) */
byte preempted0;        /* pv_steal_time[0].preempted */
bit req0;               /* a flush request queued for CPU0 */
byte pending;           /* the flusher's smp_call_handle.pending */
bit cb_queued;          /* the table batch queued with call_rcu() */
bit qs_owed0;           /* CPU0 owes the grace period a quiescent state */
bit walked;             /* ghost: the walker finished */

/* CPU0: fast GUP's lockless walk (gup_fast()). */
proctype walker() provided (!out0)
{
	byte t;
	printf("@column %d CPU0 | fast GUP\n", _pid);
#ifdef TABLE_FREE_IPI
	irqs_on0 = 0;                   /* @lockless_page_walk_begin: local_irq_save() */
#else
	in_rcu0 = 1;                    /* @lockless_page_walk_begin: rcu_read_lock() */
#endif
	t = pmd;                        /* @gup_fast_check: the PMD entry, read once (pt_walk_range_once) */
	if
	:: t != 0 ->
		assert(!freed)          /* @gup_fast_pte_range: READ_ONCE(*ptep) from the table the PMD named */
	:: else -> skip                 /* @gup_fast_check: not present: fall back to the slow part */
	fi;
#ifdef TABLE_FREE_IPI
	irqs_on0 = 1;                   /* @lockless_page_walk_end: local_irq_restore() */
#else
	in_rcu0 = 0;                    /* @lockless_page_walk_end: rcu_read_unlock() */
#endif
	walked = 1
}

/* CPU0's IPI handler: flush_remote(), then the acknowledgement. */
proctype irq0() provided (!out0)
{
	printf("@column %d CPU0 | +IPI\n", _pid);
end:	do
	:: atomic { irqs_on0 && req0 -> req0 = 0; pending-- }   /* @call_queue_run: flush_remote(), atomic_fetch_add(-1, &req->pending) */
	od
}

/* CPU0's quiescent states: a tick or a context switch outside the read
 * section (rcu_tick -> rcu_qs).  Only when it runs. */
proctype tick0() provided (!out0)
{
	printf("@column %d CPU0 | +tick\n", _pid);
end:	do
	:: atomic { !in_rcu0 && irqs_on0 && qs_owed0 -> qs_owed0 = 0 }    /* @rcu_qs: this CPU's quiescent state (qs_owed cleared) */
	od
}

/* The host: takes CPU0 out and puts it back (pvmodel_nmi(), KVM). */
proctype host()
{
	byte old;
	printf("@column %d CPU0 | +host\n", _pid);
end:	do
	:: d_step { !out0 -> out0 = 1; preempted0 = PREEMPTED }      /* @pvmodel_nmi: VM exit, NMI even with IRQs off: preempted = KVM_VCPU_PREEMPTED */
	:: d_step { out0 -> old = preempted0; preempted0 = 0; out0 = 0; old = 0 }   /* @pvmodel_nmi: VM entry: xchg(preempted, 0); the TLB flushed if FLUSH_TLB was set; resume */
	od
}

/* CPU1: munmap of the last page the PTE table maps. */
proctype unmapper()
{
	byte st;
	printf("@column %d CPU1 | munmap\n", _pid);
	pmd = 0;                        /* @unmap_region: the emptied PTE table unhooked (pmd_clear), tlb_remove_table() */
	/* tlb_finish_mmu() -> tlb_flush_mmu() -> flush_tlb_mm_range(freed_tables) */
#if defined(SHOOTDOWN_PV) && !defined(SHOOTDOWN_BROKEN)
	st = preempted0;                /* @pv_send: state = __atomic_load_n(&preempted, RELAXED) */
	if
	:: st & PREEMPTED ->
		d_step {                /* @pv_send: compare-and-exchange to state | KVM_VCPU_FLUSH_TLB */
			if
			:: preempted0 == st -> preempted0 = st | FLUSH_TLB; st = 255   /* deferred to the host: no IPI */
			:: else -> skip
			fi
		}
	:: else -> skip
	fi;
#endif
#ifdef SHOOTDOWN_BROKEN
	skip;                           /* @tlb_ipi_send: SHOOTDOWN_BROKEN: nothing sent, pending 0 */
#else
	if
	:: st != 255 -> d_step { pending = 1; req0 = 1 }   /* @tlb_ipi_send: smp_call_start(): the IPI to CPU0 */
	:: else -> skip
	fi;
#endif
	pending == 0;                   /* @smp_call_wait: every interrupted target acknowledged */
#ifdef TABLE_FREE_IPI
	freed = 1                       /* @free_gathered_tables: TABLE_FREE=ipi: pgtable_free() at once */
#else
	d_step { cb_queued = 1; qs_owed0 = 1 }   /* @free_gathered_tables: TABLE_FREE=rcu: call_rcu_sized(table_batch_free) */
#endif
}

/* The RCU callback: table_batch_free() after the grace period. */
proctype rcu_callback()
{
	printf("@column %d CPU1 | +rcu cb\n", _pid);
#ifdef RCU_BROKEN
	cb_queued;                      /* @gp_maybe_start: RCU_BROKEN: every CPU declared quiescent at once */
#else
	cb_queued && !qs_owed0;         /* @gp_maybe_end: qs_needed empty: the grace period is over */
#endif
	freed = 1                       /* @table_batch_free: pgtable_free() of the batch */
}

init
{
	atomic {
		run walker();
		run irq0();
		run tick0();
		run host();
		run unmapper();
#ifdef TABLE_FREE_RCU
		run rcu_callback()
#endif
	}
}
