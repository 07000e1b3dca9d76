/*
 * kernel/params.c - apply the kernel command line, and the keys that belong
 * to no particular subsystem (ktest=, loglevel=).
 */
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/errno.h"
#include "lib/cmdline.h"
#include "lib/string.h"

#define MAX_PARAMS 32
#define MAX_ERRORS 8

extern const struct kernel_param __kernel_params_start[], __kernel_params_end[];

static char ktest_spec[CMDLINE_VALUE_MAX + 1];	/* what the parser accepts */
static bool ktest_given;

static const struct kernel_param *find_param(const char *name)
{
	for (const struct kernel_param *p = __kernel_params_start; p < __kernel_params_end; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

int param_parse_switch(const char *v, bool *out)
{
	if ((v[0] != '0' && v[0] != '1') || v[1])
		return -EINVAL;
	*out = v[0] == '1';
	return 0;
}

void params_apply(const char *line, struct params_report *report)
{
	static struct cmdline_param params[MAX_PARAMS];   /* too big for an early stack */
	struct cmdline_error errs[MAX_ERRORS];
	int nerrs = 0;
	struct params_report r = { 0 };

	int n = cmdline_parse(line, params, MAX_PARAMS, errs, MAX_ERRORS, &nerrs);
	for (int i = 0; i < nerrs; i++) {
		pr_warn("cmdline: %s at column %d ('%s'); ignored\n", errs[i].msg, errs[i].offset,
			errs[i].token);
		r.malformed++;
	}
	for (int i = 0; i < n; i++) {
		const struct kernel_param *p = find_param(params[i].key);
		if (!p) {
			pr_warn("cmdline: unknown key '%s' ignored\n", params[i].key);
			r.unknown++;
			continue;
		}
		if (p->value_desc[0] && !params[i].has_value) {
			pr_warn("cmdline: '%s' needs a value (%s=%s); ignored\n", p->name, p->name, p->value_desc);
			r.rejected++;
			continue;
		}
		if (!p->value_desc[0] && params[i].has_value) {
			pr_warn("cmdline: '%s' takes no value; ignored\n", p->name);
			r.rejected++;
			continue;
		}
		if (p->set(params[i].value) != 0) {
			pr_warn("cmdline: bad value '%s' for '%s' (expected %s); ignored\n",
				params[i].value, p->name, p->value_desc);
			r.rejected++;
			continue;
		}
		r.applied++;
	}
	if (report)
		*report = r;
}

const char *params_get_ktest(void)
{
	return ktest_given ? ktest_spec : NULL;
}

static int set_ktest(const char *v)
{
	if (!v[0] || strlen(v) >= sizeof(ktest_spec))
		return -EINVAL;
	strlcpy(ktest_spec, v, sizeof(ktest_spec));
	ktest_given = true;
	return 0;
}
KERNEL_PARAM(ktest, "ktest", "all|SUITE[:CASE+CASE],...",
	     "run these test suites (or only these cases) at boot, then exit QEMU", set_ktest);

static int set_loglevel(const char *v)
{
	unsigned long long lvl;
	if (kstrtoull(v, 10, &lvl) || lvl > 7)
		return -EINVAL;
	printk_set_console_level((int)lvl);
	return 0;
}
KERNEL_PARAM(loglevel, "loglevel", "0-7", "console log level (default 6: info)", set_loglevel);
