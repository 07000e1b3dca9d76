/*
 * kernel/rcu/rcu.h - a minimal SMP RCU (read-copy-update).
 *
 * Readers:   rcu_read_lock(); p = rcu_dereference(gp); ... rcu_read_unlock();
 * Updaters:  rcu_assign_pointer(gp, new); call_rcu(&old->rcu, free_old);
 *            or synchronize_rcu() and free directly.
 *
 * Barriers:
 *   rcu_read_lock/unlock   compiler barriers only (they disable and enable
 *                          preemption): a reader cannot be switched out, and
 *                          a context switch is therefore a quiescent state;
 *   rcu_dereference        READ_ONCE: the load of the pointer happens once
 *                          and before the loads through it (dependency
 *                          ordering: enough on every CPU Linux runs on, x86
 *                          included);
 *   rcu_assign_pointer     a release store: the object's initialisation is
 *                          visible before the pointer to it;
 *   synchronize_rcu        a full barrier on return: everything readers did
 *                          before their read sections ended is visible;
 *   call_rcu               the callback runs after a grace period, and sees
 *                          every store of pre-existing readers.
 */
#ifndef KERNEL_RCU_H
#define KERNEL_RCU_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "kernel/atomic.h"
#include "kernel/irqflags.h"
#include "kernel/preempt.h"
#include "kernel/rcu/rcu_types.h"
#include "mm/kmalloc.h"

typedef void (*rcu_callback_t)(struct rcu_head *head);

extern unsigned rcu_stall_timeout_ms;   /* stall warning after this (default 10 s) */

/* A reader is a region with preemption off: the grace period waits for
 * every CPU to pass a quiescent state, a context switch or a tick that
 * interrupted a preemptible context (kernel/sched/timer.c), and neither
 * happens inside.  So rcu_read_lock() is preempt_disable() and nothing
 * more: one per-CPU increment and a compiler barrier, as Linux's
 * rcu_read_lock() without PREEMPT_RCU.  (It kept a second per-CPU count of
 * read sections for rcu_read_lock_held(); that doubled the section's cost
 * for a debug check that the preemption count answers as well.) */
static inline void rcu_read_lock(void)
{
	preempt_disable();
}

static inline void rcu_read_unlock(void)
{
	preempt_enable();
}

/**
 * rcu_read_lock_held() - would a grace period wait for this CPU now?
 * True with preemption off (inside rcu_read_lock(), a spinlock, ...) or
 * IRQs off (no tick, no switch): everything that holds back a grace period
 * here, as Linux's rcu_read_lock_sched_held() without lockdep.  For debug
 * assertions (the lockless walker's protection check).
 */
static inline bool rcu_read_lock_held(void)
{
	return preempt_count() > 0 || irqs_disabled();
}

#define rcu_dereference(p) READ_ONCE(p)
#define rcu_assign_pointer(p, v) smp_store_release(&(p), (v))

/** call_rcu() - run @func(@head) after a grace period, on this CPU, in a thread. Context: any but NMI. */
void call_rcu(struct rcu_head *head, rcu_callback_t func);
/** call_rcu_sized() - call_rcu() that also counts @bytes as memory waiting for RCU (statistics). */
void call_rcu_sized(struct rcu_head *head, rcu_callback_t func, size_t bytes);
/** synchronize_rcu() - wait until every reader that started before the call has ended. Context: may sleep. */
void synchronize_rcu(void);
/** rcu_barrier() - wait until every callback queued before the call has run. Context: may sleep. */
void rcu_barrier(void);

/**
 * kfree_rcu() - kfree(@ptr) after a grace period; @field is its struct
 * rcu_head.  (The field's offset travels in place of a callback, as Linux
 * does: offsets are below 4096, callbacks are not.)
 */
#define kfree_rcu(ptr, field) \
	call_rcu_sized(&(ptr)->field, (rcu_callback_t)(uintptr_t)offsetof(__typeof__(*(ptr)), field), \
		       ksize(ptr))     /* invoke() gives back ksize() too */

/** rcu_bytes_done() - a call_rcu_sized() callback gives back its @bytes (statistics). */
void rcu_bytes_done(size_t bytes);

/** rcu_init() / rcu_start_cpu_thread() - the RCU state and this CPU's callback thread. */
void rcu_init(void);
void rcu_start_cpu_thread(unsigned cpu);

/**
 * rcu_tick() - from the tick on every CPU: a quiescent state if the
 * interrupted context held no reader (@quiescent), callback progress, and
 * (on CPU 0) the stall detector.  Context: hard IRQ.
 */
void rcu_tick(bool quiescent);

/* Quiescent states from the scheduler (see rcu_hooks.h). */
void rcu_qs(void);

struct rcu_stats {
	uint64_t gp_completed;
	uint64_t gp_latency_min_ns, gp_latency_median_ns, gp_latency_max_ns;
	uint64_t cbs_queued, cbs_invoked;
	uint64_t cbs_waiting, cbs_peak;
	uint64_t bytes_waiting, bytes_peak;
	uint64_t stalls;
	uint64_t gp_seq;
};
void rcu_get_stats(struct rcu_stats *s);
/**
 * rcu_gp_age_ns() - how long the running grace period has been going (what
 * the stall detector compares with rcu_stall_timeout_ms), without a lock.
 * @seq: receives the gp_seq the age belongs to.
 * Return: nanoseconds, 0 if no grace period runs (or one just ended).
 * Context: any.
 */
uint64_t rcu_gp_age_ns(unsigned long *seq);

/** rcu_gp_completed() - grace periods completed since boot. */
uint64_t rcu_gp_completed(void);

#endif
