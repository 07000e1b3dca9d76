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
 * So a waiter spins with `pause` for spin_budget iterations (the command
 * line's spin_budget=, default SPIN_BUDGET_DEFAULT) and then halts until
 * the unlocker hands it the lock and kicks it: Linux's pv_wait()/pv_kick()
 * idea, on the ticket lock.  FIFO order is the ticket order, unchanged: a
 * halted waiter keeps its ticket, and the unlocker kicks exactly the CPU
 * whose ticket it has just made current.
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
 *
 * SPINLOCK_BROKEN=1 takes no ticket wait at all (so neither spins nor
 * halts): the smp suite's torture still catches it.
 */
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

static struct lock_class *lock_classes;     /* lock-free push-only list */
static bool spin_debug_off;                  /* set by panic() */

unsigned spin_budget = SPIN_BUDGET_DEFAULT;

static int set_spin_budget(const char *v)
{
	unsigned long n = 0;
	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > 0xffffffffUL / 10)
			return -EINVAL;
		n = n * 10 + (unsigned long)(*v - '0');
	}
	if (n > 0xffffffffUL)
		return -EINVAL;
	spin_budget = (unsigned)n;
	return 0;
}
KERNEL_PARAM(spin_budget, "spin_budget", "N",
	     "pause iterations a lock or call waiter spins before it halts (0: halt at once)",
	     set_spin_budget);

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
	l->class = cls;
}

static void class_register(struct lock_class *c)
{
	if (READ_ONCE(c->registered) || __atomic_exchange_n(&c->registered, true, __ATOMIC_SEQ_CST))
		return;
	struct lock_class *head = READ_ONCE(lock_classes);
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
	      (unsigned long long)(tsc_to_ns(spun) / 1000000), holder, l->holder_ip);
}

static inline void lock_acquired(spinlock_t *l, const void *ip, uint64_t t0, bool contended)
{
	uint64_t now = get_cycles();
	l->holder_cpu = (int)smp_processor_id();
	l->holder_ip = ip;
	l->acquired_tsc = now;
	struct lock_class *c = l->class;
	if (c) {
		class_register(c);
		__atomic_fetch_add(&c->acquisitions, 1, __ATOMIC_RELAXED);
		if (contended) {
			__atomic_fetch_add(&c->contended, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&c->spin_cycles, now - t0, __ATOMIC_RELAXED);
		}
	}
}

/*
 * Halt until ticket @ticket of @l is served (steps W1-W4 of the header).
 * Returns with owner == ticket, or early when this CPU's slots are all in
 * use (the caller keeps spinning).  Context: preemption off.
 */
static __noinline void spin_halt_wait(spinlock_t *l, uint16_t ticket, uint64_t t0, uint64_t limit)
{
	unsigned me = smp_processor_id();
	unsigned d = halt_cpu[me].depth;
	if (d >= HALT_NEST)
		return;
	halt_cpu[me].depth = d + 1;             /* our own interrupts nest above */
	struct halt_slot *s = &halt_cpu[me].slot[d];
	WRITE_ONCE(s->ticket, ticket);
	smp_wmb();                              /* ticket before lock: pairs with spin_kick_waiter()'s smp_rmb */
	WRITE_ONCE(s->lock, l);                 /* W1 */
	/* W2: a locked add, a full barrier: the slot is visible before W3
	 * reads owner.  Pairs with spin_unlock()'s smp_mb() (U2). */
	__atomic_fetch_add(&l->halters, 1, __ATOMIC_SEQ_CST);
	struct lock_class *c = l->class;
	if (c)
		__atomic_fetch_add(&c->halts, 1, __ATOMIC_RELAXED);
	while (smp_load_acquire(&l->owner) != ticket) {         /* W3 */
		arch_halt_unless_u16(&l->owner, ticket);
		if (!spin_debug_off && get_cycles() - t0 > limit)
			spin_timeout(l, get_cycles() - t0);
	}
	__atomic_fetch_sub(&l->halters, 1, __ATOMIC_RELAXED);  /* W4 */
	WRITE_ONCE(s->lock, NULL);
	halt_cpu[me].depth = d;
}

/* U3: kick the CPU halted on @l for @ticket, if any.  A slot read while
 * its CPU leaves it may name a waiter that no longer sleeps: that kick is
 * spurious and harmless (the waiter's loop re-checks). */
static __noinline void spin_kick_waiter(spinlock_t *l, uint16_t ticket)
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
			if (READ_ONCE(s->ticket) != ticket)
				continue;
			if (l->class)
				__atomic_fetch_add(&l->class->kicks, 1, __ATOMIC_RELAXED);
			smp_send_kick(cpu);
			return;         /* one CPU holds a ticket */
		}
	}
}

void spin_lock(spinlock_t *l)
{
	const void *ip = __builtin_return_address(0);
	preempt_disable();
	if (unlikely(!spin_debug_off && !IS_ENABLED_SPINLOCK_BROKEN &&
		     READ_ONCE(l->holder_cpu) == (int)smp_processor_id() &&
		     spin_is_locked(l)))
		panic("recursive lock: CPU %u takes %s (%p) again at %pS; it took it at %pS",
		      smp_processor_id(), l->class ? l->class->name : "?", (void *)l, ip, l->holder_ip);

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
				spin_halt_wait(l, ticket, t0, limit);
				n = 0;
			}
			if (!(n & 1023) && !spin_debug_off && get_cycles() - t0 > limit)
				spin_timeout(l, get_cycles() - t0);
		}
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
	if (READ_ONCE(l->next) == owner &&
	    __atomic_compare_exchange_n(&l->next, &exp, (uint16_t)(owner + 1), false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		lock_acquired(l, __builtin_return_address(0), 0, false);
		return true;
	}
	preempt_enable();
	return false;
}

void spin_unlock(spinlock_t *l)
{
	if (unlikely(!spin_debug_off && !IS_ENABLED_SPINLOCK_BROKEN &&
		     l->holder_cpu != (int)smp_processor_id()))
		panic("spin_unlock of %s (%p) by CPU %u, but holder is CPU %d",
		      l->class ? l->class->name : "?", (void *)l, smp_processor_id(), l->holder_cpu);
	if (l->class)
		__atomic_fetch_add(&l->class->hold_cycles, get_cycles() - l->acquired_tsc, __ATOMIC_RELAXED);
	l->holder_cpu = -1;
	/* Release: every store of the critical section is visible before the
	 * next ticket holder sees `owner` move. */
	uint16_t next = (uint16_t)(l->owner + 1);
	smp_store_release(&l->owner, next);                     /* U1 */
	/* U2: the new owner is visible before we look for halted waiters;
	 * pairs with the locked add of spin_halt_wait() (W2). */
	smp_mb();
	if (unlikely(READ_ONCE(l->halters)))
		spin_kick_waiter(l, next);                      /* U3 */
	preempt_enable();
}

void lock_class_for_each(void (*fn)(struct lock_class *c, void *ctx), void *ctx)
{
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
	}
}

void spinlock_panic_mode(void)
{
	spin_debug_off = true;
}
