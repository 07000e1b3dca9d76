/*
 * user/bin/checks.h - CHECK() and FAILS() for the self-checking user
 * programs the kernel suites run (fs_test, fs_pipe, fmap_test, exectest,
 * killtest): each failed check prints the program, the line, what failed
 * and errno on stderr, and counts in `failed`, which the program returns
 * as its exit status (the suite expects 0).
 *
 * Define CHECKS_PROG (the program's name, a string) before including.
 */
#ifndef USER_BIN_CHECKS_H
#define USER_BIN_CHECKS_H

#include <errno.h>
#include <stdio.h>

#ifndef CHECKS_PROG
#error "define CHECKS_PROG before including checks.h"
#endif

static int failed;

/* @cond must hold. */
#define CHECK(cond) do { if (!(cond)) { failed++; \
	fprintf(stderr, CHECKS_PROG ":%d: check failed: %s (errno %d)\n", __LINE__, #cond, errno); } } while (0)

/* @call must fail with -1 and errno @e. */
#define FAILS(call, e) do { errno = 0; long __r = (long)(call); \
	if (__r != -1 || errno != (e)) { failed++; \
	fprintf(stderr, CHECKS_PROG ":%d: %s: got %ld errno %d, wanted -1 errno %d\n", \
		__LINE__, #call, __r, errno, (e)); } } while (0)

#endif
