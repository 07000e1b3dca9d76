/*
 * tests/host/test_path.c - host unit tests of lib/path.c: components of
 * absolute and relative paths, runs of slashes, trailing slashes, the
 * length limit (exactly at it and one past), "." and "..".  Buffers are
 * sized exactly, so ASan catches an overrun.
 */
#define KT_SUITE "path"
#include <stdlib.h>
#include <string.h>
#include "tests/host/klib.h"
#include "lib/path.h"
#include "tests/host/harness.h"

TEST(components)
{
	const char *p = "//usr///local/bin/";
	char name[16];
	CHECK_INT(3, path_next(&p, name, sizeof(name)));
	CHECK_STR("usr", name);
	CHECK(!path_at_end(p));
	CHECK_INT(5, path_next(&p, name, sizeof(name)));
	CHECK_STR("local", name);
	CHECK_INT(3, path_next(&p, name, sizeof(name)));
	CHECK_STR("bin", name);
	CHECK(path_at_end(p));
	CHECK_INT(0, path_next(&p, name, sizeof(name)));
	CHECK_STR("", name);
}

TEST(relative_and_root)
{
	const char *p = "a/./..";
	char name[4];
	CHECK_INT(1, path_next(&p, name, sizeof(name)));
	CHECK_STR("a", name);
	CHECK_INT(1, path_next(&p, name, sizeof(name)));
	CHECK(path_is_dot(name));
	CHECK_INT(2, path_next(&p, name, sizeof(name)));
	CHECK(path_is_dotdot(name));
	CHECK(!path_is_dot(name));
	const char *root = "/";
	CHECK(path_at_end(root));
	CHECK_INT(0, path_next(&root, name, sizeof(name)));
	CHECK(!path_is_dot("..."));
	CHECK(!path_is_dotdot(".a"));
	CHECK(!path_is_dot(""));
}

TEST(length_limit)
{
	char *name = malloc(4);
	const char *p = "abc/abcd";
	CHECK_INT(3, path_next(&p, name, 4));     /* exactly fits with its NUL */
	CHECK_STR("abc", name);
	const char *before = p;
	CHECK_INT(-1, path_next(&p, name, 4));    /* one too long: refused */
	CHECK(p == before);
	CHECK_STR("abc", name);                   /* untouched */
	free(name);
}
