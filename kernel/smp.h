/*
 * kernel/smp.h - bringing up the other CPUs (smpboot.c), running functions on
 * them (smp.c), and the NMI uses: backtraces and the panic stop (nmi.c).
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>
#include "kernel/cpumask.h"
#include "kernel/atomic.h"

struct trap_frame;

typedef void (*smp_call_func_t)(void *arg);

/* A cross-CPU call in flight (see smp_call_start). */
struct smp_call_handle {
	smp_call_func_t fn;
	void *arg;
	atomic_t pending;           /* targets that have not finished fn (and
				     * internally, a "caller halts" bit) */
	unsigned waiter_cpu;        /* internal: whom the last target kicks */
	bool free_when_done;        /* internal: asynchronous requests */
};

/* Waits of smp_call_wait() that were not over at once, those that halted,
 * and the kicks that ended a halt (for `locks`). */
struct smp_call_wait_stats {
	uint64_t waits, halts, kicks;
};

/** smp_call_wait_stats() - the counts since boot or the last reset. */
struct smp_call_wait_stats smp_call_wait_stats(void);
/** smp_call_wait_stats_reset() - zero them (`locks reset`, tests). */
void smp_call_wait_stats_reset(void);

/** smp_init() - start every application processor the firmware lists. Context: boot CPU. */
void smp_init(void);

/** smp_call_init() - the call and reschedule vectors, and the boot CPU's nodes (from smp_init). */
void smp_call_init(void);
/** smp_call_prepare_cpu() - allocate @cpu's nodes for waiting calls. Return: 0 or -ENOMEM. */
int smp_call_prepare_cpu(unsigned cpu);

/**
 * smp_call_function_single() - run @fn(@arg) on @cpu.
 * @wait: return only after @fn has finished there.
 * Runs @fn directly (IRQs off) when @cpu is this CPU; elsewhere @fn runs in
 * the target's IPI handler, with IRQs off, and must not sleep.
 * Context: any but NMI; with @wait, interrupts must be on (a CPU waiting
 * with IRQs off cannot answer another CPU's request: deadlock).
 * Return: 0; -EINVAL for an offline CPU; -EDEADLK (with a warning) for
 * @wait with IRQs off; -ENOMEM when an asynchronous request cannot be
 * allocated.
 */
int smp_call_function_single(unsigned cpu, smp_call_func_t fn, void *arg, bool wait);

/**
 * smp_call_function_many() - run @fn(@arg) on every online CPU in @mask
 * except this one.  One IPI per target; each target drains its whole queue.
 * Context, @wait and return values as above.
 */
int smp_call_function_many(const cpumask_t *mask, smp_call_func_t fn, void *arg, bool wait);

/**
 * smp_call_start() - send @fn(@arg) to the online CPUs of @mask but this
 * one, and return at once; smp_call_wait(@h) waits for them.  Between the
 * two the caller may do its own share (concurrent TLB flushing).
 * Context: preemption disabled from start to wait; IRQs on for the wait.
 * Return: the number of CPUs called.
 */
int smp_call_start(const cpumask_t *mask, smp_call_func_t fn, void *arg, struct smp_call_handle *h);
void smp_call_wait(struct smp_call_handle *h);

/** smp_call_function() - on every other online CPU. */
int smp_call_function(smp_call_func_t fn, void *arg, bool wait);

/** smp_send_reschedule() - kick @cpu's scheduler (reschedule vector). */
void smp_send_reschedule(unsigned cpu);

/**
 * smp_send_kick() - end @cpu's halting wait (an NMI, so it works with @cpu's
 * interrupts off; kernel/nmi.c).  Context: any but NMI.
 */
void smp_send_kick(unsigned cpu);

/** smp_request_backtrace() - make @cpu print its registers and backtrace (by NMI). */
void smp_request_backtrace(unsigned cpu);
/** smp_backtrace_nmi() - NMI handler part: print if asked. Return: true if it was for that. */
bool smp_backtrace_nmi(struct trap_frame *f);

/** smp_stop_other_cpus() - panic path: NMI every other CPU, which prints its state and halts. */
void smp_stop_other_cpus(void);

/** smp_panic_stop_self() - panic path, on a CPU that got the stop NMI. */
__attribute__((noreturn)) void smp_panic_stop_self(struct trap_frame *f);

#endif
