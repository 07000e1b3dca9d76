/*
 * kernel/monitor.h - the serial monitor: a `kernel> ` prompt with commands.
 *
 * Each subsystem adds its own commands from its own file:
 *
 *   static int cmd_mem(int argc, char **argv) { ...; return 0; }
 *   MONITOR_COMMAND(mem, "mem", "", "free frames and heap use", cmd_mem);
 *
 * A command returns 0, or a negative errno after printing its own error;
 * the monitor prints the prompt again either way.
 */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

struct monitor_command {
	const char *name;
	const char *usage;
	const char *help;
	int (*fn)(int argc, char **argv);
};

#define MONITOR_COMMAND(id, cname, cusage, chelp, cfn) \
	static const struct monitor_command __monitor_cmd_##id \
	__attribute__((used, section(".monitor_cmds"), aligned(8))) = { \
		.name = cname, .usage = cusage, .help = chelp, .fn = cfn }

/** monitor_run() - read commands from the console forever. */
__attribute__((noreturn)) void monitor_run(void);

/** monitor_execute() - run one command line (tests use it). Return: the command's result, -ENOENT if unknown. */
int monitor_execute(char *line);

/** mon_printf() - output for commands: straight to the console, no timestamps. */
void mon_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
