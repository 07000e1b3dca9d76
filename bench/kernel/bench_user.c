/*
 * bench/kernel/bench_user.c - benchmarks that run as user processes (the
 * programs user/bin/pfbench.c and user/bin/scale.c measure and report their
 * own BENCH lines):
 *
 *   pagefault  first-touch page-fault cost with 1..N threads of one
 *              process, each faulting its own region (x = threads)
 *   mmap       mmap + first touch + munmap of one page
 *   pft        pft (docs/faults.md): faults per second of 1..N threads
 *              each faulting its own region and unmapping it, without and
 *              with one more thread looping mmap/munmap elsewhere; SPF
 *              aborts or VMA-lock fallbacks per million faults
 *   scale      will-it-scale's shapes page_fault1, tlb_flush2 and mmap1
 *              at 1..N threads, one per CPU: iterations per second
 *              (x = threads); the same program runs under Linux in
 *              `make peer` (docs/peer.md).  `scale=SECONDS,WARMUP,MIB`
 *              sets each run's timed seconds, warm-up and region.
 *   pipe       pipe throughput between two processes on two CPUs, KiB/s,
 *              for writes of 512, 4096 and 16384 bytes (x = write size;
 *              user/bin/pipe_bw.c)
 *   file_fault_procs  1..N forked processes each writing every page of
 *              its own 4 MiB of one tmpfs file, mapped MAP_SHARED (a
 *              fault on a cached page) and MAP_PRIVATE (a copy): pages/s
 *              (x = processes; user/bin/file_fault.c)
 *   shm_fork   1..N forked processes faulting in one shared anonymous
 *              1 MiB, each checking the others' stores: pages/s
 *              (x = processes; user/bin/shm_fork.c)
 * The last three are outside-style programs: plain POSIX that builds
 * unmodified against glibc too (docs/files.md, "Benchmarks").
 */
#include "bench/kernel/bench.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Run user program @prog (argv[0]) and wait; a failure is a BENCH-ERROR
 * of benchmark @name. */
static void run_program(const char *prog, const char *name, int argc, char **argv)
{
	int pid = process_spawn(prog, argc, argv, NULL);
	int status = -1;
	if (pid > 0)
		process_wait(pid, &status);
	if (status != 0) {
		char line[160];
		snprintf(line, sizeof(line), "BENCH-ERROR {\"name\":\"%s\",\"message\":\"%s %s exited with %d (spawn %d)\"}\n",
			 name, prog, argv[1], status, pid);
		printk_raw(line);
	}
}

static void run_pfbench(int argc, char **argv)
{
	run_program("pfbench", argv[1], argc, argv);
}

static void bench_pagefault(void)
{
	for (unsigned n = 1; n <= num_online_cpus(); n++) {
		char num[8];
		snprintf(num, sizeof(num), "%u", n);
		char *argv[] = { "pfbench", "fault", num, NULL };
		run_pfbench(3, argv);
	}
}
BENCHMARK(pagefault, "first-touch fault cost, 1..N threads of one process", bench_pagefault);

static void bench_mmap(void)
{
	char *argv[] = { "pfbench", "mmap", NULL };
	run_pfbench(2, argv);
}
BENCHMARK(mmap, "mmap + touch + munmap of one page", bench_mmap);

static void bench_pft(void)
{
	for (unsigned n = 1; n <= num_online_cpus(); n++)
		for (int writer = 0; writer <= 1; writer++) {
			char num[8], wr[4];
			snprintf(num, sizeof(num), "%u", n);
			snprintf(wr, sizeof(wr), "%d", writer);
			char *argv[] = { "pfbench", "pft", num, wr, NULL };
			run_pfbench(4, argv);
		}
}
BENCHMARK(pft, "page faults/s, own regions, without and with an mmap/munmap writer (FAULT=locked|spf|vma)", bench_pft);

/* scale=SECONDS,WARMUP,MIB: each run's timed seconds (1-3600), warm-up
 * seconds (0-3600) and the region page_fault1 and mmap1 map (1-4096 MiB);
 * a field left off keeps its default.  The defaults make the benchmark
 * about 20 s at 2 CPUs (3 shapes x 2 runs x 3 s, plus starting and
 * unmapping); 128 MiB is will-it-scale's size, so 2 threads of
 * page_fault1 need 256 MiB of the guest's memory (512 MiB by default). */
static unsigned scale_args[3] = { 2, 1, 128 };

static int set_scale(const char *v)
{
	static const unsigned lo[3] = { 1, 0, 1 }, hi[3] = { 3600, 3600, 4096 };
	unsigned val[3] = { scale_args[0], scale_args[1], scale_args[2] };
	char buf[12];
	for (int i = 0; i < 3 && *v; i++) {
		const char *end = strchr(v, ',');
		size_t n = end ? (size_t)(end - v) : strlen(v);
		unsigned long long x;
		if (n == 0 || n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, v, n);
		buf[n] = 0;
		if (kstrtoull(buf, 10, &x) || x < lo[i] || x > hi[i])
			return -EINVAL;
		val[i] = (unsigned)x;
		v += n + (end ? 1 : 0);
	}
	if (*v)
		return -EINVAL;
	memcpy(scale_args, val, sizeof(val));
	return 0;
}
KERNEL_PARAM(scale, "scale", "SECONDS,WARMUP,MIB",
	     "scale benchmark: timed seconds, warm-up seconds, MiB mapped (default 2,1,128)", set_scale);

/* The shapes, then two of scale's controls (a page_fault1 thread beside a
 * neighbour that shares nothing with it: a memory writer, an adder); a
 * control's neighbour takes one more CPU, so they run at 1..N-1 threads.
 * The third control, beside a faulting process, is for runs by hand
 * (docs/performance.md, finding 22).  The same lists and
 * rule as the Linux peer's /init (bench/peer/init.c). */
static void bench_scale(void)
{
	static const char *const shapes[] = {
		"page_fault1", "tlb_flush2", "mmap1",
		"page_fault1_beside_writer", "page_fault1_beside_adder",
	};
	enum { FIRST_CONTROL = 3 };
	char secs[12], warm[12], mib[12];
	snprintf(secs, sizeof(secs), "%u", scale_args[0]);
	snprintf(warm, sizeof(warm), "%u", scale_args[1]);
	snprintf(mib, sizeof(mib), "%u", scale_args[2]);
	for (unsigned s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		for (unsigned n = 1; n + (s >= FIRST_CONTROL) <= num_online_cpus(); n++) {
			char num[8];
			snprintf(num, sizeof(num), "%u", n);
			char *argv[] = { "scale", (char *)shapes[s], num, secs, warm, mib, NULL };
			run_program("scale", "scale", 6, argv);
		}
}
BENCHMARK(scale, "will-it-scale's page_fault1, tlb_flush2, mmap1 at 1..N threads, and page_fault1 beside a memory writer or an adder: iterations/s (also run under Linux by make peer)",
	  bench_scale);

static void bench_pipe(void)
{
	char *argv[] = { "pipe_bw", "2048", "3", NULL };
	run_program("pipe_bw", "pipe", 3, argv);
}
BENCHMARK(pipe, "pipe throughput, two processes on two CPUs, writes of 512/4096/16384 bytes: KiB/s",
	  bench_pipe);

static void bench_file_fault_procs(void)
{
	static const char *const modes[] = { "shared", "private" };
	for (unsigned m = 0; m < 2; m++)
		for (unsigned n = 1; n <= num_online_cpus(); n++) {
			char num[8];
			snprintf(num, sizeof(num), "%u", n);
			char *argv[] = { "file_fault", (char *)modes[m], num, "2", "1", "4", NULL };
			run_program("file_fault", "file_fault_procs", 6, argv);
		}
}
BENCHMARK(file_fault_procs, "1..N processes fault their own 4 MiB of a tmpfs file, MAP_SHARED and MAP_PRIVATE: pages/s",
	  bench_file_fault_procs);

static void bench_shm_fork(void)
{
	for (unsigned n = 1; n <= num_online_cpus(); n++) {
		char num[8];
		snprintf(num, sizeof(num), "%u", n);
		char *argv[] = { "shm_fork", num, "100", "1024", NULL };
		run_program("shm_fork", "shm_fork", 4, argv);
	}
}
BENCHMARK(shm_fork, "1..N forked processes fault in one MAP_SHARED|MAP_ANONYMOUS MiB and check each other's stores: pages/s",
	  bench_shm_fork);
