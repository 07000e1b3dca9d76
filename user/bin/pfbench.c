/*
 * pfbench - user-space memory benchmarks, run by the kernel's `pagefault`
 * and `mmap` benchmarks (bench/kernel/bench_user.c):
 *
 *   pfbench fault N   N threads, one per CPU, each first-touches its own
 *                     PAGES-page region, FAULT_REPEATS times: metric
 *                     first_touch, cycles per page fault of one thread
 *                     (the baseline the speculative fault paths are
 *                     measured against; per repeat the median thread,
 *                     then median/min/max over the repeats), and metric
 *                     aggregate, the process's cycles per fault: from the
 *                     common start to the last thread's end, divided by
 *                     all N x PAGES faults (the throughput view: N threads
 *                     that share the host's cores show it, where each
 *                     thread's own figure counts the time its vCPU waits
 *                     for a host core); x = N.  One short run swung 10x
 *                     from boot to boot on a busy host, hence the repeats.
 *   pfbench mmap      mmap + munmap of one page, touched once: cycles per
 *                     pair, median/min/max over ROUNDS.
 *   pfbench pft N M   pft, as Lespinasse measured speculative faults: N
 *                     threads (one per CPU), each mapping its own
 *                     anonymous region, touching each page once (one
 *                     demand-zero fault each), unmapping it, and again;
 *                     M = 1 adds one more thread that loops mmap + munmap
 *                     of one page of an unrelated region (an mmap_lock
 *                     writer that touches nothing the faulters use).
 *                     Faults per second of all N together, and aborted
 *                     speculative faults or VMA-lock fallbacks per
 *                     million faults (the kernel's counts, fault_stats()),
 *                     median/min/max over PFT_WINDOWS timed windows;
 *                     metrics faults_per_s_own / abort_ppm_own (M = 0),
 *                     faults_per_s_writer / abort_ppm_writer (M = 1), x = N;
 *                     with the writer also writer_rounds_per_s, its mmap +
 *                     munmap pairs per second: the writer's own progress.
 *                     With N = the number of CPUs it shares CPU 0 with a
 *                     faulter, so a design whose faulters never block it
 *                     lets it take more of that CPU (docs/faults.md).
 *                     M = 2 and 3 are controls for a run by hand (the
 *                     monitor's `run pfbench pft 1 2`): the other thread
 *                     spins in user mode, or calls getpid(); metrics
 *                     ..._hog and ..._syscall.
 *
 * Results go out through bench_report() as BENCH lines.
 */
#include <kcalls.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGES 1024
#define FAULT_REPEATS 7
#define ROUNDS 301
#define PAGE 4096

static inline unsigned long rdtsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((unsigned long)hi << 32) | lo;
}

struct worker {
	pthread_t t;
	int cpu;
	unsigned long cycles_per_fault;
	unsigned long end;
};

static volatile int ready, go;

static void *fault_worker(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	__atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
	while (!go)
		sched_yield();
	unsigned long t0 = rdtsc();
	for (int i = 0; i < PAGES; i++)
		p[(long)i * PAGE] = 1;      /* one fault per page */
	w->end = rdtsc();
	w->cycles_per_fault = (w->end - t0) / PAGES;
	munmap(p, PAGES * PAGE);
	return w;
}

static void sort(unsigned long *v, int n)
{
	for (int i = 1; i < n; i++) {
		unsigned long x = v[i];
		int j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* One repeat of N faulting threads: the median thread's cycles per fault
 * and the process's (aggregate) cycles per fault. */
static int fault_once(int n, unsigned long *thread_cpf, unsigned long *aggregate_cpf)
{
	struct worker w[64];
	unsigned long v[64];
	int cpus = ncpus();
	ready = go = 0;
	for (int i = 0; i < n; i++) {
		w[i].cpu = i % cpus;
		w[i].end = 0;
		if (pthread_create(&w[i].t, NULL, fault_worker, &w[i]))
			return 3;
	}
	while (ready < n)
		sched_yield();
	unsigned long start = rdtsc();
	go = 1;
	unsigned long last = start;
	for (int i = 0; i < n; i++) {
		void *r = NULL;
		pthread_join(w[i].t, &r);
		if (!r)
			return 4;
		v[i] = w[i].cycles_per_fault;
		if (w[i].end > last)
			last = w[i].end;
	}
	sort(v, n);
	*thread_cpf = v[n / 2];
	*aggregate_cpf = (last - start) / ((unsigned long)n * PAGES);
	return 0;
}

static int bench_fault(int n)
{
	unsigned long thread[FAULT_REPEATS], aggregate[FAULT_REPEATS];
	if (n < 1 || n > 64)
		return 2;
	for (int r = 0; r < FAULT_REPEATS; r++) {
		int err = fault_once(n, &thread[r], &aggregate[r]);
		if (err)
			return err;
	}
	sort(thread, FAULT_REPEATS);
	sort(aggregate, FAULT_REPEATS);
	bench_report("pagefault", "first_touch", n, "cycles", thread[FAULT_REPEATS / 2], thread[0],
		     thread[FAULT_REPEATS - 1], FAULT_REPEATS);
	bench_report("pagefault", "aggregate", n, "cycles", aggregate[FAULT_REPEATS / 2], aggregate[0],
		     aggregate[FAULT_REPEATS - 1], FAULT_REPEATS);
	return 0;
}

static int bench_mmap(void)
{
	static unsigned long v[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		unsigned long t0 = rdtsc();
		char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 4;
		p[0] = 1;
		munmap(p, PAGE);
		v[r] = rdtsc() - t0;
	}
	sort(v, ROUNDS);
	bench_report("mmap", "mmap_touch_munmap", -1, "cycles", v[ROUNDS / 2], v[0], v[ROUNDS - 1], ROUNDS);
	return 0;
}

/* ---- pft --------------------------------------------------------------------------- */

/* Each faulter's region is one PTE table (2 MiB, 2 MiB aligned), 1 GiB from
 * the next: regions never touch, so no two merge into one VMA (a munmap of
 * one would then split, and so write-lock, the VMA another thread faults
 * in) and no two share a page table.  The writer's page lies below them
 * all.  munmap frees the region's table, so under FAULT=spf each round's
 * first fault finds no table and aborts (1 in PFT_PAGES): part of the cost
 * measured, as in Linux, where a speculative fault does not allocate tables
 * either. */
#define PFT_PAGES       512
#define PFT_BASE        0x100000000000ul
#define PFT_GAP         (1ul << 30)
#define PFT_WRITER_ADDR (PFT_BASE - PFT_GAP)
#define PFT_WINDOW_NS   200000000l      /* 0.2 s (guest clock) per window */
#define PFT_WINDOWS     5               /* timed, after one to warm up */

/* Each fault's latency (TSC cycles around the touch), in buckets of
 * PFT_BUCKET cycles: its median is what one fault costs, whatever the host
 * does between faults (under TCG the vCPUs share the host's cores with
 * whatever else runs there).  Printed beside the rates, with where the
 * faulters' time went: faults, mmap, munmap. */
#define PFT_BUCKET  100
#define PFT_BUCKETS 2048

/* The other thread of `pfbench pft N MODE`: none, the mmap/munmap writer,
 * or, as controls run by hand, a user-mode CPU hog and a getpid() loop
 * (what a second busy vCPU costs the faulters with no lock in common). */
enum { PFT_OWN, PFT_WRITER, PFT_HOG, PFT_SYSCALL, PFT_MODES };
static const char *const pft_mode_name[PFT_MODES] = { "own", "writer", "hog", "syscall" };

struct pft_thread {
	pthread_t t;
	int cpu;
	unsigned long base;
	volatile unsigned long done;    /* faults (pages touched), or the other thread's rounds */
	unsigned *hist;                 /* faulters: latency histogram */
	unsigned long c_fault, c_mmap, c_munmap, c_all;     /* faulters: TSC cycles */
} __attribute__((aligned(64)));

static volatile int pft_ready, pft_go, pft_stop, pft_mode;

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void pft_start(struct pft_thread *w)
{
	pin(w->cpu);
	__atomic_fetch_add(&pft_ready, 1, __ATOMIC_SEQ_CST);
	while (!pft_go)
		sched_yield();
}

static void *pft_faulter(void *arg)
{
	struct pft_thread *w = arg;
	pft_start(w);
	unsigned long start = rdtsc();
	while (!pft_stop) {
		unsigned long t = rdtsc();
		char *p = mmap((void *)w->base, PFT_PAGES * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		w->c_mmap += rdtsc() - t;
		if (p == MAP_FAILED)
			return NULL;
		for (int i = 0; i < PFT_PAGES && !pft_stop; i++) {
			t = rdtsc();
			p[(long)i * PAGE] = 1;  /* one demand-zero fault */
			unsigned long d = rdtsc() - t;
			w->c_fault += d;
			w->hist[d / PFT_BUCKET < PFT_BUCKETS ? d / PFT_BUCKET : PFT_BUCKETS - 1]++;
			w->done++;
		}
		t = rdtsc();
		munmap(p, PFT_PAGES * PAGE);
		w->c_munmap += rdtsc() - t;
	}
	w->c_all = rdtsc() - start;
	return w;
}

static void *pft_other(void *arg)
{
	struct pft_thread *w = arg;
	pft_start(w);
	while (!pft_stop) {
		if (pft_mode == PFT_WRITER) {
			/* Nothing is touched: the write sections are the VMA
			 * changes alone, no zap, no shootdown. */
			void *p = mmap((void *)w->base, PAGE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return NULL;
			munmap(p, PAGE);
		} else if (pft_mode == PFT_SYSCALL) {
			getpid();
		}
		w->done++;
	}
	return w;
}

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000l + ts.tv_nsec;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000l, ns % 1000000000l };
	nanosleep(&ts, NULL);
}

static unsigned long pft_sum(const struct pft_thread *w, int n)
{
	unsigned long s = 0;
	for (int i = 0; i < n; i++)
		s += w[i].done;
	return s;
}

/* The faulters' latency histograms merged: median and 99th percentile. */
static void pft_latency(const struct pft_thread *w, int n, unsigned long *median, unsigned long *p99)
{
	unsigned long total = 0, seen = 0;
	*median = *p99 = 0;
	for (int i = 0; i < n; i++)
		for (int b = 0; b < PFT_BUCKETS; b++)
			total += w[i].hist[b];
	for (int b = 0; b < PFT_BUCKETS && seen * 100 < total * 99; b++) {
		for (int i = 0; i < n; i++)
			seen += w[i].hist[b];
		if (!*median && seen * 2 >= total)
			*median = (unsigned long)b * PFT_BUCKET + PFT_BUCKET / 2;
		*p99 = (unsigned long)b * PFT_BUCKET + PFT_BUCKET / 2;
	}
}

static int bench_pft(int n, int mode)
{
	static struct pft_thread w[65];
	unsigned long rate[PFT_WINDOWS], ppm[PFT_WINDOWS], other_rate[PFT_WINDOWS];
	unsigned long rounds = 0, kfaults = 0, aborts = 0, go[FAULT_STAT_NR], end[FAULT_STAT_NR];
	int cpus = ncpus(), other = mode != PFT_OWN;
	if (n < 1 || n > 64 || mode < 0 || mode >= PFT_MODES)
		return 2;
	pft_ready = pft_go = pft_stop = 0;
	pft_mode = mode;
	memset(w, 0, sizeof(w));
	for (int i = 0; i < n + other; i++) {
		/* Faulters on CPUs 0..N-1, the other thread on the next. */
		w[i].cpu = i % cpus;
		w[i].base = i < n ? PFT_BASE + (unsigned long)i * PFT_GAP : PFT_WRITER_ADDR;
		if (i < n) {
			/* Touched now, so that it takes no faults of its own later. */
			w[i].hist = malloc(PFT_BUCKETS * sizeof(unsigned));
			if (!w[i].hist)
				return 4;
			memset(w[i].hist, 0, PFT_BUCKETS * sizeof(unsigned));
		}
		if (pthread_create(&w[i].t, NULL, i < n ? pft_faulter : pft_other, &w[i]))
			return 3;
	}
	while (pft_ready < n + other)
		sched_yield();
	fault_stats(go);
	pft_go = 1;
	sleep_ns(PFT_WINDOW_NS);        /* warm-up: every thread in its loop */
	for (int k = 0; k < PFT_WINDOWS; k++) {
		unsigned long s0[FAULT_STAT_NR], s1[FAULT_STAT_NR];
		unsigned long c0 = pft_sum(w, n), o0 = w[n].done;
		fault_stats(s0);
		long t0 = now_ns();
		sleep_ns(PFT_WINDOW_NS);
		unsigned long c1 = pft_sum(w, n), o1 = w[n].done;
		fault_stats(s1);
		long t1 = now_ns();
		/* Every fault the kernel took in the window (all paths, the
		 * aborted and fallen-back ones once, as locked), and the
		 * aborts or fallbacks among them. */
		unsigned long kf = 0, ab;
		for (int i = FAULT_STAT_LOCKED; i <= FAULT_STAT_VMA; i++)
			kf += s1[i] - s0[i];
		ab = (s1[FAULT_STAT_SPF_ABORTS] - s0[FAULT_STAT_SPF_ABORTS]) +
		     (s1[FAULT_STAT_VMA_FALLBACKS] - s0[FAULT_STAT_VMA_FALLBACKS]);
		rate[k] = (c1 - c0) * 1000000000ul / (unsigned long)(t1 - t0 > 0 ? t1 - t0 : 1);
		ppm[k] = kf ? ab * 1000000ul / kf : 0;
		other_rate[k] = (o1 - o0) * 1000000000ul / (unsigned long)(t1 - t0 > 0 ? t1 - t0 : 1);
		rounds += other ? o1 - o0 : 0;
		kfaults += kf;
		aborts += ab;
	}
	pft_stop = 1;
	for (int i = 0; i < n + other; i++)
		pthread_join(w[i].t, NULL);
	fault_stats(end);

	unsigned long median, p99, all = 0, fault = 0, map = 0, unmap = 0;
	pft_latency(w, n, &median, &p99);
	for (int i = 0; i < n; i++) {
		all += w[i].c_all;
		fault += w[i].c_fault;
		map += w[i].c_mmap;
		unmap += w[i].c_munmap;
		free(w[i].hist);
	}
	all = all ? all : 1;
	/* Faults that waited for mmap_lock (a writer held it or was queued),
	 * and their share of the faulters' time: all that spf and vma can
	 * win back from locked here.  Over the whole run, warm-up included. */
	unsigned long waits = end[FAULT_STAT_LOCK_WAITS] - go[FAULT_STAT_LOCK_WAITS];
	unsigned long wait_cycles = end[FAULT_STAT_LOCK_WAIT_CYCLES] - go[FAULT_STAT_LOCK_WAIT_CYCLES];
	const char *name = pft_mode_name[mode];
	printf("pft: %d faulter%s + %s: %lu faults, %lu aborts/fallbacks in the windows; fault median %lu, "
	       "p99 %lu cycles; faulters' time: faults %lu%%, mmap %lu%%, munmap %lu%%, of it waiting for "
	       "mmap_lock %lu.%lu%% (%lu waits, %lu cycles each); other thread %lu rounds (%d windows of %ld ms)\n",
	       n, n == 1 ? "" : "s", name, kfaults, aborts, median, p99, fault * 100 / all, map * 100 / all,
	       unmap * 100 / all, wait_cycles * 100 / all, wait_cycles * 1000 / all % 10, waits,
	       waits ? wait_cycles / waits : 0, rounds, PFT_WINDOWS, PFT_WINDOW_NS / 1000000);
	char metric[32];
	sort(rate, PFT_WINDOWS);
	sort(ppm, PFT_WINDOWS);
	snprintf(metric, sizeof(metric), "faults_per_s_%s", name);
	bench_report("pft", metric, n, "faults/s", rate[PFT_WINDOWS / 2], rate[0], rate[PFT_WINDOWS - 1], PFT_WINDOWS);
	snprintf(metric, sizeof(metric), "abort_ppm_%s", name);
	bench_report("pft", metric, n, "ppm", ppm[PFT_WINDOWS / 2], ppm[0], ppm[PFT_WINDOWS - 1], PFT_WINDOWS);
	if (mode == PFT_WRITER) {
		sort(other_rate, PFT_WINDOWS);
		bench_report("pft", "writer_rounds_per_s", n, "rounds/s", other_rate[PFT_WINDOWS / 2], other_rate[0],
			     other_rate[PFT_WINDOWS - 1], PFT_WINDOWS);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "fault") == 0)
		return bench_fault(atoi(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "mmap") == 0)
		return bench_mmap();
	if (argc >= 4 && strcmp(argv[1], "pft") == 0)
		return bench_pft(atoi(argv[2]), atoi(argv[3]));
	printf("usage: pfbench fault N | pfbench mmap | pfbench pft N MODE (0 own, 1 writer, 2 hog, 3 syscall)\n");
	return 1;
}
