/*
 * tests/models/tso.pml - x86-TSO store buffers, for the models whose C
 * code relies on a fence against them (docs/verify.md, "Memory models").
 *
 * x86 keeps stores in order and loads in order, and lets a load pass an
 * older store of the same CPU to another address: the store waits in the
 * CPU's store buffer, FIFO, and the CPU reads its own buffered stores
 * before memory does (store forwarding).  A fence (MFENCE, smp_mb()) or a
 * locked read-modify-write (LOCK ADD, XCHG, CMPXCHG: atomic_*(), the
 * set_bit() of cpumask_set_cpu()) waits until the buffer has drained.
 * That is x86-TSO (Sewell et al., CACM 2010), and all of it is here:
 *
 *   STORE(c, x, v)   a plain store (WRITE_ONCE, smp_store_release): into
 *                    CPU c's buffer
 *   LOAD(c, x, r)    a plain load (READ_ONCE, smp_load_acquire): the
 *                    newest buffered store of c to x, else memory
 *   SB_FLUSH(c)      c's buffer drained to memory, oldest first: the first
 *                    half of a fence or a locked instruction.  Used inside
 *                    the atomic step of that instruction: "drain, then do
 *                    it" is one schedule of the drain process below, and
 *                    every schedule that drains earlier is explored too
 *   store_buffer(c, cpu)  the hardware draining buffer c (of CPU cpu) to
 *                    memory at any moment, one store at a time
 *
 * A model defines, before including this file: NSB (CPUs with a buffer),
 * NVARS (shared words in mem[]) and SB_DEPTH (buffer entries).  A store to
 * a full buffer waits for a drain; each model chooses SB_DEPTH at least
 * the largest number of plain stores its code makes between two fences,
 * so that no behaviour of the hardware is lost by the bound.
 *
 * Words the models keep outside mem[] are accessed only by locked
 * instructions, only by their own CPU, or only in steps whose order
 * against the buffer does not matter; each model says which.
 */
#ifndef SB_DEPTH
#define SB_DEPTH 2
#endif

typedef sbuf_t {
	byte a[SB_DEPTH];     /* the word each store goes to (an index in mem[]) */
	byte v[SB_DEPTH];     /* its value */
	byte n                /* stores waiting */
};

byte mem[NVARS];
sbuf_t sb[NSB];
byte sb_i;                /* scratch, inside one indivisible step only (always 0 between steps) */

/* cpp macros, not inlines: spin then reports their steps at the line
 * that uses them, where the model's tag names the C code. */
#define STORE(c, x, val) \
	atomic { \
		sb[c].n < SB_DEPTH -> \
		sb[c].a[sb[c].n] = x; \
		sb[c].v[sb[c].n] = val; \
		sb[c].n++ \
	}

/* Inside a d_step or atomic of the caller's. */
#define LOAD_IN(c, x, r) \
	r = mem[x]; \
	sb_i = 0; \
	do \
	:: sb_i < sb[c].n -> \
		if \
		:: sb[c].a[sb_i] == x -> r = sb[c].v[sb_i] \
		:: else -> skip \
		fi; \
		sb_i++ \
	:: else -> break \
	od; \
	sb_i = 0

#define LOAD(c, x, r) atomic { LOAD_IN(c, x, r) }

/* Every buffered store of c to memory, oldest first (inside a step). */
#define SB_FLUSH(c) \
	sb_i = 0; \
	do \
	:: sb_i < sb[c].n -> \
		mem[sb[c].a[sb_i]] = sb[c].v[sb_i]; \
		sb[c].a[sb_i] = 0; \
		sb[c].v[sb_i] = 0; \
		sb_i++ \
	:: else -> break \
	od; \
	sb[c].n = 0; \
	sb_i = 0

/* The oldest buffered store of c reaches memory. */
#define SB_DRAIN_ONE(c) \
	d_step { \
		sb[c].n > 0 -> \
		printf("@sb %d %d\n", sb[c].a[0], sb[c].v[0]); \
		mem[sb[c].a[0]] = sb[c].v[0]; \
		sb_i = 1; \
		do \
		:: sb_i < sb[c].n -> \
			sb[c].a[sb_i - 1] = sb[c].a[sb_i]; \
			sb[c].v[sb_i - 1] = sb[c].v[sb_i]; \
			sb_i++ \
		:: else -> break \
		od; \
		sb[c].n--; \
		sb[c].a[sb[c].n] = 0; \
		sb[c].v[sb[c].n] = 0; \
		sb_i = 0 \
	}

proctype store_buffer(byte c; byte cpu)
{
	printf("@column %d CPU%d | +sb\n", _pid, cpu);
end:	do
	:: SB_DRAIN_ONE(c)      /* @hw: a buffered store reaches memory */
	od
}
