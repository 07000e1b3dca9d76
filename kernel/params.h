/*
 * kernel/params.h - kernel command-line keys.
 *
 * Each subsystem declares the keys it understands next to its code:
 *
 *   static int set_loglevel(const char *v) { ... return 0 or -EINVAL; }
 *   KERNEL_PARAM(loglevel, "loglevel", "N", "console log level 0-7", set_loglevel);
 *
 * params_apply() parses the whole line once at boot.  A malformed token or
 * an unknown key is reported with a warning and skipped; a handler that
 * rejects its value prints why.  Nothing on the command line is fatal.
 */
#ifndef KERNEL_PARAMS_H
#define KERNEL_PARAMS_H

#include <stdbool.h>

struct kernel_param {
	const char *name;
	const char *value_desc;     /* "" for a flag (bare key) */
	const char *help;
	int (*set)(const char *value);  /* value is "" for a bare key */
};

#define KERNEL_PARAM(id, pname, pvalue, phelp, pset) \
	static const struct kernel_param __kernel_param_##id \
	__attribute__((used, section(".kernel_params"), aligned(8))) = { \
		.name = pname, .value_desc = pvalue, .help = phelp, .set = pset }

struct params_report {
	int applied;                /* keys accepted by their handler */
	int unknown;                /* keys nobody declared */
	int malformed;              /* tokens the parser rejected */
	int rejected;               /* values a handler refused */
};

/**
 * params_apply() - parse @line and call the handler of every known key.
 * @report: if not NULL, receives the counts (the `boot` test suite reads them).
 * Context: boot, before SMP.  Handlers may run again when tests call this.
 */
void params_apply(const char *line, struct params_report *report);

/**
 * param_parse_switch() - a handler's helper for an on/off key: "0" or "1".
 * Return: 0 with *@out set, or -EINVAL (anything else; *@out unchanged).
 */
int param_parse_switch(const char *v, bool *out);

/** params_get_ktest() - the value of ktest=, or NULL when absent. */
const char *params_get_ktest(void);

#endif
