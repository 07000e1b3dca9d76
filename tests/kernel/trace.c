/*
 * tests/kernel/trace.c - the event trace (kernel/trace/): its order, its
 * accounting, and its safety against an event nested inside another.
 *
 *  - causal order: munmaps on a mm every other CPU is running; in the
 *    trace, every IPI is sent before it is received, received before the
 *    target's flush, flushed before acknowledged, and acknowledged before
 *    the initiator's shootdown ends, on every CPU.  Sends and receives are
 *    matched by each CPU's ring order (the k-th call from CPU s to CPU t
 *    is the k-th one t received from s), never by timestamp, so the
 *    timestamps are what is checked.  TRACE_CLOCK_BROKEN (per-CPU clocks)
 *    must fail it; a synthetic out-of-order trace is the checker's own
 *    negative control.
 *  - lost count: 3 rings and 17 events more than fit: exactly the
 *    overflow is counted lost, the survivors are the newest, in order.
 *  - nesting: an event recorded inside another's claim window (the hook
 *    stands in for an NMI) is neither lost nor reordered.  TRACE_BROKEN
 *    (the naive ring) must fail it every time.
 *  - the off switch records nothing; bad monitor input is refused.
 */
#include "tests/kernel/ktest.h"
#include "kernel/trace/trace.h"
#include "kernel/trace/scenario.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "asm/page.h"
#include "lib/string.h"

#define AREA        0x58000000ul
#define ROUNDS      16
#define MAX_CPUS    16              /* the suite checks up to 16 CPUs */
#define PER_CPU     512             /* events read back per CPU */

static struct trace_event evbuf[MAX_CPUS][PER_CPU];
static unsigned nev[MAX_CPUS];

/* Read every online CPU's ring; false if a ring lost events or held more
 * than we can check (the test's events must all be there). */
static bool read_all(struct ktest *t)
{
	unsigned cpu;
	bool ok = true;
	for_each_online_cpu(cpu) {
		if (cpu >= MAX_CPUS)
			break;
		struct trace_read_stats st;
		nev[cpu] = trace_read(cpu, evbuf[cpu], PER_CPU, &st);
		if (st.overwritten || st.torn || st.older) {
			ktest_fail(t, __FILE__, __LINE__, "CPU %u: %llu overwritten, %llu torn, %llu beyond %u",
				   cpu, (unsigned long long)st.overwritten, (unsigned long long)st.torn,
				   (unsigned long long)st.older, PER_CPU);
			ok = false;
		}
	}
	return ok;
}

/* The @k-th event of CPU @cpu with id @id and arg0 == @a0; -1 if none. */
static int nth_event(unsigned cpu, unsigned id, uint64_t a0, unsigned k)
{
	for (unsigned i = 0; i < nev[cpu]; i++)
		if (evbuf[cpu][i].id == id && evbuf[cpu][i].arg[0] == a0 && k-- == 0)
			return (int)i;
	return -1;
}

/* The first event with @id on @cpu at or after index @from (-1: none). */
static int next_event(unsigned cpu, unsigned id, int from)
{
	for (unsigned i = (unsigned)from; i < nev[cpu]; i++)
		if (evbuf[cpu][i].id == id)
			return (int)i;
	return -1;
}

struct causal_result {
	unsigned calls;             /* IPIs matched sender -> receiver */
	unsigned shootdowns;        /* shootdowns whose every target was checked */
	unsigned violations;
};

static void violation(struct causal_result *r, const char *what, unsigned s, unsigned t,
		      uint64_t a, uint64_t b)
{
	if (r->violations++ < 3)
		ktest_log("causal order broken: %s (cpu%u -> cpu%u): %llu then %llu", what, s, t,
			  (unsigned long long)a, (unsigned long long)b);
}

/*
 * The causal check over evbuf: for each initiator CPU s, its k-th IPI to
 * t pairs with t's k-th receive from s, the ack that follows it on t, and
 * (when inside a shootdown of s) the shootdown's end on s.
 */
static struct causal_result check_causal(unsigned ncpus)
{
	struct causal_result r = { 0, 0, 0 };
	for (unsigned s = 0; s < ncpus; s++) {
		unsigned sent_to[MAX_CPUS] = { 0 };
		int open_start = -1;
		bool all_ok = true;
		unsigned targets_seen = 0;
		for (unsigned i = 0; i < nev[s]; i++) {
			const struct trace_event *e = &evbuf[s][i];
			if (e->id == TR_TLB_START) {
				open_start = (int)i;
				all_ok = true;
				targets_seen = 0;
				continue;
			}
			if (e->id == TR_TLB_DONE && open_start >= 0) {
				if (all_ok && targets_seen && targets_seen == evbuf[s][open_start].arg[2])
					r.shootdowns++;
				open_start = -1;
				continue;
			}
			if (e->id != TR_IPI_SEND || e->arg[0] >= ncpus)
				continue;
			unsigned t = (unsigned)e->arg[0];
			int rv = nth_event(t, TR_IPI_RECV, s, sent_to[t]);
			int ak = nth_event(t, TR_IPI_ACK, s, sent_to[t]);
			sent_to[t]++;
			if (rv < 0 || ak < 0) {
				violation(&r, "IPI never received or acknowledged", s, t, e->ts, 0);
				all_ok = false;
				continue;
			}
			r.calls++;
			uint64_t ts_recv = evbuf[t][rv].ts, ts_ack = evbuf[t][ak].ts;
			if (!(e->ts < ts_recv)) {
				violation(&r, "received before sent", s, t, e->ts, ts_recv);
				all_ok = false;
			}
			if (!(ts_recv <= ts_ack)) {
				violation(&r, "acknowledged before received", s, t, ts_recv, ts_ack);
				all_ok = false;
			}
			if (open_start < 0)
				continue;
			int fl = next_event(t, TR_TLB_FLUSH, rv);
			if (fl < 0 || fl > ak || !(ts_recv <= evbuf[t][fl].ts && evbuf[t][fl].ts <= ts_ack)) {
				violation(&r, "no flush between receive and ack", s, t, ts_recv, ts_ack);
				all_ok = false;
			}
			int done = next_event(s, TR_TLB_DONE, (int)i);
			if (done < 0 || !(ts_ack < evbuf[s][done].ts)) {
				violation(&r, "shootdown done before the ack", s, t, ts_ack,
					  done < 0 ? 0 : evbuf[s][done].ts);
				all_ok = false;
			}
			targets_seen++;
		}
	}
	return r;
}

/* ---- the causal order of real shootdowns --------------------------------- */

static void test_shootdown_causal_order(struct ktest *t)
{
	unsigned ncpus = num_online_cpus();
	if (ncpus < 2 || ncpus > MAX_CPUS) {
		ktest_skip(t, "needs 2 to 16 CPUs");
		return;
	}
	static struct trace_scn s;      /* every other CPU runs its mm */
	KTEST_ASSERT_EQ(t, trace_scn_start(&s, AREA, NULL), 0);

	uint32_t saved = READ_ONCE(trace_switch.mask);
	trace_clear();
	trace_set_mask(1u << TRACE_SUB_tlb | 1u << TRACE_SUB_ipi);
	for (int i = 0; i < ROUNDS; i++) {
		uintptr_t a = AREA + PAGE_SIZE;
		if (trace_scn_map(&s, a, 1) || do_munmap(s.mm, a, PAGE_SIZE))
			ktest_fail(t, __FILE__, __LINE__, "round %d: mmap/munmap failed", i);
	}
	trace_set_mask(0);
	trace_scn_stop(&s);

	if (read_all(t)) {
		struct causal_result r = check_causal(ncpus);
		ktest_log("%u IPIs matched sender to receiver, %u shootdowns checked on every target, %u violations",
			  r.calls, r.shootdowns, r.violations);
		KTEST_EXPECT_EQ(t, r.violations, 0u);
		/* The race was run: most rounds reached every other CPU (a
		 * spinner preempted for a moment goes lazy and is skipped). */
		KTEST_EXPECT_GE(t, r.shootdowns, (unsigned)ROUNDS / 2);
		KTEST_EXPECT_GE(t, r.calls, (unsigned)(ROUNDS / 2 * (ncpus - 1)));
	}
	trace_clear();
	trace_set_mask(saved);
}

/* The checker's negative control: a receive stamped before its send. */
static void test_causal_check_catches_reorder(struct ktest *t)
{
	memset(nev, 0, sizeof(nev));
	struct trace_event send = { .ts = 1000, .id = TR_IPI_SEND, .cpu = 0, .arg = { 1, 0x42, 0 } };
	struct trace_event recv = { .ts = 900, .id = TR_IPI_RECV, .cpu = 1, .arg = { 0, 0x42, 0 } };
	struct trace_event ack = { .ts = 950, .id = TR_IPI_ACK, .cpu = 1, .arg = { 0, 0x42, 0 } };
	evbuf[0][0] = send;
	nev[0] = 1;
	evbuf[1][0] = recv;
	evbuf[1][1] = ack;
	nev[1] = 2;
	KTEST_EXPECT_EQ(t, check_causal(2).violations, 1u);
	evbuf[1][0].ts = 1100;
	evbuf[1][1].ts = 1200;
	KTEST_EXPECT_EQ(t, check_causal(2).violations, 0u);
	memset(nev, 0, sizeof(nev));
}

/* ---- the lost count when a ring overflows ------------------------------- */

static void test_lost_count_exact(struct ktest *t)
{
	unsigned size = trace_ring_size();
	KTEST_ASSERT_GE(t, size, 64u);
	uint32_t saved = READ_ONCE(trace_switch.mask);
	unsigned me = smp_processor_id();      /* the ktest thread is pinned */
	uint64_t total = 3ull * size + 17;
	trace_clear();
	trace_set_mask(1u << TRACE_SUB_test);
	for (uint64_t i = 0; i < total; i++)
		trace(TEST, i, me, 0);
	trace_set_mask(0);
	static struct trace_event out[65536 / 16];
	unsigned want = size < ARRAY_SIZE(out) ? size : (unsigned)ARRAY_SIZE(out);
	struct trace_read_stats st;
	unsigned got = trace_read(me, out, want, &st);
	KTEST_EXPECT_EQ(t, st.claimed, total);
	KTEST_EXPECT_EQ(t, st.overwritten, total - size);
	KTEST_EXPECT_EQ(t, st.torn, 0ull);
	KTEST_EXPECT_EQ(t, st.returned + st.older + st.overwritten + st.torn, st.claimed);
	KTEST_EXPECT_EQ(t, got, want);
	unsigned bad = 0;
	for (unsigned i = 0; i < got; i++)
		if (out[i].arg[0] != total - got + i || out[i].id != TR_TEST ||
		    (i && out[i].ts < out[i - 1].ts))
			bad++;
	KTEST_EXPECT_EQ(t, bad, 0u);
	/* Nothing leaked to the other CPUs' rings. */
	unsigned cpu;
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		trace_read(cpu, out, 1, &st);
		KTEST_EXPECT_EQ(t, st.claimed, 0ull);
	}
	trace_clear();
	trace_set_mask(saved);
}

/* ---- an event nested inside another's claim ------------------------------ */

static void nested(void)
{
	trace(TEST, 2, 0, 0);       /* what an NMI handler's trace point would record */
}

static void test_nested_event_survives(struct ktest *t)
{
	uint32_t saved = READ_ONCE(trace_switch.mask);
	unsigned me = smp_processor_id();
	unsigned bad_rounds = 0;
	for (int round = 0; round < 8; round++) {
		trace_clear();
		trace_set_mask(1u << TRACE_SUB_test);
		trace_set_test_hook(nested);
		trace(TEST, 1, 0, 0);
		trace_set_mask(0);
		struct trace_event out[4];
		struct trace_read_stats st;
		unsigned got = trace_read(me, out, 4, &st);
		/* Two events claimed and both whole, the nested one first
		 * (it claimed first) and not later than the outer one. */
		if (st.claimed != 2 || got != 2 || out[0].arg[0] != 2 || out[1].arg[0] != 1 ||
		    out[0].ts > out[1].ts) {
			if (bad_rounds++ == 0)
				ktest_log("nesting: claimed %llu, read %u (first a=%llu)",
					  (unsigned long long)st.claimed, got,
					  (unsigned long long)(got ? out[0].arg[0] : 0));
		}
	}
	trace_set_test_hook(NULL);
	KTEST_EXPECT_EQ(t, bad_rounds, 0u);
	trace_clear();
	trace_set_mask(saved);
}

/* ---- off records nothing; bad input ------------------------------------- */

static void test_off_records_nothing(struct ktest *t)
{
	uint32_t saved = READ_ONCE(trace_switch.mask);
	trace_set_mask(0);
	trace_clear();
	for (int i = 0; i < 100; i++)
		trace(TEST, i, 0, 0);
	struct trace_event e;
	struct trace_read_stats st;
	trace_read(smp_processor_id(), &e, 1, &st);
	KTEST_EXPECT_EQ(t, st.claimed, 0ull);
	trace_set_mask(saved);
}

static void test_monitor_refuses_bad_input(struct ktest *t)
{
	char l1[] = "trace on nosuchsubsys", l2[] = "trace dump 0", l3[] = "trace sideways",
	     l4[] = "trace stop NO_SUCH_EVENT", l5[] = "trace dump 3";
	uint32_t saved = READ_ONCE(trace_switch.mask);
	KTEST_EXPECT_EQ(t, monitor_execute(l1), -EINVAL);
	KTEST_EXPECT_EQ(t, READ_ONCE(trace_switch.mask), saved);
	KTEST_EXPECT_EQ(t, monitor_execute(l2), -EINVAL);
	KTEST_EXPECT_EQ(t, monitor_execute(l3), -EINVAL);
	KTEST_EXPECT_EQ(t, monitor_execute(l4), -EINVAL);
	KTEST_EXPECT_EQ(t, monitor_execute(l5), 0);
	uint32_t m = 0;
	KTEST_EXPECT_EQ(t, trace_parse_mask("tlb,rcu", &m), 0);
	KTEST_EXPECT_EQ(t, m, (1u << TRACE_SUB_tlb) | (1u << TRACE_SUB_rcu));
	KTEST_EXPECT_EQ(t, trace_parse_mask("tlb,,rcu", &m), -EINVAL);
}

static struct ktest_case trace_cases[] = {
	KTEST_CASE(test_causal_check_catches_reorder),
	KTEST_CASE(test_shootdown_causal_order),
	KTEST_CASE(test_lost_count_exact),
	KTEST_CASE(test_nested_event_survives),
	KTEST_CASE(test_off_records_nothing),
	KTEST_CASE(test_monitor_refuses_bad_input),
	{}
};
KTEST_SUITE(trace, trace_cases);
