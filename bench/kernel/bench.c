/*
 * bench/kernel/bench.c - the benchmark runner inside the kernel.
 *
 * `bench=all` or `bench=a,b` on the command line runs those benchmarks
 * (registered with BENCHMARK() in their own files) after boot and prints
 * their results as `BENCH {json}` lines; scripts/bench.py collects them.
 * With `profile=1` as well (`make bench PROFILE=1`), each benchmark runs
 * on a cleared profile and is followed by a `PROFILE {json}` line: where
 * the CPUs were, which locks they spun on, where threads slept and how
 * many TLB flushes it took while it ran (docs/performance.md).
 */
#include <stdarg.h>
#include "bench/kernel/bench.h"
#include "kernel/proc/syscall.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/config.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/profile.h"
#include "kernel/ksyms.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/timer.h"
#include "mm/kmalloc.h"
#include "mm/tlb.h"
#include "kernel/time.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/cmdline.h"
#include "asm/cpu.h"
#include "asm/kvm.h"
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
	char sig[13];
	if (!arch_hypervisor_signature(sig))
		return "none";
	if (strncmp(sig, "KVMKVMKVM", 9) == 0)
		return "kvm";
	if (strcmp(sig, "TCGTCGTCGTCG") == 0)
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

/* A line being built: appends that do not fit are dropped, and noticed. */
struct json_buf {
	char *s;
	size_t len, size;
	bool overflow;
};

static void json_add(struct json_buf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void json_add(struct json_buf *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(j->s + j->len, j->size - j->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= j->size - j->len) {
		j->s[j->len] = 0;           /* drop the partial append */
		j->overflow = true;
	} else {
		j->len += (size_t)n;
	}
}

/* A JSON string: lock-class names are C expressions (`&rq->lock`), and
 * could hold a quote or a backslash. */
static void json_str(struct json_buf *j, const char *s)
{
	json_add(j, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			json_add(j, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			json_add(j, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			json_add(j, "%c", *s);
	}
	json_add(j, "\"");
}

#define PROFILE_FUNCTIONS 15
#define PROFILE_PROGRAMS 5
#define PROFILE_LOCKS 5
#define PROFILE_SLEEPS 5
#define PROFILE_LINE_MAX 4096

/*
 * PROFILE {"name":..,"config":..,"cpus":..,"accel":..,"hz":..,
 *          "samples":..,"kernel":..,"user":..,"outside":..,
 *          "functions":[{"fn":..,"samples":..},..],
 *          "user_programs":[{"name":..,"samples":..},..],
 *          "locks":[{"class":..,"spin_cycles":..,"contended":..,"acquired":..},..],
 *          "sleeps":[{"where":..,"from":..,"count":..},..],"sleeps_other":..,
 *          "tlb":{"shootdowns":..,"ipis_sent":..,"flushes_received":..,
 *                 "pages_flushed":..,"full_flushes":..,"wait_cycles":..}}
 * Samples are of every CPU together, since the clear before the benchmark;
 * "tlb" is every CPU's TLB statistics (mm/tlb.h) over the benchmark, the
 * differences of @before and @after.  A flush count out of proportion to
 * the work is how a gather that flushed eight times too often was found
 * (docs/performance.md, finding 17).
 */
static void bench_report_profile(const char *name, const struct tlb_stats *before,
				 const struct tlb_stats *after)
{
	static struct profile_sym fns[PROFILE_FUNCTIONS];
	struct profile_user progs[PROFILE_PROGRAMS];
	struct lock_class *locks[PROFILE_LOCKS];
	struct json_buf j = { .s = kmalloc(PROFILE_LINE_MAX), .len = 0, .size = PROFILE_LINE_MAX };
	if (!j.s) {
		pr_warn("bench: %s: no memory for its PROFILE line\n", name);
		return;
	}
	int nf = profile_top(-1, fns, PROFILE_FUNCTIONS);
	int np = profile_top_user(-1, progs, PROFILE_PROGRAMS);
	int nl = profile_top_locks(locks, PROFILE_LOCKS);
	struct profile_block sleeps[PROFILE_SLEEPS];
	uint64_t sleeps_other;
	int ns = profile_top_blocks(sleeps, PROFILE_SLEEPS, &sleeps_other);
	struct profile_counts c = profile_counts(-1);   /* last: no function exceeds it */
	json_add(&j, "PROFILE {\"name\":\"%s\",\"config\":\"%s\",\"cpus\":%u,\"accel\":\"%s\",\"hz\":%u,"
		 "\"samples\":%llu,\"kernel\":%llu,\"user\":%llu,\"outside\":%llu,\"functions\":[",
		 name, CONFIG_NAME, num_online_cpus(), accel_name(), tick_hz,
		 (unsigned long long)profile_counts_total(&c), (unsigned long long)c.kernel,
		 (unsigned long long)c.user, (unsigned long long)c.outside);
	for (int i = 0; i < nf; i++) {
		char addr[24];
		snprintf(addr, sizeof(addr), "0x%lx", (unsigned long)fns[i].start);
		json_add(&j, "%s{\"fn\":", i ? "," : "");
		json_str(&j, fns[i].name ? fns[i].name : addr);
		json_add(&j, ",\"samples\":%llu}", (unsigned long long)fns[i].samples);
	}
	json_add(&j, "],\"user_programs\":[");
	for (int i = 0; i < np; i++) {
		json_add(&j, "%s{\"name\":", i ? "," : "");
		json_str(&j, progs[i].name);
		json_add(&j, ",\"samples\":%llu}", (unsigned long long)progs[i].samples);
	}
	json_add(&j, "],\"locks\":[");
	for (int i = 0; i < nl; i++) {
		json_add(&j, "%s{\"class\":", i ? "," : "");
		json_str(&j, locks[i]->name);
		json_add(&j, ",\"spin_cycles\":%llu,\"contended\":%llu,\"acquired\":%llu}",
			 (unsigned long long)READ_ONCE(locks[i]->spin_cycles),
			 (unsigned long long)READ_ONCE(locks[i]->contended),
			 (unsigned long long)READ_ONCE(locks[i]->acquisitions));
	}
	json_add(&j, "],\"sleeps\":[");
	for (int i = 0; i < ns; i++) {
		char where[64], from[64];
		ksym_format(where, sizeof(where), sleeps[i].where);
		ksym_format(from, sizeof(from), sleeps[i].from);
		json_add(&j, "%s{\"where\":", i ? "," : "");
		json_str(&j, where);
		json_add(&j, ",\"from\":");
		json_str(&j, from);
		json_add(&j, ",\"count\":%llu}", (unsigned long long)sleeps[i].count);
	}
	json_add(&j, "],\"sleeps_other\":%llu,\"tlb\":{", (unsigned long long)sleeps_other);
	/* The counters only grow (tlb_stat_add): each difference is >= 0. */
	json_add(&j, "\"shootdowns\":%llu,\"ipis_sent\":%llu,\"flushes_received\":%llu,"
		 "\"pages_flushed\":%llu,\"full_flushes\":%llu,\"wait_cycles\":%llu}}\n",
		 (unsigned long long)(after->shootdowns - before->shootdowns),
		 (unsigned long long)(after->ipis_sent - before->ipis_sent),
		 (unsigned long long)(after->flushes_received - before->flushes_received),
		 (unsigned long long)(after->pages_flushed - before->pages_flushed),
		 (unsigned long long)(after->full_flushes - before->full_flushes),
		 (unsigned long long)(after->wait_cycles - before->wait_cycles));
	if (j.overflow)     /* never half a line: the collector would call it malformed */
		pr_warn("bench: %s: PROFILE line longer than %d bytes, not printed\n", name, PROFILE_LINE_MAX);
	else
		printk_raw(j.s);
	kfree(j.s);
}

void bench_run_requested(void)
{
	bench_report_unknown();
	for (const struct bench *b = __bench_start; b < __bench_end; b++) {
		if (!cmdline_list_has(bench_spec, b->name))
			continue;
		pr_info("bench: %s (%s)\n", b->name, b->help);
		/* Read once: a benchmark does not switch the profiler. */
		bool profiled = profile_enabled();
		struct tlb_stats tlb_before, tlb_after;
		if (profiled) {
			profile_clear();
			tlb_get_stats(NR_CPUS, &tlb_before);
		}
		uint64_t t0 = ktime_ns();
		b->run();
		pr_info("bench: %s done in %llu ms\n", b->name, (unsigned long long)((ktime_ns() - t0) / 1000000));
		if (profiled) {
			/* Frozen while it is read: the walk of the histogram
			 * takes ticks of its own, which are not the benchmark's. */
			profile_stop();
			tlb_get_stats(NR_CPUS, &tlb_after);
			bench_report_profile(b->name, &tlb_before, &tlb_after);
			profile_start();    /* the buffers exist: cannot fail */
		}
	}
}

static long sys_bench_report(uint64_t uname, uint64_t umetric, uint64_t ux, uint64_t uunit, uint64_t uv,
			     uint64_t unused)
{
	long x = (long)ux;
	(void)unused;
	/* The limits kcalls.h states: a longer string is -E2BIG, not cut
	 * (a cut metric would be a different metric). */
	char name[BENCH_NAME_MAX], metric[BENCH_METRIC_MAX], unit[BENCH_UNIT_MAX];
	uint64_t v[4];
	long r;
	if ((r = strncpy_from_user(name, (const char *)uname, sizeof(name))) < 0 ||
	    (r = strncpy_from_user(metric, (const char *)umetric, sizeof(metric))) < 0 ||
	    (r = strncpy_from_user(unit, (const char *)uunit, sizeof(unit))) < 0)
		return r;
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
