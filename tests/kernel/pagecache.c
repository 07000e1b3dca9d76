/*
 * tests/kernel/pagecache.c - suite `pagecache`: the page cache's
 * lookup-or-insert under a race (mm/filemap.c, step 4 of its header).
 *
 * Two threads on two CPUs meet at a barrier, then both ask for the page
 * at one new index of one file (filemap_grab_page()).  Both miss in the
 * lockless lookup often enough, then both allocate and go for the lock:
 * a race (counted by the cache itself, filemap_insert_races: the second
 * found the slot filled under the lock).  The protocol says both come
 * back with the same page.  PAGECACHE_BROKEN drops the recheck under the
 * lock, so every race hands the two threads different pages for one
 * offset: the case fails every time it races, and it does not pass
 * without racing (a floor of races, tried for up to 20 s on a busy host).
 *
 * fault_read_truncate_race is the same race from user space, on three
 * CPUs (user/bin/pc_race.c): two processes fault the same offsets of a
 * file through their MAP_SHARED mappings and read() them while a third,
 * at the same signal, truncates the file to nothing, grows it back to
 * holes and pwrite()s the round's number into each page; after a barrier
 * the faulters' mappings and reads must show it.  The races are the
 * cache's own count (filemap_insert_races) during the runs; runs of
 * PC_ROUNDS rounds go on until PC_FLOOR races or 20 s.  PAGECACHE_BROKEN
 * (a faulter keeps a page the cache lost) and TRUNCATE_BROKEN (a faulter
 * keeps a truncated page mapped) each fail it: pc_race sees stale values.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/ktest_fs.h"
#include "kernel/fs/fs.h"
#include "kernel/percpu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "mm/filemap.h"
#include "mm/page.h"
#include "asm/cpu.h"

#define RACE_FLOOR   30             /* races needed for a verdict */
#define MAX_ROUNDS   4096           /* indices tried, at most (one file) */
#define TIME_BOUND_NS 20000000000ull

struct race {
	struct address_space *m;
	unsigned long go;               /* round number released by the leader */
	unsigned long done[2];          /* rounds each side finished */
	struct page *got[2];            /* this round's pages */
	bool stop;
};

static void racer(struct race *r, int side, unsigned long round)
{
	struct page *p = NULL;
	if (filemap_grab_page(r->m, round, &p))
		p = NULL;
	r->got[side] = p;
	/* Release: got[side] before done[side]; the leader's acquire reads both. */
	smp_store_release(&r->done[side], round + 1);
}

static void follower(void *arg)
{
	struct race *r = arg;
	for (unsigned long round = 0;; round++) {
		/* Acquire: pairs with the leader's release of go. */
		while (smp_load_acquire(&r->go) <= round && !READ_ONCE(r->stop))
			cpu_relax();
		if (READ_ONCE(r->stop))
			break;
		racer(r, 1, round);
	}
	thread_exit(0);
}

static void test_lookup_or_insert_race(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	ktest_settle(0, 0, 300);
	uint64_t frames = ktest_frames_available(), heap = ktest_heap_bytes();
	struct inode *ino = inode_alloc(S_IFREG | 0600);
	KTEST_ASSERT_NOT_NULL(t, ino);
	static struct race r;
	r = (struct race){ .m = &ino->mapping };
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	struct thread *th = thread_create_on(other, "ktest-pcrace", follower, &r);
	KTEST_ASSERT_NOT_NULL(t, th);
	unsigned long races0 = filemap_insert_races, two_pages = 0, errors = 0, rounds = 0;
	uint64_t end = ktime_ns() + TIME_BOUND_NS;
	while (rounds < MAX_ROUNDS && filemap_insert_races - races0 < RACE_FLOOR * 4 &&
	       ktime_ns() < end) {
		smp_store_release(&r.go, rounds + 1);      /* pairs with follower()'s acquire */
		racer(&r, 0, rounds);
		while (smp_load_acquire(&r.done[1]) <= rounds)
			cpu_relax();
		if (!r.got[0] || !r.got[1])
			errors++;
		else if (r.got[0] != r.got[1])
			two_pages++;            /* one offset, two pages: the bug */
		for (int s = 0; s < 2; s++)
			if (r.got[s])
				put_page(r.got[s]);
		rounds++;
	}
	WRITE_ONCE(r.stop, true);
	thread_join(th);
	unsigned long races = filemap_insert_races - races0;
	ktest_log("pagecache: %lu rounds, %lu races, %lu offsets with two pages",
		  rounds, races, two_pages);
	KTEST_EXPECT_EQ(t, errors, 0ul);
	KTEST_EXPECT_EQ(t, two_pages, 0ul);
	KTEST_EXPECT_GE(t, races, (unsigned long)RACE_FLOOR);
	iput(ino);                      /* its pages go with it */
	ktest_settle(frames, heap, 5000);
	KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
	KTEST_EXPECT_EQ(t, ktest_heap_bytes(), heap);
}

#define PC_FLOOR  50                /* insert races needed for a verdict */
#define PC_ROUNDS "150"             /* rounds of one pc_race run */
#define PC_MAX_RUNS 40

static void test_fault_read_truncate_race(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	struct baseline b = mark();
	unsigned long races0 = READ_ONCE(filemap_insert_races), races = 0;
	uint64_t end = ktime_ns() + TIME_BOUND_NS;
	int runs = 0, failed = 0;
	char *argv[] = { "pc_race", PC_ROUNDS, NULL };
	while (runs < PC_MAX_RUNS && !failed && races < PC_FLOOR && (runs == 0 || ktime_ns() < end)) {
		int st = ktest_run_program("pc_race", 2, argv);
		if (st != 0) {
			ktest_log("pagecache: pc_race run %d: status %#x", runs, (unsigned)st);
			failed++;
		}
		runs++;
		races = READ_ONCE(filemap_insert_races) - races0;
	}
	ktest_log("pagecache: pc_race: %d runs of %s rounds on %u CPUs, %lu insert races",
		  runs, PC_ROUNDS, num_online_cpus(), races);
	KTEST_EXPECT_EQ(t, failed, 0);
	KTEST_EXPECT_GE(t, races, (unsigned long)PC_FLOOR);
	expect_back(t, b);
}

static struct ktest_case pagecache_cases[] = {
	KTEST_CASE(test_lookup_or_insert_race),
	KTEST_CASE(test_fault_read_truncate_race),
	{}
};
KTEST_SUITE(pagecache, pagecache_cases);
