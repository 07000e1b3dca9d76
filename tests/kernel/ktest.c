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

/* Run one suite; returns its failed-case count. */
static int run_suite(const struct ktest_suite *s, int index)
{
	int ncases = 0, failed = 0;
	while (s->cases[ncases].name)
		ncases++;
	ktap("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", s->name, ncases);
	if (s->init && s->init() != 0) {
		for (int i = 0; i < ncases; i++)
			ktap("    ok %d %s # SKIP suite init failed\n", i + 1, s->cases[i].name);
		ktap("ok %d %s # SKIP suite init failed\n", index, s->name);
		return 0;
	}
	for (int i = 0; i < ncases; i++) {
		struct ktest t = { .name = s->cases[i].name };
		ktap("    # running %s.%s\n", s->name, t.name);
		s->cases[i].run(&t);
		if (t.skipped && !t.failed)
			ktap("    ok %d %s # SKIP %s\n", i + 1, t.name, t.skip_reason);
		else
			ktap("    %s %d %s\n", t.failed ? "not ok" : "ok", i + 1, t.name);
		failed += t.failed;
	}
	ktap("%s %d %s\n", failed ? "not ok" : "ok", index, s->name);
	return failed;
}

int ktest_run(const char *spec)
{
	int nsuites = 0, failed = 0, unknown = 0;

	/* Count the selected suites and the names that match none. */
	for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++)
		nsuites += cmdline_list_has(spec, s->name);
	if (strcmp(spec, "all") != 0) {
		for (const char *p = spec; *p;) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			if (!find_suite(p, len))
				unknown++;
			if (!end)
				break;
			p = end + 1;
		}
	}

	ktap("KTAP version 1\n1..%d\n", nsuites + unknown);
	int index = 1;
	for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (cmdline_list_has(spec, s->name))
			failed += run_suite(s, index++);
	if (unknown) {
		for (const char *p = spec; *p;) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			if (!find_suite(p, len)) {
				ktap("# ktest: no suite named '%.*s'\n", (int)len, p);
				ktap("not ok %d %.*s # no such suite\n", index++, (int)len, p);
				failed++;
			}
			if (!end)
				break;
			p = end + 1;
		}
	}
	return failed;
}
