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
 * and four controls, which ask what a busy neighbour costs the faulters:
 * one that shares nothing with them, or shares only some of what a second
 * faulter would (docs/performance.md, findings 22 and 23):
 *
 *   page_fault1_beside_writer  THREADS threads of page_fault1 and, on the
 *                CPU after theirs, one more thread that writes every word
 *                of its own MIB MiB over and over.  It touched each page
 *                before the start, so it takes no faults and calls nothing:
 *                it shares no lock, page or cache line of the kernel's with
 *                the faulters, only the machine's memory system.
 *   page_fault1_beside_adder   the same with a neighbour that only adds in
 *                registers: a busy vCPU that hardly touches memory.
 *   page_fault1_beside_process the same with a neighbour that is itself
 *                page_fault1, in a process of its own (forked): it shares
 *                the kernel's page allocator and the machine with the
 *                faulters, but not their mm (its VMAs, mmap_lock, page
 *                tables, TLB shootdowns).  page_fault1 at THREADS + 1
 *                threads is the same beside a faulter of the same mm.
 *   page_fault1_beside_populate the same with a neighbour thread that
 *                allocates and zeroes pages in the kernel without
 *                faulting: mmap of 2 MiB with MAP_POPULATE, munmap, again.
 *                Against page_fault1 at THREADS + 1 threads it tells the
 *                page allocator's and zeroing's share of what a second
 *                faulter costs from the exceptions' share.
 *
 * An iteration of a control is one page touched by a faulter, as in
 * page_fault1; the neighbour is not counted.  A control needs THREADS + 1
 * CPUs.  Its rate at one thread over page_fault1's at one thread is what
 * a neighbour alone takes from a fault; page_fault1 at two threads can
 * scale no better than twice that, whatever the kernel shares.
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
 The controls print these too (test= their name), and then the
 * neighbour's own progress over the timed window, so that a control whose
 * neighbour starved is seen as such:
 *
 *   NEIGHBOUR test=T cpu=C mib_written_per_sec=W   (the writer)
 *   NEIGHBOUR test=T cpu=C mega_adds_per_sec=A     (the adder: 2^20 adds)
 *   NEIGHBOUR test=T cpu=C pages_per_sec=P         (the process: pages touched;
 *                                                   the populating thread: pages mapped)
 *
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
#include <sys/wait.h>
#include <unistd.h>
#include "posix_bench.h"

#define PAGE         4096ul
#define MAX_THREADS  64
#define MAX_WINDOWS  3600
#define TLB_REGION   (1ul << 20)	/* tlb_flush2: 1 MiB a thread */

enum shape {
	PAGE_FAULT1, TLB_FLUSH2, MMAP1, BESIDE_WRITER, BESIDE_ADDER, BESIDE_PROCESS, BESIDE_POPULATE, SHAPES
};
static const char *const shape_name[SHAPES] = {
	"page_fault1", "tlb_flush2", "mmap1",
	"page_fault1_beside_writer", "page_fault1_beside_adder", "page_fault1_beside_process",
	"page_fault1_beside_populate",
};

/* The controls: page_fault1 with a neighbour on one more CPU. */
static int has_neighbour(enum shape s)
{
	return s == BESIDE_WRITER || s == BESIDE_ADDER || s == BESIDE_PROCESS || s == BESIDE_POPULATE;
}

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

static struct counter counters[MAX_THREADS + 1];
static struct counter *neighbour_counter;	/* the controls' neighbour, else NULL */
static enum shape shape;
static unsigned long region;	/* bytes a thread maps (page_fault1, mmap1) */

/* Written by the main thread, read by the workers; relaxed: each only
 * tells a loop to start or stop, and pthread_join() (waitpid() for the
 * neighbour process) orders the rest.  In a page shared with the
 * neighbour process under page_fault1_beside_process, with its counter. */
struct flags {
	int go, stop, ready;
	struct counter process;		/* the neighbour process's count */
};
static struct flags local_flags, *flags = &local_flags;

static void count(struct counter *c, unsigned long k)
{
	__atomic_store_n(&c->n, __atomic_load_n(&c->n, __ATOMIC_RELAXED) + k,
			 __ATOMIC_RELAXED);
}

static int stopping(void)
{
	return __atomic_load_n(&flags->stop, __ATOMIC_RELAXED);
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

static int page_fault1(struct counter *c, struct phases *ph)
{
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
		if (ph && timed && !stopping()) {	/* a whole round, all of it timed */
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

/*
 * The controls' neighbour.  The writer's region was touched before the
 * start (neighbour_prepare()), so its stores take no faults: its only
 * contact with the faulters is the memory system of the machine that
 * runs both vCPUs.  `volatile`, so that the compiler keeps every store.
 * It counts MiB written; the adder counts blocks of 2^20 additions, the
 * populating thread pages mapped.  (The process is page_fault1 itself:
 * neighbour_fork().)
 */
static volatile unsigned long *neighbour_region;

/* page_fault1_beside_process: the neighbour is a child process, pinned
 * to the CPU after the faulters', that runs page_fault1 until the stop;
 * its count and the flags live in a shared page.  Return: its pid, or -1. */
static int neighbour_fork(int cpu_index)
{
	struct flags *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	memset(shared, 0, sizeof(*shared));
	flags = shared;
	neighbour_counter = &shared->process;
	fflush(stdout);
	int pid = fork();
	if (pid != 0)
		return pid;
	struct counter *c = &shared->process;
	c->cpu = pb_pin(cpu_index);
	__atomic_fetch_add(&shared->ready, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&shared->go, __ATOMIC_RELAXED))
		sched_yield();
	_exit(c->cpu < 0 || page_fault1(c, NULL) != 0 ? 1 : 0);
}

static int neighbour_prepare(void)
{
	if (shape != BESIDE_WRITER)
		return 0;
	neighbour_region = map(region);
	if (!neighbour_region)
		return -1;
	for (unsigned long off = 0; off < region / sizeof(long); off += PAGE / sizeof(long))
		neighbour_region[off] = 0;	/* its faults now, before the start */
	return 0;
}

#define POPULATE_REGION (2ul << 20)

static int neighbour(struct counter *c)
{
	unsigned long words = region / sizeof(long), x = 1;

	while (!stopping()) {
		if (shape == BESIDE_POPULATE) {
			void *p = mmap(NULL, POPULATE_REGION, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
			if (p == MAP_FAILED || munmap(p, POPULATE_REGION) != 0)
				return -1;
			count(c, POPULATE_REGION / PAGE);
		} else if (shape == BESIDE_WRITER) {
			for (unsigned long mib = 0; mib < words && !stopping(); mib += (1ul << 20) / sizeof(long)) {
				for (unsigned long i = mib; i < mib + (1ul << 20) / sizeof(long); i++)
					neighbour_region[i] = i;
				count(c, 1);
			}
		} else {
			for (unsigned long i = 0; i < (1ul << 20); i++) {
				x = x * 6364136223846793005ul + 1442695040888963407ul;
				__asm__ volatile("" : "+r"(x));	/* keep the loop */
			}
			count(c, 1);
		}
	}
	return 0;
}

static void *worker(void *arg)
{
	struct counter *c = arg;
	int err;

	c->cpu = pb_pin((int)(c - counters));
	__atomic_fetch_add(&flags->ready, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&flags->go, __ATOMIC_RELAXED))
		sched_yield();
	if (c->cpu < 0)
		err = -1;
	else if (c == neighbour_counter)
		err = neighbour(c);
	else if (shape == PAGE_FAULT1 || has_neighbour(shape))
		err = page_fault1(c, &phases[c - counters]);
	else if (shape == TLB_FLUSH2)
		err = tlb_flush2(c);
	else
		err = mmap1(c);
	if (err) {
		c->failed = 1;
		__atomic_store_n(&flags->stop, 1, __ATOMIC_RELAXED);
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
	printf("usage: scale page_fault1|tlb_flush2|mmap1|page_fault1_beside_writer|page_fault1_beside_adder|"
	       "page_fault1_beside_process|page_fault1_beside_populate THREADS SECONDS WARMUP [MIB]\n"
	       "  THREADS 1..%d (at most the CPUs online; the beside_ controls need one CPU more), "
	       "SECONDS 1..%d, WARMUP 0.., MIB 1..4096 (default 128)\n",
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
	int threads = n + has_neighbour(shape);	/* the neighbour: one more, not counted */
	int pthreads = shape == BESIDE_PROCESS ? n : threads;	/* the process is not a thread */
	int child = 0;
	if (threads > cpus) {
		printf("scale: %d threads%s, but %ld CPUs online: one thread a CPU\n", n,
		       has_neighbour(shape) ? " and a neighbour" : "", cpus);
		return 2;
	}
	region = (unsigned long)mib << 20;
	if (shape == BESIDE_PROCESS) {
		child = neighbour_fork(n);
		if (child < 0) {
			printf("scale: %s: the neighbour's shared page or fork failed\n", shape_name[shape]);
			return 4;
		}
	} else if (has_neighbour(shape)) {
		neighbour_counter = &counters[n];
		if (neighbour_prepare() != 0) {
			printf("scale: %s: the neighbour's mmap failed\n", shape_name[shape]);
			return 4;
		}
	}

	for (int i = 0; i < pthreads; i++)
		if (pthread_create(&t[i], NULL, worker, &counters[i]) != 0) {
			printf("scale: pthread_create failed\n");
			/* Let whatever started (the neighbour process too) run
			 * into the stop and end. */
			__atomic_store_n(&flags->stop, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&flags->go, 1, __ATOMIC_RELAXED);
			return 3;
		}
	while (__atomic_load_n(&flags->ready, __ATOMIC_RELAXED) < threads)
		sched_yield();
	__atomic_store_n(&flags->go, 1, __ATOMIC_RELAXED);
	sleep((unsigned)warmup);

	__atomic_store_n(&timing, 1, __ATOMIC_RELAXED);
	unsigned long lo, hi;
	long ms;
	unsigned long nb0 = neighbour_counter ? __atomic_load_n(&neighbour_counter->n, __ATOMIC_RELAXED) : 0;
	unsigned long sum = pb_windows(total, n, seconds, win, &ms, &lo, &hi);
	unsigned long nb = neighbour_counter ? __atomic_load_n(&neighbour_counter->n, __ATOMIC_RELAXED) - nb0 : 0;
	__atomic_store_n(&flags->stop, 1, __ATOMIC_RELAXED);
	int failed = 0;
	for (int i = 0; i < pthreads; i++) {
		pthread_join(t[i], NULL);
		failed |= counters[i].failed;
	}
	if (child > 0) {
		int status = 0;
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	if (failed) {
		printf("scale: %s: a thread's mmap, munmap, madvise or pinning failed\n", shape_name[shape]);
		return 4;
	}
	if (neighbour_counter && !nb) {
		/* A control whose neighbour never ran measured page_fault1
		 * alone: not what its name says. */
		printf("scale: %s: the neighbour made no progress in the timed window\n", shape_name[shape]);
		return 4;
	}

	unsigned long per_sec = sum * 1000ul / (unsigned long)ms;
	printf("RESULT test=%s threads=%d total=%lu ms=%ld per_sec=%lu per_sec_per_thread=%lu "
	       "min_per_sec=%lu max_per_sec=%lu windows=%d\n",
	       shape_name[shape], n, sum, ms, per_sec, per_sec / (unsigned long)n, lo, hi, seconds);
	for (int i = 0; (shape == PAGE_FAULT1 || has_neighbour(shape)) && i < n; i++) {
		const struct phases *ph = &phases[i];
		unsigned long r = ph->rounds ? ph->rounds : 1;
		printf("PHASES test=%s thread=%d rounds=%lu map_cycles=%lu touch_cycles=%lu "
		       "unmap_cycles=%lu\n", shape_name[shape], i, ph->rounds, ph->map / r, ph->touch / r,
		       ph->unmap / r);
	}
	if (neighbour_counter)
		printf("NEIGHBOUR test=%s cpu=%d %s_per_sec=%lu\n", shape_name[shape], neighbour_counter->cpu,
		       shape == BESIDE_WRITER ? "mib_written" : shape == BESIDE_ADDER ? "mega_adds" : "pages",
		       nb * 1000ul / (unsigned long)ms);
#ifdef __KERNEL_LAB_LIBC__
	char metric[BENCH_METRIC_MAX];
	snprintf(metric, sizeof(metric), "iterations_per_s_%s", shape_name[shape]);
	if (bench_report("scale", metric, n, "iterations/s", per_sec, lo, hi, (unsigned long)seconds) != 0) {
		printf("scale: bench_report(%s) failed\n", metric);	/* make bench would miss it */
		return 5;
	}
#endif
	return 0;
}
