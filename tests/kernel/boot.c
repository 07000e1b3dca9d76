/*
 * tests/kernel/boot.c - what boot hands the kernel (suite `boot`).
 *
 * Covers: params_apply() on test lines (known keys applied, the last of a
 * repeated key winning; malformed tokens, unknown keys and refused values
 * each counted in the report and skipped without hiding the rest of the
 * line; nothing is fatal), that the real command line was applied (ktest=),
 * and boot_info: a known protocol, a sane memory map (non-empty regions,
 * known types, non-overlapping usable RAM that holds the kernel image and
 * everything the frame allocator manages).
 *
 * Only loglevel= is applied by these cases (its effect is visible through
 * printk_console_level()); each case restores the console level.  ktest=
 * is given only in forms that are refused before its handler runs, since
 * the runner is reading the spec while the suites run.
 */
#include "tests/kernel/ktest.h"
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/bootinfo.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "mm/pmm.h"

extern char __kernel_start[], __kernel_end[];

struct counts { int applied, unknown, malformed, rejected; };

/* Apply @line and compare the whole report with @want. */
static void expect_report(struct ktest *t, int line_no, const char *line, struct counts want)
{
	struct params_report r;
	memset(&r, 0x55, sizeof(r));            /* every field must be written */
	params_apply(line, &r);
	if (r.applied != want.applied || r.unknown != want.unknown ||
	    r.malformed != want.malformed || r.rejected != want.rejected)
		ktest_fail(t, __FILE__, line_no,
			   "'%s': applied/unknown/malformed/rejected = %d/%d/%d/%d, expected %d/%d/%d/%d",
			   line ? line : "(null)", r.applied, r.unknown, r.malformed, r.rejected,
			   want.applied, want.unknown, want.malformed, want.rejected);
}
#define EXPECT_REPORT(t, line, a, u, m, r) \
	expect_report(t, __LINE__, line, (struct counts){ a, u, m, r })

static void boot_params_known_key(struct ktest *t)
{
	int saved = printk_console_level();

	EXPECT_REPORT(t, "loglevel=3", 1, 0, 0, 0);
	KTEST_EXPECT_EQ(t, printk_console_level(), 3);
	EXPECT_REPORT(t, "  loglevel=7\t", 1, 0, 0, 0);
	KTEST_EXPECT_EQ(t, printk_console_level(), 7);
	EXPECT_REPORT(t, "loglevel=\"5\"", 1, 0, 0, 0);             /* quoted value */
	KTEST_EXPECT_EQ(t, printk_console_level(), 5);
	EXPECT_REPORT(t, "loglevel=2 loglevel=4", 2, 0, 0, 0);      /* last one wins */
	KTEST_EXPECT_EQ(t, printk_console_level(), 4);
	printk_set_console_level(saved);
	KTEST_EXPECT_EQ(t, printk_console_level(), saved);
}

static void boot_params_malformed(struct ktest *t)
{
	int saved = printk_console_level();
	printk_set_console_level(6);

	EXPECT_REPORT(t, "=x", 0, 0, 1, 0);                         /* empty key */
	EXPECT_REPORT(t, "bad$key=1", 0, 0, 1, 0);                  /* bad character */
	EXPECT_REPORT(t, "loglevel=\"4", 0, 0, 1, 0);               /* unterminated quote */
	EXPECT_REPORT(t, "loglevel=\"4\"x", 0, 0, 1, 0);            /* text after the quote */
	EXPECT_REPORT(t, "loglevel=4\"", 0, 0, 1, 0);               /* quote in a bare value */
	EXPECT_REPORT(t, "abcdefghijklmnopqrstuvwxyz0123456789=1", 0, 0, 1, 0);  /* key too long */
	KTEST_EXPECT_EQ(t, printk_console_level(), 6);              /* none was applied */

	/* A bad token hides nothing after it. */
	EXPECT_REPORT(t, "=x bad$key=1 loglevel=5", 1, 0, 2, 0);
	KTEST_EXPECT_EQ(t, printk_console_level(), 5);
	/* An unterminated quote swallows the rest of the line: one error. */
	EXPECT_REPORT(t, "loglevel=3 x=\"a loglevel=2", 1, 0, 1, 0);
	KTEST_EXPECT_EQ(t, printk_console_level(), 3);
	printk_set_console_level(saved);
}

static void boot_params_unknown(struct ktest *t)
{
	int saved = printk_console_level();
	printk_set_console_level(6);
	EXPECT_REPORT(t, "no_such_key=1", 0, 1, 0, 0);
	EXPECT_REPORT(t, "no_such_key=1 another.unknown x-y", 0, 3, 0, 0);
	EXPECT_REPORT(t, "LOGLEVEL=2", 0, 1, 0, 0);                 /* keys are case-sensitive */
	KTEST_EXPECT_EQ(t, printk_console_level(), 6);
	printk_set_console_level(saved);
}

static void boot_params_rejected(struct ktest *t)
{
	int saved = printk_console_level();
	const char *spec = params_get_ktest();
	char spec_copy[128] = "";
	if (spec)
		strlcpy(spec_copy, spec, sizeof(spec_copy));

	printk_set_console_level(6);
	EXPECT_REPORT(t, "loglevel=99", 0, 0, 0, 1);
	EXPECT_REPORT(t, "loglevel=8", 0, 0, 0, 1);
	EXPECT_REPORT(t, "loglevel=abc", 0, 0, 0, 1);
	EXPECT_REPORT(t, "loglevel=-1", 0, 0, 0, 1);
	EXPECT_REPORT(t, "loglevel=3x", 0, 0, 0, 1);
	EXPECT_REPORT(t, "loglevel=", 0, 0, 0, 1);                  /* empty value */
	EXPECT_REPORT(t, "loglevel", 0, 0, 0, 1);                   /* needs a value */
	EXPECT_REPORT(t, "ktest", 0, 0, 0, 1);                      /* needs a value */
	EXPECT_REPORT(t, "ktest=", 0, 0, 0, 1);                     /* empty: refused */
	KTEST_EXPECT_EQ(t, printk_console_level(), 6);
	/* The refused ktest forms did not touch the spec being run. */
	KTEST_EXPECT_TRUE(t, spec == params_get_ktest());
	if (spec)
		KTEST_EXPECT_EQ(t, strcmp(spec, spec_copy), 0);
	printk_set_console_level(saved);
}

static void boot_params_mixed_line(struct ktest *t)
{
	int saved = printk_console_level();
	EXPECT_REPORT(t, "loglevel=2 =x nope=1 loglevel=99 bad$key loglevel=\"5\" loglevel", 2, 1, 2, 2);
	KTEST_EXPECT_EQ(t, printk_console_level(), 5);
	EXPECT_REPORT(t, "", 0, 0, 0, 0);
	EXPECT_REPORT(t, " \t\r\n ", 0, 0, 0, 0);
	EXPECT_REPORT(t, NULL, 0, 0, 0, 0);
	KTEST_EXPECT_EQ(t, printk_console_level(), 5);
	params_apply("loglevel=4", NULL);                           /* a NULL report is allowed */
	KTEST_EXPECT_EQ(t, printk_console_level(), 4);
	printk_set_console_level(saved);
}

/* The real command line: the loader's image path is gone and ktest= was
 * applied (we are running because of it). */
static void boot_cmdline_applied(struct ktest *t)
{
	static struct cmdline_param p[32];
	KTEST_ASSERT_TRUE(t, strnlen(boot_info.cmdline, BOOT_CMDLINE_MAX) < BOOT_CMDLINE_MAX);
	int n = cmdline_parse(boot_info.cmdline, p, 32, NULL, 0, NULL);
	KTEST_ASSERT_GE(t, n, 1);
	/* The first token, raw (the parser would only call a path malformed). */
	bool slash = false;
	const char *c = boot_info.cmdline;
	while (*c == ' ' || *c == '\t')
		c++;
	for (; *c && *c != ' ' && *c != '\t'; c++)
		slash |= *c == '/';
	KTEST_EXPECT_FALSE(t, slash);
	const char *v = cmdline_get(p, n, "ktest");
	KTEST_ASSERT_NOT_NULL(t, v);
	KTEST_ASSERT_NOT_NULL(t, params_get_ktest());
	KTEST_EXPECT_EQ(t, strcmp(v, params_get_ktest()), 0);
	KTEST_EXPECT_TRUE(t, strcmp(v, "all") == 0 || strstr(v, "boot") != NULL);
}

static void boot_info_protocol(struct ktest *t)
{
	KTEST_ASSERT_NOT_NULL(t, boot_info.protocol);
	KTEST_EXPECT_TRUE(t, strcmp(boot_info.protocol, "multiboot1") == 0 ||
			     strcmp(boot_info.protocol, "multiboot2") == 0);
	KTEST_EXPECT_LT(t, strnlen(boot_info.loader, sizeof(boot_info.loader)), sizeof(boot_info.loader));
	if (boot_info.have_rsdp)
		KTEST_EXPECT_TRUE(t, boot_info.rsdp_len == 20 || boot_info.rsdp_len == 36);
	ktest_log("protocol %s, loader '%s', %d regions, %d warnings", boot_info.protocol,
		  boot_info.loader, boot_info.nr_mem, boot_info.warnings);
}

static void boot_info_memory_map(struct ktest *t)
{
	uint64_t usable = 0;
	int nusable = 0;
	bool image_in_ram = false;
	uint64_t kstart = __pa(__kernel_start), kend = __pa(__kernel_end);

	KTEST_ASSERT_GE(t, boot_info.nr_mem, 1);
	KTEST_ASSERT_LE(t, boot_info.nr_mem, BOOT_MAX_REGIONS);
	for (int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		KTEST_EXPECT_GT(t, r->length, 0ull);
		KTEST_EXPECT_GT(t, r->base + r->length, r->base);      /* no wrap */
		KTEST_EXPECT_TRUE(t, r->type >= MEM_USABLE && r->type <= MEM_BAD);
		if (r->type != MEM_USABLE)
			continue;
		nusable++;
		usable += r->length;
		image_in_ram |= r->base <= kstart && kend <= r->base + r->length;
		for (int j = i + 1; j < boot_info.nr_mem; j++) {
			const struct mem_region *q = &boot_info.mem[j];
			if (q->type == MEM_USABLE && r->base < q->base + q->length && q->base < r->base + r->length)
				ktest_fail(t, __FILE__, __LINE__, "usable regions %d and %d overlap", i, j);
		}
	}
	KTEST_EXPECT_GE(t, nusable, 1);
	KTEST_EXPECT_TRUE(t, image_in_ram);
	/* The allocator manages a part of usable RAM, never more. */
	KTEST_EXPECT_GT(t, pmm_total_frames(), 0ull);
	KTEST_EXPECT_LE(t, pmm_total_frames() * PAGE_SIZE, usable);
	ktest_log("usable RAM %llu MiB in %d regions, %llu MiB managed", (unsigned long long)(usable >> 20),
		  nusable, (unsigned long long)(pmm_total_frames() >> 8));
}

static struct ktest_case boot_cases[] = {
	KTEST_CASE(boot_params_known_key),
	KTEST_CASE(boot_params_malformed),
	KTEST_CASE(boot_params_unknown),
	KTEST_CASE(boot_params_rejected),
	KTEST_CASE(boot_params_mixed_line),
	KTEST_CASE(boot_cmdline_applied),
	KTEST_CASE(boot_info_protocol),
	KTEST_CASE(boot_info_memory_map),
	{}
};
KTEST_SUITE(boot, boot_cases);
