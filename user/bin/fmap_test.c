/*
 * fmap_test CASE - file mappings from user space (suite `filemap`,
 * tests/kernel/filemap.c).  Each case exits with the number of its failed
 * checks (each printed with its line); a case that expects a child to die
 * checks the child's wait status itself.
 *
 *   basic       MAP_SHARED stores seen by read() and write()s seen through
 *               the mapping; MAP_PRIVATE copy-on-write isolated from the
 *               file; MADV_DONTNEED of each kind; an unlinked file lives
 *               on while mapped; MAP_SHARED|MAP_ANONYMOUS across fork;
 *               the errors of mmap and mprotect on files
 *   coherence   two processes, each on its own CPU, each with its own
 *               mapping of one file: a ping-pong of values through the
 *               mappings and read()/pwrite(), every step seen at once
 *   truncate    a child maps two pages, touches both, shrinks the file to
 *               one page and touches the second again: it must die of
 *               SIGBUS; so must one that maps past the end of a file
 *   race        a reader on one CPU reads its shared mapping over and over
 *               (through the kernel: pwrite from it, so a page past the
 *               end is EFAULT, not SIGBUS) while the parent on another
 *               CPU truncates the file to nothing and writes it anew, 200
 *               times or more (until the reader saw 20 new values, at most
 *               4000); the reader counts the new values it saw (the race
 *               floor: 10), and at the end its mapping must show exactly
 *               the file's last contents (a page left mapped by a
 *               truncate, TRUNCATE_BROKEN, shows an old round forever)
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECKS_PROG "fmap_test"
#include "checks.h"

#define PG 4096

/* A new file of @pages pages, byte i of page p = 'a' + p. */
static int make_file(const char *path, int pages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	char buf[PG];
	for (int p = 0; p < pages; p++) {
		memset(buf, 'a' + p, sizeof(buf));
		CHECK(write(fd, buf, PG) == PG);
	}
	return fd;
}

static void test_shared(void)
{
	int fd = make_file("/tmp/fmap/s", 2);
	char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	CHECK(m[0] == 'a' && m[PG + 7] == 'b');
	/* A store through the mapping is the file's data at once. */
	m[5] = 'X';
	char c = 0;
	CHECK(pread(fd, &c, 1, 5) == 1 && c == 'X');
	/* A write() is seen through the mapping at once. */
	CHECK(pwrite(fd, "Y", 1, PG + 9) == 1 && m[PG + 9] == 'Y');
	/* A second mapping of the same file (another offset) sees it too. */
	char *m2 = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
	CHECK(m2 != MAP_FAILED && m2[9] == 'Y');
	m[PG + 10] = 'Z';
	CHECK(m2[10] == 'Z');
	/* MADV_DONTNEED on a shared mapping drops only the mapping: the
	 * data is the file's and comes back. */
	CHECK(madvise(m, 2 * PG, MADV_DONTNEED) == 0 && m[5] == 'X' && m[PG + 10] == 'Z');
	/* mprotect to read-only and back: stores reach the file again. */
	CHECK(mprotect(m, PG, PROT_READ) == 0 && mprotect(m, PG, PROT_READ | PROT_WRITE) == 0);
	m[6] = 'W';
	CHECK(pread(fd, &c, 1, 6) == 1 && c == 'W');
	CHECK(munmap(m2, PG) == 0 && munmap(m, 2 * PG) == 0);
	CHECK(close(fd) == 0);
}

static void test_private(void)
{
	int fd = make_file("/tmp/fmap/p", 3);
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	CHECK(m[1] == 'a');                     /* a read fault: the cache's page */
	m[1] = 'P';                             /* copy-on-write: ours alone */
	char c = 0;
	CHECK(pread(fd, &c, 1, 1) == 1 && c == 'a');
	CHECK(m[1] == 'P' && m[2] == 'a');
	m[PG] = 'Q';                            /* a write fault first: a copy at once */
	CHECK(pread(fd, &c, 1, PG) == 1 && c == 'b');
	/* The file changes under a page we only read: we see it (the
	 * cache's page is mapped, as on Linux); under the ones we wrote:
	 * our copies stay. */
	CHECK(m[2 * PG] == 'c');
	int other = open("/tmp/fmap/p", O_RDWR);
	CHECK(other >= 0 && pwrite(other, "F", 1, 3) == 1 && pwrite(other, "G", 1, PG + 3) == 1 &&
	      pwrite(other, "H", 1, 2 * PG + 3) == 1);
	CHECK(m[3] == 'a' && m[PG + 3] == 'b' && m[2 * PG + 3] == 'H');
	close(other);
	/* MADV_DONTNEED on a private file mapping drops our copies: the
	 * pages read the file again (Linux's semantics). */
	CHECK(madvise(m, 3 * PG, MADV_DONTNEED) == 0);
	CHECK(m[1] == 'a' && m[3] == 'F' && m[PG] == 'b' && m[PG + 3] == 'G' && m[2 * PG + 3] == 'H');
	/* A child of fork shares the private pages copy-on-write. */
	m[8] = 'M';
	pid_t pid = fork();
	if (pid == 0) {
		int bad = m[8] != 'M';
		m[8] = 'C';                     /* the child's copy */
		_exit(bad + (m[8] != 'C'));
	}
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(m[8] == 'M' && pread(fd, &c, 1, 8) == 1 && c == 'a');
	CHECK(munmap(m, 3 * PG) == 0 && close(fd) == 0);
}

static void test_unlinked(void)
{
	int fd = make_file("/tmp/fmap/u", 1);
	char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	CHECK(close(fd) == 0 && unlink("/tmp/fmap/u") == 0);
	/* No name, no descriptor: the mapping keeps the file alive. */
	CHECK(m[100] == 'a');
	m[100] = 'L';
	CHECK(m[100] == 'L');
	CHECK(munmap(m, PG) == 0);              /* the last reference: freed (the suite checks) */
}

static void test_shared_anon(void)
{
	volatile int *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	if (s == MAP_FAILED)
		return;
	CHECK(s[0] == 0 && s[PG / sizeof(int)] == 0);  /* zero-filled */
	s[0] = 1;
	pid_t pid = fork();
	if (pid == 0) {
		int bad = s[0] != 1;
		s[1] = 42;                      /* the parent must see it */
		s[PG / sizeof(int)] = 43;       /* a page neither side touched yet */
		_exit(bad);
	}
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(s[1] == 42 && s[PG / sizeof(int)] == 43);
	/* MADV_DONTNEED keeps shared anonymous data (it is the object's). */
	CHECK(madvise((void *)s, 2 * PG, MADV_DONTNEED) == 0 && s[1] == 42);
	CHECK(munmap((void *)s, 2 * PG) == 0);
}

static void test_errors(void)
{
	int fd = make_file("/tmp/fmap/e", 1);
	int ro = open("/tmp/fmap/e", O_RDONLY), wo = open("/tmp/fmap/e", O_WRONLY);
	int dir = open("/tmp", O_RDONLY), prog = open("/bin/hello", O_RDONLY);
	int p[2];
	CHECK(ro >= 0 && wo >= 0 && dir >= 0 && prog >= 0 && pipe(p) == 0);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, 63, 0), EBADF);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, -1, 0), EBADF);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, dir, 0), ENODEV);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, prog, 0), ENODEV);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, p[0], 0), ENODEV);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, 0, 0), ENODEV);          /* the console */
	FAILS(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0), EACCES);
	FAILS(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100), EINVAL);        /* unaligned offset */
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE, fd, 0), EINVAL);
	FAILS(mmap(NULL, PG, PROT_READ, 0, fd, 0), EINVAL);
	FAILS(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	FAILS(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, (off_t)1 << 40), EOVERFLOW);
	/* Read-only shared, then asking for write: refused. */
	char *m = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(m != MAP_FAILED && m[0] == 'a');
	FAILS(mprotect(m, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK(munmap(m, PG) == 0);
	/* Private of a read-only file may be written (copy-on-write). */
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 'w';
	CHECK(m[0] == 'w' && munmap(m, PG) == 0);
	close(fd), close(ro), close(wo), close(dir), close(prog), close(p[0]), close(p[1]);
}

static void pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);    /* one CPU only: then both on it; still correct */
}

#define ROUNDS 300
#define SPIN_MAX 20000000l

/* Spin until *@p == @want.  Return: 0, or -1 after SPIN_MAX reads
 * (yielding now and then: the other side may share the CPU). */
static int wait_for(volatile uint64_t *p, uint64_t want)
{
	for (long i = 0; i < SPIN_MAX; i++) {
		if (*p == want)
			return 0;
		if ((i & 1023) == 1023)
			sched_yield();
	}
	return -1;
}

static void test_coherence(void)
{
	int fd = make_file("/tmp/fmap/c", 1);
	volatile uint64_t *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	m[0] = m[1] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		/* The child: its own open file and its own mapping. */
		pin_to(1);
		int cfd = open("/tmp/fmap/c", O_RDWR);
		volatile uint64_t *c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (cfd < 0 || c == MAP_FAILED)
			_exit(100);
		int bad = 0;
		for (uint64_t r = 1; r <= ROUNDS; r++) {
			/* The parent stored r through its mapping: seen in ours,
			 * and by read() of the file, at once. */
			if (wait_for(&c[0], r) < 0)
				_exit(101);
			uint64_t v = 0;
			if (pread(cfd, &v, sizeof(v), 0) != sizeof(v) || v < r)
				bad++;
			/* Our answer, half through the mapping, half by write(). */
			if (r & 1)
				c[1] = r;
			else if (pwrite(cfd, &r, sizeof(r), 8) != sizeof(r))
				bad++;
		}
		_exit(bad);
	}
	pin_to(0);
	int lost = 0;
	for (uint64_t r = 1; r <= ROUNDS && !lost; r++) {
		if (r & 1)
			m[0] = r;
		else
			CHECK(pwrite(fd, &r, sizeof(r), 0) == sizeof(r));
		lost = wait_for(&m[1], r) < 0;
		CHECK(!lost);
	}
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "fmap_test: coherence child: status %#x\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(munmap((void *)m, PG) == 0 && close(fd) == 0);
}

/* In a child: @fn must kill it with SIGBUS. */
static void expect_sigbus(void (*fn)(void), const char *what)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);                       /* survived: wrong */
	}
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGBUS)
		fprintf(stderr, "fmap_test: %s: status %#x, expected SIGBUS\n", what, st);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
}

static void truncate_then_touch(void)
{
	int fd = make_file("/tmp/fmap/t", 2);
	volatile char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || m[0] != 'a' || m[PG] != 'b')
		_exit(2);
	m[PG] = 'T';                            /* both pages mapped now */
	if (ftruncate(fd, PG) != 0)
		_exit(3);
	(void)m[0];                             /* still inside the file: fine */
	(void)m[PG];                            /* past the end: SIGBUS */
}

static void private_truncate_then_touch(void)
{
	int fd = make_file("/tmp/fmap/t2", 2);
	volatile char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		_exit(2);
	m[PG] = 'T';                            /* a private copy of page 2 */
	(void)m[0];                             /* page 1: the cache's, read-only */
	if (ftruncate(fd, 100) != 0)
		_exit(3);
	(void)m[0];                             /* inside: fine */
	(void)m[PG];                            /* past: SIGBUS, copy or not */
}

static void touch_past_eof(void)
{
	int fd = make_file("/tmp/fmap/t3", 1);
	volatile char *m = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || m[PG - 1] != 'a')
		_exit(2);
	(void)m[2 * PG];
}

static void test_truncate(void)
{
	expect_sigbus(truncate_then_touch, "shared mapping, truncated");
	expect_sigbus(private_truncate_then_touch, "private mapping, truncated");
	expect_sigbus(touch_past_eof, "mapping past the end");
	/* After a truncate, a file grown again reads zeroes through a new mapping. */
	int fd = make_file("/tmp/fmap/g", 2);
	CHECK(ftruncate(fd, 10) == 0 && ftruncate(fd, 2 * PG) == 0);
	char *m = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED && m[9] == 'a' && m[10] == 0 && m[PG + 1] == 0);
	CHECK(munmap(m, 2 * PG) == 0 && close(fd) == 0);
	unlink("/tmp/fmap/t"), unlink("/tmp/fmap/t2"), unlink("/tmp/fmap/t3"), unlink("/tmp/fmap/g");
}

#define RACE_ROUNDS 200
#define RACE_FLOOR 10

/* Through the kernel: the first word of @m, or -1 if the fault was refused. */
static long kernel_peek(int scratch, volatile uint64_t *m)
{
	uint64_t v = 0;
	if (pwrite(scratch, (const void *)m, sizeof(v), 0) != sizeof(v))
		return -1;
	if (pread(scratch, &v, sizeof(v), 0) != sizeof(v))
		return -1;
	return (long)v;
}

static void test_race(void)
{
	int fd = make_file("/tmp/fmap/r", 1);
	uint64_t zero = 0;
	CHECK(pwrite(fd, &zero, sizeof(zero), 0) == sizeof(zero));
	int go[2];
	CHECK(pipe(go) == 0);
	/* "Done" is a flag in shared anonymous memory: no system call in
	 * the reader's loop but its own. */
	volatile int *done = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(done != MAP_FAILED);
	if (done == MAP_FAILED)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		pin_to(1);
		int cfd = open("/tmp/fmap/r", O_RDWR);
		int scratch = open("/tmp/fmap/r.scratch", O_RDWR | O_CREAT, 0644);
		volatile uint64_t *m = mmap(NULL, PG, PROT_READ, MAP_SHARED, cfd, 0);
		if (cfd < 0 || scratch < 0 || m == MAP_FAILED || kernel_peek(scratch, m) != 0)
			_exit(100);                     /* mapped and faulted in before the rounds */
		close(go[0]);
		char c = 'g';
		if (write(go[1], &c, 1) != 1)
			_exit(101);
		long last = 0, changes = 0, refused = 0;
		for (;;) {
			long v = kernel_peek(scratch, m);
			if (v < 0)
				refused++;
			else if (v != last)
				changes++, last = v, done[1] = (int)changes;
			if (*done)
				break;
		}
		uint64_t want = 0, got = (uint64_t)kernel_peek(scratch, m);
		if (pread(cfd, &want, sizeof(want), 0) != sizeof(want))
			_exit(102);
		printf("fmap_test race: %ld new values seen, %ld reads refused, final %lu (file %lu)\n",
		       changes, refused, (unsigned long)got, (unsigned long)want);
		if (got != want)
			_exit(103);                     /* a stale page still mapped */
		_exit(changes < RACE_FLOOR ? 104 : 0);
	}
	pin_to(0);
	close(go[1]);
	char c;
	CHECK(read(go[0], &c, 1) == 1);
	/* At least RACE_ROUNDS rounds, and on until the reader has seen
	 * twice its floor (a busy host slows it), at most 20 times as many. */
	for (uint64_t r = 1; r <= 20 * RACE_ROUNDS && (r <= RACE_ROUNDS || done[1] < 2 * RACE_FLOOR); r++) {
		CHECK(ftruncate(fd, 0) == 0);
		CHECK(pwrite(fd, &r, sizeof(r), 0) == sizeof(r));
		/* Let the reader see this round now and then (it may share
		 * our CPU if only one is online). */
		for (volatile int i = 0; i < 20000; i++)
			;
	}
	*done = 1;
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "fmap_test: race child: status %#x\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(go[0]), close(fd);
	munmap((void *)done, PG);
	unlink("/tmp/fmap/r"), unlink("/tmp/fmap/r.scratch");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fmap_test basic|coherence|truncate|race\n");
		return 100;
	}
	mkdir("/tmp/fmap", 0755);
	if (!strcmp(argv[1], "basic")) {
		test_shared();
		test_private();
		test_unlinked();
		test_shared_anon();
		test_errors();
		unlink("/tmp/fmap/s"), unlink("/tmp/fmap/p"), unlink("/tmp/fmap/e");
	} else if (!strcmp(argv[1], "coherence")) {
		test_coherence();
		unlink("/tmp/fmap/c");
	} else if (!strcmp(argv[1], "truncate")) {
		test_truncate();
	} else if (!strcmp(argv[1], "race")) {
		test_race();
	} else {
		fprintf(stderr, "fmap_test: unknown case '%s'\n", argv[1]);
		return 100;
	}
	rmdir("/tmp/fmap");
	return failed;
}
