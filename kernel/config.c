/*
 * kernel/config.c - the banner for test-only switches that break a
 * protocol on purpose.  A kernel built with one must never be mistaken for
 * a good one, so each gets a line of its own at every boot.
 */
#include "kernel/config.h"
#include "kernel/printk.h"

static void loud(const char *sw, const char *what)
{
	pr_warn("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
	pr_warn("!!! %s=1: %s\n", sw, what);
	pr_warn("!!! This kernel is broken on purpose, for a test to catch it.\n");
	pr_warn("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
}

void config_warn_broken(void)
{
	/* The switches that are on, from scripts/switches.mk (kernel/config.h). */
	static const struct {
		const char *sw, *what;
	} broken[] = { CONFIG_BROKEN_TABLE { NULL, NULL } };

	for (int i = 0; broken[i].sw; i++)
		loud(broken[i].sw, broken[i].what);
#if defined(CONFIG_TABLE_FREE_IPI) && defined(CONFIG_SHOOTDOWN_PV)
	pr_warn("!!! TABLE_FREE=ipi with SHOOTDOWN=pv: lockless walkers are NOT protected\n");
	pr_warn("!!! (a preempted vCPU is not interrupted, so IRQs-off does not hold off the free)\n");
#endif
}
