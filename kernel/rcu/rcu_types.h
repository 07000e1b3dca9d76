/*
 * kernel/rcu/rcu_types.h - the RCU callback head, embedded in objects that are
 * freed after a grace period (struct page for page tables, VMAs, ...).
 */
#ifndef KERNEL_RCU_TYPES_H
#define KERNEL_RCU_TYPES_H

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

#endif
