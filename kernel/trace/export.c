/*
 * kernel/trace/export.c - the trace leaves the guest: one binary image of
 * every CPU's ring, sent over the trace port (COM2, asm/trace_port.h) or,
 * where a user has only the console, as framed hex lines on it.
 *
 * The image (little-endian; scripts/traceparse.py reads it):
 *   header, 48 bytes: "KTRACE01", u32 format (1), u32 events-table version
 *     (events.def), u64 TSC Hz (the host turns cycles into microseconds),
 *     u32 CPU blocks, u32 event size (40), u32 ring slots, u32 overflow
 *     policy (1: overwrite-oldest), u32 events in the table, u32 0;
 *   per CPU, 32 bytes: u32 cpu, u32 0, u64 events that follow, u64 lost
 *     (overwritten + caught half-written), u64 claimed since the clear;
 *     then the events, oldest first, struct trace_event each;
 *   trailer, 16 bytes: "KTRACEND", u64 events in all.
 * On the console each line is "@@KTRACE " and up to 48 bytes in hex,
 * between "@@KTRACE-BEGIN" and "@@KTRACE-END <bytes>": plain ASCII that no
 * console line can be mistaken for, and a length to check.
 *
 * Invariant: for each CPU, events + lost = claimed; the image says so and
 * the parser checks it.  Tracing is switched off for the export (the export
 * itself would otherwise fill the rings it reads).
 */
#include "kernel/trace/trace.h"
#include "kernel/trace/export.h"
#include "kernel/cpumask.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "mm/page.h"
#include "mm/pmm.h"
#include "asm/trace_port.h"
#include "lib/printf.h"
#include "lib/string.h"


struct sink {
	bool hex;
	size_t bytes;
	uint8_t line[48];
	unsigned fill;
};

static void hex_flush(struct sink *s)
{
	char buf[16 + 2 * sizeof(s->line) + 2];
	int len = snprintf(buf, sizeof(buf), "@@KTRACE ");
	for (unsigned i = 0; i < s->fill; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%02x", s->line[i]);
	snprintf(buf + len, sizeof(buf) - len, "\n");
	printk_raw(buf);
	s->fill = 0;
}

static void sink_write(struct sink *s, const void *p, size_t n)
{
	s->bytes += n;
	if (!s->hex) {
		trace_port_write(p, n);
		return;
	}
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		s->line[s->fill++] = b[i];
		if (s->fill == sizeof(s->line))
			hex_flush(s);
	}
}

static void put32(struct sink *s, uint32_t v) { sink_write(s, &v, 4); }
static void put64(struct sink *s, uint64_t v) { sink_write(s, &v, 8); }

int trace_export(enum trace_export_to to, struct trace_export_stats *out)
{
	static bool port_probed, port_ok;
	if (!port_probed) {
		port_ok = trace_port_init();
		port_probed = true;
	}
	if (to == TRACE_TO_PORT && !port_ok)
		return -ENODEV;
	unsigned slots = trace_ring_size();
	if (!slots)
		return -ENOMEM;
	unsigned order = 0;
	while (((uint64_t)PAGE_SIZE << order) < (uint64_t)slots * sizeof(struct trace_event))
		order++;
	struct page *pg = alloc_pages(order);
	if (!pg)
		return -ENOMEM;
	struct trace_event *buf = page_address(pg);

	trace_set_mask(0);
	struct sink s = { .hex = to == TRACE_TO_CONSOLE };
	if (s.hex)
		printk_raw("@@KTRACE-BEGIN\n");
	unsigned cpu, ncpus = 0;
	for_each_online_cpu(cpu)
		ncpus++;
	sink_write(&s, "KTRACE01", 8);
	put32(&s, TRACE_FORMAT);
	put32(&s, TRACE_EVENTS_VERSION);
	put64(&s, tsc_hz);
	put32(&s, ncpus);
	put32(&s, sizeof(struct trace_event));
	put32(&s, slots);
	put32(&s, 1);               /* overwrite-oldest (ring.c) */
	put32(&s, TRACE_NR_EVENTS);
	put32(&s, 0);
	uint64_t total = 0, lost = 0;
	for_each_online_cpu(cpu) {
		struct trace_read_stats st;
		unsigned n = trace_read(cpu, buf, slots, &st);
		put32(&s, cpu);
		put32(&s, 0);
		put64(&s, n);
		put64(&s, st.overwritten + st.torn);
		put64(&s, st.claimed);
		sink_write(&s, buf, (size_t)n * sizeof(*buf));
		total += n;
		lost += st.overwritten + st.torn;
	}
	sink_write(&s, "KTRACEND", 8);
	put64(&s, total);
	if (s.hex) {
		if (s.fill)
			hex_flush(&s);
		char end[48];
		snprintf(end, sizeof(end), "@@KTRACE-END %llu\n", (unsigned long long)s.bytes);
		printk_raw(end);
	}
	free_pages(pg, order);
	if (out) {
		out->events = total;
		out->lost = lost;
		out->bytes = s.bytes;
	}
	return 0;
}
