/*
 * kernel/profile_cmd.c - the monitor's `profile` command: switch the
 * sampling profiler on and off, clear it, and show where the time went
 * (the kernel functions with the most samples, per CPU and in total, the
 * user programs) beside where it waited (the lock classes with the most
 * cycles spun).  The samples themselves: kernel/profile.c.
 */
#include "kernel/monitor.h"
#include "kernel/profile.h"
#include "kernel/ksyms.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/timer.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SHOW_DEFAULT 10
#define SHOW_MAX 40
#define SHOW_CPUS 8                 /* per-CPU columns: the first 8 online CPUs */
#define SHOW_LOCKS 5

/* "12.3%" of @part in @whole, as tenths. */
static void pct(char *buf, size_t size, uint64_t part, uint64_t whole)
{
	uint64_t t = whole ? (part * 1000 + whole / 2) / whole : 0;
	snprintf(buf, size, "%llu.%llu%%", (unsigned long long)(t / 10), (unsigned long long)(t % 10));
}

/*
 * The header: on or off, the rate, and each shown CPU's samples.  Read
 * after the functions (profile_show()): the counts only grow between
 * clears, so no function can show more than the totals above it.
 */
static void show_cpus(unsigned *cpus, int ncpus, uint64_t total)
{
	mon_printf("profile: %s, HZ=%u, %llu samples (%llu.%02llu s of CPU time)\n",
		   profile_enabled() ? "on" : "off", tick_hz, (unsigned long long)total,
		   (unsigned long long)(total / tick_hz),
		   (unsigned long long)(total % tick_hz * 100 / tick_hz));
	for (int i = 0; i < ncpus; i++) {
		struct profile_counts c = profile_counts((int)cpus[i]);
		mon_printf("  cpu%-3u %8llu samples: kernel %llu, user %llu, outside the text %llu\n",
			   cpus[i], (unsigned long long)profile_counts_total(&c),
			   (unsigned long long)c.kernel, (unsigned long long)c.user,
			   (unsigned long long)c.outside);
	}
}

struct shown_sym {
	struct profile_sym sym;
	uint64_t per_cpu[SHOW_CPUS];
};

static void show_functions(const struct shown_sym *top, int have, int ncpus, unsigned *cpus,
			   uint64_t total)
{
	char line[256], p[16];
	mon_printf("top %d kernel functions by samples (%% of all samples):\n", have);
	int len = snprintf(line, sizeof(line), "  %8s %6s", "samples", "%");
	for (int i = 0; i < ncpus; i++) {
		char col[12];
		snprintf(col, sizeof(col), "cpu%u", cpus[i]);
		len += snprintf(line + len, sizeof(line) - len, " %7s", col);
	}
	mon_printf("%s  function\n", line);
	for (int k = 0; k < have; k++) {
		pct(p, sizeof(p), top[k].sym.samples, total);
		len = snprintf(line, sizeof(line), "  %8llu %6s", (unsigned long long)top[k].sym.samples, p);
		for (int i = 0; i < ncpus; i++)
			len += snprintf(line + len, sizeof(line) - len, " %7llu",
					(unsigned long long)top[k].per_cpu[i]);
		if (top[k].sym.name)
			mon_printf("%s  %s\n", line, top[k].sym.name);
		else
			mon_printf("%s  0x%lx\n", line, (unsigned long)top[k].sym.start);
	}
}

static void show_user(uint64_t total)
{
	struct profile_counts all = profile_counts(-1);
	struct profile_user u[6];
	char p[16], line[256];
	int have = profile_top_user(-1, u, 6);
	pct(p, sizeof(p), all.user, total);
	int len = snprintf(line, sizeof(line), "user: %llu samples (%s)", (unsigned long long)all.user, p);
	for (int i = 0; i < have; i++)
		len += snprintf(line + len, sizeof(line) - len, "%s %s %llu", i ? "," : ":", u[i].name,
				(unsigned long long)u[i].samples);
	mon_printf("%s\n", line);
}

static void show_locks(void)
{
	struct lock_class *c[SHOW_LOCKS];
	int have = profile_top_locks(c, SHOW_LOCKS);
	if (!have) {
		mon_printf("lock classes: none spun\n");
		return;
	}
	mon_printf("lock classes by cycles spun (also since the last clear):\n");
	mon_printf("  %14s %10s %12s  class\n", "cycles spun", "contended", "acquired");
	for (int i = 0; i < have; i++)
		mon_printf("  %14llu %10llu %12llu  %s\n", (unsigned long long)READ_ONCE(c[i]->spin_cycles),
			   (unsigned long long)READ_ONCE(c[i]->contended),
			   (unsigned long long)READ_ONCE(c[i]->acquisitions), c[i]->name);
}

#define SHOW_BLOCKS 8

/* Where threads slept meanwhile: the cause of the idle samples. */
static void show_blocks(void)
{
	struct profile_block b[SHOW_BLOCKS];
	uint64_t other;
	int have = profile_top_blocks(b, SHOW_BLOCKS, &other);
	if (!have) {
		mon_printf("sleeps: none\n");
		return;
	}
	mon_printf("threads slept (counted at schedule(), also since the last clear):\n");
	mon_printf("  %10s  where <- called from\n", "sleeps");
	for (int i = 0; i < have; i++) {
		char where[64], from[64];
		ksym_format(where, sizeof(where), b[i].where);
		ksym_format(from, sizeof(from), b[i].from);
		mon_printf("  %10llu  %s <- %s\n", (unsigned long long)b[i].count, where, from);
	}
	if (other)
		mon_printf("  %10llu  elsewhere\n", (unsigned long long)other);
}

static int profile_show(int n)
{
	unsigned cpus[SHOW_CPUS], cpu;
	int ncpus = 0;
	for_each_online_cpu(cpu)
		if (ncpus < SHOW_CPUS)
			cpus[ncpus++] = cpu;
	/* Functions first, totals last: see show_cpus(). */
	static struct shown_sym top[SHOW_MAX];      /* the monitor is one thread */
	struct profile_sym syms[SHOW_MAX];
	int have = profile_top(-1, syms, n);
	for (int k = 0; k < have; k++) {
		uint64_t sum = 0;
		top[k].sym = syms[k];
		for (int i = 0; i < ncpus; i++)
			sum += top[k].per_cpu[i] = profile_sym_samples(&syms[k], cpus[i]);
		/* Columns read a moment after the ranking: where they cover
		 * every CPU, let the total be their sum, so that a running
		 * profile still adds up across the line. */
		if (ncpus == (int)num_online_cpus())
			top[k].sym.samples = sum;
	}
	struct profile_counts all = profile_counts(-1);
	uint64_t total = profile_counts_total(&all);
	show_cpus(cpus, ncpus, total);
	if (total == 0) {
		mon_printf("no samples%s\n", profile_enabled() ? " yet" : ": 'profile on' starts sampling");
		return 0;
	}
	show_functions(top, have, ncpus, cpus, total);
	show_user(total);
	show_locks();
	show_blocks();
	return 0;
}

static int cmd_profile(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "show";
	if (strcmp(sub, "on") == 0 && argc == 2) {
		int err = profile_start();
		if (err)
			mon_printf("error: no memory for the profile buffers\n");
		return err;
	}
	if (strcmp(sub, "on") == 0 && argc == 3) {
		/* The tick's period is programmed once per CPU at boot, and
		 * the scheduler's timeslice is counted in ticks: no runtime
		 * change (docs/performance.md). */
		mon_printf("error: the sampling rate is the tick rate, fixed at boot: boot with hz=%s\n",
			   argv[2]);
		return -EINVAL;
	}
	if (strcmp(sub, "off") == 0 && argc == 2) {
		profile_stop();
		return 0;
	}
	if (strcmp(sub, "clear") == 0 && argc == 2) {
		profile_clear();
		return 0;
	}
	if (strcmp(sub, "show") == 0 && argc <= 3) {
		unsigned long long n = SHOW_DEFAULT;
		if (argc == 3 && (kstrtoull(argv[2], 10, &n) || n < 1 || n > SHOW_MAX)) {
			mon_printf("error: show takes a count of 1 to %d functions\n", SHOW_MAX);
			return -EINVAL;
		}
		return profile_show((int)n);
	}
	mon_printf("error: usage: profile on|off|clear|show [N]\n");
	return -EINVAL;
}
MONITOR_COMMAND(profile, "profile", "on|off|clear|show [N]",
		"sample where the CPUs are at each tick; show the top N functions and locks", cmd_profile);
