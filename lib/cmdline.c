/*
 * lib/cmdline.c - kernel command line parser (see lib/cmdline.h).
 *
 * One pass, left to right: find a token's extent first (key, '=', plain or
 * quoted value), then validate it as a whole. Because the extent is found
 * before any check, a bad token is skipped exactly and the next token is
 * parsed from a sane position. Nothing is copied until the token is known
 * to be good, and every copy is bounded by the destination size.
 */
#include "lib/cmdline.h"
#include "lib/string.h"

#include <stddef.h>

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Copy @len bytes of @s into @dst (which holds @size) and terminate. */
static void copy_str(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static void add_error(struct cmdline_error *errs, int max_errs, int *nerr,
		      const char *line, const char *tok, const char *end,
		      const char *msg)
{
	struct cmdline_error *e;
	size_t len = (size_t)(end - tok);

	if (*nerr >= max_errs)
		return;
	e = &errs[(*nerr)++];
	e->offset = (int)(tok - line);
	e->msg = msg;
	if (len > CMDLINE_TOKEN_MAX) {
		/* Keep the start of the token and mark the cut. */
		copy_str(e->token, sizeof(e->token), tok, CMDLINE_TOKEN_MAX - 3);
		memcpy(e->token + CMDLINE_TOKEN_MAX - 3, "...", 4);
	} else {
		copy_str(e->token, sizeof(e->token), tok, len);
	}
}

int cmdline_parse(const char *line, struct cmdline_param *out, int max,
		  struct cmdline_error *errs, int max_errs, int *nerrs)
{
	const char *p = line ? line : "";
	int n = 0, nerr = 0;

	if (!line)
		line = p;
	for (;;) {
		const char *tok, *key, *val = NULL;
		size_t klen, vlen = 0;
		const char *err = NULL;

		while (is_sep(*p))
			p++;
		if (!*p)
			break;

		/* Extent of the token. */
		tok = key = p;
		while (*p && !is_sep(*p) && *p != '=')
			p++;
		klen = (size_t)(p - key);
		if (*p == '=') {
			p++;
			if (*p == '"') {
				val = ++p;
				while (*p && *p != '"')
					p++;
				vlen = (size_t)(p - val);
				if (!*p) {
					err = "unterminated quote";
				} else if (*++p && !is_sep(*p)) {
					err = "text after closing quote";
					while (*p && !is_sep(*p))
						p++;
				}
			} else {
				val = p;
				while (*p && !is_sep(*p)) {
					if (*p == '"')
						err = "quote inside unquoted value";
					p++;
				}
				vlen = (size_t)(p - val);
			}
		}

		/* Validation, in the order a reader would see the problems. */
		if (klen == 0) {
			err = "empty key";
		} else if (klen > CMDLINE_KEY_MAX) {
			err = "key too long";
		} else {
			for (size_t i = 0; i < klen; i++) {
				if (!is_key_char(key[i])) {
					err = "invalid character in key";
					break;
				}
			}
		}
		if (!err && vlen > CMDLINE_VALUE_MAX)
			err = "value too long";
		if (!err && n >= max)
			err = "too many parameters";

		if (err) {
			add_error(errs, max_errs, &nerr, line, tok, p, err);
			continue;
		}
		copy_str(out[n].key, sizeof(out[n].key), key, klen);
		copy_str(out[n].value, sizeof(out[n].value), val ? val : "", vlen);
		out[n].has_value = val != NULL;
		n++;
	}
	if (nerrs)
		*nerrs = nerr;
	return n;
}

const char *cmdline_get(const struct cmdline_param *p, int n, const char *key)
{
	/* Search backwards: the last occurrence of a key wins. */
	for (int i = n - 1; i >= 0; i--)
		if (!strcmp(p[i].key, key))
			return p[i].value;
	return NULL;
}

bool cmdline_has(const struct cmdline_param *p, int n, const char *key)
{
	return cmdline_get(p, n, key) != NULL;
}

/* The first item of the comma list @list that is @name, or (@allow_sub)
 * @name then a colon and a sub-list, returned in @sub and @sublen. */
static bool find_item(const char *list, const char *name, bool allow_sub, const char **sub,
		      size_t *sublen)
{
	*sub = NULL;
	*sublen = 0;
	if (strcmp(list, "all") == 0)
		return true;
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len >= n && strncmp(p, name, n) == 0 &&
		    (len == n || (allow_sub && p[n] == ':'))) {
			if (len > n) {
				*sub = p + n + 1;
				*sublen = len - n - 1;
			}
			return true;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

bool cmdline_list_has(const char *list, const char *name)
{
	const char *sub;
	size_t sublen;
	return find_item(list, name, false, &sub, &sublen);
}

bool cmdline_list_item(const char *list, const char *name, const char **sub, size_t *sublen)
{
	return find_item(list, name, true, sub, sublen);
}

bool cmdline_sublist_has(const char *sub, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *stop = sub + len;
	for (const char *p = sub; p < stop;) {
		const char *plus = p;
		while (plus < stop && *plus != '+')
			plus++;
		size_t l = (size_t)(plus - p);
		if (l == n && n && strncmp(p, name, n) == 0)
			return true;
		p = plus + 1;
	}
	return false;
}
