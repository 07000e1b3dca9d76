/*
 * tests/kernel/ktest.h - the in-kernel test framework (KUnit-like, KTAP output).
 *
 * A suite is a file in tests/kernel/ that defines its cases and registers
 * itself with KTEST_SUITE(); the linker gathers suites into one section.
 * `ktest=all` or `ktest=name1,name2` on the command line runs them at boot;
 * `ktest=tlb:lazy_cpus+test_concurrent_flushers,smp` runs only those cases
 * of tlb (named with or without their "test_" prefix) and all of smp;
 * results go to the serial port as KTAP version 1, and the verdict leaves
 * QEMU through isa-debug-exit (EXIT_PASS / EXIT_FAIL; a panic is EXIT_PANIC).
 *
 *   static void test_foo(struct ktest *t) { KTEST_EXPECT_EQ(t, 1 + 1, 2); }
 *   static struct ktest_case cases[] = { KTEST_CASE(test_foo), {} };
 *   KTEST_SUITE(example, cases);
 *
 * EXPECT records a failure and goes on; ASSERT records it and returns from
 * the case.  A failing assertion prints file, line, the expression and both
 * values.  Cases run in a kernel context on the boot CPU with interrupts on.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdint.h>
#include <stdbool.h>
#include "lib/compiler.h"
#include "asm/fault_catch.h"

struct ktest {
	const char *name;
	bool failed;
	bool skipped;
	char skip_reason[96];
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	struct ktest_case *cases;
	int (*init)(void);          /* optional; non-zero skips the suite */
};

#define KTEST_CASE(fn) { .name = #fn, .run = fn }

#define KTEST_SUITE(sname, scases) \
	static const struct ktest_suite __ktest_suite_##sname \
	__attribute__((used, section(".ktest_suites"), aligned(8))) = { \
		.name = #sname, .cases = scases }

#define KTEST_SUITE_INIT(sname, scases, sinit) \
	static const struct ktest_suite __ktest_suite_##sname \
	__attribute__((used, section(".ktest_suites"), aligned(8))) = { \
		.name = #sname, .cases = scases, .init = sinit }

/** ktest_fail() - record a failure with a formatted message (file:line added). */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** ktest_skip() - mark the case skipped (reported as `# SKIP reason`). */
void ktest_skip(struct ktest *t, const char *reason);

/**
 * ktest_log_count() - how many times @needle occurs in the kernel log
 * (log_buf, the last LOG_BUF_SIZE bytes).  Context: not IRQ or NMI.
 */
unsigned ktest_log_count(const char *needle);

/** ktest_log() - a `# ...` diagnostic line in the KTAP stream. */
void ktest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define __KTEST_CMP(t, a, op, b, ret) do { \
	__typeof__(a) __a = (a); __typeof__(b) __b = (b); \
	if (!(__a op __b)) { \
		ktest_fail((t), __FILE__, __LINE__, "expected %s %s %s, but %s = %lld (%#llx), %s = %lld (%#llx)", \
			   #a, #op, #b, #a, (long long)__a, (unsigned long long)__a, \
			   #b, (long long)__b, (unsigned long long)__b); \
		ret; \
	} \
} while (0)

#define KTEST_EXPECT_EQ(t, a, b) __KTEST_CMP(t, a, ==, b, (void)0)
#define KTEST_EXPECT_NE(t, a, b) __KTEST_CMP(t, a, !=, b, (void)0)
#define KTEST_EXPECT_LT(t, a, b) __KTEST_CMP(t, a, <, b, (void)0)
#define KTEST_EXPECT_LE(t, a, b) __KTEST_CMP(t, a, <=, b, (void)0)
#define KTEST_EXPECT_GT(t, a, b) __KTEST_CMP(t, a, >, b, (void)0)
#define KTEST_EXPECT_GE(t, a, b) __KTEST_CMP(t, a, >=, b, (void)0)
#define KTEST_ASSERT_EQ(t, a, b) __KTEST_CMP(t, a, ==, b, return)
#define KTEST_ASSERT_NE(t, a, b) __KTEST_CMP(t, a, !=, b, return)
#define KTEST_ASSERT_GE(t, a, b) __KTEST_CMP(t, a, >=, b, return)
#define KTEST_ASSERT_LE(t, a, b) __KTEST_CMP(t, a, <=, b, return)

#define KTEST_EXPECT_TRUE(t, c) do { if (!(c)) \
	ktest_fail((t), __FILE__, __LINE__, "expected %s to be true", #c); } while (0)
#define KTEST_EXPECT_FALSE(t, c) do { if (c) \
	ktest_fail((t), __FILE__, __LINE__, "expected %s to be false", #c); } while (0)
#define KTEST_ASSERT_TRUE(t, c) do { if (!(c)) { \
	ktest_fail((t), __FILE__, __LINE__, "expected %s to be true", #c); return; } } while (0)
#define KTEST_ASSERT_NOT_NULL(t, p) do { if ((p) == NULL) { \
	ktest_fail((t), __FILE__, __LINE__, "expected %s to be non-NULL", #p); return; } } while (0)
#define KTEST_EXPECT_NULL(t, p) do { if ((p) != NULL) \
	ktest_fail((t), __FILE__, __LINE__, "expected %s to be NULL, got %p", #p, (void *)(p)); } while (0)

/**
 * ktest_expect_fault() - run @fn(@arg), which is expected to raise an
 * exception; catch it and say which.
 * @rec: filled with the vector, error code, RIP and (for #PF) the address.
 * Return: true if @fn faulted (and was abandoned at that point), false if
 * it returned normally.  Context: process context; runs with preemption
 * off so the catch stays on this CPU.
 */
bool ktest_expect_fault(void (*fn)(void *), void *arg, struct fault_record *rec);

/**
 * ktest_run_program() - spawn user program @name (from user/bin/) with
 * @argc arguments @argv (0 and NULL: just the name), as the kernel, and
 * wait for it.
 * Return: its wait status (kernel/proc/uapi/wait.h: 0 for exit(0), n << 8
 * for exit(n), STATUS_SEGV if a fault killed it), or the spawn error
 * minus 1000 (so -1002 is -ENOENT).  Context: may sleep.
 */
int ktest_run_program(const char *name, int argc, char **argv);

/**
 * ktest_frames_available() - frames not in use: free, plus those the
 * kernel keeps cached for reuse (stack slots, the page-table quarantine,
 * slab pages).  Equal before and after a piece of work: no frame leaked.
 */
uint64_t ktest_frames_available(void);

/** ktest_heap_bytes() - kmalloc bytes in use (equal before and after: no heap leak). */
uint64_t ktest_heap_bytes(void);

struct mm_struct;
struct page;
/**
 * ktest_mapped_frame() - the frame mapped at user address @va in @mm.
 * Return: its struct page, or NULL when no PTE maps @va.
 * Context: may take @mm's PTE lock (a spinlock).
 */
struct page *ktest_mapped_frame(struct mm_struct *mm, uintptr_t va);

/**
 * ktest_settle() - wait up to @ms for the deferred frees (RCU callbacks,
 * exiting threads' stacks) until frames and heap are back at @frames and
 * @heap.  Return: whether they are.  Context: may sleep.
 */
bool ktest_settle(uint64_t frames, uint64_t heap, unsigned ms);

/**
 * ktest_run() - run the suites named in @spec ("all" or a comma list of
 * `suite` or `suite:case+case`), print KTAP, and return the number of
 * failed cases (unknown suite or case names count as failures).
 */
int ktest_run(const char *spec);

#endif
