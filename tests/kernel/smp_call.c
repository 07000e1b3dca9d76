/*
 * tests/kernel/smp_call.c - suite `smpcall`: the call queue of
 * kernel/smp.c seen from outside (lab 2).
 *
 * One experiment, two checks.  A first asynchronous call to another CPU
 * (the blocker) spins in its IPI handler, interrupts off, until released;
 * meanwhile this CPU queues CALLQ_N more asynchronous calls to it, each
 * recording its number when it runs.  Then the blocker is released and
 * the target drains its queue.
 *   - test_call_queue_fifo: the calls ran in the order they were queued
 *     (call_queue_run() reverses the newest-first stack it drained);
 *   - test_call_ipi_coalesced: queueing them sent one IPI, not CALLQ_N
 *     (call_queue_push() reports an empty queue only to the first pusher;
 *     the others' nodes ride on the IPI already pending).
 * The blocker gives up after CALLQ_BLOCK_MS, so a broken queue fails the
 * case and never hangs the boot.
 */
#include "tests/kernel/ktest.h"
#include "kernel/smp.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "asm/cpu.h"

#define CALLQ_N 16
#define CALLQ_BLOCK_MS 5000

static volatile int blocker_in, blocker_release, ran;
static volatile int order[CALLQ_N];

static void blocker(void *arg)
{
	(void)arg;
	uint64_t deadline = ktime_ns() + (uint64_t)CALLQ_BLOCK_MS * 1000000;
	/* Release pairs with the acquire load in the caller's wait. */
	__atomic_store_n(&blocker_in, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&blocker_release, __ATOMIC_ACQUIRE) && ktime_ns() < deadline)
		cpu_relax();
}

static void record(void *arg)
{
	/* Only the target runs these, one after another: ran is its own. */
	int i = ran;
	if (i < CALLQ_N)
		order[i] = (int)(uintptr_t)arg;
	WRITE_ONCE(ran, i + 1);
}

/* Run the experiment; return false (and fail @t) if it could not run.
 * *@ipis: IPIs this CPU sent while queueing the CALLQ_N calls. */
static bool callq_experiment(struct ktest *t, uint64_t *ipis)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return false;
	}
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	blocker_in = blocker_release = ran = 0;
	for (int i = 0; i < CALLQ_N; i++)
		order[i] = -1;
	KTEST_EXPECT_EQ(t, smp_call_function_single(other, blocker, NULL, false), 0);
	uint64_t deadline = ktime_ns() + (uint64_t)CALLQ_BLOCK_MS * 1000000;
	while (!__atomic_load_n(&blocker_in, __ATOMIC_ACQUIRE) && ktime_ns() < deadline)
		cpu_relax();
	if (!blocker_in) {
		ktest_fail(t, __FILE__, __LINE__, "the blocking call never ran on CPU %u", other);
		return false;
	}
	/* The ktest thread stays on this CPU (thread_create_on): the
	 * counter is the one its sends add to. */
	uint64_t sent = this_cpu()->ipis_sent;
	for (int i = 0; i < CALLQ_N; i++)
		KTEST_EXPECT_EQ(t, smp_call_function_single(other, record, (void *)(uintptr_t)i, false), 0);
	*ipis = this_cpu()->ipis_sent - sent;
	__atomic_store_n(&blocker_release, 1, __ATOMIC_RELEASE);
	deadline = ktime_ns() + (uint64_t)CALLQ_BLOCK_MS * 1000000;
	while (READ_ONCE(ran) < CALLQ_N && ktime_ns() < deadline)
		cpu_relax();
	KTEST_EXPECT_EQ(t, READ_ONCE(ran), CALLQ_N);
	return true;
}

static void test_call_queue_fifo(struct ktest *t)
{
	uint64_t ipis;
	if (!callq_experiment(t, &ipis))
		return;
	int wrong = 0;
	for (int i = 0; i < CALLQ_N; i++)
		wrong += order[i] != i;
	if (wrong)
		ktest_log("ran in the order %d %d %d %d ... %d (queued 0 1 2 3 ... %d)", order[0], order[1],
			  order[2], order[3], order[CALLQ_N - 1], CALLQ_N - 1);
	KTEST_EXPECT_EQ(t, wrong, 0);
}

static void test_call_ipi_coalesced(struct ktest *t)
{
	uint64_t ipis;
	if (!callq_experiment(t, &ipis))
		return;
	ktest_log("%d calls queued behind a busy target: %llu IPIs sent", CALLQ_N, (unsigned long long)ipis);
	/* One for the first call; a reschedule kick from this CPU may slip in. */
	KTEST_EXPECT_GE(t, ipis, 1ull);
	KTEST_EXPECT_LE(t, ipis, 2ull);
}

static struct ktest_case smpcall_cases[] = {
	KTEST_CASE(test_call_queue_fifo),
	KTEST_CASE(test_call_ipi_coalesced),
	{}
};
KTEST_SUITE(smpcall, smpcall_cases);
