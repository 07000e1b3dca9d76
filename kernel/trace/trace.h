/*
 * kernel/trace/trace.h - the event trace: per-CPU rings of fixed-size
 * events, and the trace points that fill them.
 *
 *   trace(TLB_START, mm, pages, targets);
 *
 * A trace point is one test of a read-mostly word (trace_switch.mask: which
 * subsystems record) and one branch, predicted not taken; only when its
 * subsystem is on does it call __trace_event(), which claims the next slot
 * of this CPU's ring and writes the event there (kernel/trace/ring.c says
 * how and why that is safe from IRQ and NMI context).  The events, their
 * subsystems and argument meanings: kernel/trace/events.def, the one
 * table, which the host's converter reads too (scripts/traceparse.py).
 * Switching: `trace=on|tlb,ipi,...` at boot, monitor `trace on|off|clear|
 * dump [N]|export` (kernel/trace/trace_cmd.c); export format:
 * kernel/trace/export.c; docs/tracing.md.
 *
 * Invariant: every event a CPU claimed since the last clear is, when read,
 * either returned whole, or counted lost (overwritten by a newer one, the
 * ring's overflow policy, or caught half-written); never returned torn and
 * never silently missing.
 */
#ifndef KERNEL_TRACE_TRACE_H
#define KERNEL_TRACE_TRACE_H

#include <stdint.h>
#include <stdbool.h>
#include "lib/compiler.h"
#include "kernel/atomic.h"
#include "kernel/config.h"

enum trace_subsys {
#define TRACE_SUBSYS(sub, what) TRACE_SUB_##sub,
#define TRACE_EVENT(id, sub, kind, name, a0, a1, a2)
#include "kernel/trace/events.def"
#undef TRACE_SUBSYS
#undef TRACE_EVENT
	TRACE_NR_SUBSYS
};

enum trace_event_id {
#define TRACE_SUBSYS(sub, what)
#define TRACE_EVENT(id, sub, kind, name, a0, a1, a2) TR_##id,
#include "kernel/trace/events.def"
#undef TRACE_SUBSYS
#undef TRACE_EVENT
	TRACE_NR_EVENTS
};

/* Each event's subsystem bit, a compile-time constant for trace(). */
enum trace_event_bit {
#define TRACE_SUBSYS(sub, what)
#define TRACE_EVENT(id, sub, kind, name, a0, a1, a2) TRB_##id = 1u << TRACE_SUB_##sub,
#include "kernel/trace/events.def"
#undef TRACE_SUBSYS
#undef TRACE_EVENT
};

_Static_assert(TRACE_NR_SUBSYS <= 32, "trace_switch.mask has 32 bits");

/* One event: 40 bytes.  The layout is the export's and the gdb helper's
 * (scripts/gdb/trace.py, scripts/traceparse.py): change all three. */
struct trace_event {
	uint64_t ts;                /* TSC at the claim */
	uint16_t id;                /* enum trace_event_id */
	uint16_t cpu;
	uint32_t seq;               /* commit word: low 32 bits of (index + 1); 0 while written */
	uint64_t arg[3];
};
_Static_assert(sizeof(struct trace_event) == 40, "export format");

/* The run-time switch, trace_switch.mask: bit TRACE_SUB_x set = subsystem x records.  Written
 * by the monitor, params and tests (rarely); read by every trace point.
 * Alone in its cache line so the writes elsewhere never bounce it: the
 * read-mostly half of a static key.  Relaxed: a CPU that sees a stale
 * value records (or skips) one event more; nothing is ordered by it. */
struct trace_switch {
	uint32_t mask;
} __aligned(64);
extern struct trace_switch trace_switch;

#ifdef CONFIG_TRACE_POINTS_0
/* TRACE_POINTS=0: no trace points at all, the baseline of the off-cost
 * benchmark row (bench/kernel/trace_cost.c).  Arguments still evaluated
 * away by the compiler (they are side-effect free at every call site). */
#define trace(ev, a0, a1, a2) do { (void)sizeof((a0) + (a1) + (a2)); } while (0)
#else
#define trace(ev, a0, a1, a2) do { \
	if (unlikely(READ_ONCE(trace_switch.mask) & TRB_##ev)) \
		__trace_event(TR_##ev, (uint64_t)(a0), (uint64_t)(a1), (uint64_t)(a2)); \
} while (0)
#endif

/**
 * __trace_event() - record one event in this CPU's ring (use trace()).
 * Context: any, NMI included; never sleeps, takes no lock.
 */
void __trace_event(unsigned id, uint64_t a0, uint64_t a1, uint64_t a2);

/** trace_set_mask() - which subsystems record (0: tracing off). Context: any. */
void trace_set_mask(uint32_t mask);

/**
 * trace_parse_mask() - "on", "off", or a comma list of subsystem names.
 * Return: 0 with *@mask set, or -EINVAL (an unknown name; *@mask unchanged).
 */
int trace_parse_mask(const char *s, uint32_t *mask);

/** trace_subsys_name() - name of subsystem @sub, or NULL. */
const char *trace_subsys_name(unsigned sub);
/** trace_event_name() - name of event @id ("?" if out of range). */
const char *trace_event_name(unsigned id);

/**
 * trace_clear() - forget every recorded event (the lost counts restart).
 * Context: process; events being written meanwhile may survive the clear.
 */
void trace_clear(void);

/** trace_boot() - allocate the rings of the possible CPUs, apply trace=. Context: boot, SMP up. */
void trace_boot(void);

/** trace_rings_alloc() - the rings of the online CPUs, trace_ring_events slots each. Context: boot. */
void trace_rings_alloc(void);
extern unsigned trace_ring_events;

/** trace_ring_size() - slots per CPU ring (0: no rings). */
unsigned trace_ring_size(void);

/* What trace_read() found in one CPU's ring. */
struct trace_read_stats {
	uint64_t claimed;           /* events claimed since the last clear */
	uint64_t returned;          /* copied out whole */
	uint64_t overwritten;       /* lost to the ring's overflow policy */
	uint64_t torn;              /* caught half-written (being written or overwritten) */
	uint64_t older;             /* whole, but older than the @max asked for: not lost */
};

/**
 * trace_read() - copy the last events of @cpu's ring, oldest first.
 * @out: room for @max events (the newest @max survivors if more).
 * @st: the exact accounting: claimed = returned + older + overwritten + torn.
 * Return: events copied.  Context: any CPU, while @cpu writes or not.
 */
unsigned trace_read(unsigned cpu, struct trace_event *out, unsigned max, struct trace_read_stats *st);

/**
 * trace_stop_after() - the trigger: once event @id is recorded (with arg
 * @argi equal to @val; argi -1: any), let @after events more be recorded on any
 * CPU, then switch tracing off; the rings then hold what led up to it.
 * id -1 disarms.  Context: process.
 */
void trace_stop_after(int id, int argi, uint64_t val, unsigned after);

/**
 * trace_set_test_hook() - the trace suite's stand-in for an NMI: @fn runs
 * once inside the next __trace_event(), between its timestamp and its
 * claim of a slot, the window a nested event must not corrupt.
 */
void trace_set_test_hook(void (*fn)(void));

#endif
