/*
 * kernel/config.c - the banner for test-only switches that break a
 * protocol on purpose.  A kernel built with one must never be mistaken for
 * a good one, so each gets a line of its own at every boot.
 */
#include "kernel/config.h"
#include "kernel/printk.h"

static __attribute__((unused)) void loud(const char *sw, const char *what)
{
	pr_warn("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
	pr_warn("!!! %s=1: %s\n", sw, what);
	pr_warn("!!! This kernel is broken on purpose, for a test to catch it.\n");
	pr_warn("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
}

void config_warn_broken(void)
{
	int n = 0;
#ifdef CONFIG_SPINLOCK_BROKEN
	loud("SPINLOCK_BROKEN", "spin_lock() does not exclude other CPUs");
	n++;
#endif
#ifdef CONFIG_SLEEPLOCK_BROKEN
	loud("SLEEPLOCK_BROKEN", "mutex/rwsem do not exclude, seqcount readers never retry");
	n++;
#endif
#ifdef CONFIG_WAKEUP_BROKEN
	loud("WAKEUP_BROKEN", "wait_event() tests its condition before queueing: lost wakeups");
	n++;
#endif
#ifdef CONFIG_SHOOTDOWN_BROKEN
	loud("SHOOTDOWN_BROKEN", "remote TLB flushes are skipped");
	n++;
#endif
#ifdef CONFIG_RCU_BROKEN
	loud("RCU_BROKEN", "grace periods end early");
	n++;
#endif
#if defined(CONFIG_TABLE_FREE_IPI) && defined(CONFIG_SHOOTDOWN_PV)
	pr_warn("!!! TABLE_FREE=ipi with SHOOTDOWN=pv: lockless walkers are NOT protected\n");
	pr_warn("!!! (a preempted vCPU is not interrupted, so IRQs-off does not hold off the free)\n");
	n++;
#endif
	(void)n;
}
