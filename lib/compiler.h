/*
 * lib/compiler.h - compiler attributes and small generic helper macros.
 *
 * Guarantees: header-only, no state, no dependencies beyond <stddef.h>.
 * MIN/MAX evaluate each argument exactly once and refuse (at compile time,
 * via a pointer-comparison warning) to mix incompatible types; the ALIGN
 * macros require a power-of-two alignment.
 */
#ifndef LIB_COMPILER_H
#define LIB_COMPILER_H

#include <stddef.h>

/* Branch prediction hints: the result is the truth value (0 or 1). */
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define __packed	__attribute__((packed))
#define __aligned(n)	__attribute__((aligned(n)))
#define __noreturn	__attribute__((noreturn))
#define __unused	__attribute__((unused))
#define __used		__attribute__((used))
#define __noinline	__attribute__((noinline))
#define __must_check __attribute__((warn_unused_result))
#define __section(s)	__attribute__((section(s)))

#ifndef offsetof
#define offsetof(type, member)	__builtin_offsetof(type, member)
#endif

/* Compile-time assertion: breaks the build when @cond is true. */
#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")

/*
 * Number of elements of a true array. The second term is zero for arrays
 * and fails to compile for pointers (a negative bit-field width), so
 * passing a decayed pointer is caught.
 */
#define __must_be_array(a) \
	(sizeof(struct { int : (-!!__builtin_types_compatible_p(__typeof__(a), \
						__typeof__(&(a)[0]))); }))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]) + 0 * __must_be_array(a))

/* Pointer to the structure of @type whose @member is at @ptr. */
#define container_of(ptr, type, member) ({				\
	const __typeof__(((type *)0)->member) *__mptr = (ptr);		\
	(type *)((char *)__mptr - offsetof(type, member)); })

/* @a must be a power of two. The result has the type of @x (promoted). */
#define ALIGN_UP(x, a)		(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

/* Integer division rounding up; @n and @d are evaluated more than once. */
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

/*
 * Type-checked minimum / maximum. The dummy pointer comparison makes GCC
 * warn (an error under -Werror) when @a and @b have different types.
 */
#define MIN(a, b) ({							\
	__typeof__(a) __min_a = (a);					\
	__typeof__(b) __min_b = (b);					\
	(void)(&__min_a == &__min_b);					\
	__min_a < __min_b ? __min_a : __min_b; })

#define MAX(a, b) ({							\
	__typeof__(a) __max_a = (a);					\
	__typeof__(b) __max_b = (b);					\
	(void)(&__max_a == &__max_b);					\
	__max_a > __max_b ? __max_a : __max_b; })

#endif /* LIB_COMPILER_H */
