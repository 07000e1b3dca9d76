/*
 * lib/string.c - freestanding memory, string and number-parsing routines.
 *
 * Invariant: these are the kernel's only memcpy/memset/memmove/memcmp, and
 * GCC may emit calls to them itself (struct copies, zeroing), so none of
 * them may be compiled into a call to itself: loop-to-libcall pattern
 * recognition is switched off for this file's mem functions (NO_LIBCALL).
 * Word-sized accesses go through a may_alias type, so the file is correct
 * with or without -fno-strict-aliasing.
 */
#include "lib/string.h"

#include <stdint.h>
#include <stdbool.h>

#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL
#endif

typedef unsigned long __attribute__((may_alias)) word_t;
#define WSIZE sizeof(word_t)
#define WMASK (WSIZE - 1)

NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Word copies only when both sides can reach alignment together. */
	if ((((uintptr_t)d ^ (uintptr_t)s) & WMASK) == 0) {
		while (n && ((uintptr_t)d & WMASK)) {
			*d++ = *s++;
			n--;
		}
		/* Eight words a turn, as memset() does, and for the same
		 * reason (a copy-on-write fault copies a page). */
		for (; n >= 8 * WSIZE; n -= 8 * WSIZE, d += 8 * WSIZE, s += 8 * WSIZE) {
			const word_t *from = (const word_t *)s;
			word_t *to = (word_t *)d;
			word_t a0 = from[0], a1 = from[1], a2 = from[2], a3 = from[3];
			word_t a4 = from[4], a5 = from[5], a6 = from[6], a7 = from[7];
			to[0] = a0; to[1] = a1; to[2] = a2; to[3] = a3;
			to[4] = a4; to[5] = a5; to[6] = a6; to[7] = a7;
		}
		for (; n >= WSIZE; n -= WSIZE, d += WSIZE, s += WSIZE)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/*
	 * A forward copy is safe unless dst starts inside [src, src+n); the
	 * unsigned difference test covers both orderings in one compare.
	 */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);

	/* Overlap with dst above src: copy backwards, highest byte first. */
	d += n;
	s += n;
	while (n--)
		*--d = *--s;
	return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;
	word_t w = (word_t)b * (~(word_t)0 / 0xff);	/* b in every byte */

	while (n && ((uintptr_t)d & WMASK)) {
		*d++ = b;
		n--;
	}
	/* Eight words a turn: under TCG each turn of a loop is a jump
	 * between translated blocks, which costs about as much as the store
	 * it carries (a page's zeroing is most of a page fault's time;
	 * docs/performance.md, finding 21). */
	for (; n >= 8 * WSIZE; n -= 8 * WSIZE, d += 8 * WSIZE) {
		word_t *q = (word_t *)d;
		q[0] = w; q[1] = w; q[2] = w; q[3] = w;
		q[4] = w; q[5] = w; q[6] = w; q[7] = w;
	}
	for (; n >= WSIZE; n -= WSIZE, d += WSIZE)
		*(word_t *)d = w;
	while (n--)
		*d++ = b;
	return dst;
}

NO_LIBCALL int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t i = 0;

	while (i < max && s[i])
		i++;
	return i;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (*x > *y) - (*x < *y);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
		if (!*x)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

NO_LIBCALL char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return (char *)haystack;
	for (; *haystack; haystack++)
		if (*haystack == *needle && !strncmp(haystack, needle, n))
			return (char *)haystack;
	return NULL;
}

/* --- number parsing ------------------------------------------------------ */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	       c == '\f' || c == '\r';
}

/* Value of @c as a digit in any base up to 36, or 99 if it is none. */
static unsigned digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A' + 10);
	return 99;
}

/*
 * Resolve @base and skip a radix prefix at @s. A "0x" counts as a prefix
 * only when a hex digit follows it: for "0xg" the number is "0" and parsing
 * stops at the 'x', as ISO C requires. Returns 0 for an invalid base.
 */
static unsigned take_prefix(const char **s, unsigned base)
{
	const char *p = *s;
	bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		   digit_value(p[2]) < 16;

	if (base == 0) {
		if (hex)
			base = 16;
		else if (p[0] == '0')
			base = 8;
		else
			base = 10;
	}
	if (base == 16 && hex)
		p += 2;
	if (base < 2 || base > 36)
		return 0;
	*s = p;
	return base;
}

/*
 * Accumulate the digits at *@s in @base into *@val, setting *@ovf if the
 * value passed ULLONG_MAX (it is then meaningless); *@s is left after the
 * last digit.
 */
static void take_digits(const char **s, unsigned base,
			unsigned long long *val, bool *ovf)
{
	const char *p = *s;
	unsigned long long v = 0;
	unsigned d;

	*ovf = false;
	for (; (d = digit_value(*p)) < base; p++) {
		if (v > (~0ULL - d) / base)
			*ovf = true;
		v = v * base + d;
	}
	*val = v;
	*s = p;
}

/* Shared body of strtol() and strtoul(): magnitude, sign and overflow. */
static unsigned long long parse_c(const char *s, char **end, int base,
				  bool *neg, bool *ovf)
{
	const char *p = s, *digits;
	unsigned long long v = 0;
	unsigned b;

	*neg = false;
	*ovf = false;
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	b = base < 0 ? 0 : take_prefix(&p, (unsigned)base);
	digits = p;
	if (b)
		take_digits(&p, b, &v, ovf);
	if (!b || p == digits) {
		/* No number: ISO C says *end is the original string. */
		p = s;
		v = 0;
		*neg = false;
		*ovf = false;
	}
	if (end)
		*end = (char *)p;
	return v;
}

long strtol(const char *s, char **end, int base)
{
	bool neg, ovf;
	unsigned long long v = parse_c(s, end, base, &neg, &ovf);
	const unsigned long long lmax = (unsigned long long)(~0UL >> 1);

	if (neg) {
		if (ovf || v > lmax + 1)
			return -(long)lmax - 1;
		return (long)(0 - v);	/* well-defined: v <= 2^63 */
	}
	if (ovf || v > lmax)
		return (long)lmax;
	return (long)v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	bool neg, ovf;
	unsigned long long v = parse_c(s, end, base, &neg, &ovf);

	if (ovf || v > ~0UL)
		return ~0UL;
	return neg ? (unsigned long)(0 - v) : (unsigned long)v;
}

/*
 * Strict core of kstrtoull() and parse_size(): optional '+', prefix, at
 * least one digit, no overflow. *@end is left after the last digit.
 */
static int parse_strict(const char *s, unsigned base,
			unsigned long long *out, const char **end)
{
	const char *p = s, *digits;
	bool ovf;

	if (*p == '+')
		p++;
	base = take_prefix(&p, base);
	if (!base)
		return -1;
	digits = p;
	take_digits(&p, base, out, &ovf);
	if (p == digits || ovf)
		return -1;
	*end = p;
	return 0;
}

int kstrtoull(const char *s, unsigned base, unsigned long long *out)
{
	unsigned long long v;
	const char *end;

	if (parse_strict(s, base, &v, &end) || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v;
	const char *end;
	unsigned shift;

	if (parse_strict(s, 0, &v, &end))
		return -1;
	switch (*end) {
	case '\0':          shift = 0;  break;
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	default:            return -1;
	}
	if (shift && end[1])
		return -1;	/* junk after the suffix */
	if (v > (~0ULL >> shift))
		return -1;
	*out = v << shift;
	return 0;
}
