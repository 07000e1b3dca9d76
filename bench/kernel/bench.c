/*
 * bench/kernel/bench.c - the benchmark runner inside the kernel.
 *
 * `bench=all` or `bench=a,b` on the command line runs those benchmarks
 * (registered with BENCHMARK() in their own files) after boot and prints
 * their results as `BENCH {json}` lines; scripts/bench.py collects them.
 */
#include "bench/kernel/bench.h"
#include "kernel/proc/syscall.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/config.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/cmdline.h"
#include "asm/cpu.h"
#include "mm/uaccess.h"

extern const struct bench __bench_start[], __bench_end[];

static char bench_spec[CMDLINE_VALUE_MAX + 1];	/* what the parser accepts */

static int set_bench(const char *v)
{
	if (!v[0] || strlen(v) >= sizeof(bench_spec))
		return -EINVAL;
	strlcpy(bench_spec, v, sizeof(bench_spec));
	return 0;
}
KERNEL_PARAM(bench, "bench", "all|NAME,...", "run these benchmarks at boot, then exit QEMU", set_bench);

bool bench_requested(void)
{
	return bench_spec[0] != 0;
}

/* "tcg", "kvm" or "none": from the hypervisor's CPUID signature. */
static const char *accel_name(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return "none";
	char sig[13];
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	if (strncmp(sig, "KVMKVMKVM", 9) == 0)
		return "kvm";
	if (strncmp(sig, "TCGTCGTCGTCG", 12) == 0)
		return "tcg";
	return "other";
}

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {      /* insertion sort: n is small */
		uint64_t x = v[i];
		unsigned j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

void bench_summarize(uint64_t *v, unsigned n, uint64_t *median, uint64_t *min, uint64_t *max)
{
	if (n == 0) {
		*median = *min = *max = 0;
		return;
	}
	sort_u64(v, n);
	*median = v[n / 2];
	*min = v[0];
	*max = v[n - 1];
}

void bench_report(const char *name, const char *metric, int64_t x, const char *unit,
		  uint64_t median, uint64_t min, uint64_t max, unsigned runs)
{
	char line[400];
	snprintf(line, sizeof(line),
		 "BENCH {\"name\":\"%s\",\"config\":\"%s\",\"cpus\":%u,\"accel\":\"%s\","
		 "\"metric\":\"%s\",\"value\":%llu,\"unit\":\"%s\",\"runs\":%u,"
		 "\"min\":%llu,\"max\":%llu,\"x\":%lld}\n",
		 name, CONFIG_NAME, num_online_cpus(), accel_name(), metric,
		 (unsigned long long)median, unit, runs, (unsigned long long)min,
		 (unsigned long long)max, (long long)x);
	printk_raw(line);
}

void bench_report_cycles(const char *name, const char *metric, int64_t x, uint64_t *v, unsigned n)
{
	uint64_t med, min, max;
	bench_summarize(v, n, &med, &min, &max);
	bench_report(name, metric, x, "cycles", med, min, max, n);
	char ns_metric[64];
	snprintf(ns_metric, sizeof(ns_metric), "%s_ns", metric);
	bench_report(name, ns_metric, x, "ns", tsc_to_ns(med), tsc_to_ns(min), tsc_to_ns(max), n);
}

static bool bench_exists(const char *name, size_t len)
{
	for (const struct bench *b = __bench_start; b < __bench_end; b++)
		if (strlen(b->name) == len && strncmp(b->name, name, len) == 0)
			return true;
	return false;
}

/*
 * One BENCH-ERROR per name in bench= that no benchmark has, first: a
 * kernel without a benchmark says so by name (the collector reports it,
 * never a number), and the others still run.  The names are JSON-safe:
 * a bench= value passed the command-line parser, which has no quotes.
 */
static void bench_report_unknown(void)
{
	if (strcmp(bench_spec, "all") == 0)
		return;
	for (const char *p = bench_spec; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len && !bench_exists(p, len)) {
			char line[CMDLINE_VALUE_MAX + 80];
			snprintf(line, sizeof(line),
				 "BENCH-ERROR {\"name\":\"%.*s\",\"message\":\"no such benchmark\"}\n",
				 (int)len, p);
			printk_raw(line);
		}
		if (!end)
			break;
		p = end + 1;
	}
}

void bench_run_requested(void)
{
	bench_report_unknown();
	for (const struct bench *b = __bench_start; b < __bench_end; b++) {
		if (!cmdline_list_has(bench_spec, b->name))
			continue;
		pr_info("bench: %s (%s)\n", b->name, b->help);
		uint64_t t0 = ktime_ns();
		b->run();
		pr_info("bench: %s done in %llu ms\n", b->name, (unsigned long long)((ktime_ns() - t0) / 1000000));
	}
}

static long sys_bench_report(uint64_t uname, uint64_t umetric, uint64_t ux, uint64_t uunit, uint64_t uv,
			     uint64_t unused)
{
	long x = (long)ux;
	(void)unused;
	char name[32], metric[32], unit[16];
	uint64_t v[4];
	if (strncpy_from_user(name, (const char *)uname, sizeof(name)) < 0 ||
	    strncpy_from_user(metric, (const char *)umetric, sizeof(metric)) < 0 ||
	    strncpy_from_user(unit, (const char *)uunit, sizeof(unit)) < 0)
		return -EFAULT;
	if (copy_from_user(v, (const void *)uv, sizeof(v)))
		return -EFAULT;
	/* The strings go into JSON: allow only plain identifier characters. */
	const char *strs[] = { name, metric, unit };
	for (int i = 0; i < 3; i++)
		for (const char *c = strs[i]; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '_' || *c == '/'))
				return -EINVAL;
	bench_report(name, metric, x, unit, v[0], v[1], v[2], (unsigned)v[3]);
	return 0;
}

/* User benchmarks report through their own system call, registered here:
 * the system-call core knows nothing of benchmarks. */

SYSCALL_EXTENSION(bench_report, SYS_bench_report, sys_bench_report);
