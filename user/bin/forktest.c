/*
 * forktest - fork() from user space (suite `fork`, docs/fork.md).
 *
 * Usage:
 *   forktest storm N     N rounds: the parent writes its pattern into a
 *                        16-page buffer, forks; the child checks it sees
 *                        the parent's pre-fork bytes, writes its own,
 *                        checks them, and exits 0; the parent writes a
 *                        third pattern meanwhile, reaps the child, and
 *                        checks it still sees only its own bytes.
 *   forktest limit       fork without reaping until EAGAIN: exactly the
 *                        kernel's bound of children; reaping one makes
 *                        room for one more; every child reaped at the end.
 *   forktest threads     a second thread is running when the main thread
 *                        forks: the child has only the forking thread,
 *                        sees the memory as it was, and can exit alone.
 * Exit status 0 if everything held.
 */
#include <errno.h>
#include <kcalls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/proc/uapi/syscall.h"

#define PAGES 16
#define PAGE 4096

static unsigned char *buf;

static void fill(unsigned char v)
{
	for (int i = 0; i < PAGES; i++)
		memset(buf + i * PAGE, v + i, PAGE);
}

static int check(unsigned char v)
{
	for (int i = 0; i < PAGES; i++)
		for (int j = 0; j < PAGE; j += 512)
			if (buf[i * PAGE + j] != (unsigned char)(v + i))
				return 0;
	return 1;
}

static int storm(int rounds)
{
	int bad = 0;
	for (int r = 0; r < rounds; r++) {
		unsigned char a = (unsigned char)(r * 3), b = (unsigned char)(a + 1), c = (unsigned char)(a + 2);
		fill(a);
		pid_t pid = fork();
		if (pid < 0) {
			printf("forktest: fork failed in round %d (errno %d)\n", r, errno);
			return 1;
		}
		if (pid == 0) {
			int ok = check(a);
			fill(b);
			ok = ok && check(b);
			_exit(ok ? 0 : 1);
		}
		fill(c);
		int status = -1;
		if (wait_pid(pid, &status) != pid || status != 0 || !check(c)) {
			if (bad++ < 5)
				printf("forktest: round %d: child status %d, parent's bytes %s\n", r, status,
				       check(c) ? "intact" : "changed");
		}
	}
	printf("forktest: %d fork rounds, %d bad\n", rounds, bad);
	return bad != 0;
}

static int limit(void)
{
	pid_t pids[SPAWN_MAX_CHILDREN + 1];
	int n = 0, again = 0;
	for (int i = 0; i <= SPAWN_MAX_CHILDREN; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(7);
		if (pid > 0)
			pids[n++] = pid;
		else if (errno == EAGAIN)
			again++;
	}
	int status = -1, ok = n == SPAWN_MAX_CHILDREN && again == 1;
	/* Reaping one makes room for exactly one more. */
	pid_t last = n > 0 ? pids[--n] : -1;
	if (last > 0 && wait_pid(last, &status) == last && WIFEXITED(status) && WEXITSTATUS(status) == 7) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(7);
		if (pid > 0)
			pids[n++] = pid;
		else
			ok = 0;
	} else {
		ok = 0;
	}
	for (int i = 0; i < n; i++)
		if (wait_pid(pids[i], &status) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
			ok = 0;
	printf("forktest: %d children at the bound (%d), %d refused with EAGAIN\n", n, SPAWN_MAX_CHILDREN, again);
	return !ok;
}

static volatile int spin_stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!spin_stop)
		buf[0]++;           /* the parent's page: the child must not see these */
	return NULL;
}

static int threads(void)
{
	pthread_t th;
	fill(40);
	if (pthread_create(&th, NULL, spinner, NULL))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		/* Only this thread exists here (no spinner bumps buf[0]):
		 * what we write stays. */
		fill(80);
		_exit(check(80) ? 0 : 1);
	}
	int status = -1;
	int got = wait_pid(pid, &status);
	spin_stop = 1;
	pthread_join(th, NULL);
	printf("forktest: forked beside a running thread: child status %d\n", status);
	return got != pid || status != 0;
}

/* The kernel test kills the child between its creation and its first
 * thread's start (fork.test_fork_killed_before_start): the child must
 * end with SIGKILL's status without running. */
static int killed(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);           /* only if the kill was lost */
	int status = -1;
	int got = wait_pid(pid, &status);
	printf("forktest: child killed before its start: status %#x\n", status);
	return got != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "storm";
	buf = malloc(PAGES * PAGE);
	if (!buf)
		return 2;
	if (strcmp(mode, "storm") == 0)
		return storm(argc > 2 ? atoi(argv[2]) : 100);
	if (strcmp(mode, "limit") == 0)
		return limit();
	if (strcmp(mode, "threads") == 0)
		return threads();
	if (strcmp(mode, "killed") == 0)
		return killed();
	printf("usage: forktest storm N | limit | threads | killed\n");
	return 2;
}
