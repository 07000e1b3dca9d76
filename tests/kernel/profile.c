/*
 * tests/kernel/profile.c - the sampling profiler (suite `profile`).
 *
 * Covers: with profiling on, a known busy loop (noinline, here) running
 * on this CPU for 200 ms is the top kernel symbol of this CPU's profile,
 * and this CPU's samples equal its ticks in that time (one sample per
 * tick, within 2 for the ticks that fall between reading the two); a user
 * program that spins (user/bin/spin) is counted as user time under its
 * name; with profiling off nothing is recorded on any CPU; clear zeroes
 * every CPU; the `profile` monitor command and the `profile=` key accept
 * what they document and refuse the rest; sleeps are counted by where
 * they happened (msleep's) while profiling is on, and not while it is off.
 *
 * Each case leaves profiling as it found it (on, if the boot said
 * profile=1), cleared.
 */
#include "tests/kernel/ktest.h"
#include "kernel/cpumask.h"
#include "kernel/ksyms.h"
#include "kernel/sched/sched.h"
#include "kernel/monitor.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "kernel/profile.h"
#include "kernel/time.h"
#include "kernel/errno.h"
#include "lib/string.h"

#define BUSY_MS 200
#define MIN_TICKS 5             /* fewer: the run proves nothing (HZ=100 gives 20) */

/* The known load: arithmetic the compiler cannot fold, the clock read
 * only every 2^14 iterations, so nearly every tick lands in here. */
static __noinline void profile_busy_loop(uint64_t ns)
{
	uint64_t end = ktime_ns() + ns;
	volatile uint64_t x = 1;
	do {
		for (int i = 0; i < 1 << 14; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
	} while (ktime_ns() < end);
}

static uint64_t all_samples(void)
{
	struct profile_counts c = profile_counts(-1);
	return profile_counts_total(&c);
}

static void restore(bool was_on)
{
	if (was_on)
		profile_start();
	else
		profile_stop();
	profile_clear();
}

static void test_profile_finds_busy_function(struct ktest *t)
{
	bool was_on = profile_enabled();
	unsigned cpu = smp_processor_id();      /* the ktest thread is pinned */
	KTEST_ASSERT_EQ(t, profile_start(), 0);
	profile_clear();
	struct profile_counts c0 = profile_counts((int)cpu);
	uint64_t ticks0 = cpu_data(cpu)->ticks;
	profile_busy_loop((uint64_t)BUSY_MS * 1000000);
	uint64_t ticks = cpu_data(cpu)->ticks - ticks0;
	struct profile_counts c1 = profile_counts((int)cpu);
	uint64_t samples = profile_counts_total(&c1) - profile_counts_total(&c0);

	struct profile_sym top[3];
	int n = profile_top((int)cpu, top, 3);
	ktest_log("cpu%u: %llu ticks in %d ms, %llu samples (kernel %llu); top: %s %llu, %s %llu", cpu,
		  (unsigned long long)ticks, BUSY_MS, (unsigned long long)samples,
		  (unsigned long long)(c1.kernel - c0.kernel), n > 0 && top[0].name ? top[0].name : "-",
		  (unsigned long long)(n > 0 ? top[0].samples : 0), n > 1 && top[1].name ? top[1].name : "-",
		  (unsigned long long)(n > 1 ? top[1].samples : 0));
	uint64_t top_here = n > 0 ? profile_sym_samples(&top[0], cpu) : 0;
	restore(was_on);
	KTEST_ASSERT_GE(t, ticks, (uint64_t)MIN_TICKS);
	/* One sample per tick: exact but for ticks between the two reads. */
	KTEST_EXPECT_LE(t, samples, ticks + 2);
	KTEST_EXPECT_GE(t, samples + 2, ticks);
	KTEST_ASSERT_GE(t, n, 1);
	KTEST_ASSERT_NOT_NULL(t, top[0].name);
	KTEST_EXPECT_EQ(t, strcmp(top[0].name, "profile_busy_loop"), 0);
	KTEST_EXPECT_EQ(t, top[0].start, (uintptr_t)profile_busy_loop);
	/* Most of the time, not merely the most: the rest is the tick's
	 * own IRQs-on tail, the clock, and other threads' brief runs. */
	KTEST_EXPECT_GE(t, top[0].samples * 2, ticks);
	KTEST_EXPECT_EQ(t, top_here, top[0].samples);     /* all of it on this CPU */
}

static void test_profile_counts_user_program(struct ktest *t)
{
	bool was_on = profile_enabled();
	KTEST_ASSERT_EQ(t, profile_start(), 0);
	profile_clear();
	char *argv[] = { "spin", "300", NULL };
	int status = ktest_run_program("spin", 2, argv);
	struct profile_counts c = profile_counts(-1);
	struct profile_user u[2];
	int n = profile_top_user(-1, u, 2);
	ktest_log("user %llu, kernel %llu samples; top program %s %llu", (unsigned long long)c.user,
		  (unsigned long long)c.kernel, n ? u[0].name : "-", (unsigned long long)(n ? u[0].samples : 0));
	restore(was_on);
	KTEST_ASSERT_EQ(t, status, 0);
	KTEST_ASSERT_GE(t, c.user, (uint64_t)MIN_TICKS);
	KTEST_ASSERT_GE(t, n, 1);
	KTEST_EXPECT_EQ(t, strcmp(u[0].name, "spin"), 0);
	KTEST_EXPECT_EQ(t, u[0].samples, c.user);       /* nothing else ran in user mode */
}

static void test_profile_off_records_nothing(struct ktest *t)
{
	bool was_on = profile_enabled();
	KTEST_ASSERT_EQ(t, profile_start(), 0);         /* buffers exist: off must mean off */
	profile_stop();
	profile_clear();
	KTEST_EXPECT_EQ(t, all_samples(), 0ull);
	uint64_t ticks0 = this_cpu_read(ticks);
	profile_busy_loop(50 * 1000000ull);
	uint64_t ticks = this_cpu_read(ticks) - ticks0;
	uint64_t samples = all_samples();
	struct profile_sym top[1];
	int n = profile_top(-1, top, 1);
	restore(was_on);
	KTEST_EXPECT_GE(t, ticks, 1ull);                /* the tick did run */
	KTEST_EXPECT_EQ(t, samples, 0ull);
	KTEST_EXPECT_EQ(t, n, 0);
}

static void test_profile_clear_zeroes_every_cpu(struct ktest *t)
{
	bool was_on = profile_enabled();
	KTEST_ASSERT_EQ(t, profile_start(), 0);
	profile_busy_loop(30 * 1000000ull);
	KTEST_EXPECT_GT(t, all_samples(), 0ull);
	profile_stop();
	profile_clear();
	KTEST_EXPECT_EQ(t, all_samples(), 0ull);
	unsigned cpu;
	for_each_online_cpu(cpu) {
		struct profile_counts c = profile_counts((int)cpu);
		KTEST_EXPECT_EQ(t, profile_counts_total(&c), 0ull);
	}
	restore(was_on);
}

/* The count of sleeps at a schedule_timeout() called from msleep(). */
static uint64_t msleep_sleeps(void)
{
	struct profile_block b[PROFILE_BLOCK_SITES];
	uint64_t other, n = 0;
	int have = profile_top_blocks(b, PROFILE_BLOCK_SITES, &other);
	for (int i = 0; i < have; i++) {
		uintptr_t off;
		const char *where = ksym_lookup(b[i].where, &off);
		const char *from = ksym_lookup(b[i].from, &off);
		if (where && from && strcmp(where, "schedule_timeout") == 0 &&
		    strcmp(from, "msleep") == 0)
			n += b[i].count;
	}
	return n;
}

/*
 * The sleep sites: each msleep() sleeps at least once (a timer wakes it),
 * at schedule_timeout() called from msleep(); with profiling off, none is
 * counted.  Without the hook in schedule(), or with the wrong frames
 * recorded, the first expectation fails.
 */
static void test_profile_counts_sleep_sites(struct ktest *t)
{
	bool was_on = profile_enabled();
	KTEST_ASSERT_EQ(t, profile_start(), 0);
	profile_clear();
	for (int i = 0; i < 5; i++)
		msleep(2);
	uint64_t on = msleep_sleeps();
	profile_stop();
	profile_clear();
	for (int i = 0; i < 3; i++)
		msleep(2);
	uint64_t off = msleep_sleeps();
	restore(was_on);
	KTEST_EXPECT_GE(t, on, 5ull);
	KTEST_EXPECT_EQ(t, off, 0ull);
}

static int run(const char *line)
{
	char buf[64];
	strlcpy(buf, line, sizeof(buf));
	return monitor_execute(buf);
}

static void test_profile_command_and_key(struct ktest *t)
{
	bool was_on = profile_enabled();
	KTEST_EXPECT_EQ(t, run("profile on"), 0);
	KTEST_EXPECT_TRUE(t, profile_enabled());
	profile_busy_loop(30 * 1000000ull);
	KTEST_EXPECT_EQ(t, run("profile show 5"), 0);
	KTEST_EXPECT_EQ(t, run("profile off"), 0);
	KTEST_EXPECT_FALSE(t, profile_enabled());
	KTEST_EXPECT_EQ(t, run("profile clear"), 0);
	KTEST_EXPECT_EQ(t, all_samples(), 0ull);
	KTEST_EXPECT_EQ(t, run("profile"), 0);          /* show, with nothing to show */
	KTEST_EXPECT_EQ(t, run("profile on 1000"), -EINVAL);    /* the rate is fixed at boot */
	KTEST_EXPECT_EQ(t, run("profile show 0"), -EINVAL);
	KTEST_EXPECT_EQ(t, run("profile show 41"), -EINVAL);
	KTEST_EXPECT_EQ(t, run("profile bogus"), -EINVAL);
	KTEST_EXPECT_FALSE(t, profile_enabled());

	/* The key only records the wish (profile_boot() acts on it at boot). */
	struct params_report r;
	params_apply("profile=1 profile=on profile=off profile=0", &r);
	KTEST_EXPECT_EQ(t, r.applied, 4);
	KTEST_EXPECT_EQ(t, r.rejected, 0);
	params_apply("profile=2 profile", &r);       /* a bad value; no value */
	KTEST_EXPECT_EQ(t, r.rejected, 2);
	KTEST_EXPECT_EQ(t, r.applied, 0);
	KTEST_EXPECT_FALSE(t, profile_enabled());
	restore(was_on);
}

static struct ktest_case profile_cases[] = {
	KTEST_CASE(test_profile_finds_busy_function),
	KTEST_CASE(test_profile_counts_user_program),
	KTEST_CASE(test_profile_off_records_nothing),
	KTEST_CASE(test_profile_clear_zeroes_every_cpu),
	KTEST_CASE(test_profile_command_and_key),
	KTEST_CASE(test_profile_counts_sleep_sites),
	{}
};
KTEST_SUITE(profile, profile_cases);
