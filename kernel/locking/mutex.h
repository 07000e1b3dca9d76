/*
 * kernel/locking/mutex.h - a sleeping lock with one owner.
 *
 * mutex_lock() sleeps while another thread owns the mutex; mutex_unlock()
 * hands it to the longest waiter (FIFO), so no waiter starves.  Only the
 * owner may unlock (checked).  Context: process context only (may sleep).
 */
#ifndef KERNEL_MUTEX_H
#define KERNEL_MUTEX_H

#include <stdbool.h>
#include "kernel/locking/spinlock.h"
#include "lib/list.h"

struct thread;

struct mutex {
	spinlock_t wait_lock;       /* protects owner and waiters */
	struct thread *owner;
	struct list_head waiters;   /* struct mutex_waiter, oldest first */
	const char *name;
};

#define mutex_init(m) do { \
	spin_lock_init(&(m)->wait_lock); \
	(m)->owner = NULL; \
	INIT_LIST_HEAD(&(m)->waiters); \
	(m)->name = #m; \
} while (0)

void mutex_lock(struct mutex *m);
/** mutex_trylock() - take @m if free. Return: true if taken. */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/** mutex_is_locked() - racy peek, for assertions. */
static inline bool mutex_is_locked(struct mutex *m) { return READ_ONCE(m->owner) != NULL; }

#endif
