/*
 * bench/kernel/bench.h - in-kernel benchmarks, selected by `bench=` on the command
 * line.  Each prints one `BENCH {json}` line per result, which `make bench`
 * collects (the line's fields: README.md, "Benchmarks"; the collector:
 * scripts/bench.py).  They live outside kernel/ because they are tooling;
 * the linker gathers them from the .benchmarks section.
 */
#ifndef BENCH_KERNEL_BENCH_H
#define BENCH_KERNEL_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct bench {
	const char *name;
	const char *help;
	void (*run)(void);
};

#define BENCHMARK(bname, bhelp, brun) \
	static const struct bench __bench_##bname \
	__attribute__((used, section(".benchmarks"), aligned(8))) = { \
		.name = #bname, .help = bhelp, .run = brun }

/** bench_requested() - was bench= given on the command line? */
bool bench_requested(void);
/** bench_run_requested() - run the benchmarks bench= names. */
void bench_run_requested(void);

/**
 * bench_report() - print one result line:
 * BENCH {"name":..,"config":..,"cpus":..,"accel":..,"metric":..,"value":..,
 *        "unit":..,"runs":..,"min":..,"max":..,"x":..}
 * @x: the independent variable (e.g. CPUs taking part), or -1 for none.
 */
void bench_report(const char *name, const char *metric, int64_t x, const char *unit,
		  uint64_t median, uint64_t min, uint64_t max, unsigned runs);

/**
 * bench_report_cycles() - summarize @n TSC samples @v and report them
 * twice: in cycles (@metric) and in nanoseconds (@metric_ns).
 */
void bench_report_cycles(const char *name, const char *metric, int64_t x, uint64_t *v, unsigned n);

/** bench_summarize() - sort @v[0..n) and give median, min and max. */
void bench_summarize(uint64_t *v, unsigned n, uint64_t *median, uint64_t *min, uint64_t *max);

#endif
