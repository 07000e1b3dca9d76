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

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "fault") == 0)
		return bench_fault(atoi(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "mmap") == 0)
		return bench_mmap();
	printf("usage: pfbench fault N | pfbench mmap\n");
	return 1;
}
