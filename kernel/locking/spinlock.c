/*
 * kernel/locking/spinlock.c - ticket spinlock with debug checks and statistics.
 * See spinlock.h for the contract.
 */
#include "kernel/locking/spinlock.h"
#include "kernel/config.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "asm/cpu.h"

#ifdef CONFIG_SPINLOCK_BROKEN
#define IS_ENABLED_SPINLOCK_BROKEN 1
#else
#define IS_ENABLED_SPINLOCK_BROKEN 0
#endif

static struct lock_class *lock_classes;     /* lock-free push-only list */
static bool spin_debug_off;                  /* set by panic() */

void __spin_lock_init(spinlock_t *l, struct lock_class *cls)
{
	l->owner = l->next = 0;
	l->holder_cpu = -1;
	l->holder_ip = NULL;
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
		unsigned n = 0;
		while (smp_load_acquire(&l->owner) != ticket) {
			cpu_relax();
			if (!(++n & 1023) && !spin_debug_off && get_cycles() - t0 > limit)
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
	smp_store_release(&l->owner, (uint16_t)(l->owner + 1));
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
	}
}

void spinlock_panic_mode(void)
{
	spin_debug_off = true;
}
