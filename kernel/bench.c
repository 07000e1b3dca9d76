/*
 * kernel/bench.c - placeholder for the benchmark runner.
 */
#include "kernel/bench.h"
bool bench_requested(void) { return false; }
void bench_run_requested(void) {}
