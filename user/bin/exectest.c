/*
 * exectest - execve() from user space, for the `exec` suite.
 *
 * Usage:
 *   exectest args       execve() itself in `check` mode with known argv and
 *                       envp; `check` verifies they arrived
 *   exectest check ...  (the target) argc, argv, envp, environ, getenv()
 *   exectest bad        failing execve()s: ENOENT, EFAULT (the path, argv,
 *                       a string in argv, envp, a string in envp), E2BIG,
 *                       ENAMETOOLONG; after each, the caller's memory (heap,
 *                       stack, an mmap) and a second thread are intact
 *   exectest threads    three more threads (spinning, sleeping, joining),
 *                       then execve() of `exectest alone TID...`
 *   exectest alone TID...  (the target) none of those threads is left: the
 *                       kernel knows no thread TID in this process
 *   exectest exit N     exit(N) (wait status tests)
 *   exectest ppid N     exit 0 if getppid() == N
 * Exit status 0 if everything was as it must be; otherwise the number of
 * failed checks (or 99: an execve() that should have worked returned).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHECKS_PROG "exectest"
#include "checks.h"

static int check_target(int argc, char **argv, char **envp)
{
	CHECK(argc == 4);
	CHECK(argc > 3 && strcmp(argv[2], "a b") == 0 && strcmp(argv[3], "") == 0);
	CHECK(argv[argc] == NULL);
	CHECK(envp == environ);
	CHECK(envp[0] && strcmp(envp[0], "FOO=bar") == 0);
	CHECK(envp[0] && envp[1] && strcmp(envp[1], "X=1") == 0);
	CHECK(envp[0] && envp[1] && envp[2] == NULL);
	CHECK(getenv("FOO") && strcmp(getenv("FOO"), "bar") == 0);
	CHECK(getenv("FO") == NULL && getenv("Y") == NULL);
	return failed;
}

/* Expect execve(path, argv, envp) to fail with @err. */
static void refused(const char *what, const char *path, char *const *argv, char *const *envp, int err)
{
	errno = 0;
	int r = execve(path, argv, envp);
	if (r != -1 || errno != err) {
		printf("exectest: %s: execve returned %d, errno %d; expected errno %d\n", what, r, errno, err);
		failed++;
	}
}

static volatile unsigned long ticks;
static volatile int stop;

static void *counter(void *arg)
{
	(void)arg;
	while (!stop)
		ticks++;
	return NULL;
}

static int bad_execs(void)
{
	char *ok_argv[] = { "hello", NULL };
	char *env[] = { "A=1", NULL };
	/* What must survive every failure: heap, stack, a mapping, a thread. */
	char stackbuf[256];
	char *heap = malloc(4096);
	unsigned char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!heap || map == MAP_FAILED)
		return 50;
	for (int i = 0; i < 4096; i++)
		heap[i] = (char)(i * 7);
	memset(stackbuf, 0x5a, sizeof(stackbuf));
	memset(map, 0xa5, 8192);
	pthread_t th;
	if (pthread_create(&th, NULL, counter, NULL))
		return 51;

	refused("no such program", "/bin/nosuch", ok_argv, env, ENOENT);
	refused("bare unknown name", "nosuch", ok_argv, env, ENOENT);
	refused("outside /bin", "/usr/bin/hello", ok_argv, env, ENOENT);
	refused("empty path", "", ok_argv, env, ENOENT);
	refused("NULL path", NULL, ok_argv, env, EFAULT);
	refused("kernel path", (char *)0xffff800000000000ul, ok_argv, env, EFAULT);
	refused("bad argv", "hello", (char **)0x10, env, EFAULT);
	refused("argv in the kernel", "hello", (char **)0xffff800000001000ul, env, EFAULT);
	char *bad_str[] = { "hello", (char *)0x1234, NULL };
	refused("bad string in argv", "hello", bad_str, env, EFAULT);
	refused("bad envp", "hello", ok_argv, (char **)(map + 8192 - 4), EFAULT);
	char *bad_env[] = { "A=1", (char *)(USER_END + 4096), NULL };
	refused("bad string in envp", "hello", ok_argv, bad_env, EFAULT);
	/* An argv that runs off the end of a mapping without its NULL. */
	char **edge = (char **)(map + 8192 - 8);
	edge[0] = "hello";
	refused("unterminated argv", "hello", edge, env, EFAULT);
	static char *many[80];
	for (int i = 0; i < 79; i++)
		many[i] = "x";
	refused("too many arguments", "hello", many, env, E2BIG);
	static char big[5000];
	memset(big, 'b', sizeof(big) - 1);
	char *big_argv[] = { "hello", big, NULL };
	refused("arguments too long", "hello", big_argv, env, E2BIG);
	static char longpath[200];
	memset(longpath, 'p', sizeof(longpath) - 1);
	refused("path too long", longpath, ok_argv, env, ENAMETOOLONG);

	/* Still ourselves, memory and thread intact. */
	for (int i = 0; i < 4096; i++)
		if (heap[i] != (char)(i * 7)) {
			printf("exectest: heap byte %d changed\n", i);
			failed++;
			break;
		}
	for (unsigned i = 0; i < sizeof(stackbuf); i++)
		CHECK(stackbuf[i] == 0x5a);
	for (int i = 0; i < 8192 - 8; i++)
		if (map[i] != 0xa5) {
			printf("exectest: mapping byte %d changed\n", i);
			failed++;
			break;
		}
	unsigned long t0 = ticks;
	usleep(20 * 1000);
	CHECK(ticks != t0);             /* the second thread still runs */
	stop = 1;
	CHECK(pthread_join(th, NULL) == 0);
	free(heap);
	munmap(map, 8192);
	return failed;
}

/* exectest threads: three more threads, then exec. */
static volatile int tids[3];

static void *spinner(void *arg)
{
	(void)arg;
	tids[0] = gettid();
	for (;;)
		ticks++;
	return NULL;
}

static void *napper(void *arg)
{
	(void)arg;
	tids[1] = gettid();
	for (;;)
		sleep(10);
	return NULL;
}

static void *joiner(void *arg)
{
	tids[2] = gettid();
	pthread_join(*(pthread_t *)arg, NULL);     /* the napper: never ends */
	return NULL;
}

static int threads_then_exec(void)
{
	static pthread_t th[3];
	if (pthread_create(&th[0], NULL, spinner, NULL) || pthread_create(&th[1], NULL, napper, NULL) ||
	    pthread_create(&th[2], NULL, joiner, &th[1]))
		return 52;
	while (!tids[0] || !tids[1] || !tids[2])
		sched_yield();
	usleep(20 * 1000);              /* let them reach their loop, sleep and join */
	char a[3][16];
	for (int i = 0; i < 3; i++)
		snprintf(a[i], sizeof(a[i]), "%d", tids[i]);
	char *argv[] = { "exectest", "alone", a[0], a[1], a[2], NULL };
	execv("/bin/exectest", argv);
	printf("exectest: execv returned (errno %d)\n", errno);
	return 99;
}

static int alone(int argc, char **argv)
{
	/* sched_getaffinity() of a tid finds only threads of this process. */
	for (int i = 2; i < argc; i++) {
		cpu_set_t set;
		int r = sched_getaffinity(atoi(argv[i]), sizeof(set), &set);
		if (r != -1 || errno != ESRCH) {
			printf("exectest: thread %s of the old program survived execve\n", argv[i]);
			failed++;
		}
	}
	return failed;
}

int main(int argc, char **argv, char **envp)
{
	const char *mode = argc > 1 ? argv[1] : "args";

	if (strcmp(mode, "check") == 0)
		return check_target(argc, argv, envp);
	if (strcmp(mode, "args") == 0) {
		char *nargv[] = { "exectest", "check", "a b", "", NULL };
		char *nenv[] = { "FOO=bar", "X=1", NULL };
		execve("/bin/exectest", nargv, nenv);
		printf("exectest: execve returned (errno %d)\n", errno);
		return 99;
	}
	if (strcmp(mode, "bad") == 0)
		return bad_execs();
	if (strcmp(mode, "threads") == 0)
		return threads_then_exec();
	if (strcmp(mode, "alone") == 0)
		return alone(argc, argv);
	if (strcmp(mode, "exit") == 0 && argc > 2)
		return atoi(argv[2]);
	if (strcmp(mode, "ppid") == 0 && argc > 2)
		return getppid() == atoi(argv[2]) ? 0 : 1;
	printf("usage: exectest args|bad|threads|exit N|ppid N\n");
	return 98;
}
