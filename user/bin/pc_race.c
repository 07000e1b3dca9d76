/*
 * pc_race ROUNDS - the page cache's three-CPU race from user space (suite
 * `pagecache`, tests/kernel/pagecache.c, which counts the races).
 *
 * One tmpfs file of PAGES pages; three processes, each pinned to its own
 * CPU (with two CPUs the second faulter shares one with the first).  In
 * every round, from one start signal:
 *
 *   truncater C    ftruncate(0) (every page leaves the cache and every
 *                  mapping), ftruncate(PAGES pages) (holes again), then
 *                  pwrite()s the round's number into word 0 of each page
 *                  (an insert of its own)
 *   faulters A, B  each reads word 0 of each page through its own
 *                  MAP_SHARED mapping (a read fault: lookup-or-insert of
 *                  a zeroed page, racing with the truncate and the other
 *                  two inserts) and with pread()
 *
 * A faulter reads its mapping through the kernel (pwrite() from the
 * mapping into a scratch file), so a page past the end of the truncated
 * file is an EFAULT (counted as refused), not a SIGBUS.  The protocol
 * (mm/filemap.c: lookup, then insert with a recheck under the lock; a
 * fault rechecks the size under the PTE lock; truncate unmaps) leaves one
 * page per offset, mapped by both faulters.  After the round's second
 * barrier (C has written), A and B check each page through their mapping
 * and through pread(): both must show the round's number.  A stale value
 * is the bug:
 *
 *   PAGECACHE_BROKEN  no recheck: a faulter maps a page the cache lost
 *                     (C wrote the other one): its mapping shows 0, or
 *                     read() does
 *   TRUNCATE_BROKEN   truncate leaves the old pages mapped and a fault
 *                     skips the size recheck: the mapping shows an old
 *                     round's number
 *
 * The races themselves are counted by the cache (filemap_insert_races);
 * the kernel test reads that and sets the floor.  Exit status: 0, 1 if a
 * check saw a stale value (the count is printed), 2 usage, 3 setup, 4 a
 * process failed or died (the others are told to stop: a dead peer must
 * not leave them waiting at a barrier for ever).
 *
 * The three meet at barriers: a counter in MAP_SHARED|MAP_ANONYMOUS
 * memory.  Arriving is a release (this process's writes, truncates and
 * checks come before), waiting an acquire of the same counter (the
 * others' come before what follows): the pair that orders C's pwrite()s
 * before A's and B's checks, and their checks before C's next truncate.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "posix_bench.h"

#define PAGES 8
#define PG    4096l
#define PROCS 3

struct control {
	unsigned long arrived;	/* barrier arrivals, all rounds */
	unsigned long stale[PROCS];
	unsigned long checks;
	unsigned long refused;	/* racing reads past the truncated end */
	int abort;		/* a process ended early: the others stop */
};

static struct control *ctl;

#define BARRIER_MS 30000	/* a barrier not met in 30 s: a peer is gone */

static void barrier(unsigned long k)
{
	long t0 = pb_now_ms();

	/* Release: pairs with the others' acquire below. */
	__atomic_fetch_add(&ctl->arrived, 1, __ATOMIC_RELEASE);
	/* Acquire: pairs with every other process's release above. */
	for (unsigned long spins = 1;
	     __atomic_load_n(&ctl->arrived, __ATOMIC_ACQUIRE) < k * PROCS; spins++) {
		/* A peer that died (a broken kernel may kill one) would leave
		 * us here for ever: the parent raises abort, and a wait that
		 * outlasts BARRIER_MS gives up by itself. */
		if (__atomic_load_n(&ctl->abort, __ATOMIC_RELAXED))
			_exit(9);
		if (spins % 1024 == 0 && pb_now_ms() - t0 > BARRIER_MS) {
			__atomic_store_n(&ctl->abort, 1, __ATOMIC_RELAXED);
			_exit(10);
		}
		sched_yield();
	}
}

/* Barriers: round r starts at 2r - 1 (C truncates) and is written at 2r. */
static void truncater(int fd, long rounds)
{
	for (long r = 1; r <= rounds; r++) {
		barrier(2 * (unsigned long)r - 1);
		if (ftruncate(fd, 0) != 0 || ftruncate(fd, PAGES * PG) != 0)
			_exit(5);
		for (long k = 0; k < PAGES; k++) {
			uint64_t v = (uint64_t)r;
			if (pwrite(fd, &v, sizeof(v), k * PG) != sizeof(v))
				_exit(6);
		}
		barrier(2 * (unsigned long)r);
	}
	_exit(0);
}

static void faulter(int who, int fd, long rounds)
{
	volatile uint64_t *m = mmap(NULL, PAGES * PG, PROT_READ, MAP_SHARED, fd, 0);
	char spath[] = "/tmp/pc_race_sXXXXXX";
	int scratch = mkstemp(spath);
	unsigned long stale = 0, checks = 0, refused = 0;
	uint64_t v;

	if (m == MAP_FAILED || scratch < 0 || unlink(spath) != 0)
		_exit(7);
	for (long r = 1; r <= rounds; r++) {
		barrier(2 * (unsigned long)r - 1);
		for (long k = 0; k < PAGES; k++) {
			/* The racing fault, taken by the kernel's copy: EFAULT
			 * past the end of the file while C has it truncated. */
			if (pwrite(scratch, (const void *)&m[k * PG / 8], sizeof(v), 0) != sizeof(v))
				refused++;
			if (pread(fd, &v, sizeof(v), k * PG) < 0)
				_exit(8);
		}
		barrier(2 * (unsigned long)r);
		for (long k = 0; k < PAGES; k++) {
			v = 0;
			if (m[k * PG / 8] != (uint64_t)r)
				stale++;
			if (pread(fd, &v, sizeof(v), k * PG) != sizeof(v) || v != (uint64_t)r)
				stale++;
			checks += 2;
		}
	}
	__atomic_fetch_add(&ctl->stale[who], stale, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ctl->checks, checks, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ctl->refused, refused, __ATOMIC_RELAXED);
	close(scratch);
	_exit(0);
}

int main(int argc, char **argv)
{
	long rounds = argc == 2 ? atol(argv[1]) : 0;
	char path[] = "/tmp/pc_raceXXXXXX";
	pid_t pids[PROCS];
	int failed = 0;

	if (rounds < 1 || rounds > 1000000) {
		printf("usage: pc_race ROUNDS (1..1000000)\n");
		return 2;
	}
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = mkstemp(path);
	/* Fault the control page in here, before the fork: the children then
	 * share this one page from their first access, and their barrier does
	 * not itself depend on the page cache under test (with
	 * PAGECACHE_BROKEN three first faults could get three pages). */
	if (ctl != MAP_FAILED)
		memset(ctl, 0, sizeof(*ctl));
	if (ctl == MAP_FAILED || fd < 0 || unlink(path) != 0 || ftruncate(fd, PAGES * PG) != 0) {
		printf("pc_race: setup failed\n");
		return 3;
	}
	/* CPUs: A on the first, C on the second, B on the third (or the first). */
	static const int cpu_of[PROCS] = { 0, 2, 1 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			pb_pin((int)(cpu_of[i] % (cpus > 0 ? cpus : 1)));
			if (i == 2)
				truncater(fd, rounds);
			faulter(i, fd, rounds);
		}
		if (pids[i] < 0) {
			printf("pc_race: fork failed\n");
			for (int j = 0; j < i; j++)
				kill(pids[j], SIGKILL);
			for (int j = 0; j < i; j++)
				waitpid(pids[j], NULL, 0);
			return 4;
		}
	}
	/* Reap in the order they end: the first to end badly aborts the others. */
	for (int i = 0; i < PROCS; i++) {
		int st = -1;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			int who = 0;
			while (who < PROCS && pids[who] != pid)
				who++;
			printf("pc_race: %s ended with status %#x\n",
			       who == 0 ? "faulter A" : who == 1 ? "faulter B" : "truncater C", st);
			__atomic_store_n(&ctl->abort, 1, __ATOMIC_RELAXED);
			failed = 1;
		}
	}
	close(fd);
	unsigned long stale = ctl->stale[0] + ctl->stale[1];
	printf("pc_race: %ld rounds, %lu checks, %lu stale (A %lu, B %lu), %lu racing reads refused\n",
	       rounds, ctl->checks, stale, ctl->stale[0], ctl->stale[1], ctl->refused);
	munmap(ctl, sizeof(*ctl));
	return failed ? 4 : stale ? 1 : 0;
}
