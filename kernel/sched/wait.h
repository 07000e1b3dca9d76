/*
 * kernel/sched/wait.h - wait queues: sleep until a condition holds.
 *
 *   wait_event(wq, cond);                  sleeps until cond is true
 *   wait_event_timeout(wq, cond, ns);      ... or ns pass; returns ns left (0: timed out)
 *   wake_up(wq);                           after making cond true
 *
 * No wakeup is lost: the sleeper is on the queue and marked blocked before
 * it tests the condition, and the waker tests for sleepers (under wq->lock)
 * only after making the condition true.
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include <stdint.h>
#include "kernel/locking/spinlock.h"
#include "kernel/config.h"
#include "lib/list.h"

struct thread;

struct wait_queue_head {
	spinlock_t lock;
	struct list_head waiters;
};

struct wait_entry {
	struct thread *thread;
	struct list_head node;
	bool exclusive;             /* wake_up_one() stops after waking one of these */
};

#define init_waitqueue_head(wq) do { \
	spin_lock_init(&(wq)->lock); \
	INIT_LIST_HEAD(&(wq)->waiters); \
} while (0)

/** prepare_to_wait() - queue @e (if not queued) and mark the caller blocked. */
void prepare_to_wait(struct wait_queue_head *wq, struct wait_entry *e);
/** finish_wait() - dequeue @e and mark the caller running. */
void finish_wait(struct wait_queue_head *wq, struct wait_entry *e);
/** wake_up() - wake every sleeper on @wq. Context: any but NMI. */
void wake_up(struct wait_queue_head *wq);
/** wake_up_one() - wake the oldest sleeper (exclusive waiters first come, first served). */
void wake_up_one(struct wait_queue_head *wq);

void wait_entry_init(struct wait_entry *e, bool exclusive);

/* From kernel/sched/sched.h, which cannot be included here (it needs struct
 * thread, which embeds a wait queue head). */
void schedule(void);
uint64_t schedule_timeout(uint64_t ns);
void __might_sleep(const char *file, int line);

#ifndef CONFIG_WAKEUP_BROKEN
#define wait_event(wq, cond) do { \
	__might_sleep(__FILE__, __LINE__); \
	struct wait_entry __we; \
	wait_entry_init(&__we, false); \
	for (;;) { \
		prepare_to_wait((wq), &__we); \
		if (cond) \
			break; \
		schedule(); \
	} \
	finish_wait((wq), &__we); \
} while (0)
#else
/* Test-only: the textbook lost wakeup.  The condition is tested before the
 * sleeper is queued and marked blocked, so a wakeup in between is missed
 * and the sleeper sleeps forever. */
#define wait_event(wq, cond) do { \
	struct wait_entry __we; \
	wait_entry_init(&__we, false); \
	for (;;) { \
		if (cond) \
			break; \
		for (volatile int __d = 0; __d < 100000; __d++) \
			; \
		prepare_to_wait((wq), &__we); \
		schedule(); \
	} \
	finish_wait((wq), &__we); \
} while (0)
#endif

#define wait_event_timeout(wq, cond, ns) ({ \
	__might_sleep(__FILE__, __LINE__); \
	struct wait_entry __we; \
	uint64_t __left = (ns); \
	wait_entry_init(&__we, false); \
	for (;;) { \
		prepare_to_wait((wq), &__we); \
		if (cond) \
			break; \
		if (__left == 0) \
			break; \
		__left = schedule_timeout(__left); \
	} \
	finish_wait((wq), &__we); \
	(cond) ? (__left ? __left : 1) : 0; \
})

#endif
