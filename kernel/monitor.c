/*
 * kernel/monitor.c - the serial monitor.  Reads a line from the console
 * (with backspace and Ctrl-U), splits it into words and runs the command
 * of that name from the .monitor_cmds section.  Unknown commands and bad
 * arguments get a one-line error; the prompt always comes back.
 */
#include <stdarg.h>
#include "kernel/monitor.h"
#include "kernel/console.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MONITOR_LINE_MAX 256
#define MONITOR_MAX_ARGS 16

extern const struct monitor_command __monitor_cmds_start[], __monitor_cmds_end[];

void mon_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk_raw(buf);
}

static const struct monitor_command *find_command(const char *name)
{
	for (const struct monitor_command *c = __monitor_cmds_start; c < __monitor_cmds_end; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int monitor_execute(char *line)
{
	char *argv[MONITOR_MAX_ARGS + 1];
	int argc = 0;
	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (argc == MONITOR_MAX_ARGS) {
			mon_printf("error: too many arguments (at most %d)\n", MONITOR_MAX_ARGS - 1);
			return -E2BIG;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	argv[argc] = NULL;
	if (argc == 0)
		return 0;
	const struct monitor_command *c = find_command(argv[0]);
	if (!c) {
		mon_printf("error: unknown command '%s' (try 'help')\n", argv[0]);
		return -ENOENT;
	}
	return c->fn(argc, argv);
}

static int cmd_help(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		const struct monitor_command *c = find_command(argv[1]);
		if (!c) {
			mon_printf("error: no command '%s'\n", argv[1]);
			return -ENOENT;
		}
		mon_printf("%s %s\n    %s\n", c->name, c->usage, c->help);
		return 0;
	}
	for (const struct monitor_command *c = __monitor_cmds_start; c < __monitor_cmds_end; c++)
		mon_printf("  %-10s %-18s %s\n", c->name, c->usage, c->help);
	return 0;
}
MONITOR_COMMAND(help, "help", "[COMMAND]", "list commands, or describe one", cmd_help);

static void log_chunk(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	console_write(s, n);
}

static int cmd_log(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		mon_printf("error: log takes no arguments\n");
		return -EINVAL;
	}
	log_buf_read(log_chunk, NULL);
	return 0;
}
MONITOR_COMMAND(log, "log", "", "print the kernel log ring buffer", cmd_log);

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mon_printf("powering off\n");
	machine_exit(EXIT_POWEROFF);
}
MONITOR_COMMAND(poweroff, "poweroff", "", "leave QEMU (exit status 0)", cmd_poweroff);

static int cmd_loglevel(int argc, char **argv)
{
	if (argc == 1) {
		mon_printf("console log level %d\n", printk_console_level());
		return 0;
	}
	if (argc != 2 || strlen(argv[1]) != 1 || argv[1][0] < '0' || argv[1][0] > '7') {
		mon_printf("error: usage: loglevel [0-7]\n");
		return -EINVAL;
	}
	printk_set_console_level(argv[1][0] - '0');
	return 0;
}
MONITOR_COMMAND(loglevel, "loglevel", "[0-7]", "show or set the console log level", cmd_loglevel);

static int read_line(char *buf, int size)
{
	int n = 0;
	for (;;) {
		int c = console_getc();
		if (c < 0) {
			console_wait_input();
			continue;
		}
		if (c == '\r' || c == '\n') {
			mon_printf("\n");
			buf[n] = 0;
			return n;
		}
		if (c == 0x7f || c == '\b') {
			if (n > 0) {
				n--;
				mon_printf("\b \b");
			}
		} else if (c == 0x15) {         /* Ctrl-U: kill the line */
			while (n > 0) {
				n--;
				mon_printf("\b \b");
			}
		} else if (c >= 0x20 && c < 0x7f && n < size - 1) {
			buf[n++] = (char)c;
			char echo[2] = { (char)c, 0 };
			mon_printf("%s", echo);
		}
	}
}

void monitor_run(void)
{
	char line[MONITOR_LINE_MAX];
	for (;;) {
		mon_printf("kernel> ");
		read_line(line, sizeof(line));
		monitor_execute(line);
	}
}
