/*
 * tests/models/tlb.pml - TLB shootdown with per-mm flush generations, lazy
 * CPUs and concurrent flushing (mm/tlb.c, mm/tlb_ipi.c, kernel/smp.c).
 *
 * Property (safety): no CPU uses a translation that was removed once the
 * initiator's flush has returned.  Every access of a user page asserts
 * that, if its translation comes from the TLB, the flush that removed that
 * page's PTE has not returned yet.  Invalid end states (a flusher waiting
 * for an acknowledgement that never comes) are errors too.
 *
 * Bounds: 3 CPUs, 1 mm, 2 pages; one unmap and flush per flusher; CPU2
 * switches in and out of lazy mode without bound; store buffer depth 2.
 *
 * Memory model: x86-TSO for CPU2's is_lazy and loaded_mm (tso.pml): the
 * store-buffer pattern of switch_mm() against flush_tlb_mm_range()
 * (docs/tlb.md, "The races: store buffering").  Everything else is
 * sequentially consistent, which is sound here: tlb_gen and the cpumask
 * change only by locked instructions; a PTE clear is a store followed,
 * with nothing in between, by the locked increment of tlb_gen that drains
 * it; a CPU's TLB and loaded_gen are read only by that CPU.
 *
 * The system: one mm, two pages, three CPUs.  CPU0 unmaps page 0, CPU1
 * unmaps page 1, at the same time (Amit et al.'s concurrent flushers: the
 * flush generations must not let one request cover the other's range);
 * each then uses the other page.  CPU2 runs user code on both pages and
 * switches to a kernel thread and back (lazy TLB) at any moment; a flush
 * that freed page tables sends it to the kernel's tables, from which it
 * switches back in (a real switch).  Every CPU starts with both pages in
 * its TLB and the mm loaded.
 *
 * Abstracted away, and why that is sound:
 *  - addresses and ranges: a page is a bit in a TLB; each flush covers one
 *    page (under the 33-page ceiling), so flush_this_cpu()'s range path
 *    and full path are both reachable, chosen by the generations as in C;
 *  - the cross-CPU call queue (kernel/smp.c) is a per-CPU set of pending
 *    requests and the handle's pending count: its CAS push, reversal and
 *    kick do not change what runs or when it is acknowledged;
 *  - an IPI handler (flush_remote -> flush_this_cpu, then the decrement
 *    of pending) is one indivisible step: it runs with IRQs off and reads
 *    one word another CPU writes (mm->tlb_gen), so no interleaving is
 *    lost; it runs whenever its CPU has IRQs on (switch_mm runs with them
 *    off, from __schedule());
 *  - statistics, the PTE lock and page freeing (mmu_gather's order is
 *    the gup and pgtable_free models' subject);
 *  - concurrent mode only (tlb_concurrent_flush, the default): send, flush
 *    locally, wait.  The sequential mode does the same steps in another
 *    order, which the interleavings here already include for the targets.
 *
 * SHOOTDOWN=pv (-DSHOOTDOWN_PV, mm/tlb_pv.c pv_send(), kernel/pvmodel.c
 * pvmodel_nmi()): CPU2's host takes it out of guest execution at any
 * moment; a flusher that finds its record preempted sets the flush flag
 * instead of interrupting it and does not wait; the host, before CPU2
 * runs again, exchanges the record with 0 and flushes if the flag was
 * set.  The property is the same: the flush has returned, so CPU2 must
 * not use the stale entry once it runs again.  Bound of this run: CPU2
 * stays in user mode (no lazy switches: a lazy target of a table-freeing
 * flush is never left to the host, pv_send()'s must_run, and one that
 * frees none is skipped whatever the backend), which keeps the search
 * within memory.
 *
 * Variants (models.txt): SHOOTDOWN_BROKEN (tlb_ipi_send() sends nothing),
 * TLBGEN_BROKEN (the range path claims mm->tlb_gen), NO_LAZY_MB (the
 * smp_mb() in switch_mm()'s return from lazy mode removed); with
 * SHOOTDOWN_PV, PV_FLUSH_FIRST (the host reads the flag and flushes, then
 * clears the byte: a flag set in between is lost, pvmodel.c's header).
 */

#define NSB 1           /* only CPU2 changes its mm state: its buffer is sb[0] */
#define SB_DEPTH 2      /* at most two plain stores between fences (switch_mm) */
#define NVARS 2
#define IS_LAZY 0       /* mem: CPU2 is_lazy */
#define LOADED_MM 1     /* mem: CPU2 loaded_mm */  /* 1: the mm, 0: the kernel tables */
#include "tso.pml"

#define MM 1
#define LAZY_CPU 2

bit pte[2];             /* page p's PTE present */
byte tlb[3];            /* per CPU: bit p set = page p's translation cached */
byte loaded_gen[3];     /* tlb_cpus[c].loaded_gen */
byte tlb_gen;           /* mm->tlb_gen */
byte cpumask = 7;       /* mm->cpumask */
byte fgen[2];           /* flusher f's struct flush_info: new_gen */
bit ffreed[2];          /*                                freed_tables */
byte req[3];            /* per target CPU: bit f = flusher f's request queued */
byte pending[2];        /* flusher f's smp_call_handle.pending */
bit irqs_on[3] = 1;
bit returned[2];        /* ghost: flusher f's flush_tlb_mm_range() returned */
bit out2;               /* SHOOTDOWN_PV: CPU2 is out of guest execution (its host runs) */
byte preempted2;        /* SHOOTDOWN_PV: pv_steal_time[2].preempted */

#define PREEMPTED 1     /* KVM_VCPU_PREEMPTED */
#define FLUSH_TLB 2     /* KVM_VCPU_FLUSH_TLB */

/* A user access to page ap by CPU ac with the mm loaded and not lazy. */
inline access(ac, ap) {
		if
		:: tlb[ac] & (1 << ap) ->
			/* The safety property: a cached translation of a page
			 * whose unmap's flush has returned is a stale use. */
			assert(!returned[ap])
		:: else ->
			if
			:: pte[ap] -> tlb[ac] = tlb[ac] | (1 << ap)
			:: else -> skip     /* a page fault: not mapped */
			fi
		fi
}

/* flush_this_cpu(flusher tf's flush_info) on CPU tc, IRQs off, inside a
 * step (tlm, tlz: scratch).  (Inline parameters get names of their own:
 * spin substitutes them as text.) */
inline flush_this_cpu(tc, tf, tlm, tlz) {
	if
	:: tc == LAZY_CPU -> LOAD_IN(0, LOADED_MM, tlm); LOAD_IN(0, IS_LAZY, tlz)   /* @flush_this_cpu: t->loaded_mm, t->is_lazy (own view) */
	:: else -> tlm = MM; tlz = 0
	fi;
	if
	:: tlm != MM -> skip         /* @flush_this_cpu: loaded_mm != f->mm: switched away, its CR3 write flushed */
	:: tlm == MM && tlz ->
		if
		:: ffreed[tf] ->
			/* load_kernel_tables(): the CR3 write drains the
			 * store buffer and empties the TLB; the cpumask bit
			 * goes with a locked clear_bit. */
			SB_FLUSH(0);
			tlb[tc] = 0;                        /* @load_kernel_tables: arch_load_pgd(kernel_pgd_phys) */
			mem[LOADED_MM] = 0;
			mem[IS_LAZY] = 0;
			cpumask = cpumask & ~(1 << tc)      /* @load_kernel_tables: loaded_mm = NULL, cpumask_clear_cpu() */
		:: else -> skip     /* @flush_this_cpu: lazy, no table freed: it catches up when it returns */
		fi
	:: tlm == MM && !tlz && loaded_gen[tc] >= fgen[tf] -> skip  /* @flush_this_cpu: loaded_gen >= new_gen: an earlier flush covered it */
	:: tlm == MM && !tlz && loaded_gen[tc] < fgen[tf] && loaded_gen[tc] + 1 == fgen[tf] ->
		/* exactly one behind, a small range: flush it page by page */
		tlb[tc] = tlb[tc] & ~(1 << tf);     /* @flush_this_cpu: one generation behind: arch_flush_tlb_one() over the range */
#ifdef TLBGEN_BROKEN
		loaded_gen[tc] = tlb_gen            /* @flush_this_cpu: TLBGEN_BROKEN: loaded_gen = mm->tlb_gen */
#else
		loaded_gen[tc] = fgen[tf]           /* @flush_this_cpu: loaded_gen = new_gen */
#endif
	:: tlm == MM && !tlz && loaded_gen[tc] + 1 < fgen[tf] ->
		/* further behind: flush everything, catch up to mm->tlb_gen */
		tlb[tc] = 0;                        /* @flush_this_cpu: behind by more: arch_flush_tlb_all() */
		loaded_gen[tc] = tlb_gen            /* @flush_this_cpu: loaded_gen = mm->tlb_gen */
	fi
}

/* CPU f unmaps page f and flushes, then uses the other page. */
proctype flusher(byte f)
{
	byte targets, lm, lz;
	printf("@column %d CPU%d | flusher\n", _pid, f);
	pte[f] = 0;                                 /* @unmap_region: clear its page's PTE (zap, under the PTE lock) */
	if
	:: ffreed[f] = 1                            /* @tlb_remove_table: the emptied PTE table is unhooked too */
	:: skip                                     /* @unmap_region: no table emptied: freed_tables false */
	fi;
	d_step { tlb_gen++; fgen[f] = tlb_gen }     /* @flush_tlb_mm_range: new_gen = atomic64_add_return(1, &mm->tlb_gen), a full barrier */
	targets = cpumask & ~(1 << f);              /* @flush_tlb_mm_range: targets = cpumask_copy(mm->cpumask) minus this CPU */
	if
	:: targets & (1 << LAZY_CPU) ->
		lm = mem[LOADED_MM];                /* @tlb_cpu_lazy: READ_ONCE(loaded_mm) == mm */
		if
		:: lm == MM ->
			lz = mem[IS_LAZY]           /* @tlb_cpu_lazy: READ_ONCE(is_lazy) */
		:: else -> lz = 0
		fi;
		if
		:: lz && !ffreed[f] ->
			targets = targets & ~(1 << LAZY_CPU)    /* @flush_tlb_mm_range: lazy, no table freed: skip it */
		:: else -> skip
		fi
	:: else -> skip
	fi;
#if defined(SHOOTDOWN_PV) && !defined(SHOOTDOWN_BROKEN)
	/* pv_send(): a target whose record says preempted is left to its
	 * host (CPU2 only here: CPU0 and CPU1 are flushing, so running);
	 * not a lazy target of a table-freeing flush (must_run). */
	if
	:: (targets & (1 << LAZY_CPU)) && !(lz && ffreed[f]) ->
		lm = preempted2;                    /* @pv_send: state = __atomic_load_n(&preempted, RELAXED) */
		if
		:: lm & PREEMPTED ->
			d_step {                    /* @pv_send: compare-and-exchange to state | KVM_VCPU_FLUSH_TLB: deferred, no IPI */
				if
				:: preempted2 == lm ->
					preempted2 = lm | FLUSH_TLB;
					targets = targets & ~(1 << LAZY_CPU)
				:: else -> skip
				fi
			}
		:: else -> skip
		fi
	:: else -> skip
	fi;
#endif
	d_step {                                    /* @tlb_ipi_send: smp_call_start(): pending = n, queue the request on each target, IPI */
#ifdef SHOOTDOWN_BROKEN
		skip                                /* remote flushes skipped: pending 0 */
#else
		pending[f] = ((targets >> 0) & 1) + ((targets >> 1) & 1) + ((targets >> 2) & 1);
		req[0] = req[0] | (((targets >> 0) & 1) << f);
		req[1] = req[1] | (((targets >> 1) & 1) << f);
		req[2] = req[2] | (((targets >> 2) & 1) << f)
#endif
	}
	atomic { flush_this_cpu(f, f, lm, lz) }     /* @flush_tlb_mm_range: the local flush_this_cpu(), IRQs off, while the targets work */
	pending[f] == 0;                            /* @smp_call_wait: until every target acknowledged (IRQs on: we serve requests meanwhile) */
	returned[f] = 1;                            /* @flush_tlb_mm_range: returns */
	d_step { access(f, 1 - f) }                 /* @hw: a user access to the other page */
}

/* The IPI handler of CPU c: call_queue_run() -> flush_remote(). */
proctype irq(byte c)
{
	byte f, lm, lz;
	printf("@column %d CPU%d | +IPI\n", _pid, c);
end:	do
	:: atomic {
		irqs_on[c] && req[c] != 0 && !(c == LAZY_CPU && out2) ->
		if
		:: req[c] & 1 -> f = 0
		:: req[c] & 2 -> f = 1
		fi;
		req[c] = req[c] & ~(1 << f);
		flush_this_cpu(c, f, lm, lz);
		if                                  /* the decrement of pending is a locked RMW */
		:: c == LAZY_CPU -> SB_FLUSH(0)
		:: else -> skip
		fi;
		pending[f]--;
		f = 0; lm = 0; lz = 0
	}                                           /* @call_queue_run: flush_remote() -> flush_this_cpu(), then atomic_fetch_add(-1, &req->pending) */
	od
}

/* CPU2: user code on the mm, kernel threads (lazy TLB), switches back. */
#ifdef SHOOTDOWN_PV
proctype lazy_cpu() provided (!out2)
#else
proctype lazy_cpu()
#endif
{
	byte lm, lz, gen;
	printf("@column %d CPU2 | user, scheduler\n", _pid);
end:	do
	:: d_step { irqs_on[LAZY_CPU] = 0; LOAD_IN(0, LOADED_MM, lm); LOAD_IN(0, IS_LAZY, lz) }   /* @__schedule: IRQs off; what CR3 holds, is_lazy (this CPU's own view) */
		if
		:: lm == MM && !lz -> d_step { irqs_on[LAZY_CPU] = 1; access(LAZY_CPU, 0) }   /* @hw: user code reads page 0 */
		:: lm == MM && !lz -> d_step { irqs_on[LAZY_CPU] = 1; access(LAZY_CPU, 1) }   /* @hw: user code reads page 1 */
#ifndef SHOOTDOWN_PV
		:: lm == MM && !lz ->
			STORE(0, IS_LAZY, 1);                  /* @switch_mm: to a kernel thread: is_lazy = true, CR3 kept */
			irqs_on[LAZY_CPU] = 1                  /* @__schedule: the kernel thread runs */
		:: lm == MM && lz ->
			STORE(0, IS_LAZY, 0);                  /* @switch_mm: back from lazy mode: is_lazy = false */
#ifndef NO_LAZY_MB
			d_step { SB_FLUSH(0) };                /* @switch_mm: smp_mb(): is_lazy store before the tlb_gen load */
#endif
			gen = tlb_gen;                         /* @switch_mm: gen = atomic64_read(&next->tlb_gen) */
			if
			:: loaded_gen[LAZY_CPU] < gen ->
				d_step { tlb[LAZY_CPU] = 0; loaded_gen[LAZY_CPU] = gen }  /* @switch_mm: missed a flush: arch_flush_tlb_all(), loaded_gen = gen */
			:: else -> skip
			fi;
			gen = 0;
			irqs_on[LAZY_CPU] = 1                  /* @__schedule: back in user code */
		:: lm != MM ->
			d_step { SB_FLUSH(0); cpumask = cpumask | (1 << LAZY_CPU) }   /* @switch_mm: a real switch: cpumask_set_cpu() (locked) */
			gen = tlb_gen;                         /* @switch_mm: gen = atomic64_read(&next->tlb_gen) */
			d_step { SB_FLUSH(0); tlb[LAZY_CPU] = 0 }   /* @switch_mm: arch_load_pgd(): the CR3 write flushes (and serializes) */
			STORE(0, LOADED_MM, MM);               /* @switch_mm: loaded_mm = next */
			loaded_gen[LAZY_CPU] = gen;            /* @switch_mm: loaded_gen = gen */
			STORE(0, IS_LAZY, 0);                  /* @switch_mm: is_lazy = false */
			gen = 0;
			irqs_on[LAZY_CPU] = 1                  /* @__schedule: back in user code */
#endif
		fi;
		lm = 0; lz = 0
	od
}

#ifdef SHOOTDOWN_PV
/* CPU2's host (kernel/pvmodel.c, or KVM): takes CPU2 out at any moment,
 * IRQs off or not; before it runs CPU2 again it takes the flush flag and
 * honours it.  The exit and the entry run on CPU2 (an NMI handler in the
 * model): seq_cst store and exchange, both draining CPU2's buffer. */
proctype host2()
{
	byte old;
	printf("@column %d CPU2 | +host\n", _pid);
end:	do
	:: d_step { !out2 -> SB_FLUSH(0); out2 = 1; preempted2 = PREEMPTED }   /* @pvmodel_nmi: VM exit: preempted = KVM_VCPU_PREEMPTED (seq_cst) */
	:: out2 ->
#ifndef PV_FLUSH_FIRST
		d_step { old = preempted2; preempted2 = 0 };    /* @pvmodel_nmi: VM entry: old = xchg(preempted, 0) */
		if
		:: old & FLUSH_TLB -> tlb[LAZY_CPU] = 0         /* @pvmodel_nmi: the flag was set: arch_flush_tlb_global() */
		:: else -> skip
		fi;
#else
		old = preempted2;                               /* @pvmodel_nmi: PV_FLUSH_FIRST: read the flag first */
		if
		:: old & FLUSH_TLB -> tlb[LAZY_CPU] = 0         /* @pvmodel_nmi: PV_FLUSH_FIRST: flush if it was set */
		:: else -> skip
		fi;
		preempted2 = 0;                                 /* @pvmodel_nmi: PV_FLUSH_FIRST: then clear the byte: a flag set meanwhile is lost */
#endif
		d_step { out2 = 0; old = 0 }                    /* @pvmodel_nmi: resume the interrupted code */
	od
}
#endif

init
{
	atomic {
		pte[0] = 1; pte[1] = 1;
		tlb[0] = 3; tlb[1] = 3; tlb[2] = 3;
		mem[LOADED_MM] = MM;
		run flusher(0);
		run flusher(1);
		run lazy_cpu();
		run irq(0);
		run irq(1);
		run irq(2);
		run store_buffer(0, LAZY_CPU);
#ifdef SHOOTDOWN_PV
		run host2()
#else
		skip
#endif
	}
}
