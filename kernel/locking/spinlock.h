/*
 * kernel/locking/spinlock.h - ticket spinlocks.
 *
 * A ticket lock hands the lock over in FIFO order: a CPU takes a ticket
 * (atomic fetch-and-add on `next`) and spins until `owner` reaches it.  The
 * holder releases by incrementing `owner`; only the holder writes it.
 *
 * Holding a spinlock disables preemption.  The _irqsave variants also turn
 * local interrupts off, for locks an interrupt handler can take.
 *
 * Debug checks (always on; this is a teaching kernel): taking a lock this
 * CPU already holds panics ("recursive lock"), and a spin longer than
 * SPIN_TIMEOUT_MS panics naming the CPU that holds the lock and the place
 * where it took it.  Per lock class (one class per spin_lock_init() site or
 * DEFINE_SPINLOCK), the kernel counts contended acquisitions and cycles
 * spun, and, while lockstat is on (lockstat=1, `locks stat on`), every
 * acquisition and the cycles held (`locks` in the monitor; benchmarks read
 * it).
 *
 * A waiter spins for spin_budget cpu_relax() iterations, then halts its CPU
 * until the unlocker kicks it (an NMI), so that a vCPU of an overcommitted
 * host gives its host core back; the protocol, and why no kick is lost,
 * is in spinlock.c.  Halts and kicks are counted per class too.
 *
 * While the waiter whose turn has come is still halted (its wake-up takes
 * a host thread wake-up under emulation), a running CPU may take the lock
 * ahead of it: at most spin_steal times per turn (command line
 * spin_steal=, default SPIN_STEAL_DEFAULT; 0 is strict FIFO).  This trades
 * strict FIFO for throughput on an overcommitted host, as Linux's
 * paravirt qspinlock does; spinlock.c, "Lock stealing", has the protocol
 * and the bound.  Steals are counted per class.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/atomic.h"
#include "kernel/irqflags.h"
#include "kernel/preempt.h"

#define SPIN_TIMEOUT_MS 20000

/* Pause iterations before a waiter halts (spin_budget= on the command
 * line; tests lower it to force the halting path). */
#define SPIN_BUDGET_DEFAULT 128
extern unsigned spin_budget;

/* Bounded lock stealing (spin_steal= on the command line): while the
 * waiter whose turn it is sleeps, a running CPU may take the lock ahead of
 * it, at most spin_steal times per turn; 0 keeps strict FIFO.  At most
 * SPIN_STEAL_MAX.  See spinlock.c, "Lock stealing". */
#define SPIN_STEAL_DEFAULT 1024
#define SPIN_STEAL_MAX 16383
extern unsigned spin_steal;

struct lock_class {
	const char *name;
	uint64_t acquisitions;      /* relaxed atomics; counted only while lockstat_enabled */
	uint64_t contended;
	uint64_t spin_cycles;
	uint64_t hold_cycles;       /* only while lockstat_enabled */
	uint64_t halts;             /* waits that published a slot and halted */
	uint64_t kicks;             /* NMIs unlockers sent to halted waiters */
	uint64_t steals;            /* acquisitions ahead of a sleeping turn */
	uint64_t nmi_spins;         /* halts refused in NMI context (the waiter spun on) */
	struct lock_class *next;    /* registry, for `locks` */
	bool registered;
};

typedef struct spinlock {
	uint16_t owner;             /* ticket being served */
	uint16_t next;              /* next ticket to hand out */
	union {
		struct {
			uint32_t halters;   /* waiters halted (or halting) on it */
			uint32_t steal;     /* the open steal turn, if any (spinlock.c) */
		};
		uint64_t slow;              /* both: nonzero sends unlock to its slow path */
	};
	int holder_cpu;             /* -1 when free (debug) */
	const void *holder_ip;      /* where the holder took it (debug) */
	uint64_t acquired_tsc;      /* for hold-time statistics */
	struct lock_class *class;
} spinlock_t;

#define __SPINLOCK_INITIALIZER(cls) { .owner = 0, .next = 0, .steal = 0, .holder_cpu = -1, .class = (cls) }

/* Count every acquisition and its hold time (lockstat=1, monitor `locks
 * stat on`); off by default: see spinlock.c, lock_acquired(). */
extern bool lockstat_enabled;

/* DEFINE_SPINLOCK(name): a static lock with its own class named after it. */
#define DEFINE_SPINLOCK(lname) \
	static struct lock_class __lock_class_##lname = { .name = #lname }; \
	spinlock_t lname = __SPINLOCK_INITIALIZER(&__lock_class_##lname)

/* spin_lock_init(lock): one class per call site, named after the expression. */
#define spin_lock_init(l) do { \
	static struct lock_class __cls = { .name = #l }; \
	__spin_lock_init((l), &__cls); \
} while (0)

void __spin_lock_init(spinlock_t *l, struct lock_class *cls);

/** spin_lock() - take @l, spinning; disables preemption. Context: any but NMI. */
void spin_lock(spinlock_t *l);
/** spin_unlock() - release @l and re-enable preemption. */
void spin_unlock(spinlock_t *l);
/** spin_trylock() - take @l if it is free. Return: true if taken. */
bool spin_trylock(spinlock_t *l);
/** spin_is_locked() - racy peek, for assertions. */
static inline bool spin_is_locked(spinlock_t *l)
{
	return READ_ONCE(l->owner) != READ_ONCE(l->next);
}
/** spin_held_by_me() - true if this CPU holds @l (debug assertions). */
static inline bool spin_held_by_me(spinlock_t *l)
{
	return spin_is_locked(l) && READ_ONCE(l->holder_cpu) == (int)smp_processor_id();
}

#define spin_lock_irqsave(l, flags) do { local_irq_save(flags); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) do { spin_unlock(l); local_irq_restore(flags); } while (0)
#define spin_lock_irq(l) do { local_irq_disable(); spin_lock(l); } while (0)
#define spin_unlock_irq(l) do { spin_unlock(l); local_irq_enable(); } while (0)

/** lock_class_for_each() - walk every lock class that has been used. */
void lock_class_for_each(void (*fn)(struct lock_class *c, void *ctx), void *ctx);
/** lock_stats_reset() - zero every class's counters (benchmarks). */
void lock_stats_reset(void);

/** spinlock_panic_mode() - stop the debug checks once the kernel panics. */
void spinlock_panic_mode(void);

#endif
