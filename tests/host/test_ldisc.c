/*
 * tests/host/test_ldisc.c - host unit tests of lib/ldisc.c, the console's
 * line editor: typing, erasing, killing the line, Enter, Ctrl-D on an
 * empty and a non-empty line, a full line, and the echo of each.
 */
#define KT_SUITE "ldisc"
#include <string.h>
#include "tests/host/klib.h"
#include "lib/ldisc.h"
#include "tests/host/harness.h"

/* Feed @in byte by byte; the echo of every byte is appended to @echo.
 * Return: the result of the last byte. */
static enum ldisc_result feed(struct ldisc *ld, const char *in, char *echo, size_t echo_size)
{
	enum ldisc_result r = LDISC_MORE;
	echo[0] = 0;
	for (const char *p = in; *p; p++) {
		char e[4];
		r = ldisc_input(ld, (unsigned char)*p, e);
		strncat(echo, e, echo_size - strlen(echo) - 1);
	}
	return r;
}

TEST(type_and_enter)
{
	struct ldisc ld;
	char echo[64];
	ldisc_reset(&ld);
	CHECK_INT(LDISC_LINE, feed(&ld, "ls /bin\r", echo, sizeof(echo)));
	CHECK_INT(8, (int)ld.len);
	CHECK_MEM("ls /bin\n", ld.buf, 8);
	CHECK_STR("ls /bin\n", echo);
	ldisc_reset(&ld);
	CHECK_INT(LDISC_LINE, feed(&ld, "\n", echo, sizeof(echo)));
	CHECK_INT(1, (int)ld.len);      /* an empty line is "\n", not end of file */
}

TEST(backspace_and_kill)
{
	struct ldisc ld;
	char echo[64];
	ldisc_reset(&ld);
	CHECK_INT(LDISC_MORE, feed(&ld, "cax\b\x7ft", echo, sizeof(echo)));
	CHECK_STR("cax\b \b\b \bt", echo);
	CHECK_INT(2, (int)ld.len);
	CHECK_MEM("ct", ld.buf, 2);
	CHECK_INT(LDISC_MORE, feed(&ld, "\b\b\b\b", echo, sizeof(echo)));
	CHECK_INT(0, (int)ld.len);      /* erasing past the start does nothing */
	CHECK_STR("\b \b\b \b", echo);
	CHECK_INT(LDISC_MORE, feed(&ld, "junk\x15", echo, sizeof(echo)));
	CHECK_STR("junk^U\n", echo);
	CHECK_INT(0, (int)ld.len);
	CHECK_INT(LDISC_MORE, feed(&ld, "\x15", echo, sizeof(echo)));
	CHECK_STR("", echo);            /* killing an empty line shows nothing */
	CHECK_INT(LDISC_LINE, feed(&ld, "ok\n", echo, sizeof(echo)));
	CHECK_MEM("ok\n", ld.buf, 3);
}

TEST(ctrl_d)
{
	struct ldisc ld;
	char echo[64];
	ldisc_reset(&ld);
	CHECK_INT(LDISC_EOF, feed(&ld, "\x04", echo, sizeof(echo)));
	CHECK_INT(LDISC_LINE, feed(&ld, "ab\x04", echo, sizeof(echo)));
	CHECK_INT(2, (int)ld.len);      /* the text, no newline */
	CHECK_STR("ab", echo);
}

TEST(controls_ignored_and_full_line)
{
	struct ldisc ld;
	char echo[64];
	ldisc_reset(&ld);
	CHECK_INT(LDISC_MORE, feed(&ld, "\x01\x1b\t", echo, sizeof(echo)));
	CHECK_INT(0, (int)ld.len);
	CHECK_STR("", echo);
	for (int i = 0; i < LDISC_LINE_MAX + 10; i++) {
		char e[4];
		CHECK_INT(LDISC_MORE, ldisc_input(&ld, 'x', e));
		CHECK_STR(i < LDISC_LINE_MAX - 1 ? "x" : "", e);
	}
	CHECK_INT(LDISC_LINE_MAX - 1, (int)ld.len);
	CHECK_INT(LDISC_LINE, feed(&ld, "\r", echo, sizeof(echo)));
	CHECK_INT(LDISC_LINE_MAX, (int)ld.len);
	CHECK(ld.buf[LDISC_LINE_MAX - 1] == '\n');
}

