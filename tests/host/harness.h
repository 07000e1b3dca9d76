/*
 * tests/host/harness.h - a minimal KTAP version 1 test harness for the host
 * unit tests.
 *
 * Define KT_SUITE ("name") and include this once per test program; it
 * provides main(). Each TEST(name) { ... } is one test case; CHECK_*
 * macros record a failure with a "# file:line: ... expected X, got Y"
 * diagnostic and go on, ASSERT_* ones also end the case. Output:
 *
 *   KTAP version 1
 *   # Subtest: suite
 *   1..N
 *   ok 1 name / not ok 1 name
 *   # suite: P passed, F failed
 *
 * Guarantees: the plan line is exact (cases register before main runs),
 * output is line-buffered so a sanitizer abort loses nothing printed
 * before it, and the exit status is non-zero iff some case failed.
 */
#ifndef TESTS_HOST_HARNESS_H
#define TESTS_HOST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KT_SUITE
#define KT_SUITE "host"
#endif

#define KT_MAX_TESTS 512

struct kt_case {
	const char *name;
	void (*fn)(void);
};

static struct kt_case kt_cases[KT_MAX_TESTS];
static int kt_ncases;
static int kt_failed_now;	/* failures in the running case */

static void kt_register(const char *name, void (*fn)(void))
{
	if (kt_ncases >= KT_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(2);
	}
	kt_cases[kt_ncases].name = name;
	kt_cases[kt_ncases].fn = fn;
	kt_ncases++;
}

#define TEST(name)							\
	static void kt_test_##name(void);				\
	__attribute__((constructor)) static void kt_reg_##name(void)	\
	{ kt_register(#name, kt_test_##name); }				\
	static void kt_test_##name(void)

/* Record a failure; @fmt describes it after the "# file:line: " prefix. */
__attribute__((format(printf, 3, 4)))
static void kt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	kt_failed_now++;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define KT_FAIL(...) kt_fail(__FILE__, __LINE__, __VA_ARGS__)

#define CHECK(cond) do {						\
	if (!(cond))							\
		KT_FAIL("%s: expected true, got false", #cond);		\
} while (0)

#define CHECK_INT(expect, actual) do {					\
	long long kt_e = (long long)(expect), kt_a = (long long)(actual);	\
	if (kt_e != kt_a)						\
		KT_FAIL("%s: expected %lld, got %lld", #actual, kt_e, kt_a);	\
} while (0)

#define CHECK_UINT(expect, actual) do {					\
	unsigned long long kt_e = (unsigned long long)(expect);		\
	unsigned long long kt_a = (unsigned long long)(actual);		\
	if (kt_e != kt_a)						\
		KT_FAIL("%s: expected %llu (0x%llx), got %llu (0x%llx)",	\
			#actual, kt_e, kt_e, kt_a, kt_a);		\
} while (0)

#define CHECK_PTR(expect, actual) do {					\
	const void *kt_e = (expect), *kt_a = (actual);			\
	if (kt_e != kt_a)						\
		KT_FAIL("%s: expected %p, got %p", #actual, kt_e, kt_a);	\
} while (0)

#define CHECK_STR(expect, actual) do {					\
	const char *kt_e = (expect), *kt_a = (actual);			\
	if (!kt_e || !kt_a ? kt_e != kt_a : strcmp(kt_e, kt_a) != 0)	\
		KT_FAIL("%s: expected \"%s\", got \"%s\"", #actual,	\
			kt_e ? kt_e : "(NULL)", kt_a ? kt_a : "(NULL)");	\
} while (0)

#define CHECK_MEM(expect, actual, n) do {				\
	if (memcmp((expect), (actual), (n)) != 0)			\
		KT_FAIL("%s: expected %zu bytes equal to %s, got different",	\
			#actual, (size_t)(n), #expect);			\
} while (0)

/* As CHECK*, but end the test case on failure. */
#define ASSERT(cond) do {						\
	int kt_before = kt_failed_now;					\
	CHECK(cond);							\
	if (kt_failed_now != kt_before)					\
		return;							\
} while (0)

int main(void)
{
	int passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n");
	printf("# Subtest: %s\n", KT_SUITE);
	printf("1..%d\n", kt_ncases);
	for (int i = 0; i < kt_ncases; i++) {
		kt_failed_now = 0;
		kt_cases[i].fn();
		if (kt_failed_now) {
			failed++;
			printf("not ok %d %s\n", i + 1, kt_cases[i].name);
		} else {
			passed++;
			printf("ok %d %s\n", i + 1, kt_cases[i].name);
		}
	}
	printf("# %s: %d passed, %d failed\n", KT_SUITE, passed, failed);
	return failed ? 1 : 0;
}

#endif /* TESTS_HOST_HARNESS_H */
