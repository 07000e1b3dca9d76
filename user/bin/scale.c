/*
 * scale - memory-system scalability in three shapes, N threads of one
 * process, each pinned to its own CPU, each counting its own iterations:
 *
 *   scale page_fault1|tlb_flush2|mmap1 THREADS SECONDS WARMUP [MIB]
 *
 *   page_fault1  map MIB (default 128) MiB anonymous, write one byte to
 *                each page (one demand-zero fault per page), unmap; loop.
 *                An iteration is one page touched.
 *   tlb_flush2   map 1 MiB once; write one byte to each page, then
 *                madvise(MADV_DONTNEED) the whole MiB (a zap and a TLB
 *                flush of a range the other threads' mm shares); loop.
 *                An iteration is one page touched.
 *   mmap1        mmap and munmap MIB MiB anonymous, nothing touched; loop.
 *                An iteration is one mmap + munmap pair.
 *
 * These are the shapes of will-it-scale's tests of the same names, which
 * issue 21 measured Linux with; the program is written here.  The main
 * thread starts the workers, lets them run WARMUP seconds, then reads every
 * counter once a second for SECONDS seconds and prints one line
 *
 *   RESULT test=T threads=N total=ITERS ms=MS per_sec=P per_sec_per_thread=Q
 *          min_per_sec=LO max_per_sec=HI windows=SECONDS
 *
 * (one line; total and ms over the whole timed window, P = total / ms *
 * 1000, Q = P / N, LO..HI the slowest and fastest one-second window).
 * page_fault1 then prints, for each thread, where its iterations' time
 * went (time-stamp counter cycles per round of MIB MiB, rounds wholly
 * inside the timed window):
 *
 *   PHASES test=page_fault1 thread=I rounds=R map_cycles=M touch_cycles=T
 *          unmap_cycles=U
 *
 * M the mmap, T the touching (the faults), U the munmap (its zap and
 * flushes, and any wait for mmap_lock).  It is how the munmap's share and
 * its growth at two threads were seen (docs/performance.md, finding 17).
 * Built with this kernel's libc it also reports through bench_report():
 * name `scale`, metric `iterations_per_s_<T>`, x = N, value P, min..max
 * LO..HI, runs = SECONDS.
 *
 * The same source builds unmodified against glibc
 * (`gcc -O2 -static -pthread user/bin/scale.c`): scripts/peer.py runs it
 * under Linux in the same QEMU.  Only calls both libcs have; the one
 * difference (bench_report) is under __KERNEL_LAB_LIBC__, which this
 * libc's sys/types.h defines (__linux__ cannot tell them apart: user code
 * is compiled by the host's Linux gcc).  Pinning, the clock and the
 * per-second sampling are posix_bench.h's.  No floating point: this libc's
 * printf has none and user code here is built -mgeneral-regs-only.
 */
#define _GNU_SOURCE		/* glibc: CPU_SET, sched_setaffinity */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "posix_bench.h"

#define PAGE         4096ul
#define MAX_THREADS  64
#define MAX_WINDOWS  3600
#define TLB_REGION   (1ul << 20)	/* tlb_flush2: 1 MiB a thread */

enum shape { PAGE_FAULT1, TLB_FLUSH2, MMAP1, SHAPES };
static const char *const shape_name[SHAPES] = { "page_fault1", "tlb_flush2", "mmap1" };

/*
 * One counter a thread, each on its own 64-byte cache line, so that the
 * counting itself does not bounce a line between CPUs.  The owner is the
 * only writer; the main thread reads them while they run.  A counter
 * needs atomicity (no torn read) but no ordering with anything else: the
 * reads and writes are relaxed atomics.
 */
struct counter {
	unsigned long n;
	int cpu;		/* where the thread pinned itself */
	int failed;		/* a call failed: the thread stopped */
} __attribute__((aligned(64)));

static struct counter counters[MAX_THREADS];
static enum shape shape;
static unsigned long region;	/* bytes a thread maps (page_fault1, mmap1) */

/* Written by the main thread, read by the workers; relaxed: each only
 * tells a loop to start or stop, and pthread_join() orders the rest. */
static int go, stop, ready;

static void count(struct counter *c, unsigned long k)
{
	__atomic_store_n(&c->n, __atomic_load_n(&c->n, __ATOMIC_RELAXED) + k,
			 __ATOMIC_RELAXED);
}

static int stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void *map(unsigned long len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* page_fault1's phases, per thread (PHASES above): sums of cycles over
 * the rounds that began after the warm-up and ended before the stop.
 * Each thread writes only its own; main reads them after pthread_join(). */
struct phases {
	unsigned long rounds, map, touch, unmap;
} __attribute__((aligned(64)));	/* a line each, as the counters */
static struct phases phases[MAX_THREADS];
static int timing;		/* set by main when the timed window opens */

static unsigned long cycles(void)
{
	return __builtin_ia32_rdtsc();	/* a GCC builtin: both libcs */
}

static int page_fault1(struct counter *c)
{
	struct phases *ph = &phases[c - counters];
	while (!stopping()) {
		int timed = __atomic_load_n(&timing, __ATOMIC_RELAXED);
		unsigned long t0 = cycles();
		char *p = map(region);
		if (!p)
			return -1;
		unsigned long t1 = cycles();
		for (unsigned long off = 0; off < region && !stopping(); off += PAGE) {
			p[off] = 1;			/* one demand-zero fault */
			count(c, 1);
		}
		unsigned long t2 = cycles();
		if (munmap(p, region) != 0)
			return -1;
		unsigned long t3 = cycles();
		if (timed && !stopping()) {	/* a whole round, all of it timed */
			ph->rounds++;
			ph->map += t1 - t0;
			ph->touch += t2 - t1;
			ph->unmap += t3 - t2;
		}
	}
	return 0;
}

static int tlb_flush2(struct counter *c)
{
	char *p = map(TLB_REGION);
	if (!p)
		return -1;
	while (!stopping()) {
		for (unsigned long off = 0; off < TLB_REGION; off += PAGE)
			p[off] = 1;
		if (madvise(p, TLB_REGION, MADV_DONTNEED) != 0)
			return -1;
		count(c, TLB_REGION / PAGE);
	}
	return munmap(p, TLB_REGION);
}

static int mmap1(struct counter *c)
{
	while (!stopping()) {
		void *p = map(region);
		if (!p || munmap(p, region) != 0)
			return -1;
		count(c, 1);
	}
	return 0;
}

static void *worker(void *arg)
{
	struct counter *c = arg;
	int err;

	c->cpu = pb_pin((int)(c - counters));
	__atomic_fetch_add(&ready, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&go, __ATOMIC_RELAXED))
		sched_yield();
	if (c->cpu < 0)
		err = -1;
	else if (shape == PAGE_FAULT1)
		err = page_fault1(c);
	else if (shape == TLB_FLUSH2)
		err = tlb_flush2(c);
	else
		err = mmap1(c);
	if (err) {
		c->failed = 1;
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static unsigned long total(int n)
{
	unsigned long s = 0;
	for (int i = 0; i < n; i++)
		s += __atomic_load_n(&counters[i].n, __ATOMIC_RELAXED);
	return s;
}

static int usage(void)
{
	printf("usage: scale page_fault1|tlb_flush2|mmap1 THREADS SECONDS WARMUP [MIB]\n"
	       "  THREADS 1..%d (at most the CPUs online), SECONDS 1..%d, WARMUP 0.., MIB 1..4096 (default 128)\n",
	       MAX_THREADS, MAX_WINDOWS);
	return 2;
}

int main(int argc, char **argv)
{
	static unsigned long win[MAX_WINDOWS];
	pthread_t t[MAX_THREADS];

	if (argc < 5 || argc > 6)
		return usage();
	for (shape = 0; shape < SHAPES && strcmp(argv[1], shape_name[shape]); shape++)
		;
	int n = atoi(argv[2]), seconds = atoi(argv[3]), warmup = atoi(argv[4]);
	int mib = argc == 6 ? atoi(argv[5]) : 128;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (shape == SHAPES || n < 1 || n > MAX_THREADS || seconds < 1 || seconds > MAX_WINDOWS ||
	    warmup < 0 || mib < 1 || mib > 4096)
		return usage();
	if (n > cpus) {
		printf("scale: %d threads, but %ld CPUs online: one thread a CPU\n", n, cpus);
		return 2;
	}
	region = (unsigned long)mib << 20;

	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, &counters[i]) != 0) {
			printf("scale: pthread_create failed\n");
			return 3;
		}
	while (__atomic_load_n(&ready, __ATOMIC_RELAXED) < n)
		sched_yield();
	__atomic_store_n(&go, 1, __ATOMIC_RELAXED);
	sleep((unsigned)warmup);

	__atomic_store_n(&timing, 1, __ATOMIC_RELAXED);
	unsigned long lo, hi;
	long ms;
	unsigned long sum = pb_windows(total, n, seconds, win, &ms, &lo, &hi);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		failed |= counters[i].failed;
	}
	if (failed) {
		printf("scale: %s: a thread's mmap, munmap, madvise or pinning failed\n", shape_name[shape]);
		return 4;
	}

	unsigned long per_sec = sum * 1000ul / (unsigned long)ms;
	printf("RESULT test=%s threads=%d total=%lu ms=%ld per_sec=%lu per_sec_per_thread=%lu "
	       "min_per_sec=%lu max_per_sec=%lu windows=%d\n",
	       shape_name[shape], n, sum, ms, per_sec, per_sec / (unsigned long)n, lo, hi, seconds);
	for (int i = 0; shape == PAGE_FAULT1 && i < n; i++) {
		const struct phases *ph = &phases[i];
		unsigned long r = ph->rounds ? ph->rounds : 1;
		printf("PHASES test=page_fault1 thread=%d rounds=%lu map_cycles=%lu touch_cycles=%lu "
		       "unmap_cycles=%lu\n", i, ph->rounds, ph->map / r, ph->touch / r, ph->unmap / r);
	}
#ifdef __KERNEL_LAB_LIBC__
	char metric[40];
	snprintf(metric, sizeof(metric), "iterations_per_s_%s", shape_name[shape]);
	bench_report("scale", metric, n, "iterations/s", per_sec, lo, hi, (unsigned long)seconds);
#endif
	return 0;
}
