/*
 * tests/kernel/user.c - suite `user`: processes in ring 3, the memory
 * system calls, user faults, the ELF loader's checks and the user-copy
 * routines.  The programs are the ones in user/bin/, embedded in the image.
 */
#include "kernel/ktest.h"
#include "kernel/elf.h"
#include "kernel/errno.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "user/programs.h"
#include "kernel/uapi/syscall.h"

static int run(const char *name, int argc, char **argv)
{
	char *def[] = { (char *)name, NULL };
	int pid = process_spawn(name, argc ? argc : 1, argc ? argv : def, NULL);
	if (pid < 0)
		return pid - 1000;          /* distinguishable from exit codes */
	int status = -1;
	process_wait(pid, &status);
	return status;
}

static void test_hello(struct ktest *t)
{
	char *argv[] = { "hello", "one", "two", NULL };
	KTEST_EXPECT_EQ(t, run("hello", 3, argv), 0);
}

static void test_vm_syscalls(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("vmtest", 0, NULL), 0);   /* its exit code: failed checks */
}

static void test_threads_on_every_cpu(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("threads", 0, NULL), 0);
}

static void test_posix_program(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("posix_demo", 0, NULL), 0);
}

static void test_segfault_kills_only_the_process(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("segv", 0, NULL), EXIT_SEGV);
	/* The kernel and the next process go on. */
	KTEST_EXPECT_EQ(t, run("hello", 0, NULL), 0);
}

static void test_unknown_program(struct ktest *t)
{
	char *argv[] = { "nosuch", NULL };
	KTEST_EXPECT_EQ(t, process_spawn("nosuch", 1, argv, NULL), -ENOENT);
}

static void test_no_frame_leak(struct ktest *t)
{
	/* Warm up (slabs, stack slots), then the same runs must give back
	 * every frame: pages, page tables, VMAs, thread stacks' memory. */
	run("vmtest", 0, NULL);
	run("threads", 0, NULL);
	uint64_t before = pmm_free_frames();
	for (int i = 0; i < 3; i++) {
		KTEST_EXPECT_EQ(t, run("vmtest", 0, NULL), 0);
		KTEST_EXPECT_EQ(t, run("threads", 0, NULL), 0);
		KTEST_EXPECT_EQ(t, run("segv", 0, NULL), EXIT_SEGV);
	}
	KTEST_EXPECT_EQ(t, pmm_free_frames(), before);
}

/* ---- the ELF loader refuses bad files ----------------------------------- */

static void test_elf_checks(struct ktest *t)
{
	const struct user_program *p = user_program_find("hello");
	KTEST_ASSERT_NOT_NULL(t, p);
	uint8_t *img = kmalloc(p->size);
	KTEST_ASSERT_NOT_NULL(t, img);
	const char *why = NULL;
	KTEST_EXPECT_EQ(t, elf_check(p->start, p->size, &why), 0);

	struct { const char *what; size_t off; uint64_t val; int width; size_t size; } cases[] = {
		{ "truncated header", 0, 0, 0, 40 },
		{ "bad magic", 1, 'X', 1, 0 },
		{ "32-bit class", 4, 1, 1, 0 },
		{ "big endian", 5, 2, 1, 0 },
		{ "not executable (ET_DYN)", 16, 3, 2, 0 },
		{ "wrong machine", 18, 3, 2, 0 },
		{ "phentsize", 54, 32, 2, 0 },
		{ "phnum 0", 56, 0, 2, 0 },
		{ "phnum huge", 56, 60000, 2, 0 },
		{ "phoff beyond the file", 32, 1ull << 40, 8, 0 },
		{ "entry outside the segments", 24, 0x10, 8, 0 },
		{ "file cut short", 0, 0, 0, 200 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(img, p->start, p->size);
		if (cases[i].width == 1)
			img[cases[i].off] = (uint8_t)cases[i].val;
		else if (cases[i].width == 2)
			*(uint16_t *)(img + cases[i].off) = (uint16_t)cases[i].val;
		else if (cases[i].width == 8)
			*(uint64_t *)(img + cases[i].off) = cases[i].val;
		size_t size = cases[i].size ? cases[i].size : p->size;
		why = NULL;
		int r = elf_check(img, size, &why);
		if (r != -ENOEXEC)
			ktest_fail(t, __FILE__, __LINE__, "ELF with %s accepted", cases[i].what);
		else
			ktest_log("%s: refused (%s)", cases[i].what, why);
	}
	/* A segment pointing into kernel space or outside the file. */
	uint64_t phoff = *(uint64_t *)(p->start + 32);
	memcpy(img, p->start, p->size);
	*(uint64_t *)(img + phoff + 16) = 0xffff800000000000ull;    /* first phdr's vaddr */
	KTEST_EXPECT_EQ(t, elf_check(img, p->size, &why), -ENOEXEC);
	memcpy(img, p->start, p->size);
	*(uint64_t *)(img + phoff + 8) = p->size;                    /* offset at EOF */
	*(uint64_t *)(img + phoff + 32) = 4096;                      /* filesz */
	KTEST_EXPECT_EQ(t, elf_check(img, p->size, &why), -ENOEXEC);
	memcpy(img, p->start, p->size);
	*(uint64_t *)(img + phoff + 32) = *(uint64_t *)(img + phoff + 40) + 1; /* filesz > memsz */
	KTEST_EXPECT_EQ(t, elf_check(img, p->size, &why), -ENOEXEC);
	kfree(img);
}

/* ---- user copies never oops ------------------------------------------------ */

static void test_uaccess_bad_pointers(struct ktest *t)
{
	char buf[16];
	/* This kernel thread has no user mm: every user address is bad. */
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0x400000, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_to_user((void *)0x500000, buf, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0xffff888000000000ull, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0x10, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)(USER_END - 4), 8), -EFAULT);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)0x400000, sizeof(buf)), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0x400000, 0), 0);
	KTEST_EXPECT_FALSE(t, access_ok(USER_END - 8, 16));
	KTEST_EXPECT_FALSE(t, access_ok(0x400000, (size_t)-1));
	KTEST_EXPECT_TRUE(t, access_ok(0x400000, 4096));
}

static struct ktest_case user_cases[] = {
	KTEST_CASE(test_hello),
	KTEST_CASE(test_vm_syscalls),
	KTEST_CASE(test_threads_on_every_cpu),
	KTEST_CASE(test_posix_program),
	KTEST_CASE(test_segfault_kills_only_the_process),
	KTEST_CASE(test_unknown_program),
	KTEST_CASE(test_elf_checks),
	KTEST_CASE(test_uaccess_bad_pointers),
	KTEST_CASE(test_no_frame_leak),
	{ 0 },
};
KTEST_SUITE(user, user_cases);
