/*
 * lib/ldisc.c - the console's line editor (see ldisc.h for the rules).
 */
#include "lib/ldisc.h"

#define CTRL(x) ((x) & 0x1f)

void ldisc_reset(struct ldisc *ld)
{
	ld->len = 0;
}

enum ldisc_result ldisc_input(struct ldisc *ld, int c, char echo[4])
{
	echo[0] = 0;
	if (c == '\r' || c == '\n') {
		ld->buf[ld->len++] = '\n';      /* the free byte kept for it */
		echo[0] = '\n';
		echo[1] = 0;
		return LDISC_LINE;
	}
	if (c == CTRL('D'))
		return ld->len ? LDISC_LINE : LDISC_EOF;
	if (c == 0x7f || c == '\b') {
		if (ld->len) {
			ld->len--;
			echo[0] = '\b', echo[1] = ' ', echo[2] = '\b', echo[3] = 0;
		}
		return LDISC_MORE;
	}
	if (c == CTRL('U')) {
		/* One "\b \b" per erased byte would not fit @echo: the caller
		 * sees len drop to 0 and a lone '\r' plus the kill is shown by
		 * the "^U" convention of canonical terminals. */
		if (ld->len) {
			ld->len = 0;
			echo[0] = '^', echo[1] = 'U', echo[2] = '\n', echo[3] = 0;
		}
		return LDISC_MORE;
	}
	if (c >= 0x20 && c < 0x7f && ld->len < LDISC_LINE_MAX - 1) {
		ld->buf[ld->len++] = (char)c;
		echo[0] = (char)c;
		echo[1] = 0;
	}
	return LDISC_MORE;
}
