/*
 * tests/host/test_printf.c - host unit tests of lib/printf.c.
 *
 * The host libc's snprintf is the oracle: every format here is run through
 * both and the strings and return values must match, at the full buffer
 * size and truncated at every size from 0 up, with a canary checking that
 * nothing is written past the size given. A seeded random sweep covers the
 * flag x width x precision x length x conversion space. The documented
 * differences from glibc ("%p", NULL "%s", unknown conversions) are
 * checked by hand.
 */
#define KT_SUITE "printf"
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tests/host/klib.h"
#include "tests/host/harness.h"

#define BUFSZ 512
#define CANARY 0x5a

/*
 * Format with the host libc and with klib, compare, then re-run klib at
 * every truncated size. Returns false (after one diagnostic) on mismatch.
 */
static bool vcompare(const char *file, int line, const char *fmt, va_list ap)
{
	char want[BUFSZ], got[BUFSZ + 8];
	va_list a1, a2;
	int wn, gn;

	va_copy(a1, ap);
	wn = vsnprintf(want, sizeof(want), fmt, a1);
	va_end(a1);

	va_copy(a2, ap);
	memset(got, CANARY, sizeof(got));
	gn = klib_vsnprintf(got, BUFSZ, fmt, a2);
	va_end(a2);
	if (wn != gn || strcmp(want, got)) {
		kt_fail(file, line, "fmt \"%s\": expected \"%s\" (%d), got \"%s\" (%d)",
			fmt, want, wn, got, gn);
		return false;
	}

	/* Truncation: sizes 0 .. wn+1, each must hold a prefix and a NUL. */
	for (int size = 0; size <= wn + 1 && size < BUFSZ; size++) {
		va_copy(a2, ap);
		memset(got, CANARY, sizeof(got));
		gn = klib_vsnprintf(size ? got : NULL, (size_t)size, fmt, a2);
		va_end(a2);
		int keep = size ? (wn < size - 1 ? wn : size - 1) : 0;
		bool bad = gn != wn;

		if (size) {
			bad |= memcmp(got, want, (size_t)keep) != 0;
			bad |= got[keep] != '\0';
		}
		for (int i = size; i < size + 8; i++)
			bad |= (unsigned char)got[i] != CANARY;
		if (bad) {
			kt_fail(file, line, "fmt \"%s\" size %d: expected \"%.*s\" (%d), got \"%.*s\" (%d) or overrun",
				fmt, size, keep, want, wn, keep, got, gn);
			return false;
		}
	}
	return true;
}

__attribute__((format(printf, 3, 4)))
static bool compare(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	ok = vcompare(file, line, fmt, ap);
	va_end(ap);
	return ok;
}

#define CMP(...) compare(__FILE__, __LINE__, __VA_ARGS__)

/* Expect an exact klib result (for formats where glibc differs). */
#define EXPECT(want, ...) do {						\
	char kt_buf[BUFSZ];						\
	int kt_n = klib_snprintf(kt_buf, sizeof(kt_buf), __VA_ARGS__);	\
	CHECK_STR(want, kt_buf);					\
	CHECK_INT((int)strlen(want), kt_n);				\
} while (0)

/*
 * The cases below use flag combinations that are well defined but that
 * GCC's -Wformat flags as redundant ("'0' flag ignored with precision"):
 * exercising exactly those is the point.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
TEST(plain_text)
{
	CMP("");
	CMP("hello, world");
	CMP("100%%");
	CMP("%%%%%%");
	CMP("a%cb", 'x');
}

TEST(signed_decimal)
{
	static const long long v[] = { 0, 1, -1, 9, 10, -10, 123456789, INT_MAX, INT_MIN };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int x = (int)v[i];

		CMP("%d", x);
		CMP("%i", x);
		CMP("[%5d]", x);
		CMP("[%-5d]", x);
		CMP("[%05d]", x);
		CMP("[%+d]", x);
		CMP("[% d]", x);
		CMP("[%+05d]", x);
		CMP("[% 08d]", x);
		CMP("[%.3d]", x);
		CMP("[%.0d]", x);
		CMP("[%8.3d]", x);
		CMP("[%-8.3d]", x);
		CMP("[%08.3d]", x);	/* precision disables '0' */
		CMP("[%-+012d]", x);
		CMP("[%+ d]", x);	/* '+' wins over ' ' */
		CMP("[%.12d]", x);
	}
}

#pragma GCC diagnostic pop

TEST(limits_64bit)
{
	CMP("%lld %lld %lld", LLONG_MIN, LLONG_MAX, 0LL);
	CMP("%ld %ld", LONG_MIN, LONG_MAX);
	CMP("%llu %llx %llo %llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	CMP("%+lld|% lld|%030lld|%-30lld|", LLONG_MIN, LLONG_MIN, LLONG_MIN, LLONG_MIN);
	CMP("%#llo %#llx", ULLONG_MAX, ULLONG_MAX);
	CMP("%jd %ju %jx", INTMAX_MIN, UINTMAX_MAX, UINTMAX_MAX);
	CMP("%zu %zd %zx", SIZE_MAX, (ssize_t)-1, (size_t)0);
	CMP("%td %tu %tx", PTRDIFF_MIN, (size_t)PTRDIFF_MAX, (size_t)-1);
	CMP("%d %d", INT_MIN, INT_MAX);
	CMP("%u %x %o", UINT_MAX, UINT_MAX, UINT_MAX);
}

TEST(short_char_lengths)
{
	/* hh and h truncate the promoted int argument. */
	CMP("%hhd %hhd %hhd %hhu %hhx", 127, 128, -129, 511, 0x1ff);
	CMP("%hd %hd %hu %hx %ho", 32767, 32768, 70000, 0x12345, -1);
	CMP("%hhi %hi", -1, -1);
}

/*
 * The cases below use flag combinations that are well defined but that
 * GCC's -Wformat flags as redundant ("'0' flag ignored with precision"):
 * exercising exactly those is the point.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
TEST(hex_octal_alt)
{
	static const unsigned v[] = { 0, 1, 7, 8, 0xff, 0xdeadbeef, UINT_MAX };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned x = v[i];

		CMP("%x %X %o %u", x, x, x, x);
		CMP("%#x %#X %#o", x, x, x);
		CMP("[%#10x] [%#-10x] [%#010x]", x, x, x);
		CMP("[%#.0x] [%#.0o] [%.0x] [%.0o] [%.0u]", x, x, x, x, x);
		CMP("[%#.5o] [%#.1o] [%#5o] [%#05o]", x, x, x, x);
		CMP("[%#12.8X] [%-#12.8x] [%012.8x]", x, x, x);
		CMP("[%+u] [% u] [%+x]", x, x, x);	/* sign flags ignored */
	}
}

#pragma GCC diagnostic pop

TEST(strings)
{
	const char *s = "hello";

	CMP("%s", s);
	CMP("[%10s][%-10s]", s, s);
	CMP("[%.3s][%.0s][%.10s]", s, s, s);
	CMP("[%8.3s][%-8.3s]", s, s);
	CMP("[%s][%5s][%-5s]", "", "", "");
	CMP("[%3s]", "longer than width");
	/* Precision bounds reading: the array need not be terminated. */
	char raw[3] = { 'a', 'b', 'c' };
	CMP("[%.3s]", raw);
	CMP("[%.2s]", raw);
}

TEST(chars)
{
	CMP("%c%c%c", 'a', 'b', 'c');
	CMP("[%5c][%-5c]", 'x', 'y');
	CMP("[%c]", 0x141);	/* converted to unsigned char */
	char buf[8];
	/* A NUL %c is output (and counted) like any other character. */
	int n = klib_snprintf(buf, sizeof(buf), "a%cb", 0);
	CHECK_INT(3, n);
	CHECK_MEM("a\0b", buf, 4);
}

/*
 * The cases below use flag combinations that are well defined but that
 * GCC's -Wformat flags as redundant ("'0' flag ignored with precision"):
 * exercising exactly those is the point.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
TEST(star_width_precision)
{
	CMP("[%*d]", 6, 42);
	CMP("[%*d]", -6, 42);	/* negative width: left-justify */
	CMP("[%-*d]", -6, 42);
	CMP("[%.*d]", 4, 42);
	CMP("[%.*d]", -4, 42);	/* negative precision: as if omitted */
	CMP("[%0*.*d]", 8, -1, -42);
	CMP("[%*.*s]", 7, 2, "hello");
	CMP("[%*.*s]", -7, 3, "hello");
	CMP("[%.*s]", 0, "hello");
	CMP("[%*s]", 0, "x");
	CMP("[%0*x]", 10, 0xbeefu);
}

#pragma GCC diagnostic pop

TEST(mixed_arguments)
{
	CMP("%s=%d (%#x) at %lu: %c%%", "key", -5, 255u, 1234567890123UL, 'Z');
	CMP("%hhu %llu %hu %lu %u %zu", 200, 1ULL << 63, 65535, 1UL, 3u, (size_t)9);
	CMP("%-3d|%03d|%+3d|% 3d|%3d", 1, 2, 3, 4, 5);
}

TEST(pointer_format)
{
	/* Our %p: 0x plus 16 hex digits, always (glibc prints 0x1234, (nil)). */
	EXPECT("0x0000000000000000", "%p", (void *)0);
	EXPECT("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
	EXPECT("0xffff800000001000", "%p", (void *)0xffff800000001000UL);
	EXPECT("[  0x0000000000000001]", "[%20p]", (void *)1);
	EXPECT("[0x0000000000000001  ]", "[%-20p]", (void *)1);
}

/*
 * The cases below use flag combinations that are well defined but that
 * GCC's -Wformat flags as redundant ("'0' flag ignored with precision"):
 * exercising exactly those is the point.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
TEST(null_string)
{
	EXPECT("(null)", "%s", (char *)NULL);
	EXPECT("[  (null)]", "[%8s]", (char *)NULL);
	EXPECT("[(nu]", "[%.3s]", (char *)NULL);
}

#pragma GCC diagnostic ignored "-Wformat-extra-args"
TEST(unknown_conversions)
{
	/* Printed as written; no argument consumed. */
	EXPECT("a%qb 7", "a%qb %d", 7);
	EXPECT("%-5.2y|7", "%-5.2y|%d", 7);
	EXPECT("%lk", "%lk");
	EXPECT("end%", "end%");
	EXPECT("end%5", "end%5");
	EXPECT("%n", "%n");
}
#pragma GCC diagnostic pop

TEST(truncation_and_null_buffer)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK_INT(11, klib_snprintf(buf, 5, "hello world"));
	CHECK_MEM("hell\0xxx", buf, 8);
	CHECK_INT(11, klib_snprintf(NULL, 0, "hello world"));
	memset(buf, 'x', sizeof(buf));
	CHECK_INT(3, klib_snprintf(buf, 1, "%d", 123));
	CHECK_MEM("\0xxxxxxx", buf, 8);
	CHECK_INT(0, klib_snprintf(buf, sizeof(buf), "%s", ""));
	CHECK_STR("", buf);
	/* Large widths are counted even though nothing fits. */
	CHECK_INT(100000, klib_snprintf(buf, sizeof(buf), "%100000d", 1));
	CHECK_STR("       ", buf);
}

#pragma GCC diagnostic pop

struct cbctx {
	char buf[64];
	int n;
};

static void cb_putc(char c, void *p)
{
	struct cbctx *cx = p;

	if (cx->n < (int)sizeof(cx->buf) - 1)
		cx->buf[cx->n] = c;
	cx->n++;
}

static int cbprintf(struct cbctx *cx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = klib_vcbprintf(cb_putc, cx, fmt, ap);
	va_end(ap);
	return n;
}

TEST(vcbprintf_callback)
{
	struct cbctx cx = { .n = 0 };
	int n = cbprintf(&cx, "cpu%d: %s %#06x", 3, "ok", 0x2a);

	cx.buf[cx.n] = '\0';
	CHECK_INT(15, n);
	CHECK_INT(15, cx.n);	/* exactly one call per character */
	CHECK_STR("cpu3: ok 0x002a", cx.buf);
}

/* A tiny deterministic PRNG so the sweep is reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Interesting 64-bit values: edges, small numbers, and random bits. */
static uint64_t rnd_value(void)
{
	static const uint64_t edge[] = {
		0, 1, 7, 8, 9, 10, 15, 16, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
		0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff,
		0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe,
	};
	switch (rnd() % 4) {
	case 0: return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	case 1: return rnd() % 1000;
	case 2: return rnd() >> (rnd() % 64);
	default: return rnd();
	}
}

TEST(random_sweep_vs_libc)
{
	static const char conv[] = "diuxXo";
	static const char *const len[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
	int fails = 0;

	for (int iter = 0; iter < 40000 && fails < 5; iter++) {
		char fmt[40], *f = fmt;
		char c = conv[rnd() % 6];
		const char *lm = len[rnd() % 8];
		uint64_t v = rnd_value();
		bool star_w = rnd() % 8 == 0, star_p = rnd() % 8 == 0;
		int sw = (int)(rnd() % 41) - 20, sp = (int)(rnd() % 41) - 20;

		*f++ = '[';
		*f++ = '%';
		if (rnd() % 3 == 0) *f++ = '-';
		if (rnd() % 3 == 0) *f++ = '0';
		if (rnd() % 4 == 0) *f++ = ' ';
		if (rnd() % 4 == 0) *f++ = '+';
		if (c == 'x' || c == 'X' || c == 'o')	/* '#' is UB elsewhere */
			if (rnd() % 2) *f++ = '#';
		if (star_w)
			*f++ = '*';
		else if (rnd() % 2)
			f += sprintf(f, "%d", (int)(rnd() % 30));
		if (star_p)
			f += sprintf(f, ".*");
		else if (rnd() % 2)
			f += sprintf(f, ".%d", (int)(rnd() % 25));
		f += sprintf(f, "%s%c]", lm, c);

		bool ok;
		bool ll = lm[0] == 'l' || lm[0] == 'z' || lm[0] == 't' || lm[0] == 'j';
		/* Pass the argument in the type the length modifier reads. */
#define RUN(arg) do {							\
		if (star_w && star_p)					\
			ok = compare(__FILE__, __LINE__, fmt, sw, sp, arg);	\
		else if (star_w)					\
			ok = compare(__FILE__, __LINE__, fmt, sw, arg);	\
		else if (star_p)					\
			ok = compare(__FILE__, __LINE__, fmt, sp, arg);	\
		else							\
			ok = compare(__FILE__, __LINE__, fmt, arg);	\
	} while (0)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
		if (ll)
			RUN((long long)v);	/* same size as all 64-bit types here */
		else
			RUN((int)(unsigned)v);
#pragma GCC diagnostic pop
#undef RUN
		if (!ok)
			fails++;
	}
}

TEST(random_strings_vs_libc)
{
	char s[32];
	int fails = 0;

	for (int iter = 0; iter < 5000 && fails < 5; iter++) {
		size_t n = rnd() % 20;
		int w = (int)(rnd() % 30) - 5, p = (int)(rnd() % 30) - 5;

		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + rnd() % 26);
		s[n] = '\0';
		if (!CMP("[%*.*s|%*s|%.*s|%-*c]", w, p, s, w, s, p, s, w, s[0] ? s[0] : '.'))
			fails++;
	}
}
