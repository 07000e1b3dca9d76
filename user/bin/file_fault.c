/*
 * file_fault - file-backed page faults in forked processes, will-it-scale
 * style:
 *
 *   file_fault shared|private PROCS SECONDS WARMUP [MIB]
 *
 * The parent makes one tmpfs file (mkstemp in /tmp, unlinked at once, so
 * nothing is left behind) of PROCS x MIB MiB (default 4: this kernel's tmpfs
 * holds at most 16 MiB a file and 32 MiB in all, docs/files.md).  Each of PROCS
 * forked children pins itself to its own CPU and loops: mmap its own MIB
 * of the file (MAP_SHARED or MAP_PRIVATE, at offset i x MIB), write one
 * byte to every page, munmap.  An iteration is one page touched: with
 * `shared` a write fault on a page of the page cache (after the first
 * pass every page is cached: the figure is the minor fault's), with
 * `private` a copy-on-write fault that copies the cache's page.
 *
 * The children count in a MAP_SHARED|MAP_ANONYMOUS page each (one counter
 * a 64-byte line), which the parent reads once a second for SECONDS
 * seconds after WARMUP seconds; then it sets the stop flag in the same
 * shared memory and reaps them.  One line:
 *
 *   RESULT test=file_fault_procs metric=pages_per_s_MODE x=PROCS unit=pages/s
 *          value=P min=LO max=HI runs=SECONDS
 *
 * (P over the whole timed window, LO..HI the slowest and fastest second;
 * under this kernel also the same BENCH line).  A
 * child whose mmap, munmap or pinning failed, or that did not exit 0,
 * makes the program exit non-zero.
 *
 * Plain POSIX; builds unmodified with `gcc -O2 -static` against glibc.
 * The counters are relaxed atomics: each has one writer and needs no
 * ordering with anything else (waitpid() orders the end).
 */
#define _GNU_SOURCE		/* glibc: CPU_SET, sched_setaffinity */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "posix_bench.h"

#define MAX_PROCS   64
#define MAX_WINDOWS 600

struct counter {
	unsigned long n;
	int failed;
} __attribute__((aligned(64)));

struct shared {
	struct counter c[MAX_PROCS];
	int stop;
};

static struct shared *sh;

static int stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

static void child(int i, int fd, int flags, unsigned long region, long page)
{
	struct counter *c = &sh->c[i];

	if (pb_pin(i) < 0) {
		c->failed = 1;
		_exit(1);
	}
	while (!stopping()) {
		char *p = mmap(NULL, region, PROT_READ | PROT_WRITE, flags, fd,
			       (off_t)(region * (unsigned long)i));
		if (p == MAP_FAILED) {
			c->failed = 1;
			_exit(1);
		}
		for (unsigned long off = 0; off < region && !stopping(); off += (unsigned long)page) {
			p[off] = 1;
			__atomic_store_n(&c->n, __atomic_load_n(&c->n, __ATOMIC_RELAXED) + 1,
					 __ATOMIC_RELAXED);
		}
		if (munmap(p, region) != 0) {
			c->failed = 1;
			_exit(1);
		}
	}
	_exit(0);
}

static unsigned long total(int n)
{
	unsigned long s = 0;
	for (int i = 0; i < n; i++)
		s += __atomic_load_n(&sh->c[i].n, __ATOMIC_RELAXED);
	return s;
}

int main(int argc, char **argv)
{
	static unsigned long win[MAX_WINDOWS];
	pid_t pids[MAX_PROCS];
	char path[] = "/tmp/file_faultXXXXXX";

	int shared = argc > 1 && !strcmp(argv[1], "shared");
	int n = argc > 2 ? atoi(argv[2]) : 0, seconds = argc > 3 ? atoi(argv[3]) : 0;
	int warmup = argc > 4 ? atoi(argv[4]) : -1, mib = argc > 5 ? atoi(argv[5]) : 4;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), page = sysconf(_SC_PAGESIZE);
	if (argc < 5 || argc > 6 || (!shared && strcmp(argv[1], "private")) || n < 1 ||
	    n > MAX_PROCS || n > cpus || seconds < 1 || seconds > MAX_WINDOWS || warmup < 0 ||
	    mib < 1 || mib > 1024) {
		printf("usage: file_fault shared|private PROCS SECONDS WARMUP [MIB]\n"
		       "  PROCS 1..%ld (one a CPU), SECONDS 1..%d, WARMUP 0.., MIB 1..1024 (default 4)\n",
		       cpus < MAX_PROCS ? cpus : MAX_PROCS, MAX_WINDOWS);
		return 2;
	}
	unsigned long region = (unsigned long)mib << 20;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = mkstemp(path);
	if (sh == MAP_FAILED || fd < 0 || unlink(path) != 0) {
		printf("file_fault: mmap of the counters, mkstemp or unlink failed (errno %d)\n", errno);
		return 3;
	}
	if (ftruncate(fd, (off_t)(region * (unsigned long)n)) != 0) {
		printf("file_fault: a %lu MiB file: ftruncate failed (errno %d: EFBIG or ENOSPC is the file system's limit)\n",
		       region * (unsigned long)n >> 20, errno);
		return 3;
	}
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			child(i, fd, shared ? MAP_SHARED : MAP_PRIVATE, region, page);
		if (pids[i] < 0) {
			printf("file_fault: fork failed\n");
			__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
			n = i;
			break;
		}
	}
	pb_pin(0);
	sleep((unsigned)warmup);

	unsigned long lo, hi;
	long ms;
	unsigned long sum = pb_windows(total, n, seconds, win, &ms, &lo, &hi);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	int failed = n < (argc > 2 ? atoi(argv[2]) : 0);
	for (int i = 0; i < n; i++) {
		int st = -1;
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
		    sh->c[i].failed)
			failed = 1;
	}
	if (failed) {
		printf("file_fault: a child's mmap, munmap or pinning failed, or it did not exit 0\n");
		return 4;
	}
	pb_report("file_fault_procs", shared ? "pages_per_s_shared" : "pages_per_s_private", n,
		  "pages/s", sum * 1000ul / (unsigned long)ms, lo, hi, seconds);
	close(fd);
	munmap(sh, sizeof(*sh));
	return 0;
}
