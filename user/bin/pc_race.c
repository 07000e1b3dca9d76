/*
 * pc_race ROUNDS - the page cache's three-CPU race from user space (suite
 * `pagecache`, tests/kernel/pagecache.c, which counts the races).
 *
 * One tmpfs file of PAGES pages; three processes, each pinned to its own
 * CPU (with two CPUs the second faulter shares one with the first):
 *
 *   faulters A, B  each maps the file MAP_SHARED (read-only) once; in
 *                  every round, at the start signal, reads word 0 of each
 *                  page through its mapping (a read fault on a hole:
 *                  lookup-or-insert of a zeroed page) and with pread()
 *   truncater C    before the round: ftruncate(0) (every page leaves the
 *                  cache and every mapping: zapped), ftruncate(PAGES) (the
 *                  file is holes again); at the start signal, pwrite()s
 *                  the round's number into word 0 of each page (an insert
 *                  of its own)
 *
 * So A's fault, B's fault and C's write race to insert one page at each
 * offset, in the same order.  The protocol (mm/filemap.c: lookup, then
 * insert with a recheck under the lock) gives all three the same page.
 * After the round's second barrier, A and B check each page through their
 * mapping and through pread(): both must show the round's number.  A
 * stale value is the bug:
 *
 *   PAGECACHE_BROKEN  no recheck: the loser's page stays mapped in its
 *                     process while C wrote the winner's (or the other
 *                     way round): the mapping or read() shows 0
 *   TRUNCATE_BROKEN   truncate leaves the old pages mapped: the mapping
 *                     shows the previous round's number
 *
 * The races themselves are counted by the cache (filemap_insert_races);
 * the kernel test reads that and sets the floor.  Exit status: 0, 1 if a
 * check saw a stale value (the count is printed), 2 usage, 3 setup, 4 a
 * child failed.
 *
 * The three meet at barriers: a counter in MAP_SHARED|MAP_ANONYMOUS
 * memory.  Arriving is a release (this process's writes, truncates and
 * checks come before), waiting an acquire of the same counter (the
 * others' come before what follows): the pair that orders C's pwrite()s
 * before A's and B's checks and their checks before C's next truncate.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
};

static struct control *ctl;

static void barrier(unsigned long k)
{
	/* Release: pairs with the others' acquire below. */
	__atomic_fetch_add(&ctl->arrived, 1, __ATOMIC_RELEASE);
	/* Acquire: pairs with every other process's release above. */
	while (__atomic_load_n(&ctl->arrived, __ATOMIC_ACQUIRE) < k * PROCS)
		sched_yield();
}

static void truncater(int fd, long rounds)
{
	for (long r = 1; r <= rounds; r++) {
		if (ftruncate(fd, 0) != 0 || ftruncate(fd, PAGES * PG) != 0)
			_exit(5);
		barrier(3 * (unsigned long)r - 2);
		for (long k = 0; k < PAGES; k++) {
			uint64_t v = (uint64_t)r;
			if (pwrite(fd, &v, sizeof(v), k * PG) != sizeof(v))
				_exit(6);
		}
		barrier(3 * (unsigned long)r - 1);
		barrier(3 * (unsigned long)r);		/* their checks done */
	}
	_exit(0);
}

static void faulter(int who, int fd, long rounds)
{
	volatile uint64_t *m = mmap(NULL, PAGES * PG, PROT_READ, MAP_SHARED, fd, 0);
	unsigned long stale = 0, checks = 0;
	uint64_t v;
	volatile uint64_t sink = 0;	/* keeps the racing reads */

	if (m == MAP_FAILED)
		_exit(7);
	for (long r = 1; r <= rounds; r++) {
		barrier(3 * (unsigned long)r - 2);
		for (long k = 0; k < PAGES; k++) {
			sink += m[k * PG / 8];			/* the racing fault */
			if (pread(fd, &v, sizeof(v), k * PG) == sizeof(v))
				sink += v;
		}
		barrier(3 * (unsigned long)r - 1);
		for (long k = 0; k < PAGES; k++) {
			v = 0;
			if (m[k * PG / 8] != (uint64_t)r)
				stale++;
			if (pread(fd, &v, sizeof(v), k * PG) != sizeof(v) || v != (uint64_t)r)
				stale++;
			checks += 2;
		}
		barrier(3 * (unsigned long)r);
	}
	__atomic_fetch_add(&ctl->stale[who], stale, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ctl->checks, checks, __ATOMIC_RELAXED);
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
	for (int i = 0; i < PROCS; i++) {
		int st = -1;
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			printf("pc_race: process %d status %#x\n", i, st);
			failed = 1;
		}
	}
	close(fd);
	unsigned long stale = ctl->stale[0] + ctl->stale[1];
	printf("pc_race: %ld rounds, %lu checks, %lu stale (A %lu, B %lu)\n", rounds, ctl->checks,
	       stale, ctl->stale[0], ctl->stale[1]);
	munmap(ctl, sizeof(*ctl));
	return failed ? 4 : stale ? 1 : 0;
}
