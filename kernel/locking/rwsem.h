/*
 * kernel/locking/rwsem.h - reader-writer semaphore (what mmap_lock is).
 *
 * Any number of readers, or one writer.  Fair: a thread that finds others
 * already waiting queues behind them, so a stream of readers cannot starve
 * a writer; on release the lock is granted to the head of the queue (one
 * writer, or every reader up to the next waiting writer).
 * Context: process context (may sleep), except the trylocks.
 */
#ifndef KERNEL_RWSEM_H
#define KERNEL_RWSEM_H

#include <stdbool.h>
#include "kernel/locking/spinlock.h"
#include "lib/list.h"

struct rw_semaphore {
	spinlock_t wait_lock;       /* protects everything below */
	int readers;                /* readers holding it */
	bool writer;                /* a writer holds it */
	struct list_head waiters;   /* struct rwsem_waiter, FIFO */
	const char *name;
};

#define init_rwsem(s) do { \
	spin_lock_init(&(s)->wait_lock); \
	(s)->readers = 0; \
	(s)->writer = false; \
	INIT_LIST_HEAD(&(s)->waiters); \
	(s)->name = #s; \
} while (0)

void down_read(struct rw_semaphore *s);
/** down_read_trylock() - take for read if that needs no waiting. Return: true if taken. */
bool down_read_trylock(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
void down_write(struct rw_semaphore *s);
bool down_write_trylock(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);

#endif
