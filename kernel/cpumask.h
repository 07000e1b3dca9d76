/*
 * kernel/cpumask.h - sets of CPUs, NR_CPUS (256) bits wide.
 *
 * Updates through cpumask_set_cpu/clear_cpu are atomic (other CPUs may
 * update the same mask concurrently, e.g. an mm's cpumask); the bulk
 * operations are not and need the caller to own the mask or hold its lock.
 */
#ifndef KERNEL_CPUMASK_H
#define KERNEL_CPUMASK_H

#include "kernel/percpu.h"
#include "kernel/atomic.h"
#include "lib/bitmap.h"

typedef struct cpumask { DECLARE_BITMAP(bits, NR_CPUS); } cpumask_t;

static inline void cpumask_set_cpu(unsigned cpu, cpumask_t *m) { set_bit(cpu, m->bits); }
static inline void cpumask_clear_cpu(unsigned cpu, cpumask_t *m) { clear_bit(cpu, m->bits); }
static inline bool cpumask_test_cpu(unsigned cpu, const cpumask_t *m) { return test_bit(cpu, m->bits); }
static inline bool cpumask_test_and_set_cpu(unsigned cpu, cpumask_t *m) { return test_and_set_bit(cpu, m->bits); }
static inline bool cpumask_test_and_clear_cpu(unsigned cpu, cpumask_t *m) { return test_and_clear_bit(cpu, m->bits); }
static inline void cpumask_clear(cpumask_t *m) { bitmap_zero(m->bits, NR_CPUS); }
/**
 * cpumask_copy() - @d = @s, where @s may be a mask other CPUs update (an
 * mm's cpumask, the online mask).  Each word is read once (READ_ONCE):
 * a plain struct copy lets the compiler read a word twice or in pieces
 * (memcpy, byte moves), and then the copy could hold a set no CPU ever saw
 * in one word.  Words are not read atomically together: a bit set or
 * cleared concurrently in another word may or may not be in the copy, as
 * with any racy snapshot; callers order that with their own barriers.
 */
static inline void cpumask_copy(cpumask_t *d, const cpumask_t *s)
{
	for (unsigned i = 0; i < BITS_TO_LONGS(NR_CPUS); i++)
		d->bits[i] = READ_ONCE(s->bits[i]);
}
static inline unsigned cpumask_weight(const cpumask_t *m) { return bitmap_weight(m->bits, NR_CPUS); }
static inline bool cpumask_empty(const cpumask_t *m) { return bitmap_empty(m->bits, NR_CPUS); }
static inline bool cpumask_equal(const cpumask_t *a, const cpumask_t *b) { return bitmap_equal(a->bits, b->bits, NR_CPUS); }
static inline void cpumask_and(cpumask_t *d, const cpumask_t *a, const cpumask_t *b) { bitmap_and(d->bits, a->bits, b->bits, NR_CPUS); }
static inline void cpumask_or(cpumask_t *d, const cpumask_t *a, const cpumask_t *b) { bitmap_or(d->bits, a->bits, b->bits, NR_CPUS); }
static inline void cpumask_andnot(cpumask_t *d, const cpumask_t *a, const cpumask_t *b) { bitmap_andnot(d->bits, a->bits, b->bits, NR_CPUS); }
static inline unsigned cpumask_first(const cpumask_t *m) { return bitmap_find_first_set(m->bits, NR_CPUS); }
static inline unsigned cpumask_next(unsigned prev, const cpumask_t *m) { return bitmap_find_next_set(m->bits, NR_CPUS, prev + 1); }

/* for_each_cpu(cpu, mask): cpu runs over the set bits, lowest first. */
#define for_each_cpu(cpu, mask) \
	for ((cpu) = cpumask_first(mask); (cpu) < NR_CPUS; (cpu) = cpumask_next((cpu), (mask)))

extern cpumask_t cpu_online_mask;

#define for_each_online_cpu(cpu) for_each_cpu(cpu, &cpu_online_mask)

static inline unsigned num_online_cpus(void) { return cpumask_weight(&cpu_online_mask); }
static inline bool cpu_online(unsigned cpu) { return cpumask_test_cpu(cpu, &cpu_online_mask); }

#endif
