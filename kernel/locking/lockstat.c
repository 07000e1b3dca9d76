/*
 * kernel/locking/lockstat.c - the monitor's `locks` command: per lock class,
 * acquisitions, how many had to wait, cycles spun waiting and cycles held,
 * how many waits halted the CPU, how many kicks unlockers sent and how many
 * acquisitions stole a sleeping waiter's turn, how many halts a waiter in
 * NMI context refused, spinning on instead (kept by spinlock.c; `locks
 * reset` zeroes them); then the halts and kicks of cross-CPU call waits
 * (smp.c), and what the rwsems' optimistic spinning did (rwsem.c).
 * `locks stat on|off` switches the per-acquisition counts (lockstat).
 */
#include "kernel/monitor.h"
#include "kernel/locking/spinlock.h"
#include "kernel/locking/rwsem.h"
#include "kernel/smp.h"
#include "kernel/errno.h"
#include "lib/string.h"

static void print_class(struct lock_class *c, void *ctx)
{
	(void)ctx;
	/* Relaxed counters, updated by other CPUs as we read: READ_ONCE. */
	uint64_t acq = READ_ONCE(c->acquisitions);
	if (!acq && !READ_ONCE(c->contended))
		return;
	mon_printf("%-24s %12llu %10llu %14llu %14llu %8llu %8llu %8llu %9llu\n", c->name,
		   (unsigned long long)acq, (unsigned long long)READ_ONCE(c->contended),
		   (unsigned long long)READ_ONCE(c->spin_cycles), (unsigned long long)READ_ONCE(c->hold_cycles),
		   (unsigned long long)READ_ONCE(c->halts), (unsigned long long)READ_ONCE(c->kicks),
		   (unsigned long long)READ_ONCE(c->steals), (unsigned long long)READ_ONCE(c->nmi_spins));
}

static int cmd_locks(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "reset") == 0) {
		lock_stats_reset();
		smp_call_wait_stats_reset();
		rwsem_spin_stats_reset();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "stat") == 0 &&
	    (strcmp(argv[2], "on") == 0 || strcmp(argv[2], "off") == 0)) {
		WRITE_ONCE(lockstat_enabled, strcmp(argv[2], "on") == 0);
		return 0;
	}
	if (argc != 1) {
		mon_printf("error: usage: locks [reset | stat on|off]\n");
		return -EINVAL;
	}
	if (!READ_ONCE(lockstat_enabled))
		mon_printf("(lockstat off: 'acquired' and 'cycles held' are not counted; `locks stat on` or lockstat=1)\n");
	mon_printf("%-24s %12s %10s %14s %14s %8s %8s %8s %9s\n", "class", "acquired", "contended",
		   "cycles spun", "cycles held", "halts", "kicks", "steals", "nmi_spins");
	lock_class_for_each(print_class, NULL);
	struct smp_call_wait_stats w = smp_call_wait_stats();
	mon_printf("smp_call_wait: %llu waits, %llu halted, %llu kicks\n", (unsigned long long)w.waits,
		   (unsigned long long)w.halts, (unsigned long long)w.kicks);
	struct rwsem_spin_stats r = rwsem_spin_stats();
	mon_printf("rwsem (spinning %s): %llu spins acquired, %llu gave up, %llu slept in the queue\n",
		   rwsem_spin_enabled ? "on" : "off", (unsigned long long)r.acquired,
		   (unsigned long long)r.gave_up, (unsigned long long)r.sleeps);
	return 0;
}
MONITOR_COMMAND(locks, "locks", "[reset | stat on|off]", "spinlock statistics per lock class", cmd_locks);
