/*
 * lib/string.h - freestanding memory, string and number-parsing routines.
 *
 * Guarantees: no global state, no allocation, safe to call from any
 * context (IRQ, NMI, early boot). The mem and str functions follow ISO C /
 * POSIX semantics; the number parsers never read past the terminating NUL
 * and clamp or reject on overflow instead of wrapping.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

/**
 * memcpy() - copy @n bytes from @src to @dst.
 * @dst: destination; must not overlap @src (use memmove() for that).
 * @src: source.
 * @n: number of bytes.
 *
 * Return: @dst.
 */
void *memcpy(void *dst, const void *src, size_t n);

/**
 * memmove() - copy @n bytes from @src to @dst; the regions may overlap.
 * @dst: destination.
 * @src: source.
 * @n: number of bytes.
 *
 * Return: @dst.
 */
void *memmove(void *dst, const void *src, size_t n);

/**
 * memset() - fill @n bytes at @dst with the byte value @c.
 * @dst: destination.
 * @c: value, converted to unsigned char.
 * @n: number of bytes.
 *
 * Return: @dst.
 */
void *memset(void *dst, int c, size_t n);

/**
 * memcmp() - compare @n bytes as unsigned chars.
 * @a: first region.
 * @b: second region.
 * @n: number of bytes.
 *
 * Return: <0, 0 or >0 as the first differing byte of @a is below, equal to
 * (no difference) or above that of @b.
 */
int memcmp(const void *a, const void *b, size_t n);

/**
 * strlen() - length of a NUL-terminated string.
 * @s: the string.
 *
 * Return: number of bytes before the NUL.
 */
size_t strlen(const char *s);

/**
 * strnlen() - length of a string, reading at most @max bytes.
 * @s: the string (need not be terminated within @max bytes).
 * @max: upper bound.
 *
 * Return: min(strlen(@s), @max).
 */
size_t strnlen(const char *s, size_t max);

/**
 * strcmp() - compare two strings as unsigned chars.
 * @a: first string.
 * @b: second string.
 *
 * Return: <0, 0 or >0 as @a sorts before, equal to or after @b.
 */
int strcmp(const char *a, const char *b);

/**
 * strncmp() - compare at most @n bytes of two strings.
 * @a: first string.
 * @b: second string.
 * @n: maximum number of bytes compared.
 *
 * Return: as strcmp(), over the first @n bytes only; 0 when @n is 0.
 */
int strncmp(const char *a, const char *b, size_t n);

/**
 * strchr() - find the first occurrence of a byte in a string.
 * @s: the string.
 * @c: the byte (converted to char); '\0' finds the terminator.
 *
 * Return: pointer to it, or NULL if absent.
 */
char *strchr(const char *s, int c);

/**
 * strrchr() - find the last occurrence of a byte in a string.
 * @s: the string.
 * @c: the byte (converted to char); '\0' finds the terminator.
 *
 * Return: pointer to it, or NULL if absent.
 */
char *strrchr(const char *s, int c);

/**
 * strncpy() - POSIX strncpy: copy at most @n bytes, then pad with NULs.
 * @dst: destination of exactly @n bytes.
 * @src: source string.
 * @n: size of @dst.
 *
 * Note that @dst is NOT terminated when strlen(@src) >= @n; prefer strlcpy().
 *
 * Return: @dst.
 */
char *strncpy(char *dst, const char *src, size_t n);

/**
 * strlcpy() - bounded copy that always terminates (when @size > 0).
 * @dst: destination buffer of @size bytes.
 * @src: source string.
 * @size: size of @dst; 0 writes nothing.
 *
 * Return: strlen(@src); a value >= @size means the copy was truncated.
 */
size_t strlcpy(char *dst, const char *src, size_t size);

/**
 * strstr() - find the first occurrence of @needle in @haystack.
 * @haystack: string searched.
 * @needle: string looked for; the empty string matches at @haystack.
 *
 * Return: pointer to the match in @haystack, or NULL.
 */
char *strstr(const char *haystack, const char *needle);

/**
 * strtol() - parse a signed long, as ISO C strtol (without errno).
 * @s: string: optional leading whitespace, optional sign, digits.
 * @end: if not NULL, receives a pointer past the last digit used, or @s
 *       when no number was found.
 * @base: 2..36, or 0 to detect "0x"/"0X" (hex), "0" (octal), else decimal.
 *        Any other base parses nothing.
 *
 * Return: the value, clamped to LONG_MIN/LONG_MAX on overflow; 0 if none.
 */
long strtol(const char *s, char **end, int base);

/**
 * strtoul() - parse an unsigned long, as ISO C strtoul (without errno).
 * @s: as strtol(); a leading '-' negates the result modulo 2^64, as in C.
 * @end: as strtol().
 * @base: as strtol().
 *
 * Return: the value, ULONG_MAX on overflow; 0 if none.
 */
unsigned long strtoul(const char *s, char **end, int base);

/**
 * kstrtoull() - strictly parse a whole string as an unsigned number.
 * @s: the string: an optional '+', then digits of @base, and nothing else
 *     (no whitespace, no trailing junk). Base 16 may carry a "0x" prefix.
 * @base: 2..36, or 0 to detect the base from the prefix as strtoul().
 * @out: receives the value on success; untouched on failure.
 *
 * Return: 0 on success, -1 if @s is empty, malformed, or overflows.
 */
int kstrtoull(const char *s, unsigned base, unsigned long long *out);

/**
 * parse_size() - parse a size such as "4096", "0x1000", "64K", "2M", "1G".
 * @s: a kstrtoull() number with base 0, optionally followed by exactly one
 *     suffix K, M or G (either case; powers of 1024).
 * @out: receives the size in bytes on success; untouched on failure.
 *
 * Return: 0 on success, -1 if malformed or the result overflows 64 bits.
 */
int parse_size(const char *s, unsigned long long *out);

#endif /* LIB_STRING_H */
