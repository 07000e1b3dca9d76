/*
 * kernel/locking/rwsem.h - reader-writer semaphore (what mmap_lock is).
 *
 * Any number of readers, or one writer.  The uncontended paths are one
 * atomic on @count (Linux's reader bias): a reader adds RWSEM_READER and
 * is done if no writer holds the lock and nobody waits; a writer
 * compare-and-swaps 0 to RWSEM_WRITER.  Only contention takes @wait_lock.
 * Fair: a thread that finds others already waiting (RWSEM_WAITERS) queues
 * behind them, so a stream of readers cannot starve a writer; on release
 * the lock is granted to the head of the queue (one writer, or every reader
 * up to the next waiting writer).
 * Optimistic spinning (Linux's rwsem_optimistic_spin()): before a
 * contended down_write() or down_read() sleeps, it spins while the lock's
 * writer is running on a CPU (it will release soon, and a sleep and wake-up
 * cost two context switches and an IPI), or for a short bound while readers
 * hold it, retrying the trylock; never while others are queued (fairness),
 * never past need_resched.  rwsem_spin=0 on the command line turns it off.
 * Context: process context (may sleep), except the trylocks.
 */
#ifndef KERNEL_RWSEM_H
#define KERNEL_RWSEM_H

#include <stdbool.h>
#include "kernel/locking/spinlock.h"
#include "lib/list.h"

#define RWSEM_WRITER  1l        /* a writer holds it */
#define RWSEM_WAITERS 2l        /* @waiters is not empty (changed under wait_lock) */
#define RWSEM_READER  4l        /* one per reader holding it (or backing off) */

struct thread;

struct rw_semaphore {
	long count;                 /* RWSEM_* bits and READER units; atomics only */
	/* The writer holding it and the CPU it took it on, for optimistic
	 * spinning (rwsem.c): only compared, never dereferenced.  Written by
	 * the writer; read racily by spinners (a stale value only ends a
	 * spin early or late). */
	struct thread *owner;
	unsigned owner_cpu;
	spinlock_t wait_lock;       /* protects @waiters and the WAITERS bit */
	struct list_head waiters;   /* struct rwsem_waiter, FIFO */
	const char *name;
};

#define init_rwsem(s) do { \
	(s)->count = 0; \
	(s)->owner = NULL; \
	(s)->owner_cpu = 0; \
	spin_lock_init(&(s)->wait_lock); \
	INIT_LIST_HEAD(&(s)->waiters); \
	(s)->name = #s; \
} while (0)

/** down_read() - take for read; sleeps while a writer holds it or others wait. */
void down_read(struct rw_semaphore *s);
/** down_read_trylock() - take for read if that needs no waiting. Return: true if taken. */
bool down_read_trylock(struct rw_semaphore *s);
/** up_read() - release a read hold; grants the waiters if it was the last. */
void up_read(struct rw_semaphore *s);
/** down_write() - take for write; sleeps while anyone holds it or others wait. */
void down_write(struct rw_semaphore *s);
/** down_write_trylock() - take for write if it is free. Return: true if taken. */
bool down_write_trylock(struct rw_semaphore *s);
/** up_write() - release the write hold and grant the waiters. */
void up_write(struct rw_semaphore *s);

/**
 * downgrade_write() - turn the caller's write hold into a read hold,
 * atomically (no writer can come in between), and let queued readers at
 * the head of the queue in.  Release it with up_read().
 */
void downgrade_write(struct rw_semaphore *s);

/** struct rwsem_spin_stats - what optimistic spinning did, over all rwsems. */
struct rwsem_spin_stats {
	uint64_t acquired;          /* spins that ended holding the lock */
	uint64_t gave_up;           /* spins that ended in the queue (owner asleep, bound, waiters) */
	uint64_t sleeps;            /* contended acquisitions that slept (queued) */
};
/** rwsem_spin_stats() - the counts since boot (or the last reset). */
struct rwsem_spin_stats rwsem_spin_stats(void);
/** rwsem_spin_stats_reset() - zero them (monitor `locks reset`). */
void rwsem_spin_stats_reset(void);
/* Optimistic spinning on (1, the default) or off (rwsem_spin=0). */
extern bool rwsem_spin_enabled;

#endif
