/*
 * lib/printf.c - the one printf engine: vcbprintf(), and the bounded
 * buffer front ends vsnprintf() / snprintf() built on it.
 *
 * Invariant: the engine only ever hands characters to a callback; the
 * buffer writer drops every character at or past size - 1, so the buffer is
 * never overrun while the count (the C99 return value) keeps growing. The
 * output matches ISO C printf for every supported conversion (the host unit
 * tests compare against the host libc), except the documented "%p" and
 * NULL "%s" forms.
 */
#include "lib/printf.h"

void (*printf_symbolize)(char *buf, size_t size, uintptr_t addr);

#include <stdbool.h>
#include <stdint.h>

/* Widths and precisions saturate here, so int arithmetic cannot overflow. */
#define FIELD_MAX	(1 << 24)

struct out {
	void (*putc)(char c, void *ctx);
	void *ctx;
	size_t count;
};

struct spec {
	bool left, zero, space, plus, alt;
	int width;		/* 0: none */
	int prec;		/* -1: none */
};

static void emit(struct out *o, char c)
{
	o->putc(c, o->ctx);
	o->count++;
}

static void emit_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

/* Emit @len bytes of @s, padded to the field width. */
static void put_str(struct out *o, const char *s, int len, const struct spec *sp)
{
	int pad = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		emit_n(o, ' ', pad);
	while (len-- > 0)
		emit(o, *s++);
	if (sp->left)
		emit_n(o, ' ', pad);
}

/*
 * Emit one integer: [spaces] [sign or 0x prefix] [zeros] digits [spaces].
 * @v is the magnitude, @sign the character to put before it (0 for none).
 */
static void put_num(struct out *o, unsigned long long v, char sign,
		    unsigned base, bool upper, const char *prefix,
		    const struct spec *sp)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];		/* 22 octal digits cover 64 bits */
	int nd = 0, zeros, plen = 0, total;

	/* ISO C: a zero value with precision 0 prints no digits at all. */
	if (!(v == 0 && sp->prec == 0)) {
		do {
			tmp[nd++] = dig[v % base];
			v /= base;
		} while (v);
	}
	if (sign)
		plen++;
	for (const char *q = prefix; q && *q; q++)
		plen++;

	zeros = sp->prec > nd ? sp->prec - nd : 0;
	/* '#' with 'o': raise the precision just enough to lead with a 0. */
	if (base == 8 && sp->alt && zeros == 0 && (nd == 0 || tmp[nd - 1] != '0'))
		zeros = 1;
	/* '0' pads with zeros only when no precision is given, and not with '-'. */
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > plen + zeros + nd)
		zeros = sp->width - plen - nd;

	total = plen + zeros + nd;
	if (!sp->left)
		emit_n(o, ' ', sp->width - total);
	if (sign)
		emit(o, sign);
	for (; prefix && *prefix; prefix++)
		emit(o, *prefix);
	emit_n(o, '0', zeros);
	while (nd)
		emit(o, tmp[--nd]);
	if (sp->left)
		emit_n(o, ' ', sp->width - total);
}

/* Parse a decimal field at *@f, saturating at FIELD_MAX. */
static int parse_field(const char **f)
{
	int n = 0;

	for (; **f >= '0' && **f <= '9'; (*f)++)
		if (n < FIELD_MAX)
			n = n * 10 + (**f - '0');
	return n < FIELD_MAX ? n : FIELD_MAX;
}

int vcbprintf(void (*putc)(char c, void *ctx), void *ctx, const char *fmt,
	      va_list ap)
{
	struct out o = { .putc = putc, .ctx = ctx, .count = 0 };

	while (*fmt) {
		const char *start = fmt;
		struct spec sp = { .prec = -1 };
		char len = 0;		/* 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j' */
		bool is_signed = false;
		unsigned long long v = 0;
		unsigned base = 10;
		char sign = 0;
		const char *prefix = NULL;

		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt++;

		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}

		if (*fmt == '*') {
			int w = va_arg(ap, int);

			fmt++;
			/* A negative '*' width means '-' plus its magnitude. */
			if (w < 0) {
				sp.left = true;
				w = w < -FIELD_MAX ? FIELD_MAX : -w;
			}
			sp.width = w < FIELD_MAX ? w : FIELD_MAX;
		} else {
			sp.width = parse_field(&fmt);
		}

		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);

				fmt++;
				/* A negative '*' precision is taken as omitted. */
				sp.prec = p < 0 ? -1 : (p < FIELD_MAX ? p : FIELD_MAX);
			} else {
				sp.prec = parse_field(&fmt);
			}
		}

		switch (*fmt) {
		case 'h':
			len = 'h';
			if (*++fmt == 'h') {
				len = 'H';
				fmt++;
			}
			break;
		case 'l':
			len = 'l';
			if (*++fmt == 'l') {
				len = 'L';
				fmt++;
			}
			break;
		case 'z': case 't': case 'j':
			len = *fmt++;
			break;
		}

		switch (*fmt) {
		case 'd': case 'i':
			is_signed = true;
			/* fall through */
		case 'u':
			break;
		case 'x': case 'X':
			base = 16;
			break;
		case 'o':
			base = 8;
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_str(&o, &c, 1, &sp);
			fmt++;
			continue;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;

			if (!s)
				s = "(null)";
			/* Test the precision first: s need not be terminated. */
			while ((sp.prec < 0 || n < sp.prec) && s[n])
				n++;
			put_str(&o, s, n, &sp);
			fmt++;
			continue;
		}
		case 'p': {
			struct spec ps = sp;

			if (fmt[1] == 'S' && printf_symbolize) {
				/* %pS: "function+0xoff", through the kernel's hook */
				char sym[96];
				int n;

				printf_symbolize(sym, sizeof(sym), (uintptr_t)va_arg(ap, void *));
				for (n = 0; sym[n]; n++)
					;
				put_str(&o, sym, n, &sp);
				fmt += 2;
				continue;
			}

			ps.prec = 16;
			put_num(&o, (uintptr_t)va_arg(ap, void *), 0, 16, false,
				"0x", &ps);
			fmt++;
			continue;
		}
		case '%':
			emit(&o, '%');
			fmt++;
			continue;
		default:
			/*
			 * Unknown conversion (or the string ended inside one):
			 * print the spec as written, consuming no argument.
			 */
			while (start < fmt)
				emit(&o, *start++);
			if (*fmt)
				emit(&o, *fmt++);
			continue;
		}
		fmt++;

		if (is_signed) {
			long long s;

			switch (len) {
			case 'H': s = (signed char)va_arg(ap, int); break;
			case 'h': s = (short)va_arg(ap, int); break;
			case 'l': s = va_arg(ap, long); break;
			case 'L': s = va_arg(ap, long long); break;
			case 'z': s = va_arg(ap, long); break;	/* ssize_t */
			case 't': s = va_arg(ap, ptrdiff_t); break;
			case 'j': s = va_arg(ap, intmax_t); break;
			default:  s = va_arg(ap, int); break;
			}
			/* Negate in unsigned arithmetic: LLONG_MIN is fine. */
			v = s < 0 ? 0 - (unsigned long long)s : (unsigned long long)s;
			if (s < 0)
				sign = '-';
			else if (sp.plus)
				sign = '+';
			else if (sp.space)
				sign = ' ';
		} else {
			switch (len) {
			case 'H': v = (unsigned char)va_arg(ap, unsigned); break;
			case 'h': v = (unsigned short)va_arg(ap, unsigned); break;
			case 'l': v = va_arg(ap, unsigned long); break;
			case 'L': v = va_arg(ap, unsigned long long); break;
			case 'z': v = va_arg(ap, size_t); break;
			case 't': v = (unsigned long)va_arg(ap, ptrdiff_t); break;
			case 'j': v = va_arg(ap, uintmax_t); break;
			default:  v = va_arg(ap, unsigned); break;
			}
			if (base == 16 && sp.alt && v)
				prefix = fmt[-1] == 'X' ? "0X" : "0x";
		}
		put_num(&o, v, sign, base, fmt[-1] == 'X', prefix, &sp);
	}
	return o.count > 0x7fffffff ? 0x7fffffff : (int)o.count;
}

struct bufctx {
	char *buf;
	size_t size;
	size_t pos;
};

/* Store while there is room for the character and the final NUL. */
static void buf_putc(char c, void *p)
{
	struct bufctx *b = p;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct bufctx b = { .buf = buf, .size = size, .pos = 0 };
	int n = vcbprintf(buf_putc, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
