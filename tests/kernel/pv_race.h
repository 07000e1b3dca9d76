/*
 * tests/kernel/pv_race.h - the unsafe-pairing race of the `pv` suite, as
 * one reusable run: lockless walkers (IRQs off under TABLE_FREE=ipi, RCU
 * under rcu) on every other CPU, preempted mid-walk by the host model,
 * while this CPU frees their PTE table again and again.  The suite
 * (tests/kernel/pv.c) checks its counts; the pv_safety benchmark
 * (bench/kernel/bench_pv.c) reports them per million walks.
 */
#ifndef TESTS_KERNEL_PV_RACE_H
#define TESTS_KERNEL_PV_RACE_H

#include <stdint.h>
#include <stdbool.h>

struct pv_race {
	/* in */
	unsigned min_ms, max_ms;    /* run at least min_ms, at most max_ms */
	uint64_t min_resumes;       /* and until this many preemptions ended */
	bool stop_on_poison;        /* stop (after min_ms) at the first poisoned read */
	/* out */
	uint64_t rounds;            /* unmap + map rounds (a PTE table freed each) */
	uint64_t walks;             /* walk sections completed by the walkers */
	uint64_t preempted_walks;   /* sections that spanned a preemption */
	uint64_t poisoned;          /* reads of a freed (poisoned) table */
	uint64_t deferred;          /* flushes left to a preempted target's host */
	uint64_t ipis;              /* IPIs sent */
	uint64_t ms;                /* how long it ran */
};

/**
 * pv_race_run() - run the race with the model preempting as fast as it
 * can (up to 3 ms each), then restore the model's settings.  Returns
 * false (nothing run) with fewer than 2 CPUs or when the model is not the
 * host.  Context: process context, IRQs on; a private mm of its own.
 */
bool pv_race_run(struct pv_race *r);

#endif
