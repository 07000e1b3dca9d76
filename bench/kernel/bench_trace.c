/*
 * bench/kernel/bench_trace.c - what a trace point costs (kernel/trace/):
 *
 *   trace_event  cycles per trace() call: tracing off (the one branch on
 *                trace_switch.mask), and on (claim, stamp, write, commit
 *                into this CPU's ring).  In a TRACE_POINTS=0 build the
 *                call compiles away and both rows measure the empty loop:
 *                the baseline of `make trace-cost` (scripts/tracecost.py),
 *                which puts the two builds side by side with the pagefault
 *                and munmap benchmarks.
 */
#include "bench/kernel/bench.h"
#include "kernel/trace/trace.h"
#include "asm/cpu.h"

#define CALLS 20000
#define RUNS 11

static uint64_t per_call(uint32_t mask)
{
	uint32_t saved = READ_ONCE(trace_switch.mask);
	trace_set_mask(mask);
	uint64_t t0 = rdtsc_ordered();
	for (int i = 0; i < CALLS; i++) {
		trace(TEST, i, 0, 0);
		barrier();          /* keep the loop a loop in TRACE_POINTS=0 */
	}
	uint64_t t1 = rdtsc_ordered();
	trace_set_mask(saved);
	return (t1 - t0) / CALLS;
}

static void bench_trace_event(void)
{
	uint64_t off[RUNS], on[RUNS];
	for (int k = 0; k < RUNS; k++) {
		off[k] = per_call(0);
		trace_clear();
		on[k] = per_call(1u << TRACE_SUB_test);
	}
	trace_clear();
	bench_report_cycles("trace_event", "off", -1, off, RUNS);
	bench_report_cycles("trace_event", "on", -1, on, RUNS);
}
BENCHMARK(trace_event, "cycles per trace() call, tracing off and on (TRACE_POINTS=0: compiled out)",
	  bench_trace_event);
