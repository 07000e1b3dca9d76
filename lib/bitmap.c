/*
 * lib/bitmap.c - out-of-line bitmap operations (see lib/bitmap.h).
 *
 * Invariant: every query masks the last word with last_mask(nbits), so bits
 * past nbits never change a result. Bit counting is done by hand (SWAR):
 * __builtin_popcountl would call into libgcc under -mgeneral-regs-only
 * without -mpopcnt, and the kernel does not link libgcc.
 */
#include "lib/bitmap.h"

/* Mask of the valid bits in the last word of an @nbits bitmap. */
static inline unsigned long last_mask(unsigned long nbits)
{
	unsigned long r = nbits % BITS_PER_LONG;

	return r ? (1UL << r) - 1 : ~0UL;
}

/* Mask of bits @bit and above within its word. */
static inline unsigned long first_mask(unsigned long bit)
{
	return ~0UL << (bit % BITS_PER_LONG);
}

static unsigned long popcount(unsigned long w)
{
	w = w - ((w >> 1) & 0x5555555555555555UL);
	w = (w & 0x3333333333333333UL) + ((w >> 2) & 0x3333333333333333UL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fUL;
	return (w * 0x0101010101010101UL) >> 56;
}

void bitmap_zero(unsigned long *map, unsigned long nbits)
{
	for (unsigned long i = 0; i < BITS_TO_LONGS(nbits); i++)
		map[i] = 0;
}

void bitmap_fill(unsigned long *map, unsigned long nbits)
{
	unsigned long n = BITS_TO_LONGS(nbits);

	for (unsigned long i = 0; i < n; i++)
		map[i] = ~0UL;
	if (n)
		map[n - 1] = last_mask(nbits);
}

/*
 * Shared search: @invert flips each word so that looking for a zero bit is
 * looking for a set bit. Bits below @start are masked off in the first word
 * examined, bits past @nbits in the last.
 */
static unsigned long find_next(const unsigned long *map, unsigned long nbits,
			       unsigned long start, unsigned long invert)
{
	unsigned long i, w;

	if (start >= nbits)
		return nbits;
	i = BIT_WORD(start);
	w = (map[i] ^ invert) & first_mask(start);
	for (;;) {
		if (i == BIT_WORD(nbits - 1))
			w &= last_mask(nbits);
		if (w)
			return i * BITS_PER_LONG + (unsigned long)__builtin_ctzl(w);
		if (++i >= BITS_TO_LONGS(nbits))
			return nbits;
		w = map[i] ^ invert;
	}
}

unsigned long bitmap_find_next_set(const unsigned long *map,
				   unsigned long nbits, unsigned long start)
{
	return find_next(map, nbits, start, 0);
}

unsigned long bitmap_find_first_set(const unsigned long *map,
				    unsigned long nbits)
{
	return find_next(map, nbits, 0, 0);
}

unsigned long bitmap_find_next_zero(const unsigned long *map,
				    unsigned long nbits, unsigned long start)
{
	return find_next(map, nbits, start, ~0UL);
}

unsigned long bitmap_find_first_zero(const unsigned long *map,
				     unsigned long nbits)
{
	return find_next(map, nbits, 0, ~0UL);
}

unsigned long bitmap_weight(const unsigned long *map, unsigned long nbits)
{
	unsigned long n = BITS_TO_LONGS(nbits), sum = 0;

	for (unsigned long i = 0; i < n; i++)
		sum += popcount(i == n - 1 ? map[i] & last_mask(nbits) : map[i]);
	return sum;
}

void bitmap_and(unsigned long *dst, const unsigned long *a,
		const unsigned long *b, unsigned long nbits)
{
	for (unsigned long i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = a[i] & b[i];
}

void bitmap_or(unsigned long *dst, const unsigned long *a,
	       const unsigned long *b, unsigned long nbits)
{
	for (unsigned long i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = a[i] | b[i];
}

void bitmap_andnot(unsigned long *dst, const unsigned long *a,
		   const unsigned long *b, unsigned long nbits)
{
	for (unsigned long i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = a[i] & ~b[i];
}

bool bitmap_equal(const unsigned long *a, const unsigned long *b,
		  unsigned long nbits)
{
	unsigned long n = BITS_TO_LONGS(nbits);

	for (unsigned long i = 0; i < n; i++) {
		unsigned long diff = a[i] ^ b[i];

		if (i == n - 1)
			diff &= last_mask(nbits);
		if (diff)
			return false;
	}
	return true;
}

bool bitmap_empty(const unsigned long *map, unsigned long nbits)
{
	return bitmap_find_first_set(map, nbits) == nbits;
}

bool bitmap_full(const unsigned long *map, unsigned long nbits)
{
	return bitmap_find_first_zero(map, nbits) == nbits;
}

/*
 * Apply @set (true) or clear (false) to [start, start+len): a partial first
 * word, whole words, then a partial last word.
 */
static void update_range(unsigned long *map, unsigned long start,
			 unsigned long len, bool set)
{
	unsigned long end = start + len;	/* exclusive */
	unsigned long i = BIT_WORD(start);

	if (!len)
		return;
	while (start < end) {
		unsigned long mask = first_mask(start);
		unsigned long next = (i + 1) * BITS_PER_LONG;

		if (end < next)
			mask &= last_mask(end);
		if (set)
			map[i] |= mask;
		else
			map[i] &= ~mask;
		start = next;
		i++;
	}
}

void bitmap_set_range(unsigned long *map, unsigned long start,
		      unsigned long len)
{
	update_range(map, start, len, true);
}

void bitmap_clear_range(unsigned long *map, unsigned long start,
			unsigned long len)
{
	update_range(map, start, len, false);
}
