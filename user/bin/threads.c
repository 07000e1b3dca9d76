/*
 * threads - one pthread per online CPU, each pinned to its own CPU: checks
 * that affinity holds (sched_getcpu() after every sched_yield()), and that
 * atomic increments from all CPUs add up.  Exit status 0 on success.
 */
#include <kcalls.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERS 100

static unsigned long counter;

struct worker {
	pthread_t thread;
	int cpu;		/* where it pins itself */
	int misplaced;		/* iterations seen on another CPU */
	int error;		/* sched_setaffinity() failed */
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		w->error = 1;
		return NULL;
	}
	for (int i = 0; i < ITERS; i++) {
		int cpu = sched_getcpu();

		if (cpu != w->cpu) {
			if (w->misplaced++ == 0)
				printf("threads: worker for cpu %d found on cpu %d\n",
				       w->cpu, cpu);
		}
		__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
		sched_yield();
	}
	return w;
}

int main(void)
{
	int n = ncpus(), failed = 0;
	struct worker *w;

	if (n < 1) {
		printf("threads: ncpus() = %d\n", n);
		return 1;
	}
	w = calloc(n, sizeof(*w));
	if (!w) {
		printf("threads: out of memory\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		w[i].cpu = i;
		if (pthread_create(&w[i].thread, NULL, worker, &w[i]) != 0) {
			printf("threads: pthread_create %d failed\n", i);
			return 1;
		}
	}
	for (int i = 0; i < n; i++) {
		void *ret = NULL;
		int err = pthread_join(w[i].thread, &ret);

		if (err || ret != &w[i] || w[i].error || w[i].misplaced) {
			printf("threads: cpu %d: join %d, returned %s, setaffinity %s, "
			       "%d of %d iterations on the wrong cpu\n",
			       w[i].cpu, err, ret == &w[i] ? "ok" : "wrong",
			       w[i].error ? "FAILED" : "ok", w[i].misplaced, ITERS);
			failed++;
		}
	}
	if (__atomic_load_n(&counter, __ATOMIC_RELAXED) != (unsigned long)n * ITERS) {
		printf("threads: counter %lu, expected %lu\n", counter,
		       (unsigned long)n * ITERS);
		failed++;
	}
	free(w);
	printf("threads: %d cpus, %d iterations each: %s\n", n, ITERS,
	       failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
