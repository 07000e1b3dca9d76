/*
 * tests/kernel/fork.c - suite `fork`: fork() and copy-on-write
 * (docs/fork.md), through every FAULT path.
 *
 * From user space (user/bin/forktest.c): the fork storm (2000 fork/exit
 * rounds, memory written on both sides, frames and heap back to their
 * baseline), the children bound (EAGAIN), and fork beside a running
 * thread.  In the kernel, on address spaces driven by kernel threads
 * (kthread_use_mm, as the fault suite does), where each step can be
 * placed exactly:
 *   - COW isolation torture: parent writer threads on every other CPU
 *     keep writing a 64-page area while the test forks it again and
 *     again; the child (this thread, then a child writer on another CPU)
 *     must never see a parent write made after the fork, and its own
 *     writes must stay its own; counts the child's COW faults during
 *     which a parent write to the area was in flight (floor ISO_RACED).
 *     COW_FLUSH_BROKEN=1 fails it: the parent writers' TLB entries stay
 *     writable and their writes land in the shared pages.
 *   - pins across fork: a page pinned for write (the pinbuf device's
 *     view, page_address of the pinned page) sees every parent write
 *     after fork and no child write.  FORK_PIN_BROKEN=1 fails it.
 *   - fork against fast read pins taken meanwhile on another CPU: every
 *     pin still held is on the parent's own exclusive page; floors on the
 *     pins a fork in progress refused and the forks that copied a pinned
 *     page.  FORK_PIN_BROKEN=1 and ANON_EXCLUSIVE_BROKEN=1 fail it.
 *   - the exploit shape (CVE-2020-29374): the child read-pins a shared
 *     page and unmaps it; the parent's next write must copy, so the
 *     child's pin keeps the old bytes.  COW_REUSE_BROKEN=1 fails it.
 *   - directed races: a COW fault held in its copy window (cow_test_window)
 *     while a writer munmaps the page or mprotects it read-only; spf must
 *     abort, vma must make the writer wait.  SPF_BROKEN=1 and
 *     VMA_LOCK_BROKEN=1 install a writable PTE in a read-only VMA.
 *   - the flush order: a COW fault held after its install and before its
 *     flush; if the copy can be written through the new PTE there (an
 *     MMU's walk), a reader on another CPU with the old translation in
 *     its TLB must see that write.  COW_ORDER_BROKEN=1 fails it.
 *   - munmap, mprotect and MADV_DONTNEED on COW-shared pages, and
 *     accounting (rss, frames, heap) exact through fork, COW and exit.
 *   - fault injection: every kmalloc and page allocation of dup_mm() and
 *     of a COW fault failing in turn: -ENOMEM or a refused access,
 *     nothing leaked, the parent intact.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/directed.h"
#include "tests/kernel/forkutil.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/preempt.h"
#include "kernel/proc/process.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/proc/uapi/wait.h"
#include "mm/cow.h"
#include "mm/fault.h"
#include "mm/fork.h"
#include "mm/gup.h"
#include "mm/kmalloc.h"
#include "mm/lockless_walk.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/page.h"
#include "mm/pagewalk.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "asm/page.h"
#include "lib/string.h"

#define RW      (PROT_READ | PROT_WRITE)
#define ANON    (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

/* ---- from user space ------------------------------------------------------------ */

static void run_forktest(struct ktest *t, char *mode, char *arg)
{
	struct baseline b;
	baseline_take(&b);
	char *argv[] = { "forktest", mode, arg, NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("forktest", arg ? 3 : 2, argv), 0);
	baseline_expect(t, &b);
}

/* >= 2000 fork/exit rounds, both sides writing 16 pages each round. */
static void test_fork_storm(struct ktest *t)
{
	uint64_t shared0 = fork_pages_shared;
	run_forktest(t, "storm", "2000");
	/* Each round shares at least the 16 pages written before it. */
	KTEST_EXPECT_GE(t, fork_pages_shared - shared0, 2000ull * 16);
}

/* A kill of the child between fork's process_create() and its first
 * thread's start (the test hook, which skips the spawn of forktest itself
 * and kills the next new pid: the child) ends the child with SIGKILL's
 * status before it runs; forktest checks the status, nothing leaks.  With
 * such kills dropped the child ran and exited 3. */
static int killed_hook_calls;

static void kill_second_new_pid(int pid)
{
	if (++killed_hook_calls == 2)
		process_kill(pid, SIGKILL);
}

static void test_fork_killed_before_start(struct ktest *t)
{
	killed_hook_calls = 0;
	WRITE_ONCE(process_before_first_thread, kill_second_new_pid);
	run_forktest(t, "killed", NULL);
	WRITE_ONCE(process_before_first_thread, NULL);
	KTEST_EXPECT_EQ(t, killed_hook_calls, 2);
}

static void test_fork_limit(struct ktest *t) { run_forktest(t, "limit", NULL); }
static void test_fork_threads(struct ktest *t) { run_forktest(t, "threads", NULL); }

/*
 * The start of a case that races two CPUs: skipped (NULL) on one CPU;
 * else @b taken and a parent mm in use by this thread with @pages pages
 * (parent_with_pages()), or NULL after a failure said on @t.
 */
static struct mm_struct *two_cpu_parent(struct ktest *t, struct baseline *b, unsigned pages, uint64_t tag)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return NULL;
	}
	baseline_take(b);
	struct mm_struct *mm = parent_with_pages(pages, tag);
	if (!mm)
		ktest_fail(t, __FILE__, __LINE__, "no parent mm");
	return mm;
}

/* ---- COW isolation torture ----------------------------------------------------- */

#define ISO_PAGES   64
#define ISO_WORDS   4               /* words written per page, by each side */
#define ISO_RACED   1000            /* child COW faults overlapping a parent write, at least */
#define ISO_MIN_ROUNDS 24
#define ISO_MAX_MS  30000
#define ISO_DELAY_NS 20000          /* fault_test_delay_ns meanwhile */
#define TAG_PARENT  0x5041000000000000ull
#define TAG_CHILD   0x4348000000000000ull
#define TAG_MASK    0xffff000000000000ull

static struct mm_struct *iso_parent, *iso_child;
static volatile uint64_t iso_gen;           /* parent writes carry it (bits 16-47) */
static volatile uint64_t iso_parent_started, iso_parent_writes;  /* parent writes begun, done */
static volatile int iso_stop, iso_round, iso_child_done;
static volatile uint64_t iso_parent_saw_child;

static uint64_t iso_word(unsigned page, unsigned w)
{
	return slot(page) + (uintptr_t)w * 8;
}

static void iso_parent_writer(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	kthread_use_mm(iso_parent);
	uint64_t saw_child = 0, n = 0;
	while (!READ_ONCE(iso_stop)) {
		for (unsigned i = 0; i < ISO_PAGES; i++) {
			uint64_t v = TAG_PARENT | (READ_ONCE(iso_gen) << 16) | (me << 8) | i;
			uintptr_t a = iso_word(i, (me + i) % ISO_WORDS);
			__atomic_fetch_add(&iso_parent_started, 1, __ATOMIC_SEQ_CST);
			poke(a, v);
			__atomic_fetch_add(&iso_parent_writes, 1, __ATOMIC_SEQ_CST);
			uint64_t r = peek(a);
			if ((r & TAG_MASK) == TAG_CHILD)
				saw_child++;
		}
		if (++n % 8 == 0)
			yield();
	}
	__atomic_fetch_add(&iso_parent_saw_child, saw_child, __ATOMIC_RELAXED);
	kthread_unuse_mm(iso_parent);
}

struct iso_count { uint64_t leaks, lost, faults, raced; };

/* The child's side of a round, on @pages [lo, hi): read (no parent write
 * made after the fork, generation @g, may show), write its own words,
 * read them back. */
static void iso_child_side(struct iso_count *c, unsigned lo, unsigned hi, uint64_t g, uint64_t round)
{
	for (unsigned i = lo; i < hi; i++)
		for (unsigned w = 0; w < ISO_WORDS; w++) {
			uint64_t r = peek(iso_word(i, w));
			if ((r & TAG_MASK) == TAG_PARENT && ((r >> 16) & 0xffffffffu) >= g)
				c->leaks++;
		}
	for (unsigned i = lo; i < hi; i++) {
		current->fault_addr = 0;
		uint64_t done0 = __atomic_load_n(&iso_parent_writes, __ATOMIC_SEQ_CST);
		for (unsigned w = 0; w < ISO_WORDS; w++)
			poke(iso_word(i, w), TAG_CHILD | (round << 16) | i);
		uint64_t begun1 = __atomic_load_n(&iso_parent_started, __ATOMIC_SEQ_CST);
		if (current->fault_addr == slot(i)) {
			c->faults++;
			/* A parent write was in flight (begun, not done) at some
			 * moment of this COW fault: begun by its end, not done
			 * by its start. */
			c->raced += begun1 > done0;
		}
	}
	for (unsigned i = lo; i < hi; i++)
		for (unsigned w = 0; w < ISO_WORDS; w++)
			if (peek(iso_word(i, w)) != (TAG_CHILD | (round << 16) | i))
				c->lost++;
}

static struct iso_count iso_helper_count;
static volatile uint64_t iso_helper_gen;

/* A child thread on another CPU: each round, the upper half of the area. */
static void iso_child_helper(void *arg)
{
	(void)arg;
	int seen = 0;
	while (!READ_ONCE(iso_stop)) {
		int r = __atomic_load_n(&iso_round, __ATOMIC_SEQ_CST);
		if (r == seen) {
			yield();
			continue;
		}
		seen = r;
		kthread_use_mm(iso_child);
		iso_child_side(&iso_helper_count, ISO_PAGES / 2, ISO_PAGES, iso_helper_gen, (uint64_t)r);
		kthread_unuse_mm(iso_child);
		__atomic_store_n(&iso_child_done, r, __ATOMIC_SEQ_CST);
	}
}

static void test_cow_isolation(struct ktest *t)
{
	struct baseline b;
	iso_parent = two_cpu_parent(t, &b, ISO_PAGES, TAG_PARENT);
	if (!iso_parent)
		return;
	kthread_unuse_mm(iso_parent);
	iso_stop = iso_round = iso_child_done = 0;
	iso_gen = 1;
	iso_parent_started = iso_parent_writes = iso_parent_saw_child = 0;
	memset(&iso_helper_count, 0, sizeof(iso_helper_count));

	unsigned me = smp_processor_id(), cpu, n = 0, helper_cpu = me;
	struct thread *th[NR_CPUS];
	for_each_online_cpu(cpu)
		if (cpu != me) {
			th[n] = thread_create_on(cpu, "ktest-cow-parent", iso_parent_writer, (void *)(uintptr_t)n);
			n++;
			helper_cpu = cpu;
		}
	struct thread *helper = thread_create_on(helper_cpu, "ktest-cow-child", iso_child_helper, NULL);

	struct iso_count c = { 0 };
	uint64_t rounds = 0, t0 = ktime_ns(), copies0 = cow_copies, reuses0 = cow_reuses;
	/* Widen each COW fault's copy window (mm/cow.c, mm/fault.c): on a
	 * busy 2-core host the vCPUs seldom run at the same moment. */
	fault_test_delay_ns = ISO_DELAY_NS;
	int err = 0;
	while ((rounds < ISO_MIN_ROUNDS || c.raced + iso_helper_count.raced < ISO_RACED) &&
	       ktime_ns() < t0 + ISO_MAX_MS * 1000000ull) {
		/* Let the parent writers fill their TLBs with the area. */
		udelay(200);
		uint64_t g = READ_ONCE(iso_gen);
		iso_child = dup_mm(iso_parent, &err);
		if (!iso_child)
			break;
		/* Every parent write from now on carries g + 1: it comes after
		 * dup_mm() returned, so after its flush. */
		WRITE_ONCE(iso_gen, g + 1);
		iso_helper_gen = g + 1;
		rounds++;
		__atomic_store_n(&iso_round, (int)rounds, __ATOMIC_SEQ_CST);
		kthread_use_mm(iso_child);
		iso_child_side(&c, 0, ISO_PAGES / 2, g + 1, rounds);
		kthread_unuse_mm(iso_child);
		while (__atomic_load_n(&iso_child_done, __ATOMIC_SEQ_CST) != (int)rounds)
			yield();
		mm_put(iso_child);
		iso_child = NULL;
	}
	__atomic_store_n(&iso_stop, 1, __ATOMIC_SEQ_CST);
	fault_test_delay_ns = 0;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	thread_join(helper);
	c.leaks += iso_helper_count.leaks;
	c.lost += iso_helper_count.lost;
	c.faults += iso_helper_count.faults;
	c.raced += iso_helper_count.raced;
	ktest_log("FAULT=%s: %llu forks, %llu parent writes, child COW faults %llu (%llu raced a parent write, "
		  "wanted %u); COW copies %llu, reuses %llu; child saw %llu parent writes made after the fork, "
		  "lost %llu of its own; parent saw %llu child writes; %llu ms",
		  CONFIG_FAULT_NAME, (unsigned long long)rounds, (unsigned long long)iso_parent_writes,
		  (unsigned long long)c.faults, (unsigned long long)c.raced, ISO_RACED,
		  (unsigned long long)(cow_copies - copies0), (unsigned long long)(cow_reuses - reuses0),
		  (unsigned long long)c.leaks, (unsigned long long)c.lost,
		  (unsigned long long)iso_parent_saw_child, (unsigned long long)((ktime_ns() - t0) / 1000000));
	KTEST_EXPECT_EQ(t, err, 0);
	KTEST_EXPECT_EQ(t, c.leaks, 0ull);
	KTEST_EXPECT_EQ(t, c.lost, 0ull);
	KTEST_EXPECT_EQ(t, iso_parent_saw_child, 0ull);
	KTEST_EXPECT_GE(t, c.raced, (uint64_t)ISO_RACED);
	mm_put(iso_parent);
	baseline_expect(t, &b);
}

/* ---- the order of a COW fault's install and flush ------------------------------------ */

/*
 * While any CPU may still hold the old page's translation, no CPU may be
 * able to write the copy (mm/cow.c, "Why read-only until the flush").
 * Each round forks the parent again (its page shared, read-only), lets a
 * reader thread on another CPU load the old translation into its TLB, and
 * writes the page from this CPU: a COW fault.  Held once the copy is
 * installed and before the flush (cow_test_installed), the hook does what
 * a third CPU's MMU would do with the new PTE: walks it and, if it allows
 * writing, writes FO_NEW to the page it maps.  Then the reader reads the
 * address again.  If the write was possible, the reader must see it; it
 * sees FO_OLD through its stale entry when the copy was writable before
 * the flush (COW_ORDER_BROKEN=1, every round).
 */
#define FO_ROUNDS   16
#define FO_OLD      0x0f0f0000aaaa0000ull
#define FO_NEW      0x0f0f0000bbbb0000ull
#define FO_MINE     0x0f0f0000cccc0000ull
#define FO_WAIT_NS  500000000ull    /* the reader's answer, at most */

static struct mm_struct *fo_mm;
static volatile int fo_stop, fo_round, fo_warm, fo_go, fo_done, fo_armed;
static volatile uint64_t fo_answer;
static unsigned fo_windows, fo_written, fo_stale, fo_late;

/* Wait (at most FO_WAIT_NS) until *@flag is @value; the acquire pairs with
 * the store-release that set it.  Used by every window case below. */
static bool wait_for_flag(volatile int *flag, int value)
{
	uint64_t t0 = ktime_ns();
	while (smp_load_acquire(flag) != value)
		if (ktime_ns() - t0 > FO_WAIT_NS)
			return false;
	return true;
}

/* Another CPU of the mm: reads the page once per round (its TLB now holds
 * the old translation), then once more when the hook asks.  Preemption
 * stays off in between, so no switch away and back can reload CR3 and
 * drop the entry on its own; IRQs stay on, so the flush reaches it. */
static void fo_reader(void *arg)
{
	(void)arg;
	kthread_use_mm(fo_mm);
	int seen_round = 0, seen_go = 0;
	while (!READ_ONCE(fo_stop)) {
		int r = smp_load_acquire(&fo_round);    /* pairs with the test's store-release */
		if (r == seen_round) {
			cpu_relax();
			continue;
		}
		seen_round = r;
		preempt_disable();
		(void)peek(slot(0));
		smp_store_release(&fo_warm, r);         /* pairs with wait_for_flag() in the test */
		uint64_t t0 = ktime_ns();
		while (smp_load_acquire(&fo_go) == seen_go && ktime_ns() - t0 < FO_WAIT_NS)
			cpu_relax();
		if (READ_ONCE(fo_go) != seen_go) {
			seen_go = fo_go;
			fo_answer = peek(slot(0));
			smp_store_release(&fo_done, seen_go);   /* pairs with wait_for_flag() in the hook */
		}
		preempt_enable();
	}
	kthread_unuse_mm(fo_mm);
}

static void fo_installed_hook(uintptr_t addr)
{
	if (addr != slot(0) || !READ_ONCE(fo_armed))
		return;
	WRITE_ONCE(fo_armed, 0);
	fo_windows++;
	/* What an MMU without a stale entry does: walk, check the write bit,
	 * write the frame. */
	pteval_t pte = pte_of(fo_mm, addr);
	bool wrote = pte_maps_page(pte) && pte_write(pte);
	if (wrote) {
		WRITE_ONCE(*(volatile uint64_t *)page_address(phys_to_page(entry_addr(pte))), FO_NEW);
		fo_written++;
	}
	int go = fo_go + 1;
	smp_store_release(&fo_go, go);                  /* the write before the request */
	if (!wait_for_flag(&fo_done, go)) {
		fo_late++;
		return;
	}
	if (wrote && fo_answer != FO_NEW) {
		if (fo_stale++ == 0)
			ktest_log("round %d: the copy was written through its new PTE (0x%llx) before the flush; "
				  "the other CPU then read 0x%llx (the old page, through its stale entry)",
				  fo_round, (unsigned long long)FO_NEW, (unsigned long long)fo_answer);
	}
}

static void test_cow_flush_order(struct ktest *t)
{
	struct baseline b;
	fo_mm = two_cpu_parent(t, &b, 1, FO_OLD);
	if (!fo_mm)
		return;
	fo_stop = fo_round = fo_warm = fo_go = fo_done = fo_armed = 0;
	fo_windows = fo_written = fo_stale = fo_late = 0;
	struct thread *reader = thread_create_on(directed_fault_cpu(), "ktest-cow-reader", fo_reader, NULL);
	KTEST_ASSERT_NOT_NULL(t, reader);
	WRITE_ONCE(cow_test_installed, fo_installed_hook);
	unsigned child_ok = 0, parent_ok = 0, not_warm = 0;
	uint64_t left_ro0 = cow_left_read_only;
	int err = 0;
	for (int round = 1; round <= FO_ROUNDS; round++) {
		poke(slot(0), FO_OLD);                  /* the page the child will keep */
		struct mm_struct *child = dup_mm(fo_mm, &err);
		if (!child)
			break;
		/* dup_mm() flushed every CPU of the parent: the reader loads
		 * the now read-only translation of the shared page after it. */
		smp_store_release(&fo_round, round);
		if (!wait_for_flag(&fo_warm, round)) {
			not_warm++;
			mm_put(child);
			continue;
		}
		WRITE_ONCE(fo_armed, 1);
		poke(slot(0), FO_MINE);                 /* the COW fault, then the write */
		WRITE_ONCE(fo_armed, 0);
		parent_ok += peek(slot(0)) == FO_MINE;
		pteval_t c = pte_of(child, slot(0));
		child_ok += pte_maps_page(c) && device_view(phys_to_page(entry_addr(c))) == FO_OLD;
		mm_put(child);
	}
	WRITE_ONCE(cow_test_installed, NULL);
	__atomic_store_n(&fo_stop, 1, __ATOMIC_SEQ_CST);
	thread_join(reader);
	ktest_log("FAULT=%s: %u rounds held between install and flush (%u with the reader not ready, %u answers late); "
		  "the copy writable there in %u; the reader saw the old page after a write to the copy in %u; "
		  "copies left read-only after the flush %llu",
		  CONFIG_FAULT_NAME, fo_windows, not_warm, fo_late, fo_written, fo_stale,
		  (unsigned long long)cow_left_read_only);
	KTEST_EXPECT_EQ(t, err, 0);
	/* Nothing else touched the copy: every step 5 made it writable. */
	KTEST_EXPECT_EQ(t, cow_left_read_only - left_ro0, 0ull);
	KTEST_EXPECT_EQ(t, fo_windows, (unsigned)FO_ROUNDS);
	KTEST_EXPECT_EQ(t, fo_late, 0u);
	KTEST_EXPECT_EQ(t, fo_stale, 0u);
	KTEST_EXPECT_EQ(t, parent_ok, (unsigned)FO_ROUNDS);
	KTEST_EXPECT_EQ(t, child_ok, (unsigned)FO_ROUNDS);
	kthread_unuse_mm(fo_mm);
	mm_put(fo_mm);
	baseline_expect(t, &b);
}

/*
 * The next two cases hold a COW fault after its install (the copy
 * read-only and pending, step 7) and, from there, send a thread of the mm
 * on another CPU to do one thing to the same page: write it, or pin it.
 * The thing must wait for the fault to finish: 20 ms into the hold it
 * must not have completed.  held_action_*() is that machinery.
 */
#define HA_ROUNDS   8
#define HA_HOLD_NS  20000000ull

static struct {
	struct mm_struct *mm;
	void (*action)(int round);      /* run by the other thread, in the mm */
	volatile int stop, go, started, done, armed;
	unsigned windows, done_early;
} ha;

static void held_action_thread(void *arg)
{
	(void)arg;
	kthread_use_mm(ha.mm);
	int seen = 0;
	while (!READ_ONCE(ha.stop)) {
		int g = smp_load_acquire(&ha.go);       /* pairs with the hook's store-release */
		if (g == seen) {
			cpu_relax();
			continue;
		}
		seen = g;
		smp_store_release(&ha.started, g);
		ha.action(g);
		smp_store_release(&ha.done, g);         /* pairs with the hook's and the test's waits */
	}
	kthread_unuse_mm(ha.mm);
}

static void held_action_hook(uintptr_t addr)
{
	if (addr != slot(0) || !READ_ONCE(ha.armed))
		return;
	WRITE_ONCE(ha.armed, 0);
	int g = ha.go + 1;
	smp_store_release(&ha.go, g);
	if (!wait_for_flag(&ha.started, g))
		return;
	ha.windows++;                           /* held, with the other thread under way */
	uint64_t t0 = ktime_ns();
	while (ktime_ns() - t0 < HA_HOLD_NS)
		cpu_relax();
	if (smp_load_acquire(&ha.done) == g)
		ha.done_early++;
}

/*
 * A case's start: skipped below 2 CPUs; @b taken; an mm in use here with
 * one page at slot 0 (ha.mm); the other thread running @action; the hook
 * set.  Return: the thread, or NULL (skipped, or failed: said on @t).
 */
static struct thread *held_action_start(struct ktest *t, struct baseline *b, void (*action)(int))
{
	memset((void *)&ha, 0, sizeof(ha));
	ha.mm = two_cpu_parent(t, b, 1, FO_OLD);
	if (!ha.mm)
		return NULL;
	ha.action = action;
	struct thread *th = thread_create_on(directed_fault_cpu(), "ktest-cow-held", held_action_thread, NULL);
	if (!th) {
		ktest_fail(t, __FILE__, __LINE__, "no thread");
		kthread_unuse_mm(ha.mm);
		mm_put(ha.mm);
		return NULL;
	}
	WRITE_ONCE(cow_test_installed, held_action_hook);
	return th;
}

/* One round: fork, write slot 0 (the COW fault, held once), wait for the action. */
static bool held_action_round(int round, struct mm_struct **child, int *err)
{
	poke(slot(0), FO_OLD);                  /* the page the child will keep */
	*child = dup_mm(ha.mm, err);
	if (!*child)
		return false;
	WRITE_ONCE(ha.armed, 1);
	poke(slot(0), FO_MINE);
	WRITE_ONCE(ha.armed, 0);
	return wait_for_flag(&ha.done, round);
}

/* A case's end: what every such case expects (no fork failed, every round
 * held with the other thread under way and not done during the hold, the
 * child's page kept in @child_ok rounds); the hook and the thread gone, the
 * mm dropped, the baseline back. */
static void held_action_stop(struct ktest *t, struct thread *th, const struct baseline *b, int err,
			     unsigned child_ok)
{
	KTEST_EXPECT_EQ(t, err, 0);
	KTEST_EXPECT_EQ(t, ha.windows, (unsigned)HA_ROUNDS);
	KTEST_EXPECT_EQ(t, ha.done_early, 0u);
	KTEST_EXPECT_EQ(t, child_ok, (unsigned)HA_ROUNDS);
	WRITE_ONCE(cow_test_installed, NULL);
	__atomic_store_n(&ha.stop, 1, __ATOMIC_SEQ_CST);
	thread_join(th);
	kthread_unuse_mm(ha.mm);
	mm_put(ha.mm);
	baseline_expect(t, b);
}

/* Did the child keep the page as it was at fork? */
static bool child_kept_old(struct mm_struct *child)
{
	pteval_t c = pte_of(child, slot(0));
	return pte_maps_page(c) && device_view(phys_to_page(entry_addr(c))) == FO_OLD;
}

/*
 * A second writer of the same page while the first one's copy is pending:
 * it must wait for that fault to finish, not copy the copy.  If it copied,
 * each writer's reference would make the other's step 9 refuse, and two
 * threads writing one page could keep each other's copies read-only round
 * after round.  Each round makes exactly one copy, and the second writer
 * waited.  Checked by hand: without the wait (mm/cow.c's
 * cow_copy_pending() test removed) the second write completed during the
 * hold in 8 of 8 rounds, with two copies each.
 */
static void second_write(int round)
{
	poke(slot(0), 0x5757000000000000ull | (uint64_t)round);
}

static void test_cow_second_writer_waits(struct ktest *t)
{
	struct baseline b;
	struct thread *th = held_action_start(t, &b, second_write);
	if (!th)
		return;
	uint64_t copies0 = cow_copies, waits0 = cow_pending_waits;
	unsigned one_copy = 0, both_done = 0, child_ok = 0;
	int err = 0;
	for (int round = 1; round <= HA_ROUNDS; round++) {
		struct mm_struct *child;
		uint64_t c0 = cow_copies;
		bool done = held_action_round(round, &child, &err);
		if (!child)
			break;
		both_done += done;
		one_copy += cow_copies - c0 == 1;
		child_ok += child_kept_old(child);
		mm_put(child);
	}
	uint64_t waits = cow_pending_waits - waits0;
	ktest_log("FAULT=%s: %u rounds held after the install; the second write done during the hold in %u; "
		  "one copy in %u rounds (%llu copies in all); %llu waits for a pending copy",
		  CONFIG_FAULT_NAME, ha.windows, ha.done_early, one_copy,
		  (unsigned long long)(cow_copies - copies0), (unsigned long long)waits);
	KTEST_EXPECT_EQ(t, one_copy, (unsigned)HA_ROUNDS);
	KTEST_EXPECT_GE(t, waits, (uint64_t)HA_ROUNDS);
	KTEST_EXPECT_EQ(t, both_done, (unsigned)HA_ROUNDS);
	held_action_stop(t, th, &b, err, child_ok);
}

/*
 * A read pin taken while a COW copy is pending: GUP must wait for the
 * copy's step 9 and pin it writable, so the pin keeps seeing the
 * process's writes.  A pin taken inside the window would raise the count,
 * step 9 would leave the copy read-only, and the next write would copy it
 * away from the pin.  After each round the pinned page is the one the PTE
 * maps, and the device (the pinned page) sees the parent's next write.
 * Checked by hand: without GUP's two cow_copy_pending() tests (mm/gup.c)
 * the pin completed during the hold and the device missed the write in 8
 * of 8 rounds.
 */
static struct page *pinned_page;
static volatile long pin_result;

static void pin_read(int round)
{
	(void)round;
	pin_result = gup_fast_mm(ha.mm, slot(0), 1, FOLL_PIN, &pinned_page);
}

static void test_cow_pin_waits_for_copy(struct ktest *t)
{
	struct baseline b;
	struct thread *th = held_action_start(t, &b, pin_read);
	if (!th)
		return;
	unsigned pinned = 0, on_mapped = 0, sees_write = 0, child_ok = 0;
	struct gup_stats g0, g1;
	gup_get_stats(&g0);
	uint64_t waits0 = cow_pending_waits;
	int err = 0;
	for (int round = 1; round <= HA_ROUNDS; round++) {
		struct mm_struct *child;
		bool done = held_action_round(round, &child, &err);
		if (!child)
			break;
		if (done && pin_result == 1) {
			pinned++;
			pteval_t p = pte_of(ha.mm, slot(0));
			on_mapped += pte_maps_page(p) && phys_to_page(entry_addr(p)) == pinned_page;
			uint64_t after = 0x0f0f0000dddd0000ull | (uint64_t)round;
			poke(slot(0), after);
			sees_write += device_view(pinned_page) == after;
			unpin_user_pages(&pinned_page, 1);
		}
		child_ok += child_kept_old(child);
		mm_put(child);
	}
	gup_get_stats(&g1);
	uint64_t stops = g1.fallback[GUP_FB_COW_PENDING] - g0.fallback[GUP_FB_COW_PENDING];
	uint64_t waits = cow_pending_waits - waits0;
	ktest_log("FAULT=%s: %u rounds held after the install; the pin done during the hold in %u; pinned %u, "
		  "the page mapped in %u, the device saw the parent's next write in %u; fast GUP stopped at "
		  "the pending copy %llu times, the slow part waited %llu",
		  CONFIG_FAULT_NAME, ha.windows, ha.done_early, pinned, on_mapped, sees_write,
		  (unsigned long long)stops, (unsigned long long)waits);
	KTEST_EXPECT_GE(t, stops, (uint64_t)HA_ROUNDS);
	KTEST_EXPECT_GE(t, waits, (uint64_t)HA_ROUNDS);
	KTEST_EXPECT_EQ(t, pinned, (unsigned)HA_ROUNDS);
	KTEST_EXPECT_EQ(t, on_mapped, (unsigned)HA_ROUNDS);
	KTEST_EXPECT_EQ(t, sees_write, (unsigned)HA_ROUNDS);
	held_action_stop(t, th, &b, err, child_ok);
}

/* ---- pins across fork, and the exploit shape ------------------------------------- */

static void test_fork_pins(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	struct mm_struct *parent = parent_with_pages(2, 100);
	KTEST_ASSERT_NOT_NULL(t, parent);
	struct page *pg = NULL;
	KTEST_ASSERT_EQ(t, gup_fast_mm(parent, slot(0), 1, FOLL_PIN | FOLL_WRITE, &pg), 1l);
	KTEST_EXPECT_TRUE(t, page_maybe_dma_pinned(pg));
	int err = 0;
	uint64_t copied0 = fork_pages_copied;
	struct mm_struct *child = dup_mm(parent, &err);
	KTEST_ASSERT_NOT_NULL(t, child);
	/* The parent's writes reach the device; the child's do not. */
	unsigned parent_seen = 0, child_seen = 0;
	for (unsigned k = 0; k < 16; k++) {
		poke(slot(0), 0x9a000 + k);
		parent_seen += device_view(pg) == 0x9a000 + k;
		switch_mm_to(parent, child);
		uint64_t before = k ? 0xc1000ull + k - 1 : 100ull;    /* the child's last write, or the fork's */
		KTEST_EXPECT_EQ(t, peek(slot(0)), before);
		poke(slot(0), 0xc1000 + k);
		child_seen += device_view(pg) == 0xc1000 + k;
		switch_mm_to(child, parent);
	}
	ktest_log("pinned page: device saw %u of 16 parent writes, %u of 16 child writes; %llu pages copied at fork",
		  parent_seen, child_seen, (unsigned long long)(fork_pages_copied - copied0));
	KTEST_EXPECT_EQ(t, parent_seen, 16u);
	KTEST_EXPECT_EQ(t, child_seen, 0u);
	KTEST_EXPECT_EQ(t, peek(slot(0)), 0x9a000ull + 15);
	/* A write pin of a page still shared (slot 1): the fast part refuses
	 * the write-protected PTE, the slow part breaks COW first, so the
	 * pinned page is the one the parent maps now, not the child's. */
	struct page *pg1 = NULL;
	KTEST_ASSERT_EQ(t, gup_fast_mm(parent, slot(1), 1, FOLL_PIN | FOLL_WRITE, &pg1), 1l);
	KTEST_EXPECT_EQ(t, page_to_phys(pg1), entry_addr(pte_of(parent, slot(1))));
	KTEST_EXPECT_NE(t, page_to_phys(pg1), entry_addr(pte_of(child, slot(1))));
	KTEST_EXPECT_TRUE(t, pte_write(pte_of(parent, slot(1))));
	poke(slot(1), 0x9b);
	KTEST_EXPECT_EQ(t, device_view(pg1), 0x9bull);
	unpin_user_pages(&pg1, 1);
	unpin_user_pages(&pg, 1);
	kthread_unuse_mm(parent);
	mm_put(child);
	mm_put(parent);
	baseline_expect(t, &b);
}

/*
 * Fork against fast read pins taken meanwhile (the write_protect_seq
 * protocol and the exclusive mark, mm/gup.c step 5; the model is
 * tests/models/gup_fork.pml).  A pinner on another CPU keeps pinning
 * (FOLL_PIN, read-only, fast part only) and unpinning the parent's pages
 * in turn while this thread forks.  Every pin still held afterwards must
 * be on the parent's own page: mapped by the parent, not by the child,
 * and exclusive (so the parent's next write reuses it under the pin).
 * Races counted: fast pins refused because a fork was copying (odd
 * sequence, or moved after the pin: GUP_FB_FORK) and rounds in which fork
 * copied a page for the child because a pin held it; both have floors,
 * reached by going on (within FP_MAX_NS) on a busy host.  FORK_PIN_BROKEN
 * (pinned pages shared) and ANON_EXCLUSIVE_BROKEN (read pins of pages fork
 * has shared) leave pins on shared pages.
 */
#define FP_PAGES        16
#define FP_MIN_ROUNDS   64
#define FP_MIN_REFUSED  8
#define FP_MIN_COPIED   8
#define FP_MAX_NS       20000000000ull

static struct mm_struct *fp_mm;
static volatile int fp_go;                  /* the round (> 0), 0: pause, -1: exit */
static volatile int fp_paused;              /* the pinner's last round, once paused */
static volatile uint64_t fp_passes;         /* the pinner's passes over the pages, in all */
static struct page *fp_pin[FP_PAGES];       /* the pinner's while running; ours while paused */

static void fp_pinner(void *arg)
{
	(void)arg;
	kthread_use_mm(fp_mm);
	int last = 0;
	bool calm = true;
	for (;;) {
		/* Acquire: pairs with the release that set the round, after
		 * which fp_pin[] is ours again. */
		int go = smp_load_acquire(&fp_go);
		if (go < 0)
			break;
		if (go == 0) {
			if (READ_ONCE(fp_paused) != last)
				smp_store_release(&fp_paused, last);   /* fp_pin[] is the test's */
			cpu_relax();
			continue;
		}
		if (go != last)
			calm = true;
		last = go;
		/* Churn (a third of the pins given back each pass, so that fork
		 * finds some pages pinned and some not), but only in calm
		 * passes: while a fork refuses new pins, keep the old ones for
		 * it to find. */
		bool refused = false;
		for (unsigned i = 0; i < FP_PAGES; i++) {
			if (fp_pin[i] && calm && (fp_passes + i) % 3 == 0) {
				unpin_user_pages(&fp_pin[i], 1);
				fp_pin[i] = NULL;
			} else if (!fp_pin[i]) {
				struct page *pg = NULL;
				if (gup_fast_mm(fp_mm, slot(i), 1, FOLL_PIN | FOLL_FAST_ONLY, &pg) == 1)
					fp_pin[i] = pg;
				else
					refused = true;
			}
		}
		calm = !refused;
		smp_store_release(&fp_passes, fp_passes + 1);
	}
	kthread_unuse_mm(fp_mm);
}

/* Wait until the pinner has made @n more passes than @from (bounded). */
static bool fp_wait_passes(uint64_t from, uint64_t n)
{
	uint64_t t0 = ktime_ns();
	while (smp_load_acquire(&fp_passes) < from + n)
		if (ktime_ns() - t0 > FO_WAIT_NS)
			return false;
	return true;
}

static void test_fork_vs_read_pins(struct ktest *t)
{
	struct baseline b;
	struct mm_struct *parent = two_cpu_parent(t, &b, FP_PAGES, 0xf0);
	if (!parent)
		return;
	fp_mm = parent;
	fp_go = 0;
	fp_paused = 0;
	fp_passes = 0;
	for (unsigned i = 0; i < FP_PAGES; i++)
		fp_pin[i] = NULL;
	struct thread *th = thread_create_on(directed_fault_cpu(), "ktest-fp-pinner", fp_pinner, NULL);
	KTEST_ASSERT_NOT_NULL(t, th);
	struct gup_stats s0, s1;
	gup_get_stats(&s0);
	unsigned rounds = 0, copied_rounds = 0, held = 0, bad = 0, stuck = 0;
	uint64_t t0 = ktime_ns();
	for (;;) {
		uint64_t refused = 0;
		gup_get_stats(&s1);
		refused = s1.fallback[GUP_FB_FORK] - s0.fallback[GUP_FB_FORK];
		if (rounds >= FP_MIN_ROUNDS && refused >= FP_MIN_REFUSED && copied_rounds >= FP_MIN_COPIED)
			break;
		if (ktime_ns() - t0 > FP_MAX_NS)
			break;
		int round = (int)++rounds;
		uint64_t p0 = smp_load_acquire(&fp_passes);
		smp_store_release(&fp_go, round);           /* fp_pin[] is the pinner's */
		if (!fp_wait_passes(p0, 2)) {               /* pinned, and some given back */
			stuck++;
			break;
		}
		uint64_t copied0 = fork_pages_copied;
		int err = 0;
		struct mm_struct *child = dup_mm(parent, &err);
		uint64_t p1 = smp_load_acquire(&fp_passes);
		/* A whole pass after fork returned: pins of pages it shared. */
		bool passed = fp_wait_passes(p1, 2);
		smp_store_release(&fp_go, 0);
		uint64_t w0 = ktime_ns();
		while (smp_load_acquire(&fp_paused) != round && ktime_ns() - w0 < FO_WAIT_NS)
			cpu_relax();
		if (!passed || smp_load_acquire(&fp_paused) != round || !child) {
			stuck++;
			if (child)
				mm_put(child);
			break;
		}
		copied_rounds += fork_pages_copied != copied0;
		for (unsigned i = 0; i < FP_PAGES; i++) {
			struct page *pg = fp_pin[i];
			if (!pg)
				continue;
			held++;
			struct page *pp = phys_to_page(entry_addr(pte_of(parent, slot(i))));
			struct page *cp = phys_to_page(entry_addr(pte_of(child, slot(i))));
			if (pp != pg || cp == pg || !page_anon_exclusive(pg)) {
				if (bad++ < 4)
					ktest_log("round %d, page %u: a pin on %s (the parent's %s, the child's %s, %s)",
						  round, i, pp == pg && cp == pg ? "a shared page" : "another page",
						  pp == pg ? "yes" : "no", cp == pg ? "yes" : "no",
						  page_anon_exclusive(pg) ? "exclusive" : "not exclusive");
			}
			unpin_user_pages(&fp_pin[i], 1);
			fp_pin[i] = NULL;
		}
		mm_put(child);
		/* The parent's pages its own again (the child is gone: reuse). */
		for (unsigned i = 0; i < FP_PAGES; i++)
			poke(slot(i), 0xf0 + i);
	}
	smp_store_release(&fp_go, -1);
	thread_join(th);
	for (unsigned i = 0; i < FP_PAGES; i++)
		if (fp_pin[i]) {
			unpin_user_pages(&fp_pin[i], 1);
			fp_pin[i] = NULL;
		}
	gup_get_stats(&s1);
	uint64_t refused = s1.fallback[GUP_FB_FORK] - s0.fallback[GUP_FB_FORK];
	uint64_t unshare = s1.fallback[GUP_FB_UNSHARE] - s0.fallback[GUP_FB_UNSHARE];
	ktest_log("fork vs read pins: %u rounds in %llu ms, %u pins held after a fork, %u bad; "
		  "fast pins refused by a fork %llu (floor %d), by a shared page %llu; rounds where fork "
		  "copied a pinned page %u (floor %d)%s",
		  rounds, (unsigned long long)((ktime_ns() - t0) / 1000000), held, bad,
		  (unsigned long long)refused, FP_MIN_REFUSED, (unsigned long long)unshare, copied_rounds,
		  FP_MIN_COPIED, stuck ? "; the pinner stopped answering" : "");
	KTEST_EXPECT_EQ(t, bad, 0u);
	KTEST_EXPECT_EQ(t, stuck, 0u);
	KTEST_EXPECT_GE(t, refused, (uint64_t)FP_MIN_REFUSED);
	KTEST_EXPECT_GE(t, copied_rounds, (unsigned)FP_MIN_COPIED);
	kthread_unuse_mm(parent);
	mm_put(parent);
	baseline_expect(t, &b);
}

static void test_cow_exploit_shape(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	struct mm_struct *parent = parent_with_pages(2, 0x01d);
	KTEST_ASSERT_NOT_NULL(t, parent);
	int err = 0;
	struct mm_struct *child = dup_mm(parent, &err);
	KTEST_ASSERT_NOT_NULL(t, child);
	/* The child read-pins the shared page, then unmaps it.  With unshare
	 * off: a read pin of a shared page would otherwise move the child to
	 * a copy of its own first (cow_steps.test_read_pin_unshares), and
	 * this case is about the parent's reuse rule alone, the defence
	 * Linux 5.8-5.18 had. */
	switch_mm_to(parent, child);
	struct page *pg = NULL;
	WRITE_ONCE(gup_test_no_unshare, true);
	long got = gup_fast_mm(child, slot(0), 1, FOLL_PIN, &pg);
	WRITE_ONCE(gup_test_no_unshare, false);
	KTEST_ASSERT_EQ(t, got, 1l);
	KTEST_EXPECT_EQ(t, do_munmap(child, slot(0), PAGE_SIZE), 0l);
	switch_mm_to(child, parent);
	/* The parent writes new data: its mapping is the page's only one now,
	 * but the child's pin is a reference too: the write must copy. */
	poke(slot(0), 0x5ec7e7);
	ktest_log("child's pin reads %#llx after the parent wrote 0x5ec7e7 (count %d)",
		  (unsigned long long)device_view(pg), page_ref_count(pg));
	KTEST_EXPECT_EQ(t, device_view(pg), 0x01dull);
	KTEST_EXPECT_EQ(t, peek(slot(0)), 0x5ec7e7ull);
	unpin_user_pages(&pg, 1);
	kthread_unuse_mm(parent);
	mm_put(child);
	mm_put(parent);
	baseline_expect(t, &b);
}

/* ---- munmap, mprotect, MADV_DONTNEED on COW-shared pages; accounting ---------------- */

static void test_cow_mm_ops(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	struct mm_struct *parent = parent_with_pages(5, 0x700);
	KTEST_ASSERT_NOT_NULL(t, parent);
	KTEST_EXPECT_EQ(t, do_mprotect(parent, slot(3), PAGE_SIZE, PROT_READ), 0l);
	int err = 0;
	struct mm_struct *child = dup_mm(parent, &err);
	KTEST_ASSERT_NOT_NULL(t, child);
	KTEST_EXPECT_EQ(t, mm_rss(child), 5ull);
	KTEST_EXPECT_FALSE(t, pte_write(pte_of(parent, slot(0))));
	KTEST_EXPECT_EQ(t, page_ref_count(phys_to_page(entry_addr(pte_of(parent, slot(0))))), 2);
	switch_mm_to(parent, child);
	/* mprotect read-write of a shared page must not make it writable in
	 * place: the write copies, the parent keeps its bytes. */
	KTEST_EXPECT_EQ(t, do_mprotect(child, slot(0), PAGE_SIZE, PROT_READ), 0l);
	KTEST_EXPECT_EQ(t, do_mprotect(child, slot(0), PAGE_SIZE, RW), 0l);
	KTEST_EXPECT_FALSE(t, pte_write(pte_of(child, slot(0))));
	KTEST_EXPECT_EQ(t, poke(slot(0), 0xc0), 0);
	/* The same through PROT_NONE (an entry kept, not present). */
	KTEST_EXPECT_EQ(t, do_mprotect(child, slot(4), PAGE_SIZE, PROT_NONE), 0l);
	KTEST_EXPECT_EQ(t, do_mprotect(child, slot(4), PAGE_SIZE, RW), 0l);
	KTEST_EXPECT_FALSE(t, pte_write(pte_of(child, slot(4))));
	KTEST_EXPECT_EQ(t, poke(slot(4), 0xc4), 0);
	/* MADV_DONTNEED: the child reads zeroes, the parent its bytes. */
	KTEST_EXPECT_EQ(t, do_madvise(child, slot(1), PAGE_SIZE, MADV_DONTNEED), 0l);
	KTEST_EXPECT_EQ(t, peek(slot(1)), 0ull);
	/* munmap in the child: the parent's page stays. */
	KTEST_EXPECT_EQ(t, do_munmap(child, slot(2), PAGE_SIZE), 0l);
	/* A read-only VMA stays read-only in the child. */
	KTEST_EXPECT_NE(t, poke(slot(3), 1), 0);
	KTEST_EXPECT_EQ(t, peek(slot(3)), 0x703ull);
	switch_mm_to(child, parent);
	KTEST_EXPECT_EQ(t, peek(slot(0)), 0x700ull);
	KTEST_EXPECT_EQ(t, peek(slot(1)), 0x701ull);
	KTEST_EXPECT_EQ(t, peek(slot(2)), 0x702ull);
	KTEST_EXPECT_EQ(t, peek(slot(4)), 0x704ull);
	/* The parent's pages 1 and 2 are its own again: a write reuses them. */
	uint64_t reuses0 = cow_reuses, copies0 = cow_copies;
	KTEST_EXPECT_EQ(t, poke(slot(1), 0xa1), 0);
	KTEST_EXPECT_EQ(t, poke(slot(2), 0xa2), 0);
	KTEST_EXPECT_EQ(t, cow_reuses - reuses0, 2ull);
	KTEST_EXPECT_EQ(t, cow_copies - copies0, 0ull);
	/* Page 0: the child copied, so the parent's is its own too. */
	KTEST_EXPECT_EQ(t, poke(slot(0), 0xa0), 0);
	KTEST_EXPECT_EQ(t, cow_reuses - reuses0, 3ull);
	KTEST_EXPECT_EQ(t, mm_rss(parent), 5ull);
	/* Pages 0 and 4 copied, page 1 a fresh zero page (read after
	 * MADV_DONTNEED), page 2 unmapped, page 3 shared. */
	KTEST_EXPECT_EQ(t, mm_rss(child), 4ull);
	kthread_unuse_mm(parent);
	mm_put(child);
	mm_put(parent);
	baseline_expect(t, &b);
}

/* ---- directed races: a COW fault held in its copy window ------------------------------ */

#define DR_ROUNDS 6

/*
 * Rounds of the directed race with the faulter parked at one of the COW
 * fault's two windows: @hook is cow_test_window (the copy made, not yet
 * installed) or cow_test_installed (installed read-only, not yet flushed
 * and made writable).  Return the rounds that reached the window; count
 * the refused writes and the bad PTEs (one outside every VMA, or writable
 * in a read-only VMA).
 */
static unsigned cow_directed_rounds(struct ktest *t, void (**hook)(uintptr_t), const char *where,
				    unsigned nops, unsigned other, unsigned *refused, unsigned *bad)
{
	WRITE_ONCE(*hook, directed_window);
	unsigned windows = 0;
	for (int round = 0; round < DR_ROUNDS; round++) {
		struct mm_struct *dr_mm = parent_with_pages(8, 0x200);
		int err = 0;
		/* The child keeps slot 2 shared: the fault must copy. */
		struct mm_struct *child = dr_mm ? dup_mm(dr_mm, &err) : NULL;
		if (!child) {
			ktest_fail(t, __FILE__, __LINE__, "%s, round %d: no parent or no child (error %d)",
				   where, round, err);
			if (dr_mm) {
				kthread_unuse_mm(dr_mm);
				mm_put(dr_mm);
			}
			break;
		}
		bool ref;
		/* munmap, mprotect read-only (and munmap of the whole block,
		 * the table freed), in turn */
		static const enum directed_op ops[] = { DIRECTED_MUNMAP, DIRECTED_MPROTECT_RO, DIRECTED_MUNMAP_BLOCK };
		windows += directed_round(dr_mm, slot(2), ops[round % nops], other, &ref);
		*refused += ref;
		/* After munmap no PTE; after mprotect read-only none writable. */
		mmap_read_lock(dr_mm);
		pteval_t pte = pte_of(dr_mm, slot(2));
		struct vm_area_struct *v = vma_find(dr_mm, slot(2));
		if (pte_maps_page(pte) && !v) {
			(*bad)++;
			ktest_log("%s, round %d: a PTE outside every VMA", where, round);
		} else if (pte_write(pte) && v && !(v->flags & VM_WRITE)) {
			(*bad)++;
			ktest_log("%s, round %d: a writable PTE in a read-only VMA", where, round);
		}
		mmap_read_unlock(dr_mm);
		kthread_unuse_mm(dr_mm);
		mm_put(child);
		mm_put(dr_mm);
	}
	WRITE_ONCE(*hook, NULL);
	return windows;
}

static void test_cow_race_directed(struct ktest *t)
{
	if (!directed_can_run(t, "FAULT=locked has no window: its COW copy holds mmap_lock, which excludes writers"))
		return;
	struct baseline b;
	baseline_take(&b);
	unsigned other = directed_fault_cpu();
	struct fault_stats s0, s1;
	fault_get_stats(&s0);
	uint64_t waits0 = vma_write_waits;
	unsigned refused = 0, bad = 0, late_refused = 0, late_bad = 0;
	unsigned windows = cow_directed_rounds(t, &cow_test_window, "copy window", 2, other, &refused, &bad);
	fault_get_stats(&s1);
	uint64_t cow_aborts = s1.spf_abort[SPF_ABORT_COW] - s0.spf_abort[SPF_ABORT_COW];
	uint64_t waits = vma_write_waits - waits0;
	/* The second window: the copy installed read-only, the flush and the
	 * upgrade to come.  spf must see the writer's sequence move and leave
	 * the copy read-only; vma makes the writer wait again. */
	uint64_t left0 = cow_left_read_only, waits1 = vma_write_waits, poisoned0 = lockless_poisoned_reads;
	unsigned late_windows = cow_directed_rounds(t, &cow_test_installed, "installed window", 3, other,
						    &late_refused, &late_bad);
	uint64_t left = cow_left_read_only - left0, late_waits = vma_write_waits - waits1;
	uint64_t poisoned = lockless_poisoned_reads - poisoned0;
	ktest_log("FAULT=%s: copy window: %d rounds, %u COW faults held there, %u refused, %u bad PTEs; "
		  "spf COW aborts %llu, vma writer waits %llu",
		  CONFIG_FAULT_NAME, DR_ROUNDS, windows, refused, bad,
		  (unsigned long long)cow_aborts, (unsigned long long)waits);
	ktest_log("FAULT=%s: installed window (munmap, mprotect, munmap of the block in turn): %d rounds, "
		  "%u held there, %u bad PTEs; copies left read-only %llu, vma writer waits %llu, "
		  "reads of a freed table %llu",
		  CONFIG_FAULT_NAME, DR_ROUNDS, late_windows, late_bad, (unsigned long long)left,
		  (unsigned long long)late_waits, (unsigned long long)poisoned);
	KTEST_EXPECT_EQ(t, bad, 0u);
	KTEST_EXPECT_EQ(t, late_bad, 0u);
	KTEST_EXPECT_EQ(t, windows, (unsigned)DR_ROUNDS);
	KTEST_EXPECT_EQ(t, late_windows, (unsigned)DR_ROUNDS);
	/* Step 5 never looks into a table freed meanwhile (the block rounds). */
	KTEST_EXPECT_EQ(t, poisoned, 0ull);
#ifdef CONFIG_FAULT_SPF
	KTEST_EXPECT_GE(t, cow_aborts, (uint64_t)DR_ROUNDS);
	/* Every writer moved the sequence: every copy left read-only. */
	KTEST_EXPECT_GE(t, left, (uint64_t)DR_ROUNDS);
#endif
#ifdef CONFIG_FAULT_VMA
	KTEST_EXPECT_GE(t, waits, (uint64_t)DR_ROUNDS);
	KTEST_EXPECT_GE(t, late_waits, (uint64_t)DR_ROUNDS);
#endif
	baseline_expect(t, &b);
}

/* ---- fault injection -------------------------------------------------------------------- */

/* Arm the nth kmalloc (@which 0) or page allocation (1) of this thread. */
static void inject(int which, unsigned long nth)
{
	if (which == 0)
		kmalloc_fail_nth(nth, nth ? current : NULL);
	else
		page_alloc_fail_nth(nth, nth ? current : NULL);
}

static bool injected(int which)
{
	return which == 0 ? !kmalloc_fail_pending() : !page_alloc_fail_pending();
}

/*
 * dup_mm() with its 1st, 2nd, ... kmalloc, then page allocation, failing
 * until a run meets no failure: each failing run returns -ENOMEM, leaves
 * the parent's bytes and accounting as they were, and leaks nothing.
 * Then a COW fault with its page allocation failing: the access is
 * refused (the process would be killed with "out of memory"), nothing
 * leaks, and the next try succeeds.  A page is pinned so that fork's
 * copy of a maybe-pinned page is among the allocations.
 */
static void test_fork_alloc_failures(struct ktest *t)
{
	struct baseline b;
	baseline_take(&b);
	struct mm_struct *parent = parent_with_pages(8, 0x300);
	KTEST_ASSERT_NOT_NULL(t, parent);
	KTEST_EXPECT_EQ(t, do_mmap(parent, slot(600), PAGE_SIZE, RW, ANON, -1, 0), (long)slot(600));
	poke(slot(600), 0x3ff);         /* a second PTE table */
	struct page *pin = NULL;
	KTEST_ASSERT_EQ(t, gup_fast_mm(parent, slot(7), 1, FOLL_PIN | FOLL_WRITE, &pin), 1l);
	uint64_t rss = mm_rss(parent);
	unsigned failures[2] = { 0, 0 };
	for (int which = 0; which < 2; which++) {
		for (unsigned long nth = 1; nth < 64; nth++) {
			rcu_barrier();
			uint64_t frames = ktest_frames_available(), heap = ktest_heap_bytes();
			int err = 0;
			inject(which, nth);
			struct mm_struct *child = dup_mm(parent, &err);
			bool hit = injected(which);
			inject(which, 0);
			if (!hit) {
				KTEST_EXPECT_TRUE(t, child != NULL);
				if (child)
					mm_put(child);
				break;
			}
			failures[which]++;
			KTEST_EXPECT_NULL(t, child);
			KTEST_EXPECT_EQ(t, err, -ENOMEM);
			if (child)
				mm_put(child);
			rcu_barrier();
			KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
			KTEST_EXPECT_EQ(t, ktest_heap_bytes(), heap);
			KTEST_EXPECT_EQ(t, mm_rss(parent), rss);
			for (unsigned i = 0; i < 7; i++)
				KTEST_EXPECT_EQ(t, peek(slot(i)), 0x300ull + i);
		}
	}
	/* A COW fault with its 1st, 2nd, ... page allocation failing (the
	 * paths allocate before they know it is a COW fault; spf aborts to
	 * the locked path, which allocates again): refused (a user thread
	 * would be killed: "out of memory") or done, never half done. */
	unsigned cow_refused = 0, cow_runs = 0;
	for (unsigned long nth = 1; nth < 8; nth++) {
		rcu_barrier();
		uint64_t frames = ktest_frames_available(), heap = ktest_heap_bytes();
		int err = 0;
		struct mm_struct *child = dup_mm(parent, &err);
		KTEST_ASSERT_NOT_NULL(t, child);
		inject(1, nth);
		int r = poke(slot(0), 0xbad0 + nth);
		bool hit = injected(1);
		inject(1, 0);
		mm_put(child);
		if (!hit)
			break;
		cow_runs++;
		cow_refused += r != 0;
		KTEST_EXPECT_EQ(t, peek(slot(0)), r ? 0x300ull : 0xbad0ull + nth);
		poke(slot(0), 0x300);
		rcu_barrier();
		KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
		KTEST_EXPECT_EQ(t, ktest_heap_bytes(), heap);
	}
	ktest_log("dup_mm: %u kmalloc and %u page allocations failed in turn; COW faults: %u with a failing "
		  "allocation, %u refused", failures[0], failures[1], cow_runs, cow_refused);
	KTEST_EXPECT_GE(t, cow_runs, 1u);
#ifndef CONFIG_FAULT_SPF
	/* spf recovers: its one allocation failing aborts it, and the locked
	 * path allocates again.  The others have nothing to fall back to. */
	KTEST_EXPECT_GE(t, cow_refused, 1u);
#endif
	KTEST_EXPECT_GE(t, failures[0], 2u);
	KTEST_EXPECT_GE(t, failures[1], 3u);
	unpin_user_pages(&pin, 1);
	kthread_unuse_mm(parent);
	mm_put(parent);
	baseline_expect(t, &b);
}

static struct ktest_case fork_cases[] = {
	KTEST_CASE(test_fork_storm),
	KTEST_CASE(test_fork_limit),
	KTEST_CASE(test_fork_killed_before_start),
	KTEST_CASE(test_fork_threads),
	KTEST_CASE(test_cow_mm_ops),
	KTEST_CASE(test_fork_pins),
	KTEST_CASE(test_fork_vs_read_pins),
	KTEST_CASE(test_cow_exploit_shape),
	KTEST_CASE(test_cow_race_directed),
	KTEST_CASE(test_cow_flush_order),
	KTEST_CASE(test_cow_second_writer_waits),
	KTEST_CASE(test_cow_pin_waits_for_copy),
	KTEST_CASE(test_fork_alloc_failures),
	KTEST_CASE(test_cow_isolation),
	{ 0 },
};
KTEST_SUITE(fork, fork_cases);
