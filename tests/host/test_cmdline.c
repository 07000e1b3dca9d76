/*
 * tests/host/test_cmdline.c - host unit tests of lib/cmdline.c.
 *
 * Well-formed lines (bare keys, values, quotes, tabs, duplicates) and
 * lines full of junk: each bad token must give exactly one error with the
 * right offset and message, and the good tokens around it must still be
 * parsed. Arrays are sized exactly so ASan catches any overrun.
 */
#define KT_SUITE "cmdline"
#include <stdlib.h>
#include <string.h>
#include "tests/host/klib.h"
#include "tests/host/harness.h"

#define MAXP 16
#define MAXE 8

static struct cmdline_param P[MAXP];
static struct cmdline_error E[MAXE];
static int np, ne;

static void parse(const char *line)
{
	memset(P, 0x5a, sizeof(P));
	memset(E, 0x5a, sizeof(E));
	ne = -1;
	np = cmdline_parse(line, P, MAXP, E, MAXE, &ne);
}

TEST(empty_and_blank)
{
	parse("");
	CHECK_INT(0, np);
	CHECK_INT(0, ne);
	parse("   \t \n ");
	CHECK_INT(0, np);
	CHECK_INT(0, ne);
	parse(NULL);
	CHECK_INT(0, np);
	CHECK_INT(0, ne);
}

TEST(keys_and_values)
{
	parse("console=ttyS0,115200 quiet  ktest=rcu,tlb\tcpus=4 mem=512M debug=");
	CHECK_INT(6, np);
	CHECK_INT(0, ne);
	CHECK_STR("console", P[0].key);
	CHECK_STR("ttyS0,115200", P[0].value);
	CHECK(P[0].has_value);
	CHECK_STR("quiet", P[1].key);
	CHECK_STR("", P[1].value);
	CHECK(!P[1].has_value);
	CHECK_STR("ktest", P[2].key);
	CHECK_STR("rcu,tlb", P[2].value);
	CHECK_STR("cpus", P[3].key);
	CHECK_STR("4", P[3].value);
	CHECK_STR("512M", cmdline_get(P, np, "mem"));
	CHECK_STR("", cmdline_get(P, np, "debug"));
	CHECK(P[5].has_value);
	CHECK_STR("", cmdline_get(P, np, "quiet"));
	CHECK_PTR(NULL, cmdline_get(P, np, "absent"));
	CHECK_PTR(NULL, cmdline_get(P, np, "Quiet"));	/* case-sensitive */
	CHECK_PTR(NULL, cmdline_get(P, np, "cpu"));	/* no prefix match */
	CHECK(cmdline_has(P, np, "quiet"));
	CHECK(cmdline_has(P, np, "debug"));
	CHECK(!cmdline_has(P, np, "nope"));
}

TEST(key_charset_and_value_equals)
{
	parse("a.b-c_D9=x=y=z tlb.ceiling=33 -x");
	CHECK_INT(3, np);
	CHECK_INT(0, ne);
	CHECK_STR("a.b-c_D9", P[0].key);
	CHECK_STR("x=y=z", P[0].value);	/* only the first '=' splits */
	CHECK_STR("33", cmdline_get(P, np, "tlb.ceiling"));
	CHECK(cmdline_has(P, np, "-x"));
}

TEST(quoted_values)
{
	parse("init=\"/bin/sh -c 'echo hi'\" empty=\"\" x=1 tab=\"a\tb\"");
	CHECK_INT(4, np);
	CHECK_INT(0, ne);
	CHECK_STR("/bin/sh -c 'echo hi'", cmdline_get(P, np, "init"));
	CHECK_STR("", cmdline_get(P, np, "empty"));
	CHECK(P[1].has_value);
	CHECK_STR("1", cmdline_get(P, np, "x"));
	CHECK_STR("a\tb", cmdline_get(P, np, "tab"));
}

TEST(duplicates_last_wins)
{
	parse("cpus=2 quiet cpus=8");
	CHECK_INT(3, np);
	CHECK_STR("8", cmdline_get(P, np, "cpus"));
	CHECK_STR("2", P[0].value);
}

#define CHECK_ERR(i, want_off, want_tok, want_msg) do {		\
	CHECK_INT(want_off, E[i].offset);				\
	CHECK_STR(want_tok, E[i].token);				\
	CHECK_STR(want_msg, E[i].msg);					\
} while (0)

TEST(junk_tokens_reported_and_skipped)
{
	/* Offsets count the bytes of the C string (each \" is one byte). */
	parse("ok1 =x bad!key=1 ok2=v a\"b ok3 x=\"q\"z ok4=\"w\" v=a\"b ok5");
	CHECK_INT(5, np);
	CHECK_INT(5, ne);
	CHECK_STR("ok1", P[0].key);
	CHECK_STR("ok2", P[1].key);
	CHECK_STR("v", P[1].value);
	CHECK_STR("ok3", P[2].key);
	CHECK_STR("ok4", P[3].key);
	CHECK_STR("w", P[3].value);
	CHECK_STR("ok5", P[4].key);
	CHECK_ERR(0, 4, "=x", "empty key");
	CHECK_ERR(1, 7, "bad!key=1", "invalid character in key");
	CHECK_ERR(2, 23, "a\"b", "invalid character in key");
	CHECK_ERR(3, 31, "x=\"q\"z", "text after closing quote");
	CHECK_ERR(4, 46, "v=a\"b", "quote inside unquoted value");
}

TEST(lone_equals_and_unterminated_quote)
{
	parse("= a=\"never closed b=2 c=3");
	CHECK_INT(0, np);
	CHECK_INT(2, ne);
	CHECK_ERR(0, 0, "=", "empty key");
	CHECK_ERR(1, 2, "a=\"never closed b=2 c=3", "unterminated quote");
}

TEST(length_limits)
{
	char line[600], key32[40], key31[40], val128[140], val127[140];

	memset(key31, 'k', 31);
	key31[31] = '\0';
	memset(key32, 'K', 32);
	key32[32] = '\0';
	memset(val127, 'v', 127);
	val127[127] = '\0';
	memset(val128, 'w', 128);
	val128[128] = '\0';

	snprintf(line, sizeof(line), "%s=%s %s a=%s q=\"%s\" b=\"%s\" end",
		 key31, val127, key32, val128, val127, val128);
	parse(line);
	CHECK_INT(3, np);
	CHECK_INT(3, ne);
	CHECK_STR(key31, P[0].key);
	CHECK_STR(val127, P[0].value);
	CHECK_STR(val127, cmdline_get(P, np, "q"));
	CHECK_STR("end", P[2].key);
	CHECK_STR("key too long", E[0].msg);
	CHECK_STR(key32, E[0].token);	/* 32 chars: fits the excerpt */
	CHECK_STR("value too long", E[1].msg);
	CHECK_STR("value too long", E[2].msg);
	/* Long tokens are cut to 47 chars ending in "..." */
	CHECK_UINT(CMDLINE_TOKEN_MAX, strlen(E[1].token));
	CHECK_STR("...", E[1].token + CMDLINE_TOKEN_MAX - 3);
	CHECK(strncmp(E[1].token, "a=www", 5) == 0);
}

TEST(too_many_params)
{
	struct cmdline_param p2[2];
	struct cmdline_error e2[1];
	int n2 = -1;
	int n = cmdline_parse("a b c =bad d", p2, 2, e2, 1, &n2);

	CHECK_INT(2, n);
	CHECK_INT(1, n2);		/* errors past max_errs are dropped */
	CHECK_STR("too many parameters", e2[0].msg);
	CHECK_STR("c", e2[0].token);
	CHECK_INT(4, e2[0].offset);
	CHECK_STR("a", p2[0].key);
	CHECK_STR("b", p2[1].key);

	/* No error array at all, and no count. */
	n = cmdline_parse("=x y", p2, 2, NULL, 0, NULL);
	CHECK_INT(1, n);
	CHECK_STR("y", p2[0].key);

	/* max 0: everything is "too many". */
	n = cmdline_parse("a b", NULL, 0, e2, 1, &n2);
	CHECK_INT(0, n);
	CHECK_INT(1, n2);
}

TEST(random_junk_never_overruns)
{
	/* Random bytes from a small alphabet of troublemakers. */
	static const char alpha[] = "ab=\" \t_.-!\n";
	unsigned long long r = 12345;

	for (int iter = 0; iter < 3000; iter++) {
		size_t len = (size_t)(r % 300);
		char *line = malloc(len + 1);	/* exact size for ASan */

		for (size_t i = 0; i < len; i++) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			line[i] = alpha[(r >> 33) % (sizeof(alpha) - 1)];
		}
		line[len] = '\0';
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		parse(line);
		CHECK(np >= 0 && np <= MAXP);
		CHECK(ne >= 0 && ne <= MAXE);
		for (int i = 0; i < np; i++) {
			CHECK(strlen(P[i].key) >= 1 && strlen(P[i].key) <= CMDLINE_KEY_MAX);
			CHECK(strlen(P[i].value) <= CMDLINE_VALUE_MAX);
			CHECK(strspn(P[i].key, "ab_.-") == strlen(P[i].key));
		}
		for (int i = 0; i < ne; i++)
			CHECK(E[i].offset >= 0 && (size_t)E[i].offset < len);
		free(line);
	}
}

TEST(list_has)
{
	CHECK(cmdline_list_has("all", "anything"));
	CHECK(cmdline_list_has("pmm", "pmm"));
	CHECK(cmdline_list_has("pmm,heap,smp", "heap"));
	CHECK(cmdline_list_has("pmm,heap,smp", "smp"));
	CHECK(!cmdline_list_has("pmm,heap,smp", "sm"));
	CHECK(!cmdline_list_has("pmm,heap,smp", "heapx"));
	CHECK(!cmdline_list_has("", "pmm"));
	CHECK(!cmdline_list_has("pmm,", "p"));
	CHECK(cmdline_list_has(",pmm", "pmm"));
	CHECK(!cmdline_list_has("allx", "pmm"));
}

TEST(list_item)
{
	const char *sub;
	size_t len;
	CHECK(cmdline_list_item("all", "tlb", &sub, &len) && sub == NULL && len == 0);
	CHECK(cmdline_list_item("rcu,tlb", "tlb", &sub, &len) && sub == NULL);
	CHECK(cmdline_list_item("rcu,tlb:a+bb,smp", "tlb", &sub, &len) && len == 4 &&
	      strncmp(sub, "a+bb", 4) == 0);
	CHECK(cmdline_sublist_has(sub, len, "a"));
	CHECK(cmdline_sublist_has(sub, len, "bb"));
	CHECK(!cmdline_sublist_has(sub, len, "b"));
	CHECK(!cmdline_sublist_has(sub, len, "smp"));	/* stops at the item's end */
	CHECK(!cmdline_list_item("rcu,tlbx:a", "tlb", &sub, &len));
	CHECK(!cmdline_list_item("rcu:tlb", "tlb", &sub, &len));
	CHECK(cmdline_list_item("tlb:", "tlb", &sub, &len) && len == 0);
	CHECK(!cmdline_sublist_has(sub, len, ""));
	CHECK(cmdline_list_item("smp:x", "smp", &sub, &len) && len == 1 && cmdline_sublist_has(sub, len, "x"));
}
