/*
 * kernel/trace/scenario.h - a mm kept busy on many CPUs, for the trace's
 * scenarios (`tracescn=`, scenario.c) and the trace test suite: every other
 * CPU runs the mm (a flush target) or holds it lazily (a lazy CPU).
 */
#ifndef KERNEL_TRACE_SCENARIO_H
#define KERNEL_TRACE_SCENARIO_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/cpumask.h"

struct mm_struct;
struct thread;

struct trace_scn {
	struct mm_struct *mm;
	uintptr_t area;             /* one page mapped there, touched by everyone */
	struct thread *th[NR_CPUS];
	unsigned n;                 /* threads started */
};

/**
 * trace_scn_start() - a new mm with one page at @area, loaded on this CPU
 * (kthread_use_mm) and on every other online CPU: spinning there (a flush
 * target) or, for the CPUs in @lazy, asleep with the mm held lazily.
 * Return: 0, or -ENOMEM.  Context: process; call trace_scn_stop() after.
 */
int trace_scn_start(struct trace_scn *s, uintptr_t area, const cpumask_t *lazy);

/** trace_scn_stop() - stop the threads, unload and drop the mm. */
void trace_scn_stop(struct trace_scn *s);

/** trace_scn_map() - map and touch @pages pages at @a in the scenario's mm. Return: 0 or -1. */
int trace_scn_map(struct trace_scn *s, uintptr_t a, unsigned pages);

/** trace_scenario_requested() - tracescn= was given. */
bool trace_scenario_requested(void);

/** trace_scenario_run() - run the tracescn= scenario with tracing on, export it. Return: 0 or -errno. */
int trace_scenario_run(void);

#endif
