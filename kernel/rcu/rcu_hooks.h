/*
 * kernel/rcu/rcu_hooks.h - the places where the scheduler tells RCU that this
 * CPU passed a quiescent state.  One call each, named for what they mean
 * (kernel/rcu/rcu.c counts them).
 */
#ifndef KERNEL_RCU_HOOKS_H
#define KERNEL_RCU_HOOKS_H

void rcu_qs(void);

/** rcu_note_context_switch() - a context switch: no RCU reader can span it. */
static inline void rcu_note_context_switch(void) { rcu_qs(); }

/** rcu_note_idle() - the idle loop: this CPU holds no RCU reader. */
static inline void rcu_note_idle(void) { rcu_qs(); }

#endif
