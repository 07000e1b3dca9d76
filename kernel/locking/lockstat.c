/*
 * kernel/locking/lockstat.c - the monitor's `locks` command: per lock class,
 * acquisitions, how many had to wait, cycles spun waiting and cycles held
 * (kept by spinlock.c; `locks reset` zeroes them).
 */
#include "kernel/monitor.h"
#include "kernel/locking/spinlock.h"
#include "kernel/errno.h"
#include "lib/string.h"

static void print_class(struct lock_class *c, void *ctx)
{
	(void)ctx;
	if (!c->acquisitions)
		return;
	mon_printf("%-24s %12llu %10llu %14llu %14llu\n", c->name,
		   (unsigned long long)c->acquisitions, (unsigned long long)c->contended,
		   (unsigned long long)c->spin_cycles, (unsigned long long)c->hold_cycles);
}

static int cmd_locks(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "reset") == 0) {
		lock_stats_reset();
		return 0;
	}
	if (argc != 1) {
		mon_printf("error: usage: locks [reset]\n");
		return -EINVAL;
	}
	mon_printf("%-24s %12s %10s %14s %14s\n", "class", "acquired", "contended", "cycles spun", "cycles held");
	lock_class_for_each(print_class, NULL);
	return 0;
}
MONITOR_COMMAND(locks, "locks", "[reset]", "spinlock statistics per lock class", cmd_locks);
