/*
 * kernel/trace/trace_cmd.c - switching the trace: the command-line keys
 * (trace=, tracebuf=, tracestop=, traceexport=) and the monitor's `trace`
 * command (on|off|clear|dump [N]|export [port|console]|stop EVENT [N]).
 * The rings: ring.c; the export format: export.c; docs/tracing.md.
 */
#include "kernel/trace/trace.h"
#include "kernel/trace/export.h"
#include "kernel/trace/scenario.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "lib/printf.h"
#include "lib/string.h"

static const char *const subsys_names[] = {
#define TRACE_SUBSYS(sub, what) #sub,
#define TRACE_EVENT(id, sub, kind, name, a0, a1, a2)
#include "kernel/trace/events.def"
#undef TRACE_SUBSYS
#undef TRACE_EVENT
};

static const struct {
	const char *name, *arg[3];
} events[] = {
#define TRACE_SUBSYS(sub, what)
#define TRACE_EVENT(id, sub, kind, name, a0, a1, a2) { name, { a0, a1, a2 } },
#include "kernel/trace/events.def"
#undef TRACE_SUBSYS
#undef TRACE_EVENT
};

const char *trace_subsys_name(unsigned sub)
{
	return sub < TRACE_NR_SUBSYS ? subsys_names[sub] : NULL;
}

const char *trace_event_name(unsigned id)
{
	return id < TRACE_NR_EVENTS ? events[id].name : "?";
}

#define TRACE_ALL ((uint32_t)((1ull << TRACE_NR_SUBSYS) - 1))

int trace_parse_mask(const char *s, uint32_t *mask)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "all") == 0 || strcmp(s, "1") == 0) {
		*mask = TRACE_ALL;
		return 0;
	}
	if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0) {
		*mask = 0;
		return 0;
	}
	uint32_t m = 0;
	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		unsigned i;
		for (i = 0; i < TRACE_NR_SUBSYS; i++)
			if (strlen(subsys_names[i]) == len && strncmp(s, subsys_names[i], len) == 0)
				break;
		if (i == TRACE_NR_SUBSYS)
			return -EINVAL;
		m |= 1u << i;
		s += len + (end ? 1 : 0);
	}
	*mask = m;
	return 0;
}

/* An event's number from its enum name ("TLB_DONE") or its name ("ipi_recv"). */
static int find_event(const char *s)
{
	static const char *const ids[] = {
#define TRACE_SUBSYS(sub, what)
#define TRACE_EVENT(id, sub, kind, name, a0, a1, a2) #id,
#include "kernel/trace/events.def"
#undef TRACE_SUBSYS
#undef TRACE_EVENT
	};
	for (unsigned i = 0; i < TRACE_NR_EVENTS; i++)
		if (strcmp(s, ids[i]) == 0 || strcmp(s, events[i].name) == 0)
			return (int)i;
	return -1;
}

/* ---- the command line ------------------------------------------------- */

static uint32_t boot_mask;
static const char *boot_export;

static int set_trace(const char *v)
{
	if (trace_parse_mask(v, &boot_mask)) {
		pr_warn("trace: unknown subsystem in '%s' (on, off, or a list of: tlb ipi pv rcu fault gup lock sched irq test)\n", v);
		return -EINVAL;
	}
	return 0;
}
KERNEL_PARAM(trace, "trace", "on|off|SUBSYS,...", "record trace events from boot (docs/tracing.md)", set_trace);

static int set_tracebuf(const char *v)
{
	unsigned long long n;
	if (kstrtoull(v, 0, &n) || n < 64 || n > 65536 || (n & (n - 1))) {
		pr_warn("trace: tracebuf must be a power of two from 64 to 65536 events\n");
		return -EINVAL;
	}
	trace_ring_events = (unsigned)n;
	return 0;
}
KERNEL_PARAM(tracebuf, "tracebuf", "EVENTS", "trace ring slots per CPU (power of two, default 4096)", set_tracebuf);

/* EVENT or EVENT:AFTER or EVENT:AFTER:aN=V (the trigger of ring.c). */
static int parse_stop(char *v)
{
	char *after = strchr(v, ':'), *cond = NULL;
	unsigned long long n = 0, min = 0;
	int argi = -1;
	if (after) {
		*after++ = '\0';
		cond = strchr(after, ':');
		if (cond)
			*cond++ = '\0';
		if (kstrtoull(after, 10, &n) || n > 1000000)
			return -EINVAL;
	}
	if (cond) {
		/* "aN=V" */
		if (cond[0] != 'a' || cond[1] < '0' || cond[1] > '2' || cond[2] != '=' ||
		    kstrtoull(cond + 3, 0, &min))
			return -EINVAL;
		argi = cond[1] - '0';
	}
	int id = find_event(v);
	if (id < 0)
		return -EINVAL;
	trace_stop_after(id, argi, min, (unsigned)n);
	return 0;
}

static int set_tracestop(const char *v)
{
	static char buf[64];
	if (strlcpy(buf, v, sizeof(buf)) >= sizeof(buf) || parse_stop(buf)) {
		pr_warn("trace: tracestop= wants EVENT[:AFTER[:aN=V]], EVENT a name of events.def\n");
		return -EINVAL;
	}
	return 0;
}
KERNEL_PARAM(tracestop, "tracestop", "EVENT[:AFTER[:aN=V]]",
	     "stop tracing AFTER events after EVENT (whose arg N is V)", set_tracestop);

static int set_traceexport(const char *v)
{
	if (strcmp(v, "port") && strcmp(v, "console")) {
		pr_warn("trace: traceexport must be port or console\n");
		return -EINVAL;
	}
	boot_export = v;
	return 0;
}
KERNEL_PARAM(traceexport, "traceexport", "port|console",
	     "after ktest= or bench=, send the trace to COM2 or the console", set_traceexport);

void trace_boot(void)
{
	trace_rings_alloc();
	trace_clear();
	trace_set_mask(boot_mask);
	if (boot_mask)
		pr_info("trace: on (mask %#x)\n", boot_mask);
}

static void report_export(int err, const struct trace_export_stats *st, bool port)
{
	if (err == -ENODEV)
		pr_err("trace: no trace port (COM2): start QEMU with a second -serial, or use 'console'\n");
	else if (err)
		pr_err("trace: export failed (%d)\n", err);
	else
		pr_info("trace: exported %llu events (%llu lost), %llu bytes to %s\n",
			(unsigned long long)st->events, (unsigned long long)st->lost,
			(unsigned long long)st->bytes, port ? "COM2" : "the console");
}

void trace_boot_export(void)
{
	if (!boot_export && !trace_scenario_requested())
		return;
	bool port = !boot_export || strcmp(boot_export, "port") == 0;
	struct trace_export_stats st;
	int err = trace_export(port ? TRACE_TO_PORT : TRACE_TO_CONSOLE, &st);
	if (err == -ENODEV) {
		pr_warn("trace: no COM2: exporting on the console instead\n");
		port = false;
		err = trace_export(TRACE_TO_CONSOLE, &st);
	}
	report_export(err, &st, port);
}

/* ---- the monitor ---------------------------------------------------- */

#define DUMP_MAX 4096
static struct trace_event dump_buf[DUMP_MAX];     /* the monitor is one thread */

static void print_event(const struct trace_event *e, uint64_t t0)
{
	uint64_t ns = tsc_to_ns(e->ts - t0);
	char line[160];
	int len = snprintf(line, sizeof(line), "%8llu.%03llu us  cpu%-2u %-20s",
			   (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000), e->cpu,
			   trace_event_name(e->id));
	for (int i = 0; i < 3 && e->id < TRACE_NR_EVENTS; i++)
		if (events[e->id].arg[i][0])
			len += snprintf(line + len, sizeof(line) - len, " %s=%#llx", events[e->id].arg[i],
					(unsigned long long)e->arg[i]);
	mon_printf("%s\n", line);
}

/* The last @n events of all CPUs, merged by timestamp. */
static int trace_dump(unsigned n)
{
	unsigned cpu, ncpus = num_online_cpus(), per = DUMP_MAX / (ncpus ? ncpus : 1), base = 0;
	static unsigned have[NR_CPUS], at[NR_CPUS], idx[NR_CPUS];     /* one monitor thread */
	memset(have, 0, sizeof(have));
	memset(at, 0, sizeof(at));
	uint64_t lost = 0, claimed = 0;
	if (n > per)
		n = per;
	for_each_online_cpu(cpu) {
		struct trace_read_stats st;
		idx[cpu] = base;
		have[cpu] = trace_read(cpu, dump_buf + base, n, &st);
		base += have[cpu];
		lost += st.overwritten + st.torn;
		claimed += st.claimed;
	}
	mon_printf("trace: %s, %llu events since the clear, %llu lost (overwrite-oldest, %u slots a CPU)\n",
		   READ_ONCE(trace_switch.mask) ? "on" : "off", (unsigned long long)claimed,
		   (unsigned long long)lost, trace_ring_size());
	/* Merge, then show the newest @n. */
	static struct trace_event merged[DUMP_MAX];
	unsigned m = 0;
	for (;;) {
		int best = -1;
		for_each_online_cpu(cpu)
			if (at[cpu] < have[cpu] &&
			    (best < 0 || dump_buf[idx[cpu] + at[cpu]].ts < dump_buf[idx[best] + at[best]].ts))
				best = (int)cpu;
		if (best < 0)
			break;
		merged[m++] = dump_buf[idx[best] + at[best]++];
	}
	unsigned from = m > n ? m - n : 0;
	for (unsigned i = from; i < m; i++)
		print_event(&merged[i], merged[from].ts);
	return 0;
}

static int cmd_trace(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "dump";
	uint32_t mask;
	if (strcmp(sub, "on") == 0 && argc <= 3) {
		if (argc == 3 && trace_parse_mask(argv[2], &mask)) {
			mon_printf("error: unknown subsystem in '%s'\n", argv[2]);
			return -EINVAL;
		}
		trace_set_mask(argc == 3 ? mask : TRACE_ALL);
		return 0;
	}
	if (strcmp(sub, "off") == 0 && argc == 2) {
		trace_set_mask(0);
		return 0;
	}
	if (strcmp(sub, "clear") == 0 && argc == 2) {
		trace_clear();
		return 0;
	}
	if (strcmp(sub, "dump") == 0 && argc <= 3) {
		unsigned long long n = 20;
		if (argc == 3 && (kstrtoull(argv[2], 10, &n) || n < 1 || n > DUMP_MAX)) {
			mon_printf("error: dump takes a count of 1 to %d events\n", DUMP_MAX);
			return -EINVAL;
		}
		return trace_dump((unsigned)n);
	}
	if (strcmp(sub, "export") == 0 && argc <= 3) {
		bool port = argc == 2 || strcmp(argv[2], "port") == 0;
		if (argc == 3 && !port && strcmp(argv[2], "console")) {
			mon_printf("error: usage: trace export [port|console]\n");
			return -EINVAL;
		}
		struct trace_export_stats st;
		int err = trace_export(port ? TRACE_TO_PORT : TRACE_TO_CONSOLE, &st);
		report_export(err, &st, port);
		return err;
	}
	if (strcmp(sub, "stop") == 0 && argc == 3) {
		char buf[64];
		if (strlcpy(buf, argv[2], sizeof(buf)) >= sizeof(buf) || parse_stop(buf)) {
			mon_printf("error: usage: trace stop EVENT[:AFTER[:aN=V]]\n");
			return -EINVAL;
		}
		return 0;
	}
	mon_printf("error: usage: trace on [SUBSYS,...]|off|clear|dump [N]|export [port|console]|stop EVENT[:AFTER]\n");
	return -EINVAL;
}
MONITOR_COMMAND(trace, "trace", "on [SUBSYS,..]|off|clear|dump [N]|export [port|console]|stop EV[:N]",
		"the per-CPU event trace (docs/tracing.md)", cmd_trace);
