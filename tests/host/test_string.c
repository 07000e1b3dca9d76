/*
 * tests/host/test_string.c - host unit tests of lib/string.c.
 *
 * Compares klib_ mem/str functions with the host libc on exhaustive small
 * cases (every length, offset and overlap up to a few words) and checks
 * the number parsers on edge cases: bases, prefixes, signs, overflow
 * clamping, LONG_MIN, and strict whole-string parsing.
 */
#define KT_SUITE "string"
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include "tests/host/klib.h"
#include "tests/host/harness.h"

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7 + (i >> 3));
}

TEST(memcpy_all_offsets)
{
	/* Up to 200 bytes: several turns of the eight-word loop when the
	 * offsets agree, then the tails. */
	unsigned char src[224], dst[224], ref[224];

	for (size_t so = 0; so < 9; so++)
		for (size_t d = 0; d < 9; d++)
			for (size_t n = 0; n <= 200; n++) {
				fill_pattern(src, sizeof(src), 1);
				memset(dst, 0xaa, sizeof(dst));
				memset(ref, 0xaa, sizeof(ref));
				memcpy(ref + d, src + so, n);
				CHECK_PTR(dst + d, klib_memcpy(dst + d, src + so, n));
				if (memcmp(dst, ref, sizeof(dst))) {
					KT_FAIL("memcpy so=%zu d=%zu n=%zu: expected libc bytes, got different", so, d, n);
					return;
				}
			}
}

TEST(memmove_overlap)
{
	unsigned char buf[96], ref[96];

	/* Every source/destination offset pair, so both directions overlap. */
	for (size_t s = 0; s < 24; s++)
		for (size_t d = 0; d < 24; d++)
			for (size_t n = 0; n <= 48; n += (n < 20 ? 1 : 7)) {
				fill_pattern(buf, sizeof(buf), 3);
				fill_pattern(ref, sizeof(ref), 3);
				memmove(ref + d, ref + s, n);
				CHECK_PTR(buf + d, klib_memmove(buf + d, buf + s, n));
				if (memcmp(buf, ref, sizeof(buf))) {
					KT_FAIL("memmove s=%zu d=%zu n=%zu: expected libc bytes, got different", s, d, n);
					return;
				}
			}
}

TEST(memset_all)
{
	/* Up to 200 bytes: several turns of the eight-word loop, then the
	 * word and byte tails, from every alignment. */
	unsigned char buf[224], ref[224];

	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n <= 200; n++) {
			memset(buf, 0x11, sizeof(buf));
			memset(ref, 0x11, sizeof(ref));
			memset(ref + off, 0x1c5, n);	/* int is truncated to 0xc5 */
			CHECK_PTR(buf + off, klib_memset(buf + off, 0x1c5, n));
			if (memcmp(buf, ref, sizeof(buf))) {
				KT_FAIL("memset off=%zu n=%zu: expected libc bytes, got different", off, n);
				return;
			}
		}
}

static int sgn(int x)
{
	return (x > 0) - (x < 0);
}

TEST(memcmp_sign)
{
	unsigned char a[16] = "abcdefgh", b[16] = "abcdefgh";

	CHECK_INT(0, klib_memcmp(a, b, 8));
	CHECK_INT(0, klib_memcmp(a, b, 0));
	b[5] = 0xf0;	/* unsigned compare: 0xf0 > 'f' */
	CHECK_INT(-1, sgn(klib_memcmp(a, b, 8)));
	CHECK_INT(1, sgn(klib_memcmp(b, a, 8)));
	CHECK_INT(0, klib_memcmp(a, b, 5));
}

TEST(strlen_strnlen)
{
	CHECK_UINT(0, klib_strlen(""));
	CHECK_UINT(5, klib_strlen("hello"));
	CHECK_UINT(3, klib_strnlen("hello", 3));
	CHECK_UINT(5, klib_strnlen("hello", 99));
	CHECK_UINT(0, klib_strnlen("hello", 0));
	/* strnlen must not read past max: an unterminated buffer. */
	char raw[4] = { 'a', 'b', 'c', 'd' };
	CHECK_UINT(4, klib_strnlen(raw, 4));
}

TEST(strcmp_strncmp)
{
	static const char *s[] = { "", "a", "ab", "abc", "abd", "b", "\xff", "A" };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		for (size_t j = 0; j < sizeof(s) / sizeof(s[0]); j++) {
			CHECK_INT(sgn(strcmp(s[i], s[j])), sgn(klib_strcmp(s[i], s[j])));
			for (size_t n = 0; n < 5; n++)
				CHECK_INT(sgn(strncmp(s[i], s[j], n)),
					  sgn(klib_strncmp(s[i], s[j], n)));
		}
}

TEST(strchr_strrchr)
{
	const char *s = "hello world";

	CHECK_PTR(s + 2, klib_strchr(s, 'l'));
	CHECK_PTR(s + 9, klib_strrchr(s, 'l'));
	CHECK_PTR(NULL, klib_strchr(s, 'z'));
	CHECK_PTR(NULL, klib_strrchr(s, 'z'));
	CHECK_PTR(s + 11, klib_strchr(s, '\0'));
	CHECK_PTR(s + 11, klib_strrchr(s, '\0'));
	CHECK_PTR(s, klib_strchr(s, 'h' + 256));	/* converted to char */
}

TEST(strncpy_posix)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK_PTR(buf, klib_strncpy(buf, "ab", 6));
	CHECK_MEM("ab\0\0\0\0xx", buf, 8);	/* padded with NULs to n */
	memset(buf, 'x', sizeof(buf));
	klib_strncpy(buf, "abcdefgh", 4);
	CHECK_MEM("abcdxxxx", buf, 8);		/* not terminated */
	memset(buf, 'x', sizeof(buf));
	klib_strncpy(buf, "abc", 0);
	CHECK_MEM("xxxxxxxx", buf, 8);
}

TEST(strlcpy_truncation)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK_UINT(5, klib_strlcpy(buf, "hello", sizeof(buf)));
	CHECK_STR("hello", buf);
	memset(buf, 'x', sizeof(buf));
	CHECK_UINT(11, klib_strlcpy(buf, "hello world", 4));
	CHECK_MEM("hel\0xxxx", buf, 8);
	memset(buf, 'x', sizeof(buf));
	CHECK_UINT(3, klib_strlcpy(buf, "abc", 0));
	CHECK_MEM("xxxxxxxx", buf, 8);
	CHECK_UINT(3, klib_strlcpy(buf, "abc", 1));
	CHECK_STR("", buf);
	CHECK_UINT(7, klib_strlcpy(buf, "1234567", 8));
	CHECK_STR("1234567", buf);
	CHECK_UINT(8, klib_strlcpy(buf, "12345678", 8));
	CHECK_STR("1234567", buf);
}

TEST(strstr_cases)
{
	const char *h = "abababcab";

	CHECK_PTR(h, klib_strstr(h, ""));
	CHECK_PTR(h + 2, klib_strstr(h, "ababc"));
	CHECK_PTR(h + 6, klib_strstr(h, "cab"));
	CHECK_PTR(NULL, klib_strstr(h, "cabx"));
	CHECK_PTR(NULL, klib_strstr("", "a"));
	CHECK_PTR(h + 8, klib_strstr(h + 7, "b"));
	CHECK_PTR(NULL, klib_strstr(h, "abababcabX"));
	CHECK_PTR(h, klib_strstr(h, "abababcab"));
	CHECK_PTR(h + 1, klib_strstr(h, "b"));
}

/* Compare klib strtol/strtoul (value and end pointer) with the host libc. */
static const char *const num_inputs[] = {
	"0", "-0", "+0", "42", "  \t\n42xyz", "-42", "+42", "0x1f", "0X1F",
	"0x", "0xg", "-0x10", "017", "08", "09", "0", "1234567890",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"-9223372036854775809", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999999", "-99999999999999999999999", "-1",
	"", "   ", "-", "+", "x", "zz", "ZZ", "101", "777", "0b101", " -  5",
	"0x7fffffffffffffff", "0xffffffffffffffff", "0x10000000000000000",
	"123abc", "abc", "1e10", "0777777777777777777777", "01777777777777777777777",
	"02000000000000000000000",
};

TEST(strtol_vs_libc)
{
	static const int bases[] = { 0, 2, 8, 10, 16, 36, 1, 37, -1 };

	for (size_t i = 0; i < sizeof(num_inputs) / sizeof(num_inputs[0]); i++)
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
			const char *s = num_inputs[i];
			char *e1, *e2;
			long v1, v2;

			v2 = klib_strtol(s, &e2, bases[b]);
			if (bases[b] == 1 || bases[b] > 36 || bases[b] < 0) {
				/* Bad base: nothing parsed (glibc leaves end unset). */
				CHECK_INT(0, v2);
				CHECK_PTR(s, e2);
				continue;
			}
			v1 = strtol(s, &e1, bases[b]);
			if (v1 != v2 || e1 != e2)
				KT_FAIL("strtol(\"%s\", %d): expected %ld end+%td, got %ld end+%td",
					s, bases[b], v1, e1 - s, v2, e2 - s);
		}
}

TEST(strtoul_vs_libc)
{
	static const int bases[] = { 0, 2, 8, 10, 16, 36 };

	for (size_t i = 0; i < sizeof(num_inputs) / sizeof(num_inputs[0]); i++)
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
			const char *s = num_inputs[i];
			char *e1, *e2;
			unsigned long v1, v2;

			v1 = strtoul(s, &e1, bases[b]);
			v2 = klib_strtoul(s, &e2, bases[b]);
			if (v1 != v2 || e1 != e2)
				KT_FAIL("strtoul(\"%s\", %d): expected %lu end+%td, got %lu end+%td",
					s, bases[b], v1, e1 - s, v2, e2 - s);
		}
}

TEST(strtol_limits)
{
	CHECK_INT(LONG_MIN, klib_strtol("-9223372036854775808", NULL, 10));
	CHECK_INT(LONG_MIN, klib_strtol("-9223372036854775809", NULL, 10));
	CHECK_INT(LONG_MAX, klib_strtol("9223372036854775808", NULL, 0));
	CHECK_INT(LONG_MIN, klib_strtol("-0x8000000000000000", NULL, 0));
	CHECK_UINT(ULONG_MAX, klib_strtoul("0x1ffffffffffffffff", NULL, 0));
	CHECK_UINT(ULONG_MAX, klib_strtoul("-1", NULL, 10));
	CHECK_INT(-35, klib_strtol("-z", NULL, 36));
}

TEST(kstrtoull_strict)
{
	unsigned long long v = 12345;

	CHECK_INT(0, klib_kstrtoull("0", 10, &v));
	CHECK_UINT(0, v);
	CHECK_INT(0, klib_kstrtoull("18446744073709551615", 10, &v));
	CHECK_UINT(ULLONG_MAX, v);
	CHECK_INT(0, klib_kstrtoull("0xff", 0, &v));
	CHECK_UINT(255, v);
	CHECK_INT(0, klib_kstrtoull("0xff", 16, &v));
	CHECK_UINT(255, v);
	CHECK_INT(0, klib_kstrtoull("ff", 16, &v));
	CHECK_UINT(255, v);
	CHECK_INT(0, klib_kstrtoull("0755", 0, &v));
	CHECK_UINT(0755, v);
	CHECK_INT(0, klib_kstrtoull("+7", 10, &v));
	CHECK_UINT(7, v);
	CHECK_INT(0, klib_kstrtoull("0", 0, &v));
	CHECK_UINT(0, v);
	CHECK_INT(0, klib_kstrtoull("0xFFFFFFFFFFFFFFFF", 0, &v));
	CHECK_UINT(ULLONG_MAX, v);

	v = 999;
	CHECK_INT(-1, klib_kstrtoull("", 10, &v));
	CHECK_INT(-1, klib_kstrtoull("18446744073709551616", 10, &v));
	CHECK_INT(-1, klib_kstrtoull("0x10000000000000000", 0, &v));
	CHECK_INT(-1, klib_kstrtoull("12 ", 10, &v));
	CHECK_INT(-1, klib_kstrtoull(" 12", 10, &v));
	CHECK_INT(-1, klib_kstrtoull("12a", 10, &v));
	CHECK_INT(-1, klib_kstrtoull("-1", 10, &v));
	CHECK_INT(-1, klib_kstrtoull("+", 10, &v));
	CHECK_INT(-1, klib_kstrtoull("0x", 0, &v));
	CHECK_INT(-1, klib_kstrtoull("0x", 16, &v));
	CHECK_INT(-1, klib_kstrtoull("08", 0, &v));
	CHECK_INT(-1, klib_kstrtoull("12", 1, &v));
	CHECK_INT(-1, klib_kstrtoull("12", 37, &v));
	CHECK_INT(-1, klib_kstrtoull("2", 2, &v));
	CHECK_UINT(999, v);	/* untouched on failure */
}

TEST(parse_size_suffixes)
{
	unsigned long long v = 0;

	CHECK_INT(0, klib_parse_size("4096", &v));
	CHECK_UINT(4096, v);
	CHECK_INT(0, klib_parse_size("64K", &v));
	CHECK_UINT(64ULL << 10, v);
	CHECK_INT(0, klib_parse_size("64k", &v));
	CHECK_UINT(64ULL << 10, v);
	CHECK_INT(0, klib_parse_size("2M", &v));
	CHECK_UINT(2ULL << 20, v);
	CHECK_INT(0, klib_parse_size("3g", &v));
	CHECK_UINT(3ULL << 30, v);
	CHECK_INT(0, klib_parse_size("0x10M", &v));
	CHECK_UINT(16ULL << 20, v);
	CHECK_INT(0, klib_parse_size("0K", &v));
	CHECK_UINT(0, v);
	CHECK_INT(0, klib_parse_size("17179869183G", &v));	/* 2^34 - 1 G */
	CHECK_UINT(17179869183ULL << 30, v);

	v = 77;
	CHECK_INT(-1, klib_parse_size("17179869184G", &v));	/* 2^64: overflow */
	CHECK_INT(-1, klib_parse_size("", &v));
	CHECK_INT(-1, klib_parse_size("K", &v));
	CHECK_INT(-1, klib_parse_size("12KB", &v));
	CHECK_INT(-1, klib_parse_size("12T", &v));
	CHECK_INT(-1, klib_parse_size("12 K", &v));
	CHECK_INT(-1, klib_parse_size("-1K", &v));
	CHECK_INT(-1, klib_parse_size("1.5G", &v));
	CHECK_UINT(77, v);
}
