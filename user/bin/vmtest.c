/*
 * vmtest - the memory system calls and their POSIX error results.
 *
 * Prints one line per check, "vmtest: pass N - what" or "vmtest: FAIL N -
 * what" (with a line saying what came back instead), then a count.  Not
 * TAP on purpose: its lines must not be mistaken for the kernel's KTAP.
 * Exit status: the number of failed checks (0 = all good).
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define KERNEL_ADDR 0xffff800000000000ul
#define FIXED_ADDR  0x0000100000000000ul	/* 16 TiB: far from everything else */

static int checks, failures;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("vmtest: %s %d - %s\n", ok ? "pass" : "FAIL", checks, what);
}

/* @r is a call's result; it must be @fail with errno @want. */
static void check_err(long r, long fail, int want, const char *what)
{
	int e = errno;

	check(r == fail && e == want, what);
	if (r != fail || e != want)
		printf("vmtest:   returned %ld (%#lx), errno %s; expected errno %s\n", r,
		       (unsigned long)r, r == fail ? strerror(e) : "-", strerror(want));
}

static void *map(void *addr, size_t len, int flags)
{
	return mmap(addr, len, PROT_READ | PROT_WRITE, flags | MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
}

/* Fill page @i of @p with a pattern of its own; check it reads back. */
static void fill(unsigned char *p, int i)
{
	memset(p + i * PAGE, 0x40 + i, PAGE);
}

static int filled(const unsigned char *p, int i)
{
	for (size_t k = 0; k < PAGE; k++)
		if (p[i * PAGE + k] != 0x40 + i)
			return 0;
	return 1;
}

static void test_mappings(void)
{
	const int n = 8;
	unsigned char *p = map(NULL, n * PAGE, 0), *q, *f;
	int ok = 1;

	if (p == MAP_FAILED) {
		check(0, "mmap 8 pages anonymous private RW");
		printf("vmtest:   errno %s: skipping the checks that need the mapping\n",
		       strerror(errno));
		return;
	}
	check((uintptr_t)p % PAGE == 0 && (uintptr_t)p >= USER_BASE &&
	      (uintptr_t)p + n * PAGE <= USER_END,
	      "mmap returns a page-aligned user address");
	for (int i = 0; i < n; i++)
		fill(p, i);
	for (int i = 0; i < n; i++)
		ok &= filled(p, i);
	check(ok, "mmap 8 pages: every page written and read back");

	/* Unmap page 3; pages 2 and 4 must be unharmed and writable. */
	check(munmap(p + 3 * PAGE, PAGE) == 0, "munmap of a middle page");
	check(filled(p, 2) && filled(p, 4), "the neighbours keep their contents");
	fill(p, 2);
	fill(p, 4);
	check(filled(p, 2) && filled(p, 4), "the neighbours are still writable");
	check(munmap(p + 3 * PAGE, PAGE) == 0, "munmap of the hole again succeeds");
	errno = 0;
	check_err(mprotect(p + 3 * PAGE, PAGE, PROT_READ), -1, ENOMEM,
		  "mprotect of an unmapped range -> ENOMEM");

	/* mprotect: read-only, then writable again. */
	check(mprotect(p, 2 * PAGE, PROT_READ) == 0 && filled(p, 0) && filled(p, 1),
	      "mprotect PROT_READ: still readable");
	check(mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE) == 0,
	      "mprotect back to PROT_READ|PROT_WRITE");
	fill(p, 0);
	p[PAGE] = 0x41;
	check(filled(p, 0) && filled(p, 1), "writes work after mprotect RW");

	/* madvise(MADV_DONTNEED): the page reads back as zeros, the VMA stays. */
	ok = madvise(p + 5 * PAGE, PAGE, MADV_DONTNEED) == 0;
	for (size_t k = 0; k < PAGE; k++)
		ok &= p[5 * PAGE + k] == 0;
	check(ok, "madvise MADV_DONTNEED: the page reads back as zeros");
	fill(p, 5);
	check(filled(p, 5) && filled(p, 6) && mprotect(p + 5 * PAGE, PAGE, PROT_READ |
							  PROT_WRITE) == 0,
	      "madvise MADV_DONTNEED: the mapping remains (write, mprotect)");

	check(munmap(p, n * PAGE) == 0, "munmap of the whole range, hole included");

	/* MAP_FIXED: exactly there; over an existing mapping, replaces it. */
	f = map((void *)FIXED_ADDR, 2 * PAGE, MAP_FIXED);
	check(f == (void *)FIXED_ADDR, "mmap MAP_FIXED returns the address asked for");
	if (f == (void *)FIXED_ADDR) {
		fill(f, 0);
		q = map(f, PAGE, MAP_FIXED);
		check(q == f && q[0] == 0 && q[PAGE - 1] == 0 && filled(f, 0) == 0,
		      "mmap MAP_FIXED over a mapping replaces it (fresh zero page)");
		munmap(f, 2 * PAGE);
	}
}

static void test_errors(void)
{
	struct timespec ts = { 0, 2000000000 };
	cpu_set_t none;
	void *r;

	errno = 0;
	r = map(NULL, 0, 0);
	check_err((long)r, -1, EINVAL, "mmap length 0 -> EINVAL");
	errno = 0;
	r = map((void *)(FIXED_ADDR + 123), PAGE, MAP_FIXED);
	check_err((long)r, -1, EINVAL, "mmap MAP_FIXED unaligned address -> EINVAL");
	errno = 0;
	r = mmap(NULL, PAGE, 0x80, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check_err((long)r, -1, EINVAL, "mmap bad prot bits (0x80) -> EINVAL");
	errno = 0;
	r = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check_err((long)r, -1, EINVAL, "mmap MAP_SHARED|MAP_PRIVATE -> EINVAL");
	errno = 0;
	r = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS, -1, 0);
	check_err((long)r, -1, EINVAL, "mmap without MAP_PRIVATE -> EINVAL");
	errno = 0;
	r = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0);
	check_err((long)r, -1, EBADF, "mmap of a file with fd -1 -> EBADF");
	errno = 0;
	r = map(NULL, 1ul << 62, 0);
	check_err((long)r, -1, ENOMEM, "mmap length 1<<62 -> ENOMEM");

	errno = 0;
	check_err(munmap((void *)(FIXED_ADDR + 1), PAGE), -1, EINVAL,
		  "munmap unaligned address -> EINVAL");
	errno = 0;
	check_err(munmap((void *)FIXED_ADDR, 0), -1, EINVAL, "munmap length 0 -> EINVAL");
	errno = 0;
	check_err(munmap((void *)KERNEL_ADDR, PAGE), -1, EINVAL,
		  "munmap of a kernel address -> EINVAL");

	errno = 0;
	check_err(mprotect((void *)(FIXED_ADDR + 8), PAGE, PROT_READ), -1, EINVAL,
		  "mprotect unaligned address -> EINVAL");
	errno = 0;
	check_err(mprotect((void *)FIXED_ADDR, PAGE, PROT_READ), -1, ENOMEM,
		  "mprotect of a range never mapped -> ENOMEM");

	errno = 0;
	check_err(write(1, (void *)0x10, 5), -1, EFAULT, "write from address 0x10 -> EFAULT");
	errno = 0;
	check_err(write(1, (void *)0xffffffff80100000ul, 5), -1, EFAULT,
		  "write from a kernel address -> EFAULT");

	errno = 0;
	check_err(nanosleep(&ts, NULL), -1, EINVAL, "nanosleep tv_nsec 2e9 -> EINVAL");
	errno = 0;
	check_err(clock_gettime(CLOCK_MONOTONIC, NULL), -1, EFAULT,
		  "clock_gettime into NULL -> EFAULT");

	CPU_ZERO(&none);
	errno = 0;
	check_err(sched_setaffinity(0, sizeof(none), &none), -1, EINVAL,
		  "sched_setaffinity with an empty mask -> EINVAL");
}

int main(void)
{
	test_mappings();
	test_errors();
		printf("vmtest: %d of %d checks failed\n", failures, checks);
	return failures;
}
