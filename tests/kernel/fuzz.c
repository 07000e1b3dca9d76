/*
 * tests/kernel/fuzz.c - suite `fuzz`: the system-call fuzzer (user/bin/fuzz.c)
 * run from the kernel side, which alone can tell whether it hurt the kernel.
 *
 * One seeded pass of `fuzz SEED CALLS THREADS`: it must end by itself (a
 * hang is the runner's timeout), find no call that succeeded on impossible
 * input (its exit status counts them), and leave no frame and no heap byte
 * behind once the process, its threads and the RCU callbacks they queued
 * are gone.  An oops in a system call panics the boot, which the runner
 * reports.  `make test` runs a short pass (FUZZ_DEFAULT_*, a few seconds
 * under TCG); `make fuzz` (scripts/fuzz.py) gives the key
 * fuzz=SEED,CALLS,THREADS for long ones and reads the `# fuzz:` line.
 */
#include "tests/kernel/ktest.h"
#include "mm/fault.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/time.h"
#include "lib/printf.h"
#include "lib/string.h"

#define FUZZ_DEFAULT_SEED       1
#define FUZZ_DEFAULT_CALLS      3000
#define FUZZ_DEFAULT_THREADS    2

static unsigned long long fuzz_seed = FUZZ_DEFAULT_SEED;
static unsigned long long fuzz_calls = FUZZ_DEFAULT_CALLS;
static unsigned long long fuzz_threads = FUZZ_DEFAULT_THREADS;

/* "SEED,CALLS,THREADS"; a missing field keeps its default. */
static int set_fuzz(const char *v)
{
	unsigned long long *field[] = { &fuzz_seed, &fuzz_calls, &fuzz_threads };
	unsigned long long val[3] = { fuzz_seed, fuzz_calls, fuzz_threads };
	char buf[24];
	for (int i = 0; i < 3 && *v; i++) {
		const char *end = strchr(v, ',');
		size_t n = end ? (size_t)(end - v) : strlen(v);
		if (n == 0 || n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, v, n);
		buf[n] = 0;
		if (kstrtoull(buf, 0, &val[i]))
			return -EINVAL;
		v += n + (end ? 1 : 0);
	}
	if (*v || val[2] < 1 || val[2] > 16)
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		*field[i] = val[i];
	return 0;
}
KERNEL_PARAM(fuzz, "fuzz", "SEED,CALLS,THREADS", "the fuzz suite's pass (threads 1-16)", set_fuzz);

static void test_fuzz_pass(struct ktest *t)
{
	char seed[24], calls[24], threads[8];
	snprintf(seed, sizeof(seed), "%llu", fuzz_seed);
	snprintf(calls, sizeof(calls), "%llu", fuzz_calls);
	snprintf(threads, sizeof(threads), "%llu", fuzz_threads);
	char *argv[] = { "fuzz", seed, calls, threads, NULL };

	/* A first run of `true` warms what a process start allocates once. */
	KTEST_ASSERT_EQ(t, ktest_run_program("true", 0, NULL), 0);
	ktest_settle(0, 0, 5000);      /* never true: lets the deferred frees finish (5 s) */
	uint64_t frames = ktest_frames_available(), heap = ktest_heap_bytes();
	/* The fuzzer's last line, which it prints only if it was still the
	 * fuzzer at the end: an execve() it made that wrongly succeeded
	 * would have replaced it (and a program could then exit 0). */
	char summary[40];
	snprintf(summary, sizeof(summary), "fuzz: seed %llu, ", fuzz_seed);
	unsigned summaries = ktest_log_count(summary);
	uint64_t t0 = ktime_ns(), file_faults = READ_ONCE(filemap_faults);
	int status = ktest_run_program("fuzz", 4, argv);
	uint64_t ms = (ktime_ns() - t0) / 1000000;
	ktest_settle(frames, heap, 5000);
	int64_t leaked = (int64_t)frames - (int64_t)ktest_frames_available();
	int64_t heap_leaked = (int64_t)ktest_heap_bytes() - (int64_t)heap;

	ktest_log("fuzz: seed %llu calls %llu threads %llu status %d leaked frames %lld heap bytes %lld (%llu ms)",
		  fuzz_seed, fuzz_calls, fuzz_threads, status, (long long)leaked,
		  (long long)heap_leaked, (unsigned long long)ms);
	/* How much of the file-mapping fault path the run reached (the
	 * fuzzer faults file mappings in through pread/pwrite into them). */
	ktest_log("file-mapping faults during the run: %llu",
		  (unsigned long long)(READ_ONCE(filemap_faults) - file_faults));
	KTEST_EXPECT_EQ(t, status, 0);          /* BUGs found, killed (SIGSEGV), or an execve that should have failed ran (111 << 8) */
	KTEST_EXPECT_EQ(t, leaked, 0);
	KTEST_EXPECT_EQ(t, heap_leaked, 0);
	KTEST_EXPECT_GT(t, ktest_log_count(summary), summaries);   /* it ended as the fuzzer */
}

static struct ktest_case fuzz_cases[] = {
	KTEST_CASE(test_fuzz_pass),
	{}
};
KTEST_SUITE(fuzz, fuzz_cases);
