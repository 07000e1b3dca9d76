/*
 * kernel/proc/run.c - running user programs from the monitor (`run`) and at
 * boot (`init=`): spawn (process_spawn(), create-then-exec) and wait as the
 * kernel, then say how the program ended in words: its exit status, or
 * the signal that killed it (a fault: SIGSEGV).
 */
#include "kernel/proc/process.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/params.h"
#include "lib/string.h"
#include "user/programs.h"

static int run_and_wait(int argc, char **argv)
{
	/* On the terminal: a shell run from here reads the lines typed. */
	int pid = process_spawn_tty(argv[0], argc, argv);
	if (pid < 0) {
		mon_printf("error: cannot run '%s': %s\n", argv[0],
			   pid == -ENOENT ? "no such program ('run' alone lists them)" :
			   pid == -ENOEXEC ? "bad ELF file" :
			   pid == -E2BIG ? "arguments too long" :
			   pid == -EAGAIN ? "too many processes" : "out of memory");
		return pid;
	}
	int status = 0;
	process_wait(pid, &status);
	if (WIFSIGNALED(status))
		mon_printf("%s[%d] killed by signal %d (%s)\n", argv[0], pid, WTERMSIG(status),
			   WTERMSIG(status) == SIGSEGV ? "SIGSEGV: a fault" :
			   WTERMSIG(status) == SIGBUS ? "SIGBUS: past the end of a mapped file" :
			   WTERMSIG(status) == SIGPIPE ? "SIGPIPE" :
			   WTERMSIG(status) == SIGKILL ? "SIGKILL" :
			   WTERMSIG(status) == SIGTERM ? "SIGTERM" : "?");
	else
		mon_printf("%s[%d] exited with status %d\n", argv[0], pid, WEXITSTATUS(status));
	return 0;
}

/* `run` alone: how to use it and what there is to run, not an error. */
static void list_programs(void)
{
	mon_printf("usage: run PROGRAM [ARGS...]\nprograms:");
	int col = 9;                        /* strlen("programs:") */
	for (uint64_t i = 0; i < user_programs_count; i++) {
		int len = (int)strlen(user_programs[i].name);
		if (col + 1 + len > 72) {
			mon_printf("\n         ");
			col = 9;
		}
		mon_printf(" %s", user_programs[i].name);
		col += 1 + len;
	}
	mon_printf("\n");
}

static int cmd_run(int argc, char **argv)
{
	if (argc < 2) {
		list_programs();
		return 0;
	}
	return run_and_wait(argc - 1, argv + 1);
}
MONITOR_COMMAND(run, "run", "PROGRAM [ARGS...]", "run a user program and wait for it (alone: list them)", cmd_run);

static char init_program[PROC_NAME_MAX];

static int set_init(const char *v)
{
	if (!v[0] || strlen(v) >= sizeof(init_program) || !user_program_find(v))
		return -EINVAL;
	strlcpy(init_program, v, sizeof(init_program));
	return 0;
}
KERNEL_PARAM(init, "init", "PROGRAM", "run this user program at boot, before the monitor", set_init);

void process_run_init(void)
{
	if (!init_program[0])
		return;
	char *argv[] = { init_program, NULL };
	run_and_wait(1, argv);
}
