/*
 * bench/kernel/bench_user.c - benchmarks that run as user processes (the
 * program user/bin/pfbench.c measures and reports its own BENCH lines):
 *
 *   pagefault  first-touch page-fault cost with 1..N threads of one
 *              process, each faulting its own region (x = threads)
 *   mmap       mmap + first touch + munmap of one page
 *   pft        pft (docs/faults.md): faults per second of 1..N threads
 *              each faulting its own region and unmapping it, without and
 *              with one more thread looping mmap/munmap elsewhere; SPF
 *              aborts or VMA-lock fallbacks per million faults
 */
#include "bench/kernel/bench.h"
#include "kernel/cpumask.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "lib/printf.h"

static void run_pfbench(int argc, char **argv)
{
	int pid = process_spawn("pfbench", argc, argv, NULL);
	int status = -1;
	if (pid > 0)
		process_wait(pid, &status);
	if (status != 0) {
		char line[160];
		snprintf(line, sizeof(line), "BENCH-ERROR {\"name\":\"%s\",\"message\":\"pfbench exited with %d (spawn %d)\"}\n",
			 argv[1], status, pid);
		printk_raw(line);
	}
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
