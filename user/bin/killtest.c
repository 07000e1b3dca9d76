/*
 * killtest - kill(), waitpid() and its status encoding, getppid() and
 * orphans, for the `exec` suite.
 *
 * Usage:
 *   killtest status    children that exit(7), exit(0), are killed by a fault,
 *                      by SIGKILL and by SIGTERM: each status decoded with
 *                      the <sys/wait.h> macros; waitpid(-1) reaps any child
 *   killtest wnohang   WNOHANG on a running child returns 0 and leaves it;
 *                      on none ended, then the child reaped once it ends
 *   killtest kill      SIGKILL a spinning child and SIGTERM a sleeping one,
 *                      both reported as signalled, promptly
 *   killtest errors    ESRCH, EINVAL (signal, pid <= 0), EPERM (a sibling),
 *                      ECHILD, EINVAL for a bad option, EFAULT status
 *   killtest perm PID  (a child) kill(PID, 0) must give EPERM
 *   killtest orphans N spawn a child that spawns N sleepers and exits: they
 *                      are orphans, the kernel reaps them
 *   killtest parent N  (that child)
 *   killtest limit     spawn sleepers until EAGAIN: exactly SPAWN_MAX_CHILDREN
 *                      of them; then SIGKILL each and reap it
 *   killtest execkill N  N rounds of `exectest threads` killed at a random
 *                      moment: before, during or after its execve (which
 *                      ends three threads); each must end SIGKILLed or
 *                      with exit 0, never hang
 *   killtest waitrace N  N rounds of spawn `true` and wait(): each must
 *                      return that child (the suite widens the window
 *                      between wait's look and its sleep meanwhile)
 * Exit status 0 if everything was as it must be, else the failed checks.
 */
#include <errno.h>
#include <kcalls.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECKS_PROG "killtest"
#include "checks.h"

static int start(const char *name, const char *a1, const char *a2)
{
	char *argv[] = { (char *)name, (char *)a1, (char *)a2, NULL };
	int pid = spawn(name, argv);
	if (pid <= 0) {
		printf("killtest: spawn %s failed (errno %d)\n", name, errno);
		failed++;
	}
	return pid;
}

static unsigned long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

/* Reap @pid and return its status (-1 if waitpid failed). */
static int reap(int pid)
{
	int st = -1;
	int r = waitpid(pid, &st, 0);
	if (r != pid) {
		printf("killtest: waitpid(%d) returned %d (errno %d)\n", pid, r, errno);
		failed++;
		return -1;
	}
	return st;
}

static void statuses(void)
{
	int e7 = start("exectest", "exit", "7"), e0 = start("true", NULL, NULL);
	int sv = start("segv", NULL, NULL);
	int st = reap(e7);
	CHECK(WIFEXITED(st) && !WIFSIGNALED(st) && WEXITSTATUS(st) == 7);
	st = reap(e0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = reap(sv);
	CHECK(WIFSIGNALED(st) && !WIFEXITED(st) && WTERMSIG(st) == SIGSEGV);
	/* The parent's pid as the child sees it. */
	char me[16];
	snprintf(me, sizeof(me), "%d", getpid());
	st = reap(start("exectest", "ppid", me));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* waitpid(-1): whichever ends; all three, then ECHILD. */
	int pids[3] = { start("true", NULL, NULL), start("exectest", "exit", "3"), start("true", NULL, NULL) };
	int seen = 0;
	for (int i = 0; i < 3; i++) {
		int s = -1, r = wait(&s);
		for (int j = 0; j < 3; j++)
			if (r == pids[j] && !(seen & (1 << j))) {
				seen |= 1 << j;
				CHECK(WIFEXITED(s) && WEXITSTATUS(s) == (j == 1 ? 3 : 0));
			}
	}
	CHECK(seen == 7);
	CHECK(wait(NULL) == -1 && errno == ECHILD);
}

static void wnohang(void)
{
	int pid = start("sleeper", "300", NULL);
	int st = 12345;
	CHECK(waitpid(pid, &st, WNOHANG) == 0);
	CHECK(st == 12345);                     /* untouched */
	CHECK(waitpid(-1, &st, WNOHANG) == 0);
	CHECK(kill(pid, 0) == 0);               /* still there */
	unsigned long long t0 = now_ms();
	int r;
	while ((r = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() - t0 < 20000)
		usleep(10 * 1000);
	CHECK(r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(waitpid(pid, &st, WNOHANG) == -1 && errno == ECHILD);
}

static void kills(void)
{
	int spinner = start("spin", "100000", NULL), napper = start("sleeper", "100000", NULL);
	usleep(20 * 1000);                      /* both running, one asleep */
	unsigned long long t0 = now_ms();
	CHECK(kill(spinner, SIGKILL) == 0);
	CHECK(kill(napper, SIGTERM) == 0);
	int a = reap(spinner), b = reap(napper);
	unsigned long long ms = now_ms() - t0;
	CHECK(WIFSIGNALED(a) && WTERMSIG(a) == SIGKILL);
	CHECK(WIFSIGNALED(b) && WTERMSIG(b) == SIGTERM);
	CHECK(ms < 20000);                      /* not their 100 s */
	/* A second kill of an ended and reaped process: gone. */
	CHECK(kill(spinner, SIGKILL) == -1 && errno == ESRCH);
}

static void errors(void)
{
	CHECK(kill(1 << 30, SIGKILL) == -1 && errno == ESRCH);
	int pid = start("sleeper", "100000", NULL);
	CHECK(kill(pid, 5) == -1 && errno == EINVAL);
	CHECK(kill(pid, -1) == -1 && errno == EINVAL);
	CHECK(kill(pid, 1000) == -1 && errno == EINVAL);
	CHECK(kill(0, SIGKILL) == -1 && errno == EINVAL);
	CHECK(kill(-1, SIGKILL) == -1 && errno == EINVAL);
	CHECK(kill(getpid(), 0) == 0);
	/* A sibling may not signal it: a child of ours tries. */
	char p[16];
	snprintf(p, sizeof(p), "%d", pid);
	int st = reap(start("killtest", "perm", p));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Our parent (the kernel: 0) is not ours to signal either. */
	CHECK(getppid() == 0);
	CHECK(waitpid(pid, &st, 0x40) == -1 && errno == EINVAL);
	CHECK(waitpid(pid, (int *)0x10, 0) == -1 && errno == EFAULT);
	CHECK(waitpid(pid, (int *)0xffff800000000000ul, WNOHANG) == -1 && errno == EFAULT);
	CHECK(kill(pid, SIGKILL) == 0);
	st = reap(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(waitpid(pid, &st, 0) == -1 && errno == ECHILD);
	CHECK(waitpid(-5, &st, 0) == -1 && errno == ECHILD);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "status";

	if (strcmp(mode, "status") == 0)
		statuses();
	else if (strcmp(mode, "wnohang") == 0)
		wnohang();
	else if (strcmp(mode, "kill") == 0)
		kills();
	else if (strcmp(mode, "errors") == 0)
		errors();
	else if (strcmp(mode, "perm") == 0 && argc > 2) {
		CHECK(kill(atoi(argv[2]), 0) == -1 && errno == EPERM);
		CHECK(kill(atoi(argv[2]), SIGKILL) == -1 && errno == EPERM);
		CHECK(kill(getppid(), SIGTERM) == -1 && errno == EPERM);
	} else if (strcmp(mode, "limit") == 0) {
		static int pids[SPAWN_MAX_CHILDREN + 1];
		char *sl[] = { "sleeper", "100000", NULL };
		int n = 0, pid;
		while (n <= SPAWN_MAX_CHILDREN && (pid = spawn("sleeper", sl)) > 0)
			pids[n++] = pid;
		CHECK(n == SPAWN_MAX_CHILDREN && pid == -1 && errno == EAGAIN);
		for (int i = 0; i < n; i++)
			CHECK(kill(pids[i], SIGKILL) == 0);
		for (int i = 0; i < n; i++) {
			int st = reap(pids[i]);
			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		}
		CHECK(spawn("true", NULL) > 0 && wait(NULL) > 0);   /* room again */
	} else if (strcmp(mode, "execkill") == 0 && argc > 2) {
		unsigned long long seed = now_ms() | 1;
		int early = 0, done = 0;
		for (int i = 0, n = atoi(argv[2]); i < n; i++) {
			int pid = start("exectest", "threads", NULL);
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			usleep((unsigned)((seed >> 33) % 60000));     /* 0-60 ms */
			kill(pid, SIGKILL);                             /* ESRCH never: not reaped yet */
			int st = reap(pid);
			CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) || (WIFEXITED(st) && WEXITSTATUS(st) == 0));
			early += WIFSIGNALED(st);
			done += WIFEXITED(st);
		}
		printf("killtest execkill: %d killed, %d had finished\n", early, done);
	} else if (strcmp(mode, "waitrace") == 0 && argc > 2) {
		for (int i = 0, n = atoi(argv[2]); i < n; i++) {
			int pid = start("true", NULL, NULL), st = -1;
			CHECK(wait(&st) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		}
	} else if (strcmp(mode, "orphans") == 0 && argc > 2) {
		int st = reap(start("killtest", "parent", argv[2]));
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	} else if (strcmp(mode, "parent") == 0 && argc > 2) {
		int n = atoi(argv[2]);
		for (int i = 0; i < n; i++)
			start("sleeper", "200", NULL);
		/* Exit without waiting: they outlive us, reparented to the kernel. */
	} else {
		printf("usage: killtest status|wnohang|kill|errors|limit|orphans N|execkill N|waitrace N\n");
		return 98;
	}
	return failed;
}
