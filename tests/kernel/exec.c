/*
 * tests/kernel/exec.c - suite `exec`: the process lifecycle.  execve()
 * (argv and envp arrive; bad paths and pointers refused with the caller
 * intact; the other threads end), spawn as create-then-exec, wait statuses
 * (exit, SIGKILL, SIGTERM, SIGSEGV), WNOHANG, kill() and its errors,
 * orphans reaped, the process limit, and exec's allocations failing.  The
 * user halves are user/bin/exectest.c and user/bin/killtest.c; each exits
 * with the number of its failed checks (their messages are in the log).
 */
#include "tests/kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/proc/exec.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "user/programs.h"

static int run2(const char *prog, const char *a1, const char *a2)
{
	char *argv[] = { (char *)prog, (char *)a1, (char *)a2, NULL };
	return ktest_run_program(prog, a2 ? 3 : a1 ? 2 : 1, argv);
}

/* A baseline of frames and heap once the caches a process start fills are warm. */
static void baseline(uint64_t *frames, uint64_t *heap)
{
	run2("true", NULL, NULL);
	ktest_settle(0, 0, 100);
	*frames = ktest_frames_available();
	*heap = ktest_heap_bytes();
}

static void expect_settled(struct ktest *t, uint64_t frames, uint64_t heap)
{
	bool ok = ktest_settle(frames, heap, 5000);
	if (!ok)
		ktest_log("leaked: %lld frames, %lld heap bytes",
			  (long long)frames - (long long)ktest_frames_available(),
			  (long long)ktest_heap_bytes() - (long long)heap);
	KTEST_EXPECT_TRUE(t, ok);
}

/* Run a user half of the suite: it must pass its checks and leak nothing. */
static void run_clean(struct ktest *t, const char *prog, const char *mode)
{
	uint64_t frames, heap;
	baseline(&frames, &heap);
	KTEST_EXPECT_EQ(t, run2(prog, mode, NULL), 0);
	expect_settled(t, frames, heap);
}

/* ---- execve ------------------------------------------------------------------ */

static void test_exec_argv_envp_arrive(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run2("exectest", "args", NULL), 0);
}

static void test_exec_failures_leave_caller_intact(struct ktest *t)
{
	run_clean(t, "exectest", "bad");
}

static void test_exec_ends_other_threads(struct ktest *t)
{
	run_clean(t, "exectest", "threads");
}

/* spawn is create-then-exec: the same loader, the same path rules. */
static void test_spawn_paths(struct ktest *t)
{
	char *argv[] = { "hello", NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("/bin/hello", 1, argv), 0);
	KTEST_EXPECT_EQ(t, process_spawn("/usr/bin/hello", 1, argv, NULL), -ENOENT);
	KTEST_EXPECT_EQ(t, process_spawn("/bin/", 1, argv, NULL), -ENOENT);
	KTEST_EXPECT_EQ(t, process_spawn("bin/hello", 1, argv, NULL), -ENOENT);
	static char *many[EXEC_MAX_STRINGS + 2];
	for (int i = 0; i <= EXEC_MAX_STRINGS; i++)
		many[i] = "x";
	KTEST_EXPECT_EQ(t, process_spawn("true", EXEC_MAX_STRINGS + 1, many, NULL), -E2BIG);
}

/* A bad ELF image: -ENOEXEC from the loader, nothing left behind. */
static void test_exec_bad_elf(struct ktest *t)
{
	const struct user_program *p = user_program_find("true");
	KTEST_ASSERT_NOT_NULL(t, p);
	uint8_t *img = kmalloc(p->size);
	struct exec_args *args = exec_args_alloc();
	KTEST_ASSERT_NOT_NULL(t, img);
	KTEST_ASSERT_NOT_NULL(t, args);
	KTEST_ASSERT_EQ(t, exec_args_add(args, "true", false), 0);
	uint64_t frames, heap;
	baseline(&frames, &heap);
	memcpy(img, p->start, p->size);
	img[18] = 3;                                /* e_machine: not x86-64 */
	struct exec_image ei;
	KTEST_EXPECT_EQ(t, exec_load(img, p->size, "bad", args, &ei), -ENOEXEC);
	/* The intact image loads, and its mm frees back to the baseline. */
	memcpy(img, p->start, p->size);
	KTEST_EXPECT_EQ(t, exec_load(img, p->size, "good", args, &ei), 0);
	mm_put(ei.mm);
	expect_settled(t, frames, heap);
	kfree(args);
	kfree(img);
}

/* Every kmalloc() of a spawn (which is an exec) fails in turn: -ENOMEM and
 * nothing leaked each time, until the run where none fails. */
static void test_exec_fail_alloc(struct ktest *t)
{
	uint64_t frames, heap;
	baseline(&frames, &heap);
	char *argv[] = { "true", NULL };
	int enomem = 0, ran = 0;
	for (int n = 1; n <= 40 && !ran; n++) {
		unsigned long before = kmalloc_failures_injected();
		kmalloc_fail_nth((unsigned long)n, current);
		int pid = process_spawn("true", 1, argv, NULL);
		bool injected = kmalloc_failures_injected() != before;
		kmalloc_fail_nth(0, NULL);
		if (pid == -ENOMEM && injected) {
			enomem++;
		} else if (pid > 0 && !injected) {
			int st = -1;
			KTEST_EXPECT_EQ(t, process_wait(pid, &st), 0);
			KTEST_EXPECT_EQ(t, st, 0);
			ran = 1;
		} else {
			ktest_fail(t, __FILE__, __LINE__, "fail_alloc=%d: spawn gave %d (failure injected: %d)",
				   n, pid, injected);
			if (pid > 0)
				process_wait(pid, NULL);
		}
	}
	ktest_log("%d allocations of a spawn failed in turn, each -ENOMEM", enomem);
	KTEST_EXPECT_TRUE(t, ran);
	KTEST_EXPECT_GE(t, enomem, 3);             /* args, mm, VMAs at least */
	expect_settled(t, frames, heap);
}

/* ---- wait, kill, orphans ----------------------------------------------------- */

static void test_wait_statuses(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run2("killtest", "status", NULL), 0);
	/* The kernel's own view of the same encodings. */
	int st = run2("exectest", "exit", "7");
	KTEST_EXPECT_TRUE(t, WIFEXITED(st) && WEXITSTATUS(st) == 7);
	st = run2("segv", NULL, NULL);
	KTEST_EXPECT_EQ(t, st, STATUS_SEGV);
	KTEST_EXPECT_TRUE(t, WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

/* A kill that comes between a spawn's process_create() and the start of
 * its first thread (process_before_first_thread() runs there) is not lost:
 * the process ends with SIGKILL's status, before running any of its code
 * (exectest would exit with 7), and leaves nothing behind.  Without the
 * fix in group_exit() the kill was dropped (no live thread yet) and the
 * status was 7. */
static int kill_before_start_result;

static void kill_new_pid(int pid)
{
	kill_before_start_result = process_kill(pid, SIGKILL);
}

static void test_kill_before_start(struct ktest *t)
{
	uint64_t frames, heap;
	baseline(&frames, &heap);
	char *argv[] = { "exectest", "exit", "7", NULL };
	kill_before_start_result = -1;
	WRITE_ONCE(process_before_first_thread, kill_new_pid);
	int pid = process_spawn("exectest", 3, argv, NULL);
	WRITE_ONCE(process_before_first_thread, NULL);
	KTEST_ASSERT_GE(t, pid, 1);
	KTEST_EXPECT_EQ(t, kill_before_start_result, 0);
	int st = -1;
	KTEST_EXPECT_EQ(t, process_wait(pid, &st), 0);
	ktest_log("killed before its first thread started: status %#x", st);
	KTEST_EXPECT_TRUE(t, WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	expect_settled(t, frames, heap);
}

static void test_wnohang(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run2("killtest", "wnohang", NULL), 0);
}

static void test_kill_sleeping_and_spinning(struct ktest *t)
{
	run_clean(t, "killtest", "kill");
}

/* kill racing execve's ending of the other threads (de_thread() gives up
 * for a kill): every run ends, killed or done, and nothing is leaked. */
static void test_kill_during_exec(struct ktest *t)
{
	uint64_t frames, heap;
	baseline(&frames, &heap);
	KTEST_EXPECT_EQ(t, run2("killtest", "execkill", "20"), 0);
	expect_settled(t, frames, heap);
}

static void test_kill_errors(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run2("killtest", "errors", NULL), 0);
}

static void test_orphans_reaped(struct ktest *t)
{
	uint64_t frames, heap;
	baseline(&frames, &heap);
	int procs = process_count();
	KTEST_EXPECT_EQ(t, run2("killtest", "orphans", "4"), 0);
	/* The four sleepers (200 ms) outlived their parent: orphans now. */
	int left = process_count() - procs;
	uint64_t end = ktime_ns() + 10000000000ull;
	while (process_count() > procs && ktime_ns() < end)
		msleep(20);
	ktest_log("%d orphans were left; process count back to %d", left, process_count());
	KTEST_EXPECT_GE(t, left, 1);                /* some were orphaned, or this proves nothing */
	KTEST_EXPECT_EQ(t, process_count(), procs);
	expect_settled(t, frames, heap);
}

/*
 * waitpid()'s protocol against a lost wakeup (wait.c): the count of ended
 * children is sampled under the lock the scan holds.  The window between
 * the scan and the sleep is held open (wait_window_us) while `killtest
 * waitrace` spawns and waits; every child that ends inside it is a race
 * the protocol must survive, counted.  WAIT_BROKEN=1 (sampled after the
 * window) must sleep through a child's end: the run hangs, and is killed.
 */
#define WAIT_RACE_FLOOR 20

static void test_wait_lost_wakeup(struct ktest *t)
{
	char *argv[] = { "killtest", "waitrace", "30", NULL };
	unsigned long r0 = wait_window_races();
	uint64_t end = ktime_ns() + 30000000000ull;
	int runs = 0, hung = 0;
	WRITE_ONCE(wait_window_us, 10000);
	while (wait_window_races() - r0 < WAIT_RACE_FLOOR && ktime_ns() < end && !hung) {
		int pid = process_spawn("killtest", 3, argv, NULL), st = -1;
		KTEST_ASSERT_GE(t, pid, 1);
		int r = process_wait_timeout(pid, &st, 5000000000ull);
		if (r == -ETIMEDOUT) {
			hung = 1;
			process_kill(pid, SIGKILL);
			process_wait(pid, &st);
		} else {
			KTEST_EXPECT_EQ(t, st, 0);
		}
		runs++;
	}
	WRITE_ONCE(wait_window_us, 0);
	unsigned long races = wait_window_races() - r0;
	ktest_log("%d runs of 30 waits: %lu children ended inside the window, %s", runs, races,
		  hung ? "and a waitpid() slept through one (lost wakeup)" : "every one seen");
	KTEST_EXPECT_FALSE(t, hung);
	KTEST_EXPECT_GE(t, races, (unsigned long)WAIT_RACE_FLOOR);
}

/* A parent's limit of children not reaped: -EAGAIN exactly there; all of
 * them killed and reaped, nothing leaked. */
static void test_child_limit(struct ktest *t)
{
	/* A first run warms what 64 processes at once fill for good (more
	 * kernel stack slots, and the kernel page tables that map them). */
	KTEST_EXPECT_EQ(t, run2("killtest", "limit", NULL), 0);
	run_clean(t, "killtest", "limit");
}

/* The system-wide limit: -EAGAIN exactly there, nothing leaked. */
static void test_process_limit(struct ktest *t)
{
	uint64_t frames, heap;
	baseline(&frames, &heap);
	int saved = process_limit;
	WRITE_ONCE(process_limit, process_count() + 3);
	char *argv[] = { "sleeper", "50", NULL };
	int pids[8], n = 0, r = 0;
	while (n < 8 && (r = process_spawn("sleeper", 2, argv, NULL)) > 0)
		pids[n++] = r;
	WRITE_ONCE(process_limit, saved);
	KTEST_EXPECT_EQ(t, n, 3);
	KTEST_EXPECT_EQ(t, r, -EAGAIN);
	for (int i = 0; i < n; i++) {
		int st = -1;
		KTEST_EXPECT_EQ(t, process_wait(pids[i], &st), 0);
		KTEST_EXPECT_EQ(t, st, 0);
	}
	expect_settled(t, frames, heap);
}

static struct ktest_case exec_cases[] = {
	KTEST_CASE(test_exec_argv_envp_arrive),
	KTEST_CASE(test_exec_failures_leave_caller_intact),
	KTEST_CASE(test_exec_ends_other_threads),
	KTEST_CASE(test_spawn_paths),
	KTEST_CASE(test_exec_bad_elf),
	KTEST_CASE(test_exec_fail_alloc),
	KTEST_CASE(test_wait_statuses),
	KTEST_CASE(test_wnohang),
	KTEST_CASE(test_kill_sleeping_and_spinning),
	KTEST_CASE(test_kill_during_exec),
	KTEST_CASE(test_kill_errors),
	KTEST_CASE(test_kill_before_start),
	KTEST_CASE(test_orphans_reaped),
	KTEST_CASE(test_wait_lost_wakeup),
	KTEST_CASE(test_child_limit),
	KTEST_CASE(test_process_limit),
	{ 0 },
};
KTEST_SUITE(exec, exec_cases);
