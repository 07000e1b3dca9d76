/*
 * kernel/locking/seqcount.h - sequence counts: lockless readers of data that a
 * (serialized) writer updates in place.
 *
 * The writer makes the count odd, updates, makes it even again.  A reader
 * samples an even count, reads, and retries if the count changed: then it
 * may have seen a torn mix of old and new values.  Writers must already
 * exclude each other (a lock, or mmap_lock held for write).  This is what
 * the speculative page-fault path validates against.
 */
#ifndef KERNEL_SEQCOUNT_H
#define KERNEL_SEQCOUNT_H

#include <stdbool.h>
#include "kernel/atomic.h"
#include "kernel/config.h"
#include "asm/cpu.h"

typedef struct { unsigned sequence; } seqcount_t;

#define SEQCNT_ZERO { 0 }
static inline void seqcount_init(seqcount_t *s) { s->sequence = 0; }

/** read_seqcount_begin() - wait for an even count and return it. */
static inline unsigned read_seqcount_begin(const seqcount_t *s)
{
	unsigned seq;
	while ((seq = READ_ONCE(s->sequence)) & 1)
		cpu_relax();
	/* The protected loads must not be done before the count is read.
	 * Pairs with write_seqcount_end()'s smp_wmb: a reader that sees the
	 * even count a writer stored sees that writer's data. */
	smp_rmb();
	return seq;
}

/** read_seqcount_retry() - true if the data read since @start may be torn. */
static inline bool read_seqcount_retry(const seqcount_t *s, unsigned start)
{
	/* The protected loads must be done before the count is read again.
	 * Pairs with write_seqcount_begin()'s smp_wmb: a reader that saw any
	 * store of a writer's section sees its odd count here, and retries. */
	smp_rmb();
#ifdef CONFIG_SLEEPLOCK_BROKEN
	(void)s;
	(void)start;
	return false;               /* test-only: accept whatever was read */
#else
	return READ_ONCE(s->sequence) != start;
#endif
}

static inline void write_seqcount_begin(seqcount_t *s)
{
	WRITE_ONCE(s->sequence, s->sequence + 1);
	/* The odd count must be visible before any protected store: pairs
	 * with read_seqcount_retry()'s smp_rmb (in mm/: spf_fault()'s
	 * before it re-reads the sequence, and vma_write_marked()'s). */
	smp_wmb();
}

static inline void write_seqcount_end(seqcount_t *s)
{
	/* Every protected store must be visible before the even count:
	 * pairs with read_seqcount_begin()'s smp_rmb (in mm/:
	 * mmap_seq_read()'s, and lock_vma_under_rcu()'s before it reads
	 * `detached`). */
	smp_wmb();
	WRITE_ONCE(s->sequence, s->sequence + 1);
}

#endif
