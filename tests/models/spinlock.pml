/*
 * tests/models/spinlock.pml - the halting ticket spinlock: spin, then halt
 * until the unlocker kicks (an NMI); bounded lock stealing; a caller in
 * NMI context (kernel/locking/spinlock.c spin_lock(), spin_unlock(),
 * spin_halt_wait(), spin_try_steal(), spin_claim_turn(),
 * spin_unlock_stolen(); kernel/nmi.c smp_send_kick(); docs/smp.md).
 *
 * Properties:
 *  - mutual exclusion (ghost in_cs);
 *  - the steal bound: a waiter whose turn has come is passed over by at
 *    most spin_steal stealers (ghost passed, reset when a ticket holder
 *    takes the lock);
 *  - no waiter halts forever: every CPU does a bounded number of
 *    acquisitions and ends, so a CPU halted with nobody left to kick it,
 *    or spinning on a word nobody will change, is an invalid end state
 *    (safety run); the liveness run checks, under weak fairness, that
 *    every CPU gets through all its acquisitions (<> all_done).
 *
 * The NMI rule.  The kick is an NMI, and an NMI is not delivered while
 * this CPU's NMI handler runs (the hardware latches one and delivers it
 * at the handler's IRET).  So a waiter in NMI context must not halt: it
 * spins instead (spin_halt_wait() returns at once in NMI context, the
 * fixed rule of the parallel change; printk() does not take its lock from
 * NMI context at all).  Variant NMI_HALT halts there, as before the fix:
 * its kick stays latched and it halts forever.
 *
 * Bounds: 3 CPUs, 1 lock, 4 acquisitions (3 in the liveness run),
 * spin_steal 1, store buffers of depth 3, spins without bound.
 *
 * Memory model: x86-TSO for every CPU (tso.pml): the store-buffer
 * patterns W1-W2-W3 against U1-U2-U3 (spinlock.c (a)) and S5 against the
 * halting wait on `steal`; `next`, `halters` and the CAS/fetch_and on
 * `steal` are locked instructions.
 *
 * The system: one lock; spin_steal = 1.  CPU0 takes the lock once and
 * CPU2 twice (once in the liveness run), with IRQs off
 * (spin_lock_irqsave: only a kick ends their HLT); CPU1 is in an NMI
 * handler that takes it once.  Two steals of one turn need a holder, a
 * halted waiter and two stealing acquisitions: CPU2 then CPU1, or CPU2
 * twice.  spin_budget is any
 * number: at each spin a waiter may go on spinning or halt.
 *
 * Abstracted away, and why that is sound:
 *  - one wait slot per CPU (HALT_NEST): one lock, and no nested waits in
 *    this system (CPU1's interrupted context holds no slot);
 *  - the compare-and-HLT window (arch_halt_unless_u16/u32) is one step,
 *    and an NMI that lands in it returns past the HLT
 *    (arch_halt_window_fixup()): the model's halt is "compare, then
 *    halted", and an NMI clears halted whenever it is delivered;
 *  - NMI delivery: one latch per CPU (a kick sets it; delivery clears it
 *    and ends a HLT), blocked in NMI context; timer ticks would wake an
 *    IRQs-on waiter, but these waiters have IRQs off (the worst case);
 *  - debug checks, statistics, the spin timeout, spin_trylock() and
 *    lock classes;
 *  - find_waiter() reads each other CPU's slot in one step: lock then
 *    ticket with smp_rmb against ticket then lock with smp_wmb, both kept
 *    in order by TSO, so reading the pair at once loses no outcome.
 *
 * Variants (models.txt): STEAL_BROKEN (S2's count check skipped),
 * NMI_HALT (an NMI-context waiter halts), NO_UNLOCK_MB (U2, the smp_mb()
 * between spin_unlock()'s owner store and its halters load, removed).
 */

#define NCPU 3
#define NSB 3
#define SB_DEPTH 3      /* W4's slot clear, S1 and U1 come between two locked instructions */
#define NVARS 5
#define OWNER 0         /* mem: l->owner */
#define STEAL 1         /* mem: l->steal (ticket | count << 3 | OPEN | HELD) */
#define SLOT0 2         /* mem: halt_cpu[0].slot[0]: 0 empty, else 1 + ticket */
#define SLOT1 3         /* mem: halt_cpu[1].slot[0] */
#define SLOT2 4         /* mem: halt_cpu[2].slot[0] */
#include "tso.pml"

#ifndef ACQ2
#define ACQ2 2          /* CPU2's acquisitions (the liveness run: 1) */
#endif
#define BOUND 1         /* spin_steal */
#define TICKET 7        /* STEAL_TICKET */
#define COUNT_ONE 8     /* STEAL_COUNT_ONE */
#define COUNT 24        /* STEAL_COUNT: two bits here, saturating */
#define OPEN 32         /* STEAL_OPEN */
#define HELD 64         /* STEAL_HELD */

byte next;              /* l->next (locked RMW only) */
byte halters;           /* l->halters (locked RMW only) */
bit halted[NCPU];       /* the CPU sits in HLT */
bit nmi_latch[NCPU];    /* an NMI (a kick) waiting for delivery */
bit in_nmi[NCPU];       /* the CPU runs its NMI handler: NMIs blocked */
byte in_cs;             /* ghost: CPUs in the critical section */
byte passed;            /* ghost: steals since a ticket holder last took the lock */
byte finished;          /* ghost: CPUs done with all their acquisitions */

#define SLOT(c) (SLOT0 + (c))

/* smp_send_kick(cpu): kicks_pending++, then the NMI (its ICR write is
 * fenced: the caller's stores are visible first). */
#define kick(kc, kcpu) \
	d_step { SB_FLUSH(kc); nmi_latch[kcpu] = 1 }

/* The halting wait W1-W4 (spin_halt_wait()): CPU hc, ticket ht, halting
 * on mem word hx until it equals hwant (hr: scratch).  Inline parameters
 * get names of their own: spin substitutes them as text, and one named
 * like the caller's argument confuses it. */
inline spin_halt_wait(hc, ht, hx, hwant, hr) {
	/* (No `else` here: at the head of the caller's option it would mean
	 * "no other option of the caller's if", never taken.) */
	if
#ifndef NMI_HALT
	:: in_nmi[hc] -> skip                    /* @spin_halt_wait: in NMI context: return at once, the caller spins (a kick could not be delivered) */
	:: !in_nmi[hc] ->
#else
	:: true ->
#endif
		STORE(hc, SLOT(hc), 1 + ht);       /* @spin_halt_wait: W1: slot = {l, ticket} (ticket, smp_wmb, lock) */
		d_step { SB_FLUSH(hc); halters++ };   /* @spin_halt_wait: W2: l->halters++, a locked add: a full barrier */
		do
		:: LOAD(hc, hx, hr);               /* @spin_halt_wait: W3: smp_load_acquire(word) != want? */
			if
			:: hr == hwant -> break
			:: else ->
				d_step {        /* @arch_halt_unless_u16: compare again, then HLT (one window) */
					LOAD_IN(hc, hx, hr);
					if
					:: hr != hwant -> halted[hc] = 1
					:: else -> skip
					fi
				}
				!halted[hc]      /* @hw: the CPU sits in HLT until an NMI */
			fi
		od;
		atomic { SB_FLUSH(hc); halters-- };   /* @spin_halt_wait: W4: l->halters-- (a locked sub) */
		STORE(hc, SLOT(hc), 0)            /* @spin_halt_wait: W4: slot->lock = NULL */
	fi;
	hr = 0
}

/* spin_find_waiter(ticket ft) from CPU fc: fw = the CPU or 255 (fr: scratch). */
inline find_waiter(fc, ft, fw, fr) {
	fw = 255;
	if
	:: fc != 0 -> fr = mem[SLOT(0)]; if :: fr == 1 + (ft) -> fw = 0 :: else -> skip fi   /* @spin_find_waiter: CPU0's slot names {l, ticket}? */
	:: else -> skip
	fi;
	if
	:: fc != 1 && fw == 255 -> fr = mem[SLOT(1)]; if :: fr == 1 + (ft) -> fw = 1 :: else -> skip fi   /* @spin_find_waiter: CPU1's slot names {l, ticket}? */
	:: else -> skip
	fi;
	if
	:: fc != 2 && fw == 255 -> fr = mem[SLOT(2)]; if :: fr == 1 + (ft) -> fw = 2 :: else -> skip fi   /* @spin_find_waiter: CPU2's slot names {l, ticket}? */
	:: else -> skip
	fi;
	fr = 0
}

#define enter_cs() \
	d_step { in_cs++; assert(in_cs == 1) }

/* spin_lock() then spin_unlock(), n times, on CPU c. */
proctype cpu(byte c; byte n; bit nmi)
{
	byte s, t, o, r, w, want;
	bit stolen;
	if
	:: nmi -> printf("@column %d CPU%d | NMI handler\n", _pid, c)
	:: else -> printf("@column %d CPU%d | IRQs off\n", _pid, c)
	fi;
	in_nmi[c] = nmi;
	do
	:: n == 0 -> break
	:: n > 0 ->
		stolen = 0;
		/* ---- spin_lock() ---- */
		LOAD(c, STEAL, s);                      /* @spin_lock: READ_ONCE(l->steal) & STEAL_OPEN: a turn open to stealers? */
		if
		:: s & OPEN ->
			do                              /* spin_try_steal() */
			:: LOAD(c, STEAL, s);           /* @spin_try_steal: S2: s = READ_ONCE(l->steal) */
				if
				:: !(s & OPEN) -> break         /* @spin_try_steal: closed: take a ticket */
#ifndef STEAL_BROKEN
				:: (s & OPEN) && ((s & COUNT) / COUNT_ONE) >= BOUND -> break   /* @spin_try_steal: S2: the turn reached the bound */
#endif
				:: else -> skip
				fi;
				LOAD(c, OWNER, o);      /* @spin_try_steal: S3: smp_load_acquire(&l->owner) == the turn's ticket? */
				if
				:: !(s & HELD) && o == (s & TICKET) ->
					d_step {        /* @spin_try_steal: S4: CAS steal: s -> s + count + STEAL_HELD */
						SB_FLUSH(c);
						if
						:: mem[STEAL] == s ->
							mem[STEAL] = s + ((s & COUNT) == COUNT -> 0 : COUNT_ONE) + HELD;
							stolen = 1
						:: else -> skip
						fi
					}
					if
					:: stolen ->
						d_step { passed++; assert(passed <= BOUND) };   /* @spin_lock: holds by stealing (ghost: the bound) */
						break
					:: else -> skip     /* @spin_try_steal: the CAS failed: continue at once */
					fi
				:: else ->
					if
					:: skip         /* @spin_try_steal: cpu_relax(), try again */
					:: break        /* @spin_try_steal: ++n > budget: give up, take a ticket */
					fi
				fi
			od
		:: else -> skip
		fi;
		if
		:: !stolen ->
			d_step { SB_FLUSH(c); t = next; next++ };   /* @spin_lock: ticket = __atomic_fetch_add(&l->next, 1) */
			LOAD(c, OWNER, o);              /* @spin_lock: smp_load_acquire(&l->owner) != ticket: contended? */
			if
			:: o != t ->
				do
				:: LOAD(c, OWNER, o);   /* @spin_lock: while (smp_load_acquire(&l->owner) != ticket) */
					if
					:: o == t -> break
					:: else -> skip
					fi;
					if
					:: skip         /* @spin_lock: cpu_relax() */
					:: spin_halt_wait(c, t, OWNER, t, r)   /* @spin_lock: ++n >= budget: spin_halt_wait() */
					fi
				od;
				LOAD(c, STEAL, s);      /* @spin_lock: C1: our turn; READ_ONCE(l->steal)? */
				if
				:: s != 0 ->
					/* spin_claim_turn() */
					d_step { SB_FLUSH(c); s = mem[STEAL]; mem[STEAL] = s & ~OPEN };   /* @spin_claim_turn: C2: s = fetch_and(&l->steal, ~STEAL_OPEN) */
					if
					:: s & HELD ->
						want = s & ~(OPEN | HELD);
						do
						:: LOAD(c, STEAL, r);   /* @spin_claim_turn: C3: a stealer holds it: wait for steal == want */
							if
							:: r == want -> break
							:: else -> skip
							fi;
							if
							:: skip     /* @spin_claim_turn: cpu_relax() */
							:: spin_halt_wait(c, t, STEAL, want, r)   /* @spin_claim_turn: ++n >= budget: spin_halt_wait(on_steal) */
							fi
						od
					:: else -> skip
					fi;
					STORE(c, STEAL, 0)      /* @spin_claim_turn: C4: WRITE_ONCE(l->steal, 0) */
				:: else -> skip
				fi
			:: else -> skip
			fi;
			passed = 0                      /* @lock_acquired: a ticket holder has the lock (ghost: the turn is over) */
		:: else -> skip
		fi;
		enter_cs();                             /* @lock_acquired: the critical section */
		in_cs--;
		/* ---- spin_unlock() ---- */
		d_step { LOAD_IN(c, STEAL, s); r = halters }   /* @spin_unlock: READ_ONCE(l->slow): halters, steal */
		if
		:: s & HELD ->
			/* spin_unlock_stolen() */
			d_step { SB_FLUSH(c); s = mem[STEAL]; mem[STEAL] = s & ~HELD; r = halters };   /* @spin_unlock_stolen: S5: s = fetch_and(&l->steal, ~STEAL_HELD); READ_ONCE(l->halters) */
			if
			:: !(s & OPEN) && r ->
				find_waiter(c, s & TICKET, w, r);
				if
				:: w != 255 -> kick(c, w)       /* @spin_kick_waiter: the turn's claimed waiter may halt on steal: smp_send_kick() */
				:: else -> skip
				fi
			:: else -> skip
			fi
		:: !(s & HELD) ->
			LOAD(c, OWNER, o);                  /* @spin_unlock: next = l->owner + 1 */
			w = 255;
			if
			:: s != 0 || r != 0 ->              /* the slow path */
				r = halters;                /* @spin_unlock: READ_ONCE(l->halters) && READ_ONCE(spin_steal)? */
				if
				:: r != 0 && BOUND != 0 ->
					find_waiter(c, o + 1, w, r);
					if
					:: w != 255 -> STORE(c, STEAL, (o + 1) | OPEN)   /* @spin_unlock: S1: the next ticket's waiter sleeps: open its turn */
					:: else -> skip
					fi
				:: else -> skip
				fi
			:: else -> skip
			fi;
			STORE(c, OWNER, o + 1);             /* @spin_unlock: U1: smp_store_release(&l->owner, next) */
#ifndef NO_UNLOCK_MB
			d_step { SB_FLUSH(c) };             /* @spin_unlock: U2: smp_mb(): owner visible before halters is read */
#endif
			if
			:: w != 255 -> kick(c, w)           /* @spin_unlock: U3: spin_kick_cpu(sleeper) */
			:: else ->
				r = halters;                /* @spin_unlock: U3: READ_ONCE(l->halters)? */
				if
				:: r != 0 ->
					find_waiter(c, o + 1, w, r);
					if
					:: w != 255 -> kick(c, w)   /* @spin_kick_waiter: U3: smp_send_kick() to the next ticket's waiter */
					:: else -> skip
					fi
				:: else -> skip
				fi
			fi
		fi;
		n--;
		s = 0; t = 0; o = 0; r = 0; w = 0; want = 0
	od;
	finished++
}

/* NMI delivery to CPU c: not while its NMI handler runs. */
proctype nmi(byte c)
{
	printf("@column %d CPU%d | +NMI\n", _pid, c);
end:	do
	:: d_step { nmi_latch[c] && !in_nmi[c] -> nmi_latch[c] = 0; halted[c] = 0 }   /* @smp_kick_nmi: the kick delivered: HLT ends */
	od
}

#ifdef LIVENESS
ltl all_done { <> (finished == NCPU) }
#endif

init
{
	atomic {
		run cpu(0, 1, 0);
		run cpu(1, 1, 1);
		run cpu(2, ACQ2, 0);
		run nmi(0);
		run nmi(1);
		run nmi(2);
		run store_buffer(0, 0);
		run store_buffer(1, 1);
		run store_buffer(2, 2)
	}
}
