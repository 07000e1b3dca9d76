/*
 * kernel/locking/owner_lock.h - a test-and-set lock for per-CPU data that
 * its own CPU takes on a hot path and other CPUs take rarely.
 *
 * The per-CPU kmalloc caches (mm/kmalloc_cpu.c) take a lock on every
 * kmalloc() and kfree(), and the per-CPU page lists (mm/pcp.c) on every
 * order-0 page allocation and free, so that another CPU can, now and
 * then, drain or read them.  That lock is almost always free and its line is already in
 * the owner's cache; what it costs is the lock's own code.  The generic
 * spinlock (spinlock.c) brings fairness (tickets), halting waiters,
 * statistics and debug checks, and under TCG a lock and unlock of it cost
 * about 360 cycles: a kmalloc+kfree pair, two of them, took 1,499 cycles
 * with it and 955 with this lock (docs/performance.md, finding 20).  This
 * one is an exchange to take and a store to release, nothing else.
 *
 * What it does not give, so where it fits: no fairness (a remote taker
 * can wait while the owner takes it again and again: fine for rare remote
 * takers, wrong for a contended lock), no preemption or IRQ control (the
 * caller turns IRQs off first, as every user here must: an IRQ handler on
 * the same CPU taking it would deadlock), no recursion check and no
 * statistics.  Use spinlock_t for anything else.
 *
 * Tested by the smp suite's test_owner_lock_torture; SPINLOCK_BROKEN=1
 * breaks this lock too.
 */
#ifndef KERNEL_LOCKING_OWNER_LOCK_H
#define KERNEL_LOCKING_OWNER_LOCK_H

#include "kernel/atomic.h"
#include "kernel/config.h"
#include "asm/cpu.h"

typedef struct { unsigned char locked; } owner_lock_t;

#define OWNER_LOCK_UNLOCKED { 0 }

/** owner_lock() - take @l, spinning.  Context: IRQs off. */
static inline void owner_lock(owner_lock_t *l)
{
#ifdef CONFIG_SPINLOCK_BROKEN
	/* Test-only: no exclusion at all; the smp suite's owner-lock
	 * torture must notice. */
	(void)l;
	return;
#endif
	/* Acquire: the critical section's loads and stores stay after the
	 * exchange that took the lock.  Pairs with owner_unlock()'s release:
	 * a taker sees everything the previous holder did.  The inner loop
	 * waits with plain loads, so a waiter does not keep pulling the line
	 * away from the holder. */
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(l->locked))
			cpu_relax();
}

/** owner_unlock() - release @l. */
static inline void owner_unlock(owner_lock_t *l)
{
	/* Release: pairs with owner_lock()'s acquiring exchange. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
