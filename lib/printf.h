/*
 * lib/printf.h - formatted output: to a callback, or into a bounded buffer.
 *
 * Guarantees: no global state and no allocation, so safe in any context
 * including panic and NMI paths; never writes past the buffer size given;
 * no floating point (the kernel is built with -mgeneral-regs-only).
 *
 * Supported: flags '-' '0' ' ' '+' '#', width and precision (also '*'),
 * length modifiers hh h l ll z t j, conversions d i u x X o c s p %.
 * "%p" prints "0x" and 16 hex digits; a NULL "%s" prints "(null)" (cut by
 * the precision like any string). "%n", floating point and unknown
 * conversions are not interpreted: they are printed as written.
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/**
 * vcbprintf() - format and emit each character through a callback.
 * @putc: called once per output character, in order, with @ctx.
 * @ctx: opaque pointer handed to @putc.
 * @fmt: format string.
 * @ap: arguments.
 *
 * Context: any; runs no code of its own except @putc.
 * Return: number of characters emitted.
 */
int vcbprintf(void (*putc)(char c, void *ctx), void *ctx, const char *fmt,
	      va_list ap) __attribute__((format(__printf__, 3, 0)));

/**
 * vsnprintf() - format into a buffer of @size bytes, C99 style.
 * @buf: destination; may be NULL when @size is 0.
 * @size: size of @buf; at most @size - 1 characters are stored, then a
 *        terminating NUL (nothing at all is written when @size is 0).
 * @fmt: format string.
 * @ap: arguments.
 *
 * Return: the length the full output would have had (excluding the NUL);
 * a value >= @size means the output was truncated.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(__printf__, 3, 0)));

/**
 * snprintf() - format into a buffer of @size bytes, C99 style.
 * @buf: destination; may be NULL when @size is 0.
 * @size: size of @buf.
 * @fmt: format string, followed by its arguments.
 *
 * Return: as vsnprintf().
 */
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(__printf__, 3, 4)));

/**
 * printf_symbolize - optional hook for the %pS conversion ("name+0xoff").
 * The kernel points it at its symbol lookup; while it is NULL, %pS prints
 * like %p followed by a literal 'S'.
 */
extern void (*printf_symbolize)(char *buf, size_t size, uintptr_t addr);

#endif /* LIB_PRINTF_H */
