/*
 * posix_demo - a plain POSIX program: only standard headers and calls, so
 * it builds unmodified against glibc as well (gcc -pthread posix_demo.c).
 *
 * It maps a buffer and fills it; NTHREADS threads each pin themselves to
 * one of the CPUs the process may use, note where they run and how long a
 * 1 ms sleep took, and sum their quarter of the buffer; main joins them,
 * checks the total against its own sum, unmaps and reports.  Before all
 * that it checks sysconf(): the page size, and at least as many online
 * CPUs as the process may use.
 */
#define _GNU_SOURCE		/* glibc: CPU_SET, sched_setaffinity, sched_getcpu */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define BUF_LEN  (64 * 4096)

static unsigned char *buf;
static cpu_set_t allowed;	/* the CPUs this process may run on */
static int online;		/* how many */

/* The n-th CPU (from 0) in @set. */
static int nth_cpu(const cpu_set_t *set, int n)
{
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && n-- == 0)
			return cpu;
	return -1;
}

static long elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000;
}

static void *worker(void *arg)
{
	int i = (int)(intptr_t)arg;
	int want = nth_cpu(&allowed, i % online);
	struct timespec t0, t1, nap = { 0, 1000000 };	/* 1 ms */
	size_t part = BUF_LEN / NTHREADS;
	uint64_t sum = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(want, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("sched_setaffinity");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (nanosleep(&nap, NULL) != 0)
		perror("nanosleep");
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (size_t k = i * part; k < (i + 1) * part; k++)
		sum += buf[k];
	printf("thread %d: pinned to cpu %d, runs on cpu %d, slept %ld us, sum %lu\n",
	       i, want, sched_getcpu(), elapsed_us(&t0, &t1), (unsigned long)sum);
	return (void *)(uintptr_t)sum;
}

int main(void)
{
	pthread_t threads[NTHREADS];
	uint64_t total = 0, expect = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		perror("sched_getaffinity");
		return 1;
	}
	online = CPU_COUNT(&allowed);
	long onln = sysconf(_SC_NPROCESSORS_ONLN), page = sysconf(_SC_PAGESIZE);
	if (onln < online || page != 4096 || sysconf(-1) != -1) {
		printf("sysconf: %ld cpus online (%d allowed), page %ld, sysconf(-1) %ld: WRONG\n",
		       onln, online, page, sysconf(-1));
		return 1;
	}

	buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t k = 0; k < BUF_LEN; k++) {
		buf[k] = (unsigned char)(k % 251);
		expect += buf[k];
	}

	for (int i = 0; i < NTHREADS; i++) {
		int err = pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i);

		if (err != 0) {
			printf("pthread_create: error %d\n", err);
			return 1;
		}
	}
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;

		pthread_join(threads[i], &ret);
		total += (uintptr_t)ret;
	}
	if (munmap(buf, BUF_LEN) != 0)
		perror("munmap");

	printf("posix_demo: %d threads on %d cpus, total %lu (expected %lu): %s\n",
	       NTHREADS, online, (unsigned long)total, (unsigned long)expect,
	       total == expect ? "ok" : "WRONG");
	return total == expect ? 0 : 1;
}
