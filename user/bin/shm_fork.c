/*
 * shm_fork - a MAP_SHARED|MAP_ANONYMOUS region shared across fork, faulted
 * in by every process, each seeing the others' writes:
 *
 *   shm_fork PROCS ROUNDS [KIB]
 *
 * The parent maps KIB KiB (default 1024) shared and anonymous, then forks
 * PROCS children, each pinned to its own CPU.  A round, in each child i:
 * write the round's number into word i of every page (a fault per page:
 * the first round allocates the shared pages, later rounds find them),
 * meet the others at a barrier, check word j of every page for every
 * other child j (each must hold this round's number: the others' stores,
 * made through their own page tables, are seen through ours), meet again,
 * then madvise(MADV_DONTNEED) the whole region, which for shared memory
 * drops only this process's PTEs (the pages stay: the next round faults
 * them back in).  The parent times the ROUNDS rounds and prints
 *
 *   RESULT test=shm_fork metric=pages_per_s x=PROCS unit=pages/s
 *          value=P min=P max=P runs=1
 *
 * (P = pages faulted by all children a second; under this kernel also a
 * BENCH line), and `shm_fork: N stale words` with exit status 1 when any
 * check saw an old value.
 *
 * The barrier is a counter in the shared page: a child's arrival is a
 * release (its stores to the region come before it), the wait an acquire
 * of the same counter (the others' stores are visible after it): the pair
 * that makes the checks sound (LKMM's message passing, in C11 atomics).
 * Plain POSIX; builds unmodified with `gcc -O2 -static` against glibc.
 */
#define _GNU_SOURCE		/* glibc: CPU_SET, sched_setaffinity */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "posix_bench.h"

#define MAX_PROCS 64

struct control {
	unsigned long arrived;	/* barrier arrivals so far, all rounds */
	unsigned long stale;	/* words that held an old value */
};

static struct control *ctl;

/* Arrive at barrier number @k (from 1) and wait for all @n children. */
static void barrier(unsigned long k, int n)
{
	/* Release: this child's stores to the region before its arrival. */
	__atomic_fetch_add(&ctl->arrived, 1, __ATOMIC_RELEASE);
	/* Acquire: pairs with every other child's release above. */
	while (__atomic_load_n(&ctl->arrived, __ATOMIC_ACQUIRE) < k * (unsigned long)n)
		sched_yield();
}

static void child(int i, int n, int rounds, char *region, unsigned long len, long page)
{
	unsigned long stale = 0;

	if (pb_pin(i) < 0)
		_exit(3);
	for (int r = 1; r <= rounds; r++) {
		for (unsigned long off = 0; off < len; off += (unsigned long)page)
			((volatile long *)(region + off))[i] = r;
		barrier(2ul * (unsigned long)r - 1, n);
		for (unsigned long off = 0; off < len; off += (unsigned long)page)
			for (int j = 0; j < n; j++)
				stale += ((volatile long *)(region + off))[j] != r;
		barrier(2ul * (unsigned long)r, n);
		if (madvise(region, len, MADV_DONTNEED) != 0)
			_exit(4);
	}
	__atomic_fetch_add(&ctl->stale, stale, __ATOMIC_RELAXED);
	_exit(0);
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_PROCS];
	int n = argc > 1 ? atoi(argv[1]) : 0, rounds = argc > 2 ? atoi(argv[2]) : 0;
	long kib = argc > 3 ? atol(argv[3]) : 1024;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), page = sysconf(_SC_PAGESIZE);

	if (argc < 3 || argc > 4 || n < 1 || n > MAX_PROCS || n > cpus || rounds < 1 ||
	    rounds > 100000 || kib < page / 1024 || kib > 1024 * 1024 ||
	    (long)n * (long)sizeof(long) > page) {
		printf("usage: shm_fork PROCS ROUNDS [KIB]\n"
		       "  PROCS 1..%ld (one a CPU), ROUNDS 1..100000, KIB %ld..1048576 (default 1024)\n",
		       cpus < MAX_PROCS ? cpus : MAX_PROCS, page / 1024);
		return 2;
	}
	unsigned long len = (unsigned long)kib << 10;
	len -= len % (unsigned long)page;
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED || region == MAP_FAILED) {
		printf("shm_fork: mmap MAP_SHARED|MAP_ANONYMOUS failed\n");
		return 3;
	}
	memset(ctl, 0, sizeof(*ctl));	/* faulted in before the fork: one page for all */
	long t0 = pb_now_ms();
	int failed = 0, forked = 0;
	for (int i = 0; i < n; i++, forked++) {
		pids[i] = fork();
		if (pids[i] == 0)
			child(i, n, rounds, region, len, page);
		if (pids[i] < 0) {
			/* The others would wait at the barrier for ever: say so and stop. */
			printf("shm_fork: fork failed\n");
			for (int j = 0; j < i; j++)
				kill(pids[j], SIGKILL);
			failed = 1;
			break;
		}
	}
	for (int i = 0; i < forked; i++) {
		int st = -1;
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	long ms = pb_now_ms() - t0;
	if (failed) {
		printf("shm_fork: a child failed (pinning, madvise or fork)\n");
		return 4;
	}
	unsigned long stale = __atomic_load_n(&ctl->stale, __ATOMIC_RELAXED);
	if (stale) {
		printf("shm_fork: %lu stale words: a store through one process's mapping was not seen through another's\n",
		       stale);
		return 1;
	}
	unsigned long pages = len / (unsigned long)page * (unsigned long)n * (unsigned long)rounds;
	unsigned long rate = pages * 1000ul / (unsigned long)(ms > 0 ? ms : 1);
	pb_report("shm_fork", "pages_per_s", n, "pages/s", rate, rate, rate, 1);
	munmap(region, len);
	munmap(ctl, sizeof(*ctl));
	return 0;
}
