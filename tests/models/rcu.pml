/*
 * tests/models/rcu.pml - RCU grace-period detection and call_rcu()
 * (kernel/rcu/rcu.c: gp_maybe_start(), gp_maybe_end(), gp_request(),
 * rcu_qs(), advance_callbacks(), call_rcu_sized(), rcu_tick(),
 * rcu_cb_thread(); docs/rcu.md).
 *
 * Properties:
 *  - safety: no callback runs while a reader that started before it was
 *    queued is still inside (ghost pre[cb]: the CPUs inside a read section
 *    when call_rcu() queued cb, each bit cleared when that section ends;
 *    invoking cb asserts pre[cb] is empty);
 *  - liveness (weak fairness): every queued callback is eventually
 *    invoked, given CPUs whose read sections end and whose ticks come.
 *
 * Bounds: 2 CPUs, one callback each; read sections and ticks without
 * bound (grace periods: as many as the callbacks need).
 *
 * Memory model: sequentially consistent.  Sound for x86 here: the grace
 * period's state changes under rcu_gp_lock (a locked acquisition, its
 * release, and the smp_mb() of gp_maybe_end()); a reader's section is
 * ended on its CPU before that CPU reports a quiescent state, which it
 * does under the lock (a locked instruction orders every earlier access);
 * the lockless reads (qs_owed, gp_seq) are single loads whose staleness
 * is an interleaving here.
 *
 * The system: two CPUs.  Each runs, forever: a read section (inside which
 * it may call call_rcu() once), then a tick (rcu_tick(): a quiescent
 * state, since the tick did not interrupt a read section, then
 * advance_callbacks()); and it may call call_rcu() once outside a read
 * section too (at most one callback per CPU in all).  Each CPU's callback
 * thread (rcu/N) invokes what is done.
 *
 * Abstracted away, and why that is sound:
 *  - the callback lists: one callback per CPU, so each list is a state
 *    (none, next, wait with its wait_seq, done, invoked); the segment
 *    moves of advance_callbacks() are the C code's on one element;
 *  - rcu_gp_lock: each locked region is one indivisible step (nothing in
 *    it is read locklessly except gp_seq and qs_owed, single words);
 *  - IRQs-off regions of one CPU (advance_callbacks(), call_rcu_sized())
 *    are not interleaved with that CPU's other steps, as in C; other CPUs
 *    interleave at every shared access;
 *  - synchronize_rcu() and rcu_barrier() (call_rcu() with a completion),
 *    statistics, the stall detector, CPU hotplug (none here);
 *  - the context-switch quiescent state: a tick outside a read section is
 *    the same call (rcu_qs()).
 *
 * Variants (models.txt): RCU_BROKEN (gp_maybe_start() declares every CPU
 * quiescent at once), QS_IN_READER (a tick inside a read section counts
 * as a quiescent state: rcu_read_lock() without its preempt_disable()),
 * LIVENESS (the callbacks-run property, under weak fairness), and with it
 * NO_TICK_QS (the tick never reports a quiescent state, the opposite
 * mistake to QS_IN_READER: no grace period ends, no callback runs).
 */

#define NCPU 2
#define NONE 0
#define NEXT 1
#define WAIT 2
#define DONE 3
#define INVOKED 4

byte gp_seq;            /* even: idle; odd: a grace period runs */
byte qs_needed;         /* CPUs that owe the current grace period a quiescent state */
bit qs_owed[NCPU];      /* rcu_cpus[c].qs_owed */
bit gp_wanted;
byte cb[NCPU];          /* CPU c's one callback: NONE, NEXT, WAIT, DONE, INVOKED */
byte wait_seq[NCPU];
bit in_reader[NCPU];
byte pre[NCPU];         /* ghost: CPUs inside a read section when cb c was queued, still inside */
byte queued, invoked;   /* ghost: callbacks queued, invoked */

/* seq_done(s): gp_seq has reached s (no wrap in these bounds). */
#define SEQ_DONE(s) (gp_seq >= (s))

/* gp_maybe_start(); rcu_gp_lock held (inside a step). */
inline gp_maybe_start() {
	if
	:: gp_wanted && !(gp_seq & 1) ->
		gp_wanted = 0;
		gp_seq++;
		qs_needed = (1 << NCPU) - 1;
		qs_owed[0] = 1; qs_owed[1] = 1;
#ifdef RCU_BROKEN
		qs_owed[0] = 0; qs_owed[1] = 0;
		qs_needed = 0
#else
		skip
#endif
	:: else -> skip
	fi
}

/* gp_maybe_end(); rcu_gp_lock held (inside a step). */
inline gp_maybe_end() {
	if
	:: (gp_seq & 1) && qs_needed == 0 ->
		gp_seq++;
		gp_maybe_start()
	:: else -> skip
	fi
}

/* advance_callbacks() on CPU c, IRQs off. */
inline advance_callbacks(c, want) {
	want = 0;
	if
	:: cb[c] == WAIT && SEQ_DONE(wait_seq[c]) -> cb[c] = DONE  /* @advance_callbacks: the wait segment's grace period is over: to done */
	:: else -> skip
	fi;
	if
	:: cb[c] == NEXT ->
		d_step { cb[c] = WAIT; wait_seq[c] = (gp_seq + 3) & 254; want = 1 }  /* @advance_callbacks: next to wait, wait_seq = seq_snap() */
	:: else -> skip
	fi;
	if
	:: cb[c] == WAIT && !SEQ_DONE(wait_seq[c]) -> want = 1   /* @advance_callbacks: still waiting: want a grace period */
	:: else -> skip
	fi;
	if
	:: want ->
		d_step { gp_wanted = 1; gp_maybe_start(); gp_maybe_end() }   /* @gp_request: under rcu_gp_lock: gp_wanted, gp_maybe_start(), gp_maybe_end() */
	:: else -> skip
	fi;
	if
	:: cb[c] == WAIT && SEQ_DONE(wait_seq[c]) -> cb[c] = DONE  /* @advance_callbacks: over already (RCU_BROKEN): to done */
	:: else -> skip
	fi;
	want = 0
}

/* call_rcu() on CPU c (IRQs off): queue, then advance. */
inline call_rcu(c, want) {
	d_step {                        /* @call_rcu_sized: list_append(&rc->next_tail, ...) */
		cb[c] = NEXT;
		queued++;
		pre[c] = (in_reader[0] << 0) | (in_reader[1] << 1)
	}
	advance_callbacks(c, want)
}

proctype cpu(byte c)
{
	byte want;
	bit called;
	printf("@column %d CPU%d | readers, ticks\n", _pid, c);
end:	do
	:: true ->
		if
		:: !called -> call_rcu(c, want); called = 1      /* @call_rcu: outside a read section */
		:: true -> skip
		fi;
		in_reader[c] = 1;                       /* @rcu_read_lock: preempt_disable() */
		if
		:: !called -> call_rcu(c, want); called = 1      /* @call_rcu: inside this CPU's read section */
		:: true -> skip
		fi;
#ifdef QS_IN_READER
		if
		:: qs_owed[c] -> d_step { qs_owed[c] = 0; qs_needed = qs_needed & ~(1 << c); gp_maybe_end() }   /* @rcu_qs: QS_IN_READER: a tick inside the section counted as quiescent */
		:: true -> skip
		fi;
#endif
		d_step {                                /* @rcu_read_unlock: preempt_enable() */
			in_reader[c] = 0;
			pre[0] = pre[0] & ~(1 << c);
			pre[1] = pre[1] & ~(1 << c)
		};
		/* rcu_tick(quiescent): it did not interrupt a read section. */
		if
#ifdef NO_TICK_QS
		:: false ->
#else
		:: qs_owed[c] ->
#endif                        /* @rcu_qs: READ_ONCE(rc->qs_owed) */
			d_step {                        /* @rcu_qs: under rcu_gp_lock: qs_owed = false, clear our bit, gp_maybe_end() */
				if
				:: qs_owed[c] ->
					qs_owed[c] = 0;
					qs_needed = qs_needed & ~(1 << c);
					gp_maybe_end()
				:: else -> skip
				fi
			}
		:: !qs_owed[c] -> skip
#ifdef NO_TICK_QS
		:: qs_owed[c] -> skip                   /* @rcu_tick: NO_TICK_QS: the tick never counts as quiescent */
#endif
		fi;
		advance_callbacks(c, want)              /* @rcu_tick: advance_callbacks(), wake the callback thread */
	od
}

/* rcu_cb_thread(): invoke CPU c's done callbacks. */
proctype cb_thread(byte c)
{
	printf("@column %d CPU%d | +cb thread\n", _pid, c);
end:	do
	:: d_step {
		cb[c] == DONE ->
		/* The safety property: no reader from before the call_rcu()
		 * is still inside. */
		assert(pre[c] == 0);
		cb[c] = INVOKED;
		invoked++
	}                                               /* @rcu_cb_thread: invoke(): the callback runs */
	od
}

#ifdef LIVENESS
/* Every callback queued is eventually invoked. */
ltl callbacks_run { [] ((queued > invoked) -> <> (queued == invoked)) }
#endif

init
{
	atomic {
		run cpu(0);
		run cpu(1);
		run cb_thread(0);
		run cb_thread(1)
	}
}
