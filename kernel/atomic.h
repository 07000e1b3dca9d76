/*
 * kernel/atomic.h - atomics, once-accesses and acquire/release.
 *
 * READ_ONCE/WRITE_ONCE: a single, untorn access the compiler may not merge,
 *   repeat or invent; used for every shared variable read or written without
 *   a lock (the compiler would otherwise be free to hoist a load out of a
 *   spin loop, for example).
 * smp_load_acquire/smp_store_release: one-way ordering for message passing;
 *   on x86 (TSO) both are plain moves plus a compiler barrier.
 * atomic_t/atomic64_t: read-modify-write operations.  The value-returning
 *   ones (add_return, cmpxchg, xchg, fetch_*) are full barriers, as in Linux;
 *   atomic_inc/dec/add/sub return nothing and order nothing.
 */
#ifndef KERNEL_ATOMIC_H
#define KERNEL_ATOMIC_H

#include <stdint.h>
#include <stdbool.h>
#include "asm/barrier.h"

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define smp_store_release(p, v) do { barrier(); WRITE_ONCE(*(p), (v)); } while (0)
#define smp_load_acquire(p) ({ __typeof__(*(p)) ___v = READ_ONCE(*(p)); barrier(); ___v; })

typedef struct { int counter; } atomic_t;
typedef struct { int64_t counter; } atomic64_t;
#define ATOMIC_INIT(v) { (v) }

static inline int atomic_read(const atomic_t *a) { return READ_ONCE(a->counter); }
/** atomic_read_acquire() - read @a; later loads and stores cannot move before it. */
static inline int atomic_read_acquire(const atomic_t *a) { return smp_load_acquire(&a->counter); }
static inline void atomic_set(atomic_t *a, int v) { WRITE_ONCE(a->counter, v); }
static inline void atomic_add(int v, atomic_t *a) { __atomic_fetch_add(&a->counter, v, __ATOMIC_RELAXED); }
static inline void atomic_sub(int v, atomic_t *a) { __atomic_fetch_sub(&a->counter, v, __ATOMIC_RELAXED); }
static inline void atomic_inc(atomic_t *a) { atomic_add(1, a); }
static inline void atomic_dec(atomic_t *a) { atomic_sub(1, a); }
static inline int atomic_add_return(int v, atomic_t *a) { return __atomic_add_fetch(&a->counter, v, __ATOMIC_SEQ_CST); }
static inline int atomic_sub_return(int v, atomic_t *a) { return __atomic_sub_fetch(&a->counter, v, __ATOMIC_SEQ_CST); }
static inline int atomic_inc_return(atomic_t *a) { return atomic_add_return(1, a); }
static inline bool atomic_dec_and_test(atomic_t *a) { return atomic_sub_return(1, a) == 0; }
static inline int atomic_fetch_add(int v, atomic_t *a) { return __atomic_fetch_add(&a->counter, v, __ATOMIC_SEQ_CST); }
static inline int atomic_xchg(atomic_t *a, int v) { return __atomic_exchange_n(&a->counter, v, __ATOMIC_SEQ_CST); }
/* Returns the old value; the swap happened iff it equals @old. */
static inline int atomic_cmpxchg(atomic_t *a, int old, int new)
{
	__atomic_compare_exchange_n(&a->counter, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

static inline int64_t atomic64_read(const atomic64_t *a) { return READ_ONCE(a->counter); }
static inline void atomic64_set(atomic64_t *a, int64_t v) { WRITE_ONCE(a->counter, v); }
static inline void atomic64_add(int64_t v, atomic64_t *a) { __atomic_fetch_add(&a->counter, v, __ATOMIC_RELAXED); }
static inline void atomic64_inc(atomic64_t *a) { atomic64_add(1, a); }
static inline int64_t atomic64_add_return(int64_t v, atomic64_t *a) { return __atomic_add_fetch(&a->counter, v, __ATOMIC_SEQ_CST); }
static inline int64_t atomic64_inc_return(atomic64_t *a) { return atomic64_add_return(1, a); }

/* Generic helpers on plain integers, for lock-free lists and flags. */
#define xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define cmpxchg(p, o, n) ({ __typeof__(*(p)) ___o = (o); \
	__atomic_compare_exchange_n((p), &___o, (n), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); ___o; })
#define fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)

/* Atomic bit operations on unsigned long bitmaps (cpumasks). Full barriers. */
static inline void set_bit(unsigned nr, unsigned long *addr)
{
	__atomic_fetch_or(&addr[nr / 64], 1ul << (nr % 64), __ATOMIC_SEQ_CST);
}
static inline void clear_bit(unsigned nr, unsigned long *addr)
{
	__atomic_fetch_and(&addr[nr / 64], ~(1ul << (nr % 64)), __ATOMIC_SEQ_CST);
}
static inline bool test_bit(unsigned nr, const unsigned long *addr)
{
	return (READ_ONCE(addr[nr / 64]) >> (nr % 64)) & 1;
}
static inline bool test_and_set_bit(unsigned nr, unsigned long *addr)
{
	return (__atomic_fetch_or(&addr[nr / 64], 1ul << (nr % 64), __ATOMIC_SEQ_CST) >> (nr % 64)) & 1;
}
static inline bool test_and_clear_bit(unsigned nr, unsigned long *addr)
{
	return (__atomic_fetch_and(&addr[nr / 64], ~(1ul << (nr % 64)), __ATOMIC_SEQ_CST) >> (nr % 64)) & 1;
}

#endif
