/*
 * wait_attack - attack: waitpid() on processes that are not one's children.
 * Only a parent may wait for (and so reap) a process; anything else must
 * fail with ECHILD at once.
 *
 * Usage:
 *   wait_attack other PID  wait for PID, a process this one did not spawn
 *                          (the suite's own child): ECHILD, and the real
 *                          parent can still wait for it afterwards;
 *   wait_attack self       spawn `wait_attack selfwait`, which waits for
 *                          itself, pid 0, -1 and an unused pid before its
 *                          parent (us) waits for it: ECHILD each (waiting
 *                          for oneself used to sleep forever, and to take
 *                          the child away from its parent);
 *   wait_attack exit       a second thread blocks in waitpid() for a child
 *                          that sleeps for 3 s, another in waitpid() for
 *                          ourselves, and the main thread calls exit(): the
 *                          process must end now, every thread with it, not
 *                          when the child does.
 * Exit status 0 if every call was refused as it must be.
 */
#include <errno.h>
#include <kcalls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int refused(int pid)
{
	int status = -12345;
	int r = wait_pid(pid, &status);

	if (r == -1 && errno == ECHILD && status == -12345)
		return 1;
	printf("wait_attack: waitpid(%d) returned %d (errno %d, status %d); expected ECHILD\n",
	       pid, r, r < 0 ? errno : 0, status);
	return 0;
}

static void *wait_for_child(void *arg)
{
	int status;

	wait_pid((int)(long)arg, &status);	/* blocks until exit() ends us */
	printf("wait_attack: unreachable: waitpid returned after exit()\n");
	return NULL;
}

static void *wait_for_self(void *arg)
{
	(void)arg;
	refused(getpid());
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "self";
	int bad = 0;

	if (strcmp(mode, "other") == 0 && argc > 2) {
		bad += !refused(atoi(argv[2]));
	} else if (strcmp(mode, "selfwait") == 0) {
		bad += !refused(getpid());
		bad += !refused(0);
		bad += !refused(-1);
		bad += !refused(1 << 30);
	} else if (strcmp(mode, "self") == 0) {
		/* The child must get to its waits before we claim it with
		 * ours, or the kernel's "already waited for" would answer. */
		char *child_argv[] = { "wait_attack", "selfwait", NULL };
		int child = spawn("wait_attack", child_argv), status = -1;

		if (child < 0)
			return 2;
		usleep(100 * 1000);
		if (wait_pid(child, &status) != child || status != 0) {
			printf("wait_attack: could not wait for my child %d (status %d)\n", child, status);
			bad++;
		}
	} else if (strcmp(mode, "exit") == 0) {
		char *child_argv[] = { "sleeper", "3000", NULL };
		int child = spawn("sleeper", child_argv);
		pthread_t a, b;

		if (child < 0)
			return 2;
		if (pthread_create(&a, NULL, wait_for_child, (void *)(long)child) ||
		    pthread_create(&b, NULL, wait_for_self, NULL))
			return 3;
		usleep(50 * 1000);		/* let both reach waitpid() */
		printf("wait_attack: exit() with a thread in waitpid(%d)\n", child);
		exit(0);
	} else {
		printf("wait_attack: usage: wait_attack other PID | self | selfwait | exit\n");
		return 4;
	}
	printf("wait_attack %s: %s\n", mode, bad ? "a wait was allowed" : "every wait refused");
	return bad;
}
