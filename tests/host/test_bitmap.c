/*
 * tests/host/test_bitmap.c - host unit tests of lib/bitmap.{h,c}.
 *
 * Every operation is checked against a trivially correct model (one bool
 * per bit) on sizes around word boundaries (1, 63, 64, 65, 127, 128, 129,
 * 200), with find_next tried from every start position and ranges that
 * start and end on either side of each word boundary. Stray bits past
 * nbits are planted on purpose to check the queries ignore them.
 */
#define KT_SUITE "bitmap"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "tests/host/klib.h"
#include "tests/host/harness.h"

#define MAXBITS 256

static const unsigned long sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 200, 256 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random bitmap and its model; bits past nbits are random junk too. */
static void random_map(unsigned long *map, bool *model, unsigned long nbits,
		       unsigned density)
{
	for (unsigned long i = 0; i < BITS_TO_LONGS(MAXBITS); i++)
		map[i] = 0;
	for (unsigned long i = 0; i < MAXBITS; i++) {
		bool b = rnd() % 100 < density;

		if (b)
			bitmap_set_bit(map, i);
		if (i < nbits)
			model[i] = b;
	}
}

static bool matches(const unsigned long *map, const bool *model,
		    unsigned long nbits)
{
	for (unsigned long i = 0; i < nbits; i++)
		if (bitmap_test_bit(map, i) != model[i])
			return false;
	return true;
}

TEST(macros)
{
	DECLARE_BITMAP(m, 65);

	CHECK_UINT(2, sizeof(m) / sizeof(m[0]));
	CHECK_UINT(0, BITS_TO_LONGS(0));
	CHECK_UINT(1, BITS_TO_LONGS(1));
	CHECK_UINT(1, BITS_TO_LONGS(64));
	CHECK_UINT(2, BITS_TO_LONGS(65));
	CHECK_INT(64, BITS_PER_LONG);
}

TEST(set_clear_test_bit)
{
	DECLARE_BITMAP(m, 130);

	bitmap_zero(m, 130);
	for (unsigned long i = 0; i < 130; i += 3)
		bitmap_set_bit(m, i);
	for (unsigned long i = 0; i < 130; i++)
		CHECK_INT(i % 3 == 0, bitmap_test_bit(m, i));
	bitmap_clear_bit(m, 63);
	bitmap_clear_bit(m, 129);
	bitmap_clear_bit(m, 1);		/* already clear */
	CHECK(!bitmap_test_bit(m, 63));
	CHECK(!bitmap_test_bit(m, 129));
	CHECK(!bitmap_test_bit(m, 1));
	bitmap_set_bit(m, 64);
	CHECK_UINT(1UL, m[1] & 1);
	CHECK_UINT(0, m[0] & (1UL << 63));
}

TEST(zero_fill_weight_tail)
{
	unsigned long m[BITS_TO_LONGS(MAXBITS) + 1];

	for (size_t s = 0; s < NSIZES; s++) {
		unsigned long n = sizes[s], words = BITS_TO_LONGS(n);

		memset(m, 0xa5, sizeof(m));
		bitmap_fill(m, n);
		CHECK_UINT(n, bitmap_weight(m, n));
		CHECK(bitmap_full(m, n));
		CHECK(!bitmap_empty(m, n));
		CHECK_UINT(n, bitmap_find_first_zero(m, n));
		/* fill clears the tail of the last word and stops there */
		if (n % 64)
			CHECK_UINT(0, m[words - 1] >> (n % 64));
		CHECK_UINT(0xa5a5a5a5a5a5a5a5UL, m[words]);

		bitmap_zero(m, n);
		CHECK_UINT(0, bitmap_weight(m, n));
		CHECK(bitmap_empty(m, n));
		CHECK(!bitmap_full(m, n));
		CHECK_UINT(n, bitmap_find_first_set(m, n));
		CHECK_UINT(0, bitmap_find_first_zero(m, n));
		CHECK_UINT(0xa5a5a5a5a5a5a5a5UL, m[words]);
	}
}

TEST(queries_ignore_stray_tail_bits)
{
	unsigned long m[2] = { 0, ~0UL << 1 };	/* bits 65.. set */

	CHECK(bitmap_empty(m, 65));
	CHECK_UINT(0, bitmap_weight(m, 65));
	CHECK_UINT(65, bitmap_find_first_set(m, 65));
	CHECK_UINT(65, bitmap_find_next_set(m, 65, 3));
	m[0] = ~0UL;
	m[1] = 1 | (1UL << 5);
	CHECK(bitmap_full(m, 65));
	CHECK_UINT(65, bitmap_weight(m, 65));
	CHECK_UINT(65, bitmap_find_first_zero(m, 65));

	unsigned long a[2] = { 5, 0xf0 }, b[2] = { 5, 0x0f };

	CHECK(!bitmap_equal(a, b, 68));
	CHECK(bitmap_equal(a, b, 64));
	CHECK(bitmap_equal(a, b, 1));
	b[1] = 0xf1;		/* differs at bit 64 */
	CHECK(!bitmap_equal(a, b, 68));
	CHECK(bitmap_equal(a, b, 64));
	b[1] = 0xf0 | (1UL << 63);
	CHECK(bitmap_equal(a, b, 127));
	CHECK(!bitmap_equal(a, b, 128));
}

TEST(find_next_every_position)
{
	unsigned long m[BITS_TO_LONGS(MAXBITS)];
	bool model[MAXBITS];

	for (size_t s = 0; s < NSIZES; s++) {
		unsigned long n = sizes[s];
		static const unsigned dens[] = { 0, 2, 10, 50, 90, 98, 100 };

		for (size_t d = 0; d < sizeof(dens) / sizeof(dens[0]); d++) {
			random_map(m, model, n, dens[d]);
			for (unsigned long start = 0; start <= n + 2; start++) {
				unsigned long es = n, ez = n;

				for (unsigned long i = start; i < n; i++)
					if (model[i]) { es = i; break; }
				for (unsigned long i = start; i < n; i++)
					if (!model[i]) { ez = i; break; }
				unsigned long gs = bitmap_find_next_set(m, n, start);
				unsigned long gz = bitmap_find_next_zero(m, n, start);
				if (gs != es || gz != ez) {
					KT_FAIL("n=%lu dens=%u start=%lu: expected set %lu zero %lu, got set %lu zero %lu",
						n, dens[d], start, es, ez, gs, gz);
					return;
				}
			}
			CHECK_UINT(bitmap_find_next_set(m, n, 0), bitmap_find_first_set(m, n));
			CHECK_UINT(bitmap_find_next_zero(m, n, 0), bitmap_find_first_zero(m, n));
		}
	}
}

TEST(iterate_all_set_bits)
{
	unsigned long m[BITS_TO_LONGS(MAXBITS)];
	bool model[MAXBITS];

	random_map(m, model, 200, 30);
	unsigned long count = 0, expect = 0;

	for (unsigned long i = 0; i < 200; i++)
		expect += model[i];
	for (unsigned long b = bitmap_find_first_set(m, 200); b < 200;
	     b = bitmap_find_next_set(m, 200, b + 1)) {
		CHECK(model[b]);
		count++;
	}
	CHECK_UINT(expect, count);
	CHECK_UINT(expect, bitmap_weight(m, 200));
}

TEST(weight_random)
{
	unsigned long m[BITS_TO_LONGS(MAXBITS)];
	bool model[MAXBITS];

	for (int iter = 0; iter < 200; iter++) {
		unsigned long n = 1 + rnd() % MAXBITS, expect = 0;

		random_map(m, model, n, (unsigned)(rnd() % 101));
		for (unsigned long i = 0; i < n; i++)
			expect += model[i];
		CHECK_UINT(expect, bitmap_weight(m, n));
		CHECK_INT(expect == 0, bitmap_empty(m, n));
		CHECK_INT(expect == n, bitmap_full(m, n));
	}
}

TEST(ranges_across_words)
{
	unsigned long m[BITS_TO_LONGS(MAXBITS)];
	bool model[MAXBITS];
	static const unsigned long pts[] = { 0, 1, 31, 62, 63, 64, 65, 100, 127,
					     128, 129, 191, 192, 193, 255 };
	const size_t np = sizeof(pts) / sizeof(pts[0]);

	for (int set = 0; set < 2; set++)
		for (size_t a = 0; a < np; a++)
			for (size_t b = 0; b < np; b++) {
				unsigned long start = pts[a], len = pts[b];

				if (start + len > MAXBITS)
					continue;
				random_map(m, model, MAXBITS, 50);
				for (unsigned long i = start; i < start + len; i++)
					model[i] = set;
				if (set)
					bitmap_set_range(m, start, len);
				else
					bitmap_clear_range(m, start, len);
				if (!matches(m, model, MAXBITS)) {
					KT_FAIL("%s_range(%lu, %lu): expected model bits, got different",
						set ? "set" : "clear", start, len);
					return;
				}
			}
}

TEST(logic_ops)
{
	unsigned long a[BITS_TO_LONGS(MAXBITS)], b[BITS_TO_LONGS(MAXBITS)];
	unsigned long d[BITS_TO_LONGS(MAXBITS)];
	bool ma[MAXBITS], mb[MAXBITS];
	const unsigned long n = 150;

	for (int iter = 0; iter < 50; iter++) {
		random_map(a, ma, n, 50);
		random_map(b, mb, n, 50);

		bitmap_and(d, a, b, n);
		for (unsigned long i = 0; i < n; i++)
			CHECK_INT(ma[i] && mb[i], bitmap_test_bit(d, i));
		bitmap_or(d, a, b, n);
		for (unsigned long i = 0; i < n; i++)
			CHECK_INT(ma[i] || mb[i], bitmap_test_bit(d, i));
		bitmap_andnot(d, a, b, n);
		for (unsigned long i = 0; i < n; i++)
			CHECK_INT(ma[i] && !mb[i], bitmap_test_bit(d, i));

		/* In place (dst aliasing an operand). */
		memcpy(d, a, sizeof(d));
		bitmap_or(d, d, b, n);
		for (unsigned long i = 0; i < n; i++)
			CHECK_INT(ma[i] || mb[i], bitmap_test_bit(d, i));

		CHECK(bitmap_equal(a, a, n));
		memcpy(d, a, sizeof(d));
		bitmap_set_bit(d, n + 3);	/* past nbits: ignored */
		CHECK(bitmap_equal(a, d, n));
		bitmap_clear_bit(d, n - 1);
		bitmap_set_bit(a, n - 1);
		CHECK(!bitmap_equal(a, d, n));
	}
}

TEST(zero_sized)
{
	unsigned long m[1] = { ~0UL };

	CHECK_UINT(0, bitmap_find_first_set(m, 0));
	CHECK_UINT(0, bitmap_find_first_zero(m, 0));
	CHECK_UINT(0, bitmap_weight(m, 0));
	CHECK(bitmap_empty(m, 0));
	CHECK(bitmap_equal(m, m, 0));
	bitmap_zero(m, 0);
	bitmap_fill(m, 0);
	CHECK_UINT(~0UL, m[0]);	/* untouched */
	bitmap_set_range(m, 3, 0);
	bitmap_clear_range(m, 3, 0);
	CHECK_UINT(~0UL, m[0]);
}
