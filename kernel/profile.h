/*
 * kernel/profile.h - the sampling profiler: where the CPUs' time goes,
 * one sample per timer tick (Linux's `profile=` boot option and
 * readprofile, per CPU).
 *
 * While profiling is on, each tick records the instruction it interrupted
 * on its own CPU: a kernel address in a histogram over the kernel text
 * (one counter per 1 << PROFILE_SHIFT bytes), a user one as a count per
 * program name.  Readers sum the histogram by function (ksyms).  When it
 * is off the tick pays one load and a branch.  How to use it and read it:
 * docs/performance.md.
 */
#ifndef KERNEL_PROFILE_H
#define KERNEL_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/atomic.h"

struct trap_frame;
struct lock_class;

#define PROFILE_SHIFT 2             /* a histogram bucket is 4 bytes of text */
#define PROFILE_USER_PROGS 8        /* user programs told apart per CPU */
#define PROFILE_NAME_MAX 16         /* a user program's name, NUL included */

/* Set by profile_start(), cleared by profile_stop(); read by the tick. */
extern bool profile_on;

/** struct profile_counts - samples of one CPU, or of all. */
struct profile_counts {
	uint64_t kernel;            /* in the kernel text: in the histogram */
	uint64_t user;              /* the tick interrupted user mode */
	uint64_t outside;           /* kernel mode, but outside the kernel text */
};

/** profile_counts_total() - every sample in @c, whatever its kind. */
static inline uint64_t profile_counts_total(const struct profile_counts *c)
{
	return c->kernel + c->user + c->outside;
}

/** struct profile_sym - one kernel function's share of the samples. */
struct profile_sym {
	const char *name;           /* ksyms name, or NULL: no symbol there */
	uintptr_t start;            /* the function's first byte */
	uint64_t samples;
	unsigned first, last;       /* its histogram buckets (profile_sym_samples) */
};

/** struct profile_user - one user program's samples. */
struct profile_user {
	char name[PROFILE_NAME_MAX];    /* "(other)": beyond PROFILE_USER_PROGS names */
	uint64_t samples;
};

/**
 * profile_sample() - the out-of-line half of profile_tick(): count where
 * @f was in this CPU's buffer (nothing if this CPU has none).
 * Context: the timer tick, IRQs off.
 */
void profile_sample(const struct trap_frame *f);

/**
 * profile_tick() - record one sample of the context @f interrupted, if
 * profiling is on.
 * Context: the timer tick (hard IRQ, IRQs off) on this CPU.  The flag is
 * read with READ_ONCE: it guards only the cost; what the sample writes
 * is found through an acquire load (profile.c).
 */
static inline void profile_tick(const struct trap_frame *f)
{
	if (READ_ONCE(profile_on))
		profile_sample(f);
}

/**
 * profile_start() - switch profiling on, first allocating the buffers of
 * every online CPU that has none (kept, zeroed or not, until the kernel
 * ends).  Samples already counted stay: profile_clear() zeroes them.
 * Context: process context, IRQs on.
 * Return: 0, or -ENOMEM (then profiling stays as it was).
 */
int profile_start(void);

/**
 * profile_stop() - switch profiling off; the samples stay readable.
 * A tick already past its check of the flag may still count one sample
 * on its CPU; a profile_clear() after this waits such ticks out (each
 * CPU's clear runs after its tick, both with IRQs off), so that from then
 * on nothing is counted.  Context: any.
 */
void profile_stop(void);

/**
 * profile_clear() - zero every CPU's samples, and the spinlock statistics
 * with them (lock_stats_reset()), so that both describe the same stretch
 * of time.  Each CPU zeroes its own buffer, in a cross-CPU call, so the
 * tick stays its only other writer and never races with the clear.
 * Context: process context, IRQs on.
 */
void profile_clear(void);

/** profile_enabled() - is profiling on? */
static inline bool profile_enabled(void)
{
	return READ_ONCE(profile_on);
}

/**
 * profile_counts() - the samples of @cpu (-1: of every CPU).
 * Context: any; a snapshot, racing with the ticks of running CPUs.
 */
struct profile_counts profile_counts(int cpu);

/**
 * profile_top() - the @n kernel functions with the most samples on @cpu
 * (-1: on all CPUs together), most first, into @out.
 * Return: how many were found (<= @n).  Context: process context (it
 * walks the whole histogram: milliseconds under TCG).
 */
int profile_top(int cpu, struct profile_sym *out, int n);

/** profile_sym_samples() - the samples of @cpu in function @s (from profile_top()). */
uint64_t profile_sym_samples(const struct profile_sym *s, unsigned cpu);

/**
 * profile_top_user() - the @n user programs with the most samples on @cpu
 * (-1: all CPUs), most first, into @out.  Return: how many (<= @n).
 */
int profile_top_user(int cpu, struct profile_user *out, int n);

/**
 * profile_top_locks() - the @n lock classes with the most cycles spun
 * waiting (since the last profile_clear() or `locks reset`), most first
 * (at most 32); classes that never spun are left out.
 * Return: how many (<= @n).
 */
int profile_top_locks(struct lock_class **out, int n);

/*
 * Where threads slept.  A sample shows where a CPU was, and an idle CPU is
 * one function, `cpu_idle_loop`, whatever it waits for.  So while profiling
 * is on, schedule() also counts each sleep (a call made in THREAD_BLOCKED)
 * by the two return addresses above it: the function that called
 * schedule() and its caller (`queue_and_wait <- down_write`: a thread
 * waiting for an rwsem as a writer).  PROFILE_BLOCK_SITES pairs per CPU,
 * then "other".
 */
#define PROFILE_BLOCK_SITES 16

/** struct profile_block - one place threads slept, and how often. */
struct profile_block {
	uintptr_t where;            /* the return address into schedule()'s caller */
	uintptr_t from;             /* the return address into its caller */
	uint64_t count;
};

/** profile_note_block() - count one sleep at @where (called from @from); schedule() calls it while profiling is on. */
void profile_note_block(uintptr_t where, uintptr_t from);

/**
 * profile_top_blocks() - the @n places threads slept most often, all CPUs
 * together, most first (at most PROFILE_BLOCK_SITES); *@other gets the
 * sleeps that did not fit a CPU's table.  Return: how many (<= @n).
 */
int profile_top_blocks(struct profile_block *out, int n, uint64_t *other);

/** profile_boot() - switch on if `profile=1` was on the command line. Context: kmain, after SMP. */
void profile_boot(void);

#endif
