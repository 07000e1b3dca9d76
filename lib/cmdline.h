/*
 * lib/cmdline.h - kernel command line parser (pure logic, no kernel state).
 *
 * The line is a sequence of tokens separated by spaces or tabs (newlines
 * and carriage returns count as separators too): "key" or "key=value",
 * where a value may be double-quoted to hold separators: key="a b". Keys
 * are 1..CMDLINE_KEY_MAX characters of [A-Za-z0-9_.-]; values up to
 * CMDLINE_VALUE_MAX characters.
 *
 * Guarantees: a malformed token is reported and skipped, and parsing goes
 * on with the next one, so one typo never hides the rest of the line;
 * nothing is ever written past the arrays given; all strings stored are
 * NUL-terminated. Which keys are known is the kernel's business, not this
 * parser's.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_KEY_MAX		31	/* characters, excluding the NUL */
#define CMDLINE_VALUE_MAX	127
#define CMDLINE_TOKEN_MAX	47	/* excerpt of a bad token in an error */

struct cmdline_param {
	char key[CMDLINE_KEY_MAX + 1];
	char value[CMDLINE_VALUE_MAX + 1];	/* "" for a bare key */
	bool has_value;				/* "key=..." rather than "key" */
};

struct cmdline_error {
	int offset;			/* byte offset of the token in the line */
	const char *msg;		/* static text, e.g. "invalid character in key" */
	char token[CMDLINE_TOKEN_MAX + 1];	/* the token, cut to fit */
};

/**
 * cmdline_parse() - split a command line into key / key=value parameters.
 * @line: the command line; NULL is taken as "".
 * @out: array of @max parameters filled in order of appearance.
 * @max: capacity of @out; each token beyond it is an error.
 * @errs: array of @max_errs errors filled in order; may be NULL if
 *        @max_errs is 0.
 * @max_errs: capacity of @errs; further errors are dropped.
 * @nerrs: if not NULL, receives the number of errors stored in @errs
 *         (at most @max_errs).
 *
 * Errors (each skips one token): empty key ("=x"), invalid character in the
 * key, key or value too long, unterminated quote (skips the rest of the
 * line), text after a closing quote, a quote inside an unquoted value, too
 * many parameters. A key may repeat; each occurrence is stored.
 *
 * Context: any; pure function of its arguments.
 * Return: the number of parameters stored in @out.
 */
int cmdline_parse(const char *line, struct cmdline_param *out, int max,
		  struct cmdline_error *errs, int max_errs, int *nerrs);

/**
 * cmdline_get() - look a key up among parsed parameters.
 * @p: parameters from cmdline_parse().
 * @n: how many.
 * @key: key looked for (exact, case-sensitive match).
 *
 * When a key appears more than once, the last occurrence wins, so a later
 * "key=..." overrides an earlier one.
 *
 * Return: its value, "" for a bare key or "key=", or NULL if absent.
 */
const char *cmdline_get(const struct cmdline_param *p, int n, const char *key);

/**
 * cmdline_has() - test whether a key is present (bare or with a value).
 * @p: parameters from cmdline_parse().
 * @n: how many.
 * @key: key looked for.
 *
 * Return: true if present.
 */
bool cmdline_has(const struct cmdline_param *p, int n, const char *key);

/**
 * cmdline_list_has() - is @name one of the comma-separated names in @list?
 * The list "all" contains every name.  (ktest=, bench=)
 */
bool cmdline_list_has(const char *list, const char *name);

/**
 * cmdline_list_item() - find @name in a comma list whose items may carry a
 * sub-list after a colon: "rcu,tlb:lazy_cpus+munmap_flushes_its_range".
 * @list: the comma list ("all" contains every name, with no sub-list).
 * @name: the item looked for: an item is @name, or @name then ':'.
 * @sub: set to the item's sub-list (the text after ':'), NULL if none.
 * @sublen: set to the sub-list's length (0 if none).
 *
 * Return: true if @list has such an item (the first one counts).
 */
bool cmdline_list_item(const char *list, const char *name, const char **sub, size_t *sublen);

/**
 * cmdline_sublist_has() - is @name one of the '+'-separated names of the
 * @len characters at @sub (a sub-list from cmdline_list_item())?
 */
bool cmdline_sublist_has(const char *sub, size_t len, const char *name);

#endif /* LIB_CMDLINE_H */
