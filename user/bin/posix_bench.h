/*
 * posix_bench.h - what the outside-style benchmark programs (scale.c,
 * pipe_bw.c, file_fault.c, shm_fork.c, pc_race.c) share: pinning to the i-th allowed CPU, a
 * millisecond clock, per-second sampling of a running count, min/median/max
 * of a few runs, and the report (a
 * RESULT line on stdout everywhere; under this kernel's libc also a BENCH
 * line through bench_report(), the benchmark channel `make bench`
 * collects).  Plain POSIX plus glibc's affinity calls, so the programs
 * build unmodified with `gcc -O2 -static -pthread` against glibc as well
 * (__KERNEL_LAB_LIBC__, defined by this libc's sys/types.h, tells the two
 * apart).  No floating point: this libc's printf has none.
 */
#ifndef USER_BIN_POSIX_BENCH_H
#define USER_BIN_POSIX_BENCH_H

#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#ifdef __KERNEL_LAB_LIBC__
#include <kcalls.h>
#endif

/* Pin the calling thread or process to the i-th CPU (from 0) it may use;
 * the CPU, or -1 if there are not that many. */
static inline int pb_pin(int i)
{
	cpu_set_t allowed, one;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed) && i-- == 0) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			return sched_setaffinity(0, sizeof(one), &one) == 0 ? cpu : -1;
		}
	return -1;
}

static inline long pb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000l + ts.tv_nsec / 1000000l;
}

/*
 * pb_windows() - sample a running count once a second for @seconds
 * seconds: @win[k] is the k-th second's rate (per second), *@lo and *@hi
 * the slowest and fastest, *@ms the whole window's length.  @total(@n)
 * reads the count.  Return: the count's growth over the whole window.
 */
static inline unsigned long pb_windows(unsigned long (*total)(int), int n, int seconds,
				       unsigned long *win, long *ms, unsigned long *lo,
				       unsigned long *hi)
{
	unsigned long c0 = total(n), prev = c0;
	long t0 = pb_now_ms(), tprev = t0;

	for (int k = 0; k < seconds; k++) {
		sleep(1);
		unsigned long c = total(n);
		long tk = pb_now_ms();
		win[k] = (c - prev) * 1000ul / (unsigned long)(tk > tprev ? tk - tprev : 1);
		prev = c;
		tprev = tk;
	}
	*lo = *hi = win[0];
	for (int k = 1; k < seconds; k++) {
		*lo = win[k] < *lo ? win[k] : *lo;
		*hi = win[k] > *hi ? win[k] : *hi;
	}
	*ms = tprev - t0 > 0 ? tprev - t0 : 1;
	return prev - c0;
}

/* Sort v[0..n) (n is small) and give its median, min and max. */
static inline void pb_summarize(unsigned long *v, int n, unsigned long *med,
				unsigned long *lo, unsigned long *hi)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			unsigned long t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*med = v[n / 2];
	*lo = v[0];
	*hi = v[n - 1];
}

/*
 * pb_report() - one result: `RESULT test=T x=X unit=U value=V min=LO
 * max=HI runs=N` on stdout, and under this kernel a BENCH line (name
 * @name, metric @metric, x @x) through bench_report().
 */
static inline void pb_report(const char *name, const char *metric, long x, const char *unit,
			     unsigned long med, unsigned long lo, unsigned long hi, int runs)
{
	printf("RESULT test=%s metric=%s x=%ld unit=%s value=%lu min=%lu max=%lu runs=%d\n",
	       name, metric, x, unit, med, lo, hi, runs);
	fflush(stdout);
#ifdef __KERNEL_LAB_LIBC__
	bench_report(name, metric, x, unit, med, lo, hi, (unsigned long)runs);
#endif
}

#endif
