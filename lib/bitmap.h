/*
 * lib/bitmap.h - fixed-size bitmaps stored in arrays of unsigned long.
 *
 * Bit n lives in word n / BITS_PER_LONG at position n % BITS_PER_LONG.
 * Guarantees: every operation is non-atomic (callers serialize, e.g. with a
 * lock); queries (find, weight, equal, empty) ignore the bits past @nbits in
 * the last word, and bitmap_fill() leaves them zero, so a bitmap that only
 * these functions touch never has stray high bits. Whole-bitmap operations
 * (and, or, andnot) work on whole words.
 */
#ifndef LIB_BITMAP_H
#define LIB_BITMAP_H

#include <stdbool.h>
#include <stddef.h>

#define BITS_PER_LONG		(8 * (int)sizeof(unsigned long))
#define BITS_TO_LONGS(bits)	(((bits) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]

#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))

/**
 * bitmap_set_bit() - set one bit (non-atomic).
 * @map: the bitmap.
 * @bit: bit number.
 */
static inline void bitmap_set_bit(unsigned long *map, unsigned long bit)
{
	map[BIT_WORD(bit)] |= BIT_MASK(bit);
}

/**
 * bitmap_clear_bit() - clear one bit (non-atomic).
 * @map: the bitmap.
 * @bit: bit number.
 */
static inline void bitmap_clear_bit(unsigned long *map, unsigned long bit)
{
	map[BIT_WORD(bit)] &= ~BIT_MASK(bit);
}

/**
 * bitmap_test_bit() - read one bit.
 * @map: the bitmap.
 * @bit: bit number.
 *
 * Return: true if the bit is set.
 */
static inline bool bitmap_test_bit(const unsigned long *map, unsigned long bit)
{
	return (map[BIT_WORD(bit)] & BIT_MASK(bit)) != 0;
}

/**
 * bitmap_zero() - clear the first @nbits bits (whole words, in fact).
 * @map: the bitmap.
 * @nbits: size in bits.
 */
void bitmap_zero(unsigned long *map, unsigned long nbits);

/**
 * bitmap_fill() - set bits 0..@nbits-1; the tail of the last word is zeroed.
 * @map: the bitmap.
 * @nbits: size in bits.
 */
void bitmap_fill(unsigned long *map, unsigned long nbits);

/**
 * bitmap_find_next_set() - find the first set bit at or after @start.
 * @map: the bitmap.
 * @nbits: size in bits.
 * @start: first bit examined; @start >= @nbits finds nothing.
 *
 * Return: the bit number, or @nbits if there is none.
 */
unsigned long bitmap_find_next_set(const unsigned long *map,
				   unsigned long nbits, unsigned long start);

/**
 * bitmap_find_first_set() - find the lowest set bit.
 * @map: the bitmap.
 * @nbits: size in bits.
 *
 * Return: the bit number, or @nbits if there is none.
 */
unsigned long bitmap_find_first_set(const unsigned long *map,
				    unsigned long nbits);

/**
 * bitmap_find_next_zero() - find the first clear bit at or after @start.
 * @map: the bitmap.
 * @nbits: size in bits.
 * @start: first bit examined; @start >= @nbits finds nothing.
 *
 * Return: the bit number, or @nbits if there is none.
 */
unsigned long bitmap_find_next_zero(const unsigned long *map,
				    unsigned long nbits, unsigned long start);

/**
 * bitmap_find_first_zero() - find the lowest clear bit.
 * @map: the bitmap.
 * @nbits: size in bits.
 *
 * Return: the bit number, or @nbits if all are set.
 */
unsigned long bitmap_find_first_zero(const unsigned long *map,
				     unsigned long nbits);

/**
 * bitmap_weight() - count the set bits among the first @nbits.
 * @map: the bitmap.
 * @nbits: size in bits.
 *
 * Return: the number of set bits.
 */
unsigned long bitmap_weight(const unsigned long *map, unsigned long nbits);

/**
 * bitmap_and() - @dst = @a & @b, over BITS_TO_LONGS(@nbits) words.
 * @dst: result; may alias @a or @b.
 * @a: first operand.
 * @b: second operand.
 * @nbits: size in bits.
 */
void bitmap_and(unsigned long *dst, const unsigned long *a,
		const unsigned long *b, unsigned long nbits);

/**
 * bitmap_or() - @dst = @a | @b, over BITS_TO_LONGS(@nbits) words.
 * @dst: result; may alias @a or @b.
 * @a: first operand.
 * @b: second operand.
 * @nbits: size in bits.
 */
void bitmap_or(unsigned long *dst, const unsigned long *a,
	       const unsigned long *b, unsigned long nbits);

/**
 * bitmap_andnot() - @dst = @a & ~@b, over BITS_TO_LONGS(@nbits) words.
 * @dst: result; may alias @a or @b.
 * @a: first operand.
 * @b: bits to remove.
 * @nbits: size in bits.
 */
void bitmap_andnot(unsigned long *dst, const unsigned long *a,
		   const unsigned long *b, unsigned long nbits);

/**
 * bitmap_equal() - compare the first @nbits bits of two bitmaps.
 * @a: first bitmap.
 * @b: second bitmap.
 * @nbits: size in bits.
 *
 * Return: true if they are equal (bits past @nbits are ignored).
 */
bool bitmap_equal(const unsigned long *a, const unsigned long *b,
		  unsigned long nbits);

/**
 * bitmap_empty() - test whether none of the first @nbits bits is set.
 * @map: the bitmap.
 * @nbits: size in bits.
 *
 * Return: true if all are clear (bits past @nbits are ignored).
 */
bool bitmap_empty(const unsigned long *map, unsigned long nbits);

/**
 * bitmap_full() - test whether all of the first @nbits bits are set.
 * @map: the bitmap.
 * @nbits: size in bits.
 *
 * Return: true if all are set (bits past @nbits are ignored).
 */
bool bitmap_full(const unsigned long *map, unsigned long nbits);

/**
 * bitmap_set_range() - set bits @start .. @start+@len-1.
 * @map: the bitmap.
 * @start: first bit.
 * @len: number of bits; 0 does nothing.
 */
void bitmap_set_range(unsigned long *map, unsigned long start,
		      unsigned long len);

/**
 * bitmap_clear_range() - clear bits @start .. @start+@len-1.
 * @map: the bitmap.
 * @start: first bit.
 * @len: number of bits; 0 does nothing.
 */
void bitmap_clear_range(unsigned long *map, unsigned long start,
			unsigned long len);

#endif /* LIB_BITMAP_H */
