/*
 * tests/kernel/shell.c - suite `shell`: user/bin/sh driven by scripts
 * (`sh -c '...'`, `sh FILE`, a script on standard input), its output
 * captured in files and compared byte for byte.  Pipelines, `<` `>` `>>`,
 * `&` and `wait`, `cd`, quoting, `exit N`, the errors a shell prints and
 * the statuses it gives; after every case the frames, heap, tmpfs pages
 * and processes are back at their baseline (every pipe closed, every
 * child reaped).
 *
 * The interactive half (the terminal's line reads, kernel/fs/tty.c) has
 * its editing logic host-tested (tests/host/test_ldisc.c); docs/shell.md
 * shows a session.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/ktest_fs.h"
#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/proc/uapi/wait.h"
#include "kernel/time.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "user/programs.h"

/* Run `sh -c SCRIPT`.  Return: its wait status. */
static int sh_c(const char *script)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	return ktest_run_program("sh", 3, argv);
}

/* Expect file @path to hold exactly @want. */
static void expect_file(struct ktest *t, const char *path, const char *want)
{
	int err;
	struct file *f = kopen(path, O_RDONLY, &err);
	if (!f) {
		ktest_fail(t, __FILE__, __LINE__, "%s: cannot open (%d)", path, err);
		return;
	}
	char buf[256];
	long n = kread(f, buf, sizeof(buf) - 1);
	fput(f);
	buf[n > 0 ? n : 0] = 0;
	if (n != (long)strlen(want) || memcmp(buf, want, (size_t)n))
		ktest_fail(t, __FILE__, __LINE__, "%s holds \"%s\" (%ld bytes), expected \"%s\"",
			   path, buf, n, want);
}

static void write_file(struct ktest *t, const char *path, const char *text)
{
	int err;
	struct file *f = kopen(path, O_WRONLY | O_CREAT | O_TRUNC, &err);
	KTEST_ASSERT_NOT_NULL(t, f);
	KTEST_EXPECT_EQ(t, kwrite(f, text, strlen(text)), (long)strlen(text));
	fput(f);
}

/* The processes alive now; every case's children must be gone after it. */
static void expect_no_processes_left(struct ktest *t, int before)
{
	uint64_t end = ktime_ns() + 5000000000ull;
	while (process_count() > before && ktime_ns() < end)
		ktest_settle(0, 0, 10);
	KTEST_EXPECT_EQ(t, process_count(), before);
}

/* What a case starts from and must come back to. */
struct sh_case { struct baseline b; int procs; };

static struct sh_case setup(struct ktest *t)
{
	struct sh_case c = { mark(), process_count() };
	KTEST_EXPECT_EQ(t, sh_c("mkdir /tmp/sh"), 0);
	return c;
}

static void cleanup(struct ktest *t, struct sh_case c)
{
	KTEST_EXPECT_EQ(t, sh_c("rm -r /tmp/sh"), 0);
	expect_no_processes_left(t, c.procs);
	expect_back(t, c.b);
}

static void test_pipelines(struct ktest *t)
{
	struct sh_case c = setup(t);
	KTEST_EXPECT_EQ(t, sh_c("echo a b | wc > /tmp/sh/o"), 0);
	expect_file(t, "/tmp/sh/o", "      1       2       4 \n");
	/* Three stages; the middle one reads a pipe and writes one. */
	KTEST_EXPECT_EQ(t, sh_c("echo x y z | cat | wc -w > /tmp/sh/o3"), 0);
	expect_file(t, "/tmp/sh/o3", "      3 \n");
	/* ls /bin lists every embedded program, one a line. */
	KTEST_EXPECT_EQ(t, sh_c("ls /bin > /tmp/sh/f; cat < /tmp/sh/f | wc -l > /tmp/sh/n"), 0);
	char want[32];
	snprintf(want, sizeof(want), "%7lu \n", (unsigned long)user_programs_count);
	expect_file(t, "/tmp/sh/n", want);
	/* The status of a pipeline is its last command's. */
	KTEST_EXPECT_EQ(t, sh_c("cat /tmp/sh/nosuch | wc -l > /tmp/sh/e"), 0);
	expect_file(t, "/tmp/sh/e", "      0 \n");
	KTEST_EXPECT_EQ(t, sh_c("echo x | cat /tmp/sh/nosuch"), __W_EXITCODE(1));
	cleanup(t, c);
}

static void test_redirections(struct ktest *t)
{
	struct sh_case c = setup(t);
	KTEST_EXPECT_EQ(t, sh_c("echo one > /tmp/sh/g; echo two > /tmp/sh/h; cat /tmp/sh/h >> /tmp/sh/g"), 0);
	expect_file(t, "/tmp/sh/g", "one\ntwo\n");
	/* > truncates; redirections may stand anywhere among the words. */
	KTEST_EXPECT_EQ(t, sh_c("> /tmp/sh/g echo three"), 0);
	expect_file(t, "/tmp/sh/g", "three\n");
	/* A command's own redirection wins over the pipe (POSIX). */
	KTEST_EXPECT_EQ(t, sh_c("echo p > /tmp/sh/p | wc -c > /tmp/sh/q"), 0);
	expect_file(t, "/tmp/sh/p", "p\n");
	expect_file(t, "/tmp/sh/q", "      0 \n");
	/* Quoting: blanks and operators inside quotes are one word. */
	KTEST_EXPECT_EQ(t, sh_c("echo 'a  b' \"c|d\" e\\;f > /tmp/sh/qq"), 0);
	expect_file(t, "/tmp/sh/qq", "a  b c|d e;f\n");
	cleanup(t, c);
}

static void test_background_and_wait(struct ktest *t)
{
	struct sh_case c = setup(t);
	/* Two jobs in the background, then wait: both files are complete
	 * when the command after `wait` reads them. */
	KTEST_EXPECT_EQ(t, sh_c("ls /bin > /tmp/sh/b1 & wc /bin/fuzz > /tmp/sh/b2 & wait; "
				"cat /tmp/sh/b1 | wc -l > /tmp/sh/c1; wc -l < /tmp/sh/b2 > /tmp/sh/c2"), 0);
	char want[32];
	snprintf(want, sizeof(want), "%7lu \n", (unsigned long)user_programs_count);
	expect_file(t, "/tmp/sh/c1", want);
	expect_file(t, "/tmp/sh/c2", "      1 \n");
	/* A background job reads /dev/null, not the shell's input. */
	KTEST_EXPECT_EQ(t, sh_c("wc -c > /tmp/sh/c3 & wait"), 0);
	expect_file(t, "/tmp/sh/c3", "      0 \n");
	/* A shell that leaves without waiting: its job still ends and is
	 * reaped (by the kernel, its new parent). */
	KTEST_EXPECT_EQ(t, sh_c("echo late > /tmp/sh/late &"), 0);
	expect_no_processes_left(t, c.procs);
	expect_file(t, "/tmp/sh/late", "late\n");
	cleanup(t, c);
}

static void test_cd_and_scripts(struct ktest *t)
{
	struct sh_case c = setup(t);
	KTEST_EXPECT_EQ(t, sh_c("mkdir /tmp/sh/d; cd /tmp/sh/d; echo x > inner; ls > /tmp/sh/l; "
				"cd ..; ls d > /tmp/sh/l2; cd; ls > /tmp/sh/l3"), 0);
	expect_file(t, "/tmp/sh/l", "inner\n");
	expect_file(t, "/tmp/sh/l2", "inner\n");
	expect_file(t, "/tmp/sh/l3", "bin\ndev\ntmp\n");     /* cd alone: "/" */
	/* cd inside a pipeline changes only that child. */
	KTEST_EXPECT_EQ(t, sh_c("cd /tmp/sh; cd /bin | cat; echo here > h"), 0);
	expect_file(t, "/tmp/sh/h", "here\n");
	/* sh FILE: comments, blank lines, an exit in the middle. */
	write_file(t, "/tmp/sh/s1", "# a script\necho s1 > /tmp/sh/s1.out\n\n"
		   "echo more >> /tmp/sh/s1.out\nexit 5\necho never > /tmp/sh/s1.out\n");
	char *argv[] = { "sh", "/tmp/sh/s1", NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("sh", 2, argv), __W_EXITCODE(5));
	expect_file(t, "/tmp/sh/s1.out", "s1\nmore\n");
	/* A script on standard input is read a byte at a time, so the
	 * command on its first line reads the two lines after it (and the
	 * shell then finds the end of its input). */
	write_file(t, "/tmp/sh/s2", "wc -l > /tmp/sh/s2.out\necho not-run-1\necho not-run-2\n");
	KTEST_EXPECT_EQ(t, sh_c("sh < /tmp/sh/s2"), 0);
	expect_file(t, "/tmp/sh/s2.out", "      2 \n");
	cleanup(t, c);
}

static void test_errors(struct ktest *t)
{
	struct baseline b = mark();
	int procs = process_count();
	struct { const char *script; int status; const char *says; } cases[] = {
		{ "nosuch-program x",      __W_EXITCODE(127), "sh: nosuch-program: not found" },
		{ "cat < /tmp/nosuch-in",  __W_EXITCODE(1),   "sh: /tmp/nosuch-in: ENOENT" },
		{ "echo x > /bin/x",       __W_EXITCODE(1),   "sh: /bin/x: EROFS" },
		{ "echo x |",              __W_EXITCODE(2),   "sh: syntax error near 'end of line'" },
		{ "| echo x",              __W_EXITCODE(2),   "sh: syntax error near '|'" },
		{ "echo x > ; echo y",     __W_EXITCODE(2),   "sh: syntax error: '>' needs a file name, not ';'" },
		{ "echo 'open",            __W_EXITCODE(2),   "sh: syntax error: unterminated '" },
		{ "cd /tmp/nosuch-dir",    __W_EXITCODE(1),   "sh: cd: /tmp/nosuch-dir: ENOENT" },
		{ "cd /bin/hello",         __W_EXITCODE(1),   "sh: cd: /bin/hello: ENOTDIR" },
		{ "exit abc",              __W_EXITCODE(2),   "sh: exit: abc: a number is needed" },
		{ "exit 7; echo no",       __W_EXITCODE(7),   NULL },
		{ "segv",                  __W_EXITCODE(128 + SIGSEGV), "segv: killed by signal 11 (SIGSEGV)" },
		{ "true; nosuch-2; true",  0,                    "sh: nosuch-2: not found" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned n = cases[i].says ? ktest_log_count(cases[i].says) : 0;
		int st = sh_c(cases[i].script);
		if (st != cases[i].status)
			ktest_fail(t, __FILE__, __LINE__, "sh -c '%s': status %#x, expected %#x",
				   cases[i].script, st, cases[i].status);
		if (cases[i].says && ktest_log_count(cases[i].says) != n + 1)
			ktest_fail(t, __FILE__, __LINE__, "sh -c '%s' did not say \"%s\"",
				   cases[i].script, cases[i].says);
	}
	/* Bad command lines of sh itself. */
	char *a1[] = { "sh", "-c", NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("sh", 2, a1), __W_EXITCODE(2));
	char *a2[] = { "sh", "/tmp/nosuch-script", NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("sh", 2, a2), __W_EXITCODE(127));
	/* No input at all (the plain console reads end of file): status 0. */
	KTEST_EXPECT_EQ(t, ktest_run_program("sh", 0, NULL), 0);
	expect_no_processes_left(t, procs);
	expect_back(t, b);
}

static struct ktest_case shell_cases[] = {
	KTEST_CASE(test_pipelines),
	KTEST_CASE(test_redirections),
	KTEST_CASE(test_background_and_wait),
	KTEST_CASE(test_cd_and_scripts),
	KTEST_CASE(test_errors),
	{}
};
KTEST_SUITE(shell, shell_cases);
