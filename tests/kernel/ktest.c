/*
 * tests/kernel/ktest.c - runs the registered ktest suites and prints KTAP v1:
 *
 *   KTAP version 1
 *   1..<suites>
 *       KTAP version 1
 *       # Subtest: <suite>
 *       1..<cases>
 *       # running <suite>.<case>
 *       ok 1 <case>
 *       # running <suite>.<case>
 *       not ok 2 <case>        (preceded by "    # file:line: ..." lines)
 *       # running <suite>.<case>
 *       ok 3 <case> # SKIP <reason>
 *   ok 1 <suite>
 *
 * The "# running" diagnostic before each case names the case a hang or a
 * crash happened in, which its missing result line cannot (the runner,
 * scripts/runtests.py, reports "HANG in <suite>.<case>").  KTAP lines
 * bypass printk's timestamps but still go to the log buffer.
 */
#include <stdarg.h>
#include "tests/kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/preempt.h"
#include "kernel/percpu.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/cmdline.h"

extern const struct ktest_suite __ktest_suites_start[], __ktest_suites_end[];

static void ktap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ktap(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printk_raw(line);
}

/* A copy of the log, so a needle that spans the ring's wrap is found. */
static char log_copy[LOG_BUF_SIZE + 1];
static size_t log_copy_len;

static void copy_chunk(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	memcpy(log_copy + log_copy_len, s, n);
	log_copy_len += n;
}

unsigned ktest_log_count(const char *needle)
{
	log_copy_len = 0;
	log_buf_read(copy_chunk, NULL);
	log_copy[log_copy_len] = '\0';
	unsigned n = 0;
	size_t nlen = strlen(needle);
	for (const char *p = log_copy; nlen && (p = strstr(p, needle)); p += nlen)
		n++;
	return n;
}

void ktest_log(const char *fmt, ...)
{
	char line[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ktap("    # %s\n", line);
}

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->failed = true;
	ktap("    # %s: %s:%d: %s\n", t->name, file, line, msg);
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	strlcpy(t->skip_reason, reason, sizeof(t->skip_reason));
}

bool ktest_expect_fault(void (*fn)(void *), void *arg, struct fault_record *rec)
{
	struct fault_catch fc;
	memset(&fc, 0, sizeof(fc));
	preempt_disable();
	this_cpu()->fault_catch = &fc;
	/* volatile: must survive the second return of fault_catch_enter */
	volatile bool faulted = false;
	if (fault_catch_enter(&fc) == 0) {
		fn(arg);
	} else {
		faulted = true;
	}
	this_cpu()->fault_catch = NULL;
	preempt_enable();
	if (rec)
		*rec = fc.rec;
	return faulted;
}

static const struct ktest_suite *find_suite(const char *name, size_t len)
{
	for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (strlen(s->name) == len && strncmp(s->name, name, len) == 0)
			return s;
	return NULL;
}

/* Is case @name selected by the sub-list @sub (NULL: the whole suite)?
 * A case is named in full or without its "test_" prefix, to keep
 * `ktest=` within the command line's value limit. */
static bool case_selected(const char *sub, size_t sublen, const char *name)
{
	if (!sub)
		return true;
	return cmdline_sublist_has(sub, sublen, name) ||
	       (strncmp(name, "test_", 5) == 0 && cmdline_sublist_has(sub, sublen, name + 5));
}

/* Does suite @s have a case the sub-list entry [@p, @p+@len) names? */
static bool suite_has_case(const struct ktest_suite *s, const char *p, size_t len)
{
	for (int i = 0; s->cases[i].name; i++) {
		const char *n = s->cases[i].name;
		if ((strlen(n) == len && strncmp(n, p, len) == 0) ||
		    (strncmp(n, "test_", 5) == 0 && strlen(n + 5) == len && strncmp(n + 5, p, len) == 0))
			return true;
	}
	return false;
}

/* Run one suite's selected cases (all if @sub is NULL); returns its
 * failed-case count.  Results are numbered 1..selected, as the plan says. */
static int run_suite(const struct ktest_suite *s, int index, const char *sub, size_t sublen)
{
	int ncases = 0, nsel = 0, failed = 0;
	while (s->cases[ncases].name)
		nsel += case_selected(sub, sublen, s->cases[ncases++].name);
	ktap("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", s->name, nsel);
	if (s->init && s->init() != 0) {
		int k = 1;
		for (int i = 0; i < ncases; i++)
			if (case_selected(sub, sublen, s->cases[i].name))
				ktap("    ok %d %s # SKIP suite init failed\n", k++, s->cases[i].name);
		ktap("ok %d %s # SKIP suite init failed\n", index, s->name);
		return 0;
	}
	int k = 1;
	for (int i = 0; i < ncases; i++) {
		if (!case_selected(sub, sublen, s->cases[i].name))
			continue;
		struct ktest t = { .name = s->cases[i].name };
		ktap("    # running %s.%s\n", s->name, t.name);
		s->cases[i].run(&t);
		if (t.skipped && !t.failed)
			ktap("    ok %d %s # SKIP %s\n", k, t.name, t.skip_reason);
		else
			ktap("    %s %d %s\n", t.failed ? "not ok" : "ok", k, t.name);
		k++;
		failed += t.failed;
	}
	ktap("%s %d %s\n", failed ? "not ok" : "ok", index, s->name);
	return failed;
}

/*
 * Walk the items of @spec ("suite" or "suite:case+case", comma-separated)
 * and count those that name no suite, or a case their suite lacks; with
 * @index non-NULL, also print a failed result for each (numbered from
 * *@index on).
 */
static int unknown_items(const char *spec, int *index)
{
	int unknown = 0;
	if (strcmp(spec, "all") == 0)
		return 0;
	for (const char *p = spec; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *colon = p;
		while (colon < p + len && *colon != ':')
			colon++;
		const struct ktest_suite *s = find_suite(p, (size_t)(colon - p));
		if (!s) {
			unknown++;
			if (index) {
				ktap("# ktest: no suite named '%.*s'\n", (int)(colon - p), p);
				ktap("not ok %d %.*s # no such suite\n", (*index)++, (int)(colon - p), p);
			}
		} else if (colon < p + len) {
			const char *stop = p + len;
			for (const char *c = colon + 1; c <= stop;) {
				const char *plus = c;
				while (plus < stop && *plus != '+')
					plus++;
				if (!suite_has_case(s, c, (size_t)(plus - c))) {
					unknown++;
					if (index) {
						ktap("# ktest: suite %s has no case named '%.*s'\n", s->name,
						     (int)(plus - c), c);
						ktap("not ok %d %s:%.*s # no such case\n", (*index)++, s->name,
						     (int)(plus - c), c);
					}
				}
				c = plus + 1;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return unknown;
}

int ktest_run(const char *spec)
{
	int nsuites = 0, failed = 0;
	const char *sub;
	size_t sublen;

	/* Count the selected suites and the names that match nothing. */
	for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++)
		nsuites += cmdline_list_item(spec, s->name, &sub, &sublen);
	int unknown = unknown_items(spec, NULL);

	ktap("KTAP version 1\n1..%d\n", nsuites + unknown);
	int index = 1;
	for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (cmdline_list_item(spec, s->name, &sub, &sublen))
			failed += run_suite(s, index++, sub, sublen);
	failed += unknown_items(spec, &index);
	return failed;
}
