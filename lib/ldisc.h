/*
 * lib/ldisc.h - the console's line discipline as pure code: characters in,
 * an edited line and the echo out.  No kernel state: kernel/fs/tty.c feeds
 * it the serial bytes and sleeps between them; tests/host/test_ldisc.c
 * feeds it strings.
 *
 * Invariant: buf[0..len) is the line being edited, printable bytes only;
 * a finished line (LDISC_LINE) ends with '\n' and stays in buf until the
 * caller starts the next one with ldisc_reset().
 *
 * Editing, as a canonical-mode terminal (and xv6's console) does:
 *   printable byte   appended and echoed (dropped, unechoed, once full:
 *                    one byte stays free for the '\n')
 *   Backspace, DEL   erase the last byte ("\b \b")
 *   Ctrl-U           erase the whole line
 *   Enter (CR, LF)   the line is done, '\n' appended and echoed
 *   Ctrl-D           end of input: with an empty line, end of file
 *                    (LDISC_EOF); with text, that text is done without a
 *                    '\n' (POSIX's VEOF)
 *   anything else    ignored
 */
#ifndef LIB_LDISC_H
#define LIB_LDISC_H

#include <stddef.h>

#define LDISC_LINE_MAX 256

enum ldisc_result {
	LDISC_MORE,     /* the line goes on: feed the next byte */
	LDISC_LINE,     /* buf[0..len) is a finished line */
	LDISC_EOF,      /* Ctrl-D on an empty line: end of file */
};

struct ldisc {
	char buf[LDISC_LINE_MAX];
	size_t len;
};

/** ldisc_reset() - start a new, empty line. */
void ldisc_reset(struct ldisc *ld);

/**
 * ldisc_input() - feed one received byte @c.
 * @echo: where the bytes to show go (at most 4), NUL-terminated; the
 *        empty string when nothing is to be shown.
 * Return: what the line is now (enum ldisc_result).
 */
enum ldisc_result ldisc_input(struct ldisc *ld, int c, char echo[4]);

#endif
