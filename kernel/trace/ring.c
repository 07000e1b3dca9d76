/*
 * kernel/trace/ring.c - the per-CPU trace rings: claim, write, commit, read.
 *
 * Each CPU owns one ring of 2^k fixed-size slots.  Only that CPU writes it,
 * so no lock is needed against other CPUs; what it must survive is itself:
 * an IRQ, or an NMI (which no cli keeps out), that arrives in the middle of
 * a trace point and records an event of its own.
 *
 * Writing one event, on the owning CPU, IRQs off (no migration, no IRQ):
 *   1. h = head; ts = the TSC;
 *   2. claim slot h with compare-and-swap head: h -> h+1.  If an NMI ran
 *      between 1 and 2 it claimed slots of its own and moved head: the CAS
 *      fails and we start again at 1 with a fresh timestamp.  So the slot
 *      is ours alone, and on each CPU slot order is timestamp order (the
 *      timestamp is read inside the claim's window, and any nested event
 *      that got in first is older);
 *   3. seq = 0 (the slot is being written), the fields, then seq = h+1
 *      with release: the commit.  An NMI arriving during 3 claims h+1 or
 *      later and never touches our slot.
 * The naive ring (head bumped after the write, timestamp before the claim)
 * lets a nested event land in the same slot and be overwritten unseen:
 * TRACE_BROKEN=1 builds exactly that, and the trace suite's nesting case
 * catches it every time.
 *
 * Overflow policy: overwrite the oldest.  A trace is a flight recorder: what
 * a student wants after a hang, a panic or a triggered stop (trace_stop_
 * after()) is what led up to it, and a writer must never wait.  The count
 * of what was overwritten is exact: head - size (since the last clear),
 * because head counts every claim.
 *
 * Reading (any CPU, writer running or not): a slot is taken only if its seq
 * reads h+1 before and after the copy (a per-slot sequence count): the
 * reader's smp_load_acquire of seq pairs with the writer's release at
 * commit (the fields are complete), and the reader's smp_rmb before the
 * second seq read pairs with the writer's smp_wmb after seq = 0 (a copy
 * that raced a rewrite sees the change).  Anything else is counted torn.
 */
#include "kernel/trace/trace.h"
#include "kernel/config.h"
#include "kernel/cpumask.h"
#include "kernel/irqflags.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "mm/page.h"
#include "mm/pmm.h"
#include "asm/barrier.h"
#include "asm/cpu.h"
#include "lib/string.h"

#define TRACE_RING_DEFAULT 4096     /* events per CPU: 160 KiB */
#define TRACE_RING_MAX     65536

struct trace_ring {
	uint64_t head;              /* slots claimed since boot; owner CAS only */
	uint64_t start;             /* head at the last clear (written by the clearer) */
	struct trace_event *ev;     /* NULL: no ring (not allocated) */
#ifdef CONFIG_TRACE_CLOCK_BROKEN
	uint64_t clock_base;        /* this CPU's own zero: the broken clock */
#endif
} __aligned(64);

static struct trace_ring trace_rings[NR_CPUS];      /* scripts/gdb/trace.py reads it */
static unsigned trace_ring_slots;         /* power of two, the same for every CPU */
static unsigned ring_order;
unsigned trace_ring_events = TRACE_RING_DEFAULT;   /* tracebuf= (trace_cmd.c) */

struct trace_switch trace_switch;

/* The stop trigger (trace_stop_after()): armed rarely, read by the on path only. */
static int stop_id = -1, stop_argi = -1;
static uint64_t stop_val;
static unsigned stop_after;
static int stop_left = -1;          /* counting down once fired; -1: not fired */

static void (*test_hook)(void);

static inline uint64_t trace_clock(struct trace_ring *r)
{
	uint64_t now = get_cycles();
#ifdef CONFIG_TRACE_CLOCK_BROKEN
	/* Test-only: each CPU counts from its own first event, as if the
	 * CPUs' TSCs were not synchronized.  Cross-CPU order is then wrong;
	 * the trace suite's causal check must notice. */
	if (!r->clock_base)
		r->clock_base = now;
	return now - r->clock_base;
#else
	(void)r;
	return now;
#endif
}

static void check_trigger(unsigned id, uint64_t a0, uint64_t a1, uint64_t a2)
{
	if (READ_ONCE(stop_left) >= 0) {
		if (__atomic_sub_fetch(&stop_left, 1, __ATOMIC_RELAXED) == 0)
			WRITE_ONCE(trace_switch.mask, 0);
		return;
	}
	if ((int)id != READ_ONCE(stop_id))
		return;
	uint64_t a[3] = { a0, a1, a2 };
	if (stop_argi >= 0 && a[stop_argi] != stop_val)
		return;
	int none = -1;
	/* One CPU arms the countdown; the others' events count in it. */
	if (__atomic_compare_exchange_n(&stop_left, &none, (int)stop_after + 1, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED) && stop_after == 0)
		WRITE_ONCE(trace_switch.mask, 0);
}

void __trace_event(unsigned id, uint64_t a0, uint64_t a1, uint64_t a2)
{
	unsigned long flags;
	local_irq_save(flags);      /* no migration, no IRQ; an NMI may still nest */
	unsigned cpu = smp_processor_id();
	struct trace_ring *r = &trace_rings[cpu];
	struct trace_event *ev = READ_ONCE(r->ev);
	if (!ev)
		goto out;
	uint64_t h, ts;
#ifdef CONFIG_TRACE_BROKEN
	/* Test-only: the naive ring.  Timestamp, then the slot at head,
	 * written, and head bumped last: a nested event in between takes
	 * the same slot, and this one overwrites it. */
	ts = trace_clock(r);
	h = READ_ONCE(r->head);
	if (unlikely(READ_ONCE(test_hook))) {
		void (*fn)(void) = test_hook;
		WRITE_ONCE(test_hook, NULL);
		fn();
	}
#else
	do {
		h = READ_ONCE(r->head);
		ts = trace_clock(r);
		if (unlikely(READ_ONCE(test_hook))) {
			void (*fn)(void) = test_hook;
			WRITE_ONCE(test_hook, NULL);
			fn();               /* a nested event, as an NMI would record */
		}
		/* Step 2, the claim: fails if a nested event claimed first. */
	} while (!__atomic_compare_exchange_n(&r->head, &h, h + 1, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
#endif
	struct trace_event *e = &ev[h & (trace_ring_slots - 1)];
	WRITE_ONCE(e->seq, 0);
	/* seq = 0 before the fields: pairs with trace_read()'s smp_rmb
	 * before its second seq read. */
	smp_wmb();
	e->ts = ts;
	e->id = (uint16_t)id;
	e->cpu = (uint16_t)cpu;
	e->arg[0] = a0;
	e->arg[1] = a1;
	e->arg[2] = a2;
	/* The commit: the fields before seq; pairs with trace_read()'s
	 * smp_load_acquire of seq. */
	smp_store_release(&e->seq, (uint32_t)(h + 1));
#ifdef CONFIG_TRACE_BROKEN
	WRITE_ONCE(r->head, h + 1);
#endif
	if (unlikely(READ_ONCE(stop_id) >= 0))
		check_trigger(id, a0, a1, a2);
out:
	local_irq_restore(flags);
}

unsigned trace_read(unsigned cpu, struct trace_event *out, unsigned max, struct trace_read_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (cpu >= NR_CPUS || !READ_ONCE(trace_rings[cpu].ev))
		return 0;
	struct trace_ring *r = &trace_rings[cpu];
	/* Acquire-free: a head we read may name slots not yet committed;
	 * their seq says so and they count as torn. */
	uint64_t head = READ_ONCE(r->head), start = READ_ONCE(r->start);
	if (start > head)
		start = head;
	uint64_t first = head - start > trace_ring_slots ? head - trace_ring_slots : start;
	st->claimed = head - start;
	st->overwritten = first - start;
	unsigned n = 0;
	for (uint64_t i = first; i < head; i++) {
		const struct trace_event *e = &r->ev[i & (trace_ring_slots - 1)];
		uint32_t want = (uint32_t)(i + 1);
		/* Pairs with the writer's release at commit. */
		if (smp_load_acquire(&e->seq) != want) {
			st->torn++;
			continue;
		}
		struct trace_event copy = *e;
		/* Pairs with the writer's smp_wmb after seq = 0. */
		smp_rmb();
		if (READ_ONCE(e->seq) != want) {
			st->torn++;
			continue;
		}
		/* Keep the newest @max: slide the window. */
		if (n == max) {
			st->older++;
			if (max == 0)
				continue;
			memmove(out, out + 1, (max - 1) * sizeof(*out));
			n--;
		}
		out[n++] = copy;
	}
	st->returned = n;
	return n;
}

void trace_set_mask(uint32_t mask)
{
	WRITE_ONCE(trace_switch.mask, mask);
}

void trace_clear(void)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		struct trace_ring *r = &trace_rings[cpu];
		WRITE_ONCE(r->start, READ_ONCE(r->head));
#ifdef CONFIG_TRACE_CLOCK_BROKEN
		r->clock_base = 0;
#endif
	}
	WRITE_ONCE(stop_left, -1);
}

void trace_stop_after(int id, int argi, uint64_t val, unsigned after)
{
	WRITE_ONCE(stop_id, -1);
	stop_argi = argi >= 0 && argi < 3 ? argi : -1;
	stop_val = val;
	stop_after = after;
	WRITE_ONCE(stop_left, -1);
	WRITE_ONCE(stop_id, id);
}

void trace_set_test_hook(void (*fn)(void))
{
	WRITE_ONCE(test_hook, fn);
}

unsigned trace_ring_size(void)
{
	return trace_ring_slots;
}

void trace_rings_alloc(void)
{
	unsigned n = trace_ring_events;
	unsigned order = 0;
	while (((uint64_t)PAGE_SIZE << order) < (uint64_t)n * sizeof(struct trace_event))
		order++;
	unsigned cpu, got = 0;
	/* The size first: a writer that sees a ring uses it. */
	trace_ring_slots = n;
	ring_order = order;
	for_each_online_cpu(cpu) {
		struct page *pg = alloc_pages(order);
		if (!pg) {
			pr_warn("trace: no memory for CPU %u's ring (%u events): its events are dropped\n",
				cpu, n);
			continue;
		}
		memset(page_address(pg), 0, (size_t)PAGE_SIZE << order);
		trace_rings[cpu].head = trace_rings[cpu].start = 0;
		/* Publish the zeroed ring; pairs with __trace_event()'s
		 * READ_ONCE of ev under the address dependency to its slots
		 * (the LKMM's dependency ordering, as rcu_dereference). */
		smp_store_release(&trace_rings[cpu].ev, (struct trace_event *)page_address(pg));
		got++;
	}
	pr_info("trace: %u-event ring on each of %u CPUs (%u KiB each), overwrite-oldest\n",
		n, got, (unsigned)(((uint64_t)PAGE_SIZE << order) >> 10));
}
