/*
 * tests/kernel/filemap.c - suite `filemap`: file-backed and shared
 * mappings (mm/filemap_fault.c, kernel/fs/fmap.c) driven from user space
 * by user/bin/fmap_test.c, at 2 CPUs under each FAULT path.
 *
 *   basic       MAP_SHARED coherent with read()/write() and with a second
 *               mapping, MAP_PRIVATE copy-on-write isolated from the file,
 *               MADV_DONTNEED of each kind, an unlinked file alive while
 *               mapped, MAP_SHARED|MAP_ANONYMOUS across fork, the errors
 *   coherence   two processes pinned to two CPUs, each with its own
 *               mapping, ping-ponging values through the mappings and
 *               read()/pwrite(); every step must be seen at once
 *   race        a reader CPU re-reading its shared mapping while another
 *               CPU truncates the file to nothing and rewrites it, 200
 *               times: its mapping must follow (floor: 10 new values seen)
 *               and show the file's last contents at the end
 *   truncate    a shared and a private mapping touched past a truncated
 *               end, and a mapping past the end of a file: SIGBUS each
 *               time.  TRUNCATE_BROKEN=1 (truncate does not unmap) must
 *               fail it and `race`: the children survive their access past
 *               the end, the reader keeps an old page mapped.
 *
 * Each case checks the exit status (the user side's failed checks), that
 * file faults ran (and, under FAULT=spf, were sent to the locked path,
 * counted as SPF_ABORT_FILE), and that frames, heap and tmpfs pages are
 * back at their baseline: mapped pages, the unlinked file and the shmem
 * object are freed by the last unmap.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/ktest_fs.h"
#include "kernel/config.h"
#include "kernel/proc/uapi/wait.h"
#include "mm/fault.h"

static int run_case(const char *name)
{
	char *argv[] = { "fmap_test", (char *)name, NULL };
	return ktest_run_program("fmap_test", 2, argv);
}

static void check_case(struct ktest *t, const char *name)
{
	struct baseline b = mark();
	uint64_t faults = READ_ONCE(filemap_faults);
	struct fault_stats s0, s1;
	fault_get_stats(&s0);
	KTEST_EXPECT_EQ(t, run_case(name), 0);
	fault_get_stats(&s1);
	KTEST_EXPECT_GT(t, READ_ONCE(filemap_faults), faults);
#ifdef CONFIG_FAULT_SPF
	/* Every file fault went through the locked path, counted. */
	KTEST_EXPECT_GT(t, s1.spf_abort[SPF_ABORT_FILE], s0.spf_abort[SPF_ABORT_FILE]);
#else
	KTEST_EXPECT_EQ(t, s1.spf_abort[SPF_ABORT_FILE], s0.spf_abort[SPF_ABORT_FILE]);
#endif
	expect_back(t, b);
}

static void test_basic(struct ktest *t)
{
	check_case(t, "basic");
}

static void test_coherence(struct ktest *t)
{
	check_case(t, "coherence");
}

static void test_truncate(struct ktest *t)
{
	uint64_t sigbus = READ_ONCE(filemap_sigbus);
	unsigned said = ktest_log_count("killed (SIGBUS)");
	check_case(t, "truncate");
	/* Three children killed, each by a refused fault, each said so. */
	KTEST_EXPECT_GE(t, READ_ONCE(filemap_sigbus), sigbus + 3);
	KTEST_EXPECT_EQ(t, ktest_log_count("killed (SIGBUS)"), said + 3);
}

static void test_race(struct ktest *t)
{
	check_case(t, "race");
}

static struct ktest_case filemap_cases[] = {
	KTEST_CASE(test_basic),
	KTEST_CASE(test_coherence),
	KTEST_CASE(test_race),
	KTEST_CASE(test_truncate),
	{}
};
KTEST_SUITE(filemap, filemap_cases);
