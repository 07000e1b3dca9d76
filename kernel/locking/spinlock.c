/*
 * kernel/locking/spinlock.c - ticket spinlock that gives the CPU back when
 * the wait is long, with debug checks and statistics.  See spinlock.h for
 * the contract.
 *
 * Why halt.  Under emulation (QEMU/TCG, or KVM on an overcommitted host) a
 * vCPU is a host thread.  When vCPUs outnumber host cores, a waiter that
 * spins burns the host time slice that the lock holder, or the vCPU with
 * the next ticket, needs to make progress (lock-holder preemption).  A
 * halted vCPU is parked by QEMU and its host core goes to another vCPU.
 * So a waiter spins (cpu_relax()) for spin_budget iterations (the command
 * line's spin_budget=, default SPIN_BUDGET_DEFAULT) and then halts until
 * the unlocker hands it the lock and kicks it: Linux's pv_wait()/pv_kick()
 * idea, on the ticket lock.  Among ticket holders, FIFO order is the
 * ticket order: a halted waiter keeps its ticket, and the unlocker kicks
 * exactly the CPU whose ticket it has just made current (a stealer, below,
 * takes no ticket; its unlock is the second place that kicks).
 *
 * The halting protocol.  Per CPU there are HALT_NEST wait slots, one per
 * nesting level (a waiter with IRQs on can be interrupted by a handler that
 * waits on another lock), each saying "this CPU halts on lock L for ticket
 * T"; each lock counts in `halters` the slots that name it.
 *
 *   waiter (ticket T)                      unlocker (hands over to T)
 *   W1 slot = {L, T}                       U1 owner = T        (release)
 *   W2 L->halters++  (locked: full mb)     U2 smp_mb()
 *   W3 while (owner != T)                  U3 if (halters) find the slot
 *        halt unless owner == T  (HLT)             {L, T} and kick its CPU
 *   W4 L->halters--, slot = {}
 *
 * No kick is lost:
 *  (a) W1-W2 then W3 against U1-U2 then U3 is the store-buffer pattern
 *      with a full barrier on both sides: either W3 reads owner == T (the
 *      waiter never halts) or U3 reads the incremented count and the slot
 *      (stored before W2) and kicks.
 *  (b) The kick is an NMI (smp_send_kick()), sent after U1: it ends HLT
 *      whether the waiter's IRQs are on or off (spin_lock_irqsave callers
 *      and IRQ handlers wait with IF=0, where an IPI would stay pending).
 *  (c) The gap between the last check of owner and the HLT: an NMI that
 *      lands there is handled and returns, and a plain HLT after it would
 *      sleep with the kick already spent.  The check and the HLT are
 *      therefore one arch routine, arch_halt_unless_u16() (the compare, a
 *      branch, HLT), and any trap that interrupts that window returns past
 *      the HLT (arch_halt_window_fixup(), called first on every kernel
 *      trap).  An NMI landing before the window is harmless: the compare
 *      after it reads the new owner, stored before the NMI was sent (U1;
 *      the ICR write is fenced).  sti;hlt would cover only IRQs-on
 *      waiters; the window covers both, and interrupts of any kind.
 *  (d) Nested waits use their own slot, so the outer wait stays findable;
 *      a kick meant for the outer one that ends the inner HLT instead is
 *      not lost: the outer one re-checks owner after the inner returns.
 *  (e) Spurious wake-ups (a timer tick, a stale kick for an earlier
 *      ticket, another NMI) only cost a loop: W3 re-checks.
 * A waiter with IRQs on is also woken by every tick, so it re-checks the
 * spin timeout; one with IRQs off sleeps until kicked.
 *  (f) A waiter in NMI context never halts, it spins: its kick would be
 *      an NMI, which the CPU holds back until the running NMI handler
 *      returns, so it would halt for good (and keep its ticket, stopping
 *      every later waiter).  spin_halt_wait() returns at once there and
 *      counts the refusal in the lock class's `nmi_spins`.
 *
 * Lock stealing.  With strict FIFO, every handover to a halted waiter
 * leaves the lock idle for that waiter's wake-up: under emulation a host
 * thread wake-up, tens of microseconds, against a fraction of a
 * microsecond for a handover between running vCPUs; with more vCPUs than
 * host cores that is most handovers.  So, as Linux's paravirt qspinlock
 * does (pv_hybrid_queued_unfair_trylock), a running CPU may take the lock
 * while the waiter whose turn it is is in its wait slot (halted, about to
 * halt, or running an interrupt handler from there): it *steals* the turn, holds
 * the lock, and gives the turn back at unlock.  The bound: at most
 * spin_steal steals per turn (the command line's spin_steal=, default
 * SPIN_STEAL_DEFAULT, at most SPIN_STEAL_MAX; 0 = strict FIFO), and none
 * once the waiter is awake and has claimed its turn.  FIFO order among the
 * ticket holders is unchanged; stealers take no ticket.
 *
 * The turn word `steal`: the ticket whose turn is open to stealers (low
 * 16 bits), the steals so far (bits 16-29), STEAL_OPEN (its waiter is in
 * its wait slot: stealing allowed), STEAL_HELD (a stealer holds the lock).
 * It is 0 outside a turn; from the waiter's claim (C2) until it clears the
 * word (C4) it holds the closed turn's ticket and count, OPEN clear.
 *
 *   unlocker (ticket T-1 holder)      stealer               waiter T
 *   S1 if T's wait slot exists:                             (halted, slot
 *        steal = T|OPEN                                      {L,T} published)
 *   U1 owner = T (release)
 *   U3 kick T                         S2 s = steal; OPEN,
 *                                        count < bound,
 *                                        !HELD
 *                                     S3 owner == T?
 *                                     S4 CAS steal: s ->    C1 sees owner == T
 *                                        s+1 steal|HELD     C2 s = fetch_and(
 *                                     ...critical section       steal, ~OPEN)
 *                                     S5 fetch_and(steal,   C3 if s had HELD:
 *                                        ~HELD); if !OPEN,      wait !HELD
 *                                        kick T's slot         (spin, halt)
 *                                                           C4 steal = 0; holds
 *
 * Why it excludes: a turn is opened (S1) only for a ticket whose waiter has
 * a wait slot, i.e. sits in spin_halt_wait(), which it leaves only after
 * seeing owner == T and which it follows with C2; the slot cannot vanish
 * before U1 (the waiter needs owner == T to leave), and S1 precedes U1, so
 * a waiter that sees owner == T (acquire) also sees the open turn.  A
 * stealer holds only after S3 saw owner == T (so the previous holder has
 * released, and its section is visible: acquire of the release U1) and
 * its CAS found OPEN and not HELD (so the waiter had not claimed and no
 * other stealer held).  The CAS (S4) and the claim (C2) are read-modify-
 * writes of one word, so they are ordered: if C2 is first, S4 fails; if S4
 * is first, C2 sees HELD and the waiter waits for S5, a release.  Stealers
 * exclude each other by HELD.  Owner cannot move past T while the turn is
 * open: only T's holder moves it, after C2..C4.
 *
 * The bound: S4 increments the count and refuses at the bound, and C2
 * closes the turn; so the waiter of a turn is passed over at most
 * spin_steal times, whatever the host does (the bound is read at each
 * S2, so changing spin_steal at run time changes a turn in progress).  Runs of acquisitions that
 * see the same `owner` are a turn's steals plus its holder: the smp
 * suite's tortures check that no run is longer than bound + 1, and its
 * directed test holds a waiter out of its wait and counts the steals of
 * its turn.
 *
 * No wake-up is lost: the waiter's C3 wait is the same halting wait (slot
 * {L,T}, halters++, compare-and-HLT on `steal`); S5 is a locked RMW and
 * then reads halters: the same store-buffer argument as (a).  A stealer
 * whose S5 still sees OPEN does not kick: the waiter has not claimed, and
 * the kick of U3 is already on its way.
 *
 * SPINLOCK_BROKEN=1 takes no ticket wait at all (so neither spins nor
 * halts) and never steals: the smp suite's torture still catches it.
 * STEAL_BROKEN=1 ignores the bound (S2's count check): the smp suite's
 * directed steal test counts more steals in a turn than the bound (every
 * run), the tortures runs longer than bound + 1.
 */
#include "kernel/trace/trace.h"
#include "kernel/locking/spinlock.h"
#include "kernel/config.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "kernel/params.h"
#include "kernel/smp.h"
#include "kernel/errno.h"
#include "lib/string.h"
#include "asm/cpu.h"

#ifdef CONFIG_SPINLOCK_BROKEN
#define IS_ENABLED_SPINLOCK_BROKEN 1
#else
#define IS_ENABLED_SPINLOCK_BROKEN 0
#endif
#ifdef CONFIG_STEAL_BROKEN
#define IS_ENABLED_STEAL_BROKEN 1
#else
#define IS_ENABLED_STEAL_BROKEN 0
#endif

/* The turn word (see "Lock stealing" above). */
#define STEAL_TICKET      0xffffu
#define STEAL_COUNT_SHIFT 16
#define STEAL_COUNT_ONE   (1u << STEAL_COUNT_SHIFT)
#define STEAL_COUNT       (0x3fffu << STEAL_COUNT_SHIFT)
#define STEAL_OPEN        (1u << 30)
#define STEAL_HELD        (1u << 31)

static struct lock_class *lock_classes;     /* lock-free push-only list */
static bool spin_debug_off;                  /* set by panic(), read by every CPU: marked */

unsigned spin_budget = SPIN_BUDGET_DEFAULT;
unsigned spin_steal = SPIN_STEAL_DEFAULT;

static int parse_unsigned(const char *v, unsigned long max, unsigned *out)
{
	unsigned long n = 0;
	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > 0xffffffffUL / 10)
			return -EINVAL;
		n = n * 10 + (unsigned long)(*v - '0');
	}
	if (n > max)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int set_spin_budget(const char *v)
{
	return parse_unsigned(v, 0xffffffffUL, &spin_budget);
}
KERNEL_PARAM(spin_budget, "spin_budget", "N",
	     "spins (cpu_relax) a lock or call waiter makes before it halts (0: halt at once)",
	     set_spin_budget);

static int set_spin_steal(const char *v)
{
	return parse_unsigned(v, SPIN_STEAL_MAX, &spin_steal);
}
KERNEL_PARAM(spin_steal, "spin_steal", "N",
	     "steals of a sleeping waiter's turn a spinlock allows (0: strict FIFO; at most 16383)",
	     set_spin_steal);

/* The wait slots (see the header comment).  Written only by their CPU;
 * read by any unlocker.  `lock` is stored after `ticket` and cleared
 * before the slot is reused, so a reader that sees `lock` sees the ticket
 * that goes with it (x86 keeps store and load order; the smp_wmb/smp_rmb
 * name the pairing for the reader). */
#define HALT_NEST 4
struct halt_slot {
	spinlock_t *lock;
	uint16_t ticket;
};
static struct {
	struct halt_slot slot[HALT_NEST];
	unsigned depth;
} __aligned(64) halt_cpu[NR_CPUS];

void __spin_lock_init(spinlock_t *l, struct lock_class *cls)
{
	l->owner = l->next = 0;
	l->holder_cpu = -1;
	l->holder_ip = NULL;
	l->halters = 0;
	l->steal = 0;
	l->class = cls;
}

static void class_register(struct lock_class *c)
{
	if (READ_ONCE(c->registered) || __atomic_exchange_n(&c->registered, true, __ATOMIC_SEQ_CST))
		return;
	struct lock_class *head = READ_ONCE(lock_classes);
	/* c->next (and the class) before the pointer that publishes it: the
	 * CAS is a full barrier.  Readers (lock_class_for_each) follow the
	 * pointer: an address dependency from their READ_ONCE. */
	do {
		c->next = head;
	} while (!__atomic_compare_exchange_n(&lock_classes, &head, c, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}

static __noinline void spin_timeout(spinlock_t *l, uint64_t spun)
{
	int holder = READ_ONCE(l->holder_cpu);
	panic("spinlock %s (%p): CPU %u spun %llu ms; held by CPU %d, taken at %pS",
	      l->class ? l->class->name : "?", (void *)l, smp_processor_id(),
	      (unsigned long long)(tsc_to_ns(spun) / 1000000), holder, READ_ONCE(l->holder_ip));
}

/*
 * The uncontended path's statistics (acquisitions, cycles held) cost a TSC
 * read at lock and at unlock and two atomic adds on the class's shared
 * line; under multi-threaded TCG each guest RDTSC takes one global QEMU
 * spinlock and writes a shared variable (cpu_get_ticks()), so with two
 * vCPUs faulting they serialised every page fault (docs/performance.md).
 * So they are kept only while lockstat is on (lockstat=1, or the
 * monitor's `locks stat on`; Linux's CONFIG_LOCK_STAT is off by default
 * for the same reason).  The contended path's counts (contended, cycles
 * spun, halts, kicks, steals) are always kept: they cost only when a CPU
 * waits anyway.
 */
bool lockstat_enabled;

static int set_lockstat(const char *v)
{
	return param_parse_switch(v, &lockstat_enabled);
}
KERNEL_PARAM(lockstat, "lockstat", "0|1",
	     "count every spinlock acquisition and its hold time (default 0: only contention)",
	     set_lockstat);

static inline void lock_acquired(spinlock_t *l, const void *ip, uint64_t t0, bool contended)
{
	bool timed = READ_ONCE(lockstat_enabled);
	uint64_t now = timed || contended ? get_cycles() : 0;
	/* Debug fields: waiters read them without the lock (the recursion
	 * check, spin_timeout()), so marked stores; they order nothing. */
	WRITE_ONCE(l->holder_cpu, (int)smp_processor_id());
	WRITE_ONCE(l->holder_ip, ip);
	l->acquired_tsc = timed ? now : 0;     /* 0: this hold is not timed */
	struct lock_class *c = l->class;
	if (c) {
		class_register(c);
		if (timed)
			__atomic_fetch_add(&c->acquisitions, 1, __ATOMIC_RELAXED);
		if (contended) {
			__atomic_fetch_add(&c->contended, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&c->spin_cycles, now - t0, __ATOMIC_RELAXED);
		}
	}
}

/*
 * Halt until *@word equals @want (steps W1-W4 of the header), as the
 * waiter of ticket @ticket of @l: @word is &l->owner (16 bits, @want the
 * ticket) while it waits for its turn, or &l->steal (32 bits) while it
 * waits for a stealer to give its claimed turn back.  Returns with *@word
 * == @want, or early when this CPU's slots are all in use (the caller
 * keeps spinning).  Context: preemption off.
 */
static __noinline void spin_halt_wait(spinlock_t *l, uint16_t ticket, bool on_steal, uint32_t want,
				      uint64_t t0, uint64_t limit)
{
	unsigned me = smp_processor_id();
	unsigned d = halt_cpu[me].depth;
	/* Never halt in NMI context: the kick that would end the HLT is an
	 * NMI, and the CPU blocks NMIs until this handler returns, so the
	 * wait would never end.  The caller spins instead (printk does not
	 * even spin there: it buffers, kernel/printk_nmi.c). */
	if (d >= HALT_NEST || in_nmi()) {
		if (in_nmi() && l->class)
			__atomic_fetch_add(&l->class->nmi_spins, 1, __ATOMIC_RELAXED);
		return;
	}
	/* Our own interrupts nest above.  WRITE_ONCE: the compiler must not
	 * sink this below the slot stores (a handler that interrupts us
	 * would then take slot d too); same CPU, so no CPU barrier. */
	WRITE_ONCE(halt_cpu[me].depth, d + 1);
	struct halt_slot *s = &halt_cpu[me].slot[d];
	WRITE_ONCE(s->ticket, ticket);
	smp_wmb();                              /* ticket before lock: pairs with spin_find_waiter()'s smp_rmb */
	WRITE_ONCE(s->lock, l);                 /* W1 */
	/* W2: a locked add, a full barrier: the slot is visible before W3
	 * reads the word.  Pairs with spin_unlock()'s smp_mb() (U2) and the
	 * stealer's locked fetch_and (S5). */
	__atomic_fetch_add(&l->halters, 1, __ATOMIC_SEQ_CST);
	trace(SPIN_HALT, l, 0, 0);
	struct lock_class *c = l->class;
	if (c)
		__atomic_fetch_add(&c->halts, 1, __ATOMIC_RELAXED);
	if (on_steal) {
		while (smp_load_acquire(&l->steal) != want) {            /* W3 */
			arch_halt_unless_u32(&l->steal, want);
			if (!READ_ONCE(spin_debug_off) && get_cycles() - t0 > limit)
				spin_timeout(l, get_cycles() - t0);
		}
	} else {
		while (smp_load_acquire(&l->owner) != (uint16_t)want) { /* W3 */
			arch_halt_unless_u16(&l->owner, (uint16_t)want);
			if (!READ_ONCE(spin_debug_off) && get_cycles() - t0 > limit)
				spin_timeout(l, get_cycles() - t0);
		}
	}
	__atomic_fetch_sub(&l->halters, 1, __ATOMIC_RELAXED);  /* W4 */
	WRITE_ONCE(s->lock, NULL);
	WRITE_ONCE(halt_cpu[me].depth, d);      /* after the slot is cleared, as above */
}

/* The CPU whose wait slot names @l and @ticket, or -1.  A slot read while
 * its CPU leaves it may name a waiter that no longer sleeps: a kick to it
 * is spurious and harmless (the waiter's loop re-checks). */
static int spin_find_waiter(spinlock_t *l, uint16_t ticket)
{
	unsigned me = smp_processor_id(), cpu;
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		for (unsigned d = 0; d < HALT_NEST; d++) {
			struct halt_slot *s = &halt_cpu[cpu].slot[d];
			if (READ_ONCE(s->lock) != l)
				continue;
			smp_rmb();              /* pairs with spin_halt_wait()'s smp_wmb */
			if (READ_ONCE(s->ticket) == ticket)
				return (int)cpu;        /* one CPU holds a ticket */
		}
	}
	return -1;
}

/* Out of line, as every slow path here: spin_unlock() calls it, and an
 * inlined copy (its trace point, the class count, the kick) made the
 * uncontended unlock itself bigger: `make trace-cost` measured page faults
 * 3.4-4.3% slower with trace points off until this was out of line
 * (docs/tracing.md, "Cost"). */
static __noinline void spin_kick_cpu(spinlock_t *l, int cpu)
{
	trace(SPIN_KICK, l, cpu, 0);
	if (l->class)
		__atomic_fetch_add(&l->class->kicks, 1, __ATOMIC_RELAXED);
	smp_send_kick((unsigned)cpu);
}

/* U3: kick the CPU halted on @l for @ticket, if any. */
static __noinline void spin_kick_waiter(spinlock_t *l, uint16_t ticket)
{
	int cpu = spin_find_waiter(l, ticket);
	if (cpu >= 0)
		spin_kick_cpu(l, cpu);
}

/* S2-S4: take @l by stealing the open turn of a sleeping waiter.  Spins
 * while another stealer holds it, up to the spin budget.  Returns true
 * with the lock held; false when there is nothing to steal (the turn
 * closed, was claimed, or reached the bound): take a ticket then. */
static __noinline bool spin_try_steal(spinlock_t *l, bool *spun)
{
	unsigned budget = READ_ONCE(spin_budget), n = 0;
	for (;;) {
		uint32_t s = READ_ONCE(l->steal);                       /* S2 */
		unsigned bound = READ_ONCE(spin_steal);
		if (!(s & STEAL_OPEN))
			return false;
		if (!IS_ENABLED_STEAL_BROKEN && ((s & STEAL_COUNT) >> STEAL_COUNT_SHIFT) >= bound)
			return false;
		if (!(s & STEAL_HELD) &&
		    smp_load_acquire(&l->owner) == (uint16_t)(s & STEAL_TICKET)) {      /* S3 */
			/* STEAL_BROKEN: the count saturates rather than carry into OPEN. */
			uint32_t inc = (s & STEAL_COUNT) == STEAL_COUNT ? 0 : STEAL_COUNT_ONE;
			if (__atomic_compare_exchange_n(&l->steal, &s, s + inc + STEAL_HELD, false,
							__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) { /* S4 */
				trace(SPIN_STEAL, l, 0, 0);
				return true;
			}
			continue;
		}
		if (++n > budget)
			return false;
		*spun = true;
		cpu_relax();
	}
}

/* C2-C4: the waiter of @ticket, having seen owner == @ticket, closes its
 * turn to stealers and waits for a stealer that holds the lock. */
static __noinline void spin_claim_turn(spinlock_t *l, uint16_t ticket, uint64_t t0, uint64_t limit)
{
	uint32_t s = __atomic_fetch_and(&l->steal, ~STEAL_OPEN, __ATOMIC_SEQ_CST);     /* C2 */
	if (s & STEAL_HELD) {                                                           /* C3 */
		uint32_t want = s & ~(STEAL_OPEN | STEAL_HELD);
		unsigned budget = READ_ONCE(spin_budget), n = 0;
		while (smp_load_acquire(&l->steal) != want) {
			cpu_relax();
			if (++n >= budget) {
				spin_halt_wait(l, ticket, true, want, t0, limit);
				n = 0;
			}
			if (!(n & 1023) && !READ_ONCE(spin_debug_off) && get_cycles() - t0 > limit)
				spin_timeout(l, get_cycles() - t0);
		}
	}
	WRITE_ONCE(l->steal, 0);                                                        /* C4 */
}

void spin_lock(spinlock_t *l)
{
	const void *ip = __builtin_return_address(0);
	preempt_disable();
	if (unlikely(!READ_ONCE(spin_debug_off) && !IS_ENABLED_SPINLOCK_BROKEN &&
		     READ_ONCE(l->holder_cpu) == (int)smp_processor_id() &&
		     spin_is_locked(l)))
		panic("recursive lock: CPU %u takes %s (%p) again at %pS; it took it at %pS",
		      smp_processor_id(), l->class ? l->class->name : "?", (void *)l, ip, READ_ONCE(l->holder_ip));

	/* A turn open to stealers: its waiter sleeps; take the lock ahead of
	 * it rather than queue behind it (S2-S4). */
	if (unlikely(READ_ONCE(l->steal) & STEAL_OPEN) && !IS_ENABLED_SPINLOCK_BROKEN) {
		bool spun = false;
		uint64_t t0 = get_cycles();
		if (spin_try_steal(l, &spun)) {
			if (l->class)
				__atomic_fetch_add(&l->class->steals, 1, __ATOMIC_RELAXED);
			lock_acquired(l, ip, t0, spun);
			return;
		}
	}

	/* The fetch-and-add is a full barrier; the spin reads `owner` with
	 * acquire semantics so the critical section cannot start before the
	 * previous holder's release store is visible. */
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_SEQ_CST);
	uint64_t t0 = 0;
	bool contended = smp_load_acquire(&l->owner) != ticket;
#ifdef CONFIG_SPINLOCK_BROKEN
	/* Test-only: pretend the lock was free.  Mutual exclusion is gone;
	 * the smp suite's torture test must notice. */
	contended = false;
#endif
	if (contended) {
		t0 = get_cycles();
		uint64_t limit = ns_to_tsc((uint64_t)SPIN_TIMEOUT_MS * 1000000);
		unsigned budget = READ_ONCE(spin_budget), n = 0;
		while (smp_load_acquire(&l->owner) != ticket) {
			cpu_relax();
			if (++n >= budget) {
				spin_halt_wait(l, ticket, false, ticket, t0, limit);
				n = 0;
			}
			if (!(n & 1023) && !READ_ONCE(spin_debug_off) && get_cycles() - t0 > limit)
				spin_timeout(l, get_cycles() - t0);
		}
		/* C1: our turn.  If it was opened to stealers while we slept,
		 * close it.  The open turn (S1) was stored before owner moved:
		 * spin_unlock()'s release of owner (U1) and our acquire load
		 * of it above order it for us. */
		if (unlikely(READ_ONCE(l->steal)))
			spin_claim_turn(l, ticket, t0, limit);
	}
	lock_acquired(l, ip, t0, contended);
}

bool spin_trylock(spinlock_t *l)
{
	preempt_disable();
	uint16_t owner = READ_ONCE(l->owner);
	uint32_t expect_next = owner;
	/* Free iff next == owner; take ticket `owner` by bumping next. */
	uint16_t exp = (uint16_t)expect_next;
	/* No acquire load here: the compare-and-exchange is a full barrier
	 * after our read of owner, so the critical section cannot start
	 * before the previous holder's release of owner (U1) was read. */
	if (READ_ONCE(l->next) == owner &&
	    __atomic_compare_exchange_n(&l->next, &exp, (uint16_t)(owner + 1), false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		lock_acquired(l, __builtin_return_address(0), 0, false);
		return true;
	}
	preempt_enable();
	return false;
}

/* S5: a stealer gives the turn back.  The locked fetch_and is the
 * release, and a full barrier before reading halters; kick the turn's
 * waiter only if it has claimed (C2) and so may be halted on `steal`. */
static __noinline void spin_unlock_stolen(spinlock_t *l)
{
	uint32_t s = __atomic_fetch_and(&l->steal, ~STEAL_HELD, __ATOMIC_SEQ_CST);
	if (!(s & STEAL_OPEN) && READ_ONCE(l->halters))
		spin_kick_waiter(l, (uint16_t)(s & STEAL_TICKET));
	preempt_enable();
}

void spin_unlock(spinlock_t *l)
{
	if (unlikely(!READ_ONCE(spin_debug_off) && !IS_ENABLED_SPINLOCK_BROKEN &&
		     l->holder_cpu != (int)smp_processor_id()))
		panic("spin_unlock of %s (%p) by CPU %u, but holder is CPU %d",
		      l->class ? l->class->name : "?", (void *)l, smp_processor_id(), l->holder_cpu);
	if (l->class && l->acquired_tsc)
		__atomic_fetch_add(&l->class->hold_cycles, get_cycles() - l->acquired_tsc, __ATOMIC_RELAXED);
	WRITE_ONCE(l->holder_cpu, -1);          /* see lock_acquired() */
	uint16_t next = (uint16_t)(l->owner + 1);
	int sleeper = -1;
	/* One load tells whether anyone halts on the lock or a turn is open:
	 * the uncontended unlock pays one compare for stealing. */
	if (unlikely(READ_ONCE(l->slow))) {
		if (READ_ONCE(l->steal) & STEAL_HELD) {
			spin_unlock_stolen(l);
			return;
		}
		/* S1: the next ticket's waiter sleeps: open its turn to
		 * stealers, before owner moves (so that it sees the turn when
		 * it wakes). */
		if (READ_ONCE(l->halters) && READ_ONCE(spin_steal) && !IS_ENABLED_SPINLOCK_BROKEN) {
			sleeper = spin_find_waiter(l, next);
			if (sleeper >= 0)
				WRITE_ONCE(l->steal, next | STEAL_OPEN);
		}
	}
	/* Release: every store of the critical section is visible before the
	 * next ticket holder sees `owner` move. */
	smp_store_release(&l->owner, next);                     /* U1 */
	/* U2: the new owner is visible before we look for halted waiters;
	 * pairs with the locked add of spin_halt_wait() (W2). */
	smp_mb();
	if (sleeper >= 0)
		spin_kick_cpu(l, sleeper);                      /* U3 */
	else if (unlikely(READ_ONCE(l->halters)))
		spin_kick_waiter(l, next);                      /* U3 */
	preempt_enable();
}

void lock_class_for_each(void (*fn)(struct lock_class *c, void *ctx), void *ctx)
{
	/* Push-only list: each class and its ->next are read through the
	 * pointer loaded here (an address dependency), which pairs with
	 * class_register()'s compare-and-swap; ->next never changes after. */
	for (struct lock_class *c = READ_ONCE(lock_classes); c; c = c->next)
		fn(c, ctx);
}

void lock_stats_reset(void)
{
	for (struct lock_class *c = READ_ONCE(lock_classes); c; c = c->next) {
		WRITE_ONCE(c->acquisitions, 0);
		WRITE_ONCE(c->contended, 0);
		WRITE_ONCE(c->spin_cycles, 0);
		WRITE_ONCE(c->hold_cycles, 0);
		WRITE_ONCE(c->halts, 0);
		WRITE_ONCE(c->kicks, 0);
		WRITE_ONCE(c->steals, 0);
		WRITE_ONCE(c->nmi_spins, 0);
	}
}

void spinlock_panic_mode(void)
{
	WRITE_ONCE(spin_debug_off, true);
}
