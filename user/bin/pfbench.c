/*
 * pfbench - user-space memory benchmarks, run by the kernel's `pagefault`
 * and `mmap` benchmarks (bench/kernel/bench_user.c):
 *
 *   pfbench fault N   N threads, one per CPU, each first-touches its own
 *                     PAGES-page region: cycles per page fault (the
 *                     baseline the speculative fault paths are measured
 *                     against), median/min/max over the threads; x = N.
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

#define PAGES 256
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
	w->cycles_per_fault = (rdtsc() - t0) / PAGES;
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

static int bench_fault(int n)
{
	struct worker w[64];
	unsigned long v[64];
	int cpus = ncpus();
	if (n < 1 || n > 64)
		return 2;
	ready = go = 0;
	for (int i = 0; i < n; i++) {
		w[i].cpu = i % cpus;
		if (pthread_create(&w[i].t, NULL, fault_worker, &w[i]))
			return 3;
	}
	while (ready < n)
		sched_yield();
	go = 1;
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		v[i] = w[i].cycles_per_fault;
	}
	sort(v, n);
	bench_report("pagefault", "first_touch", n, "cycles", v[n / 2], v[0], v[n - 1], n);
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
