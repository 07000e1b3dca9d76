/*
 * zombies - attack: children nobody waits for.  A process that spawns and
 * never waits must hold a bounded number of them (spawn then fails with
 * EAGAIN), and everything they held must come back when it ends: zombies
 * are freed with their parent, running children free themselves when they
 * end.  The `security` suite compares the kernel heap before and after.
 *
 * Usage:
 *   zombies spawn N    spawn N `true` children and never wait for them;
 *                      past the bound spawn must fail with EAGAIN, and a
 *                      waitpid() must make room for one more
 *   zombies orphans N  spawn N `sleeper 200` children and exit at once
 * Exit status 0 if the kernel behaved so.
 */
#include <errno.h>
#include <kcalls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/proc/uapi/syscall.h"

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "spawn";
	int n = argc > 2 ? atoi(argv[2]) : 200;
	int ok = 0, again = 0, other = 0, first = -1;

	if (strcmp(mode, "orphans") == 0) {
		char *sleeper[] = { "sleeper", "200", NULL };

		for (int i = 0; i < n; i++)
			ok += spawn("sleeper", sleeper) > 0;
		printf("zombies: %d running children left behind\n", ok);
		return ok == n ? 0 : 1;
	}
	for (int i = 0; i < n; i++) {
		int pid = spawn("true", NULL);

		if (pid > 0) {
			ok++;
			if (first < 0)
				first = pid;
		} else if (errno == EAGAIN) {
			again++;
		} else {
			other++;
		}
	}
	printf("zombies: %d children spawned and never waited for, %d refused (EAGAIN), %d other errors\n",
	       ok, again, other);
	/* Every child counts until reaped, running or not: exactly the bound. */
	if (other || ok != (n < SPAWN_MAX_CHILDREN ? n : SPAWN_MAX_CHILDREN))
		return 1;
	if (again) {
		/* At the bound: reaping one makes room for one. */
		int status;

		if (wait_pid(first, &status) < 0 || status != 0 || spawn("true", NULL) <= 0) {
			printf("zombies: no room after reaping a child\n");
			return 1;
		}
	}
	return 0;
}
