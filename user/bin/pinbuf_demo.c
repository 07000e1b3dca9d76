/*
 * pinbuf_demo - a pin outlives munmap (docs/gup.md, "The consumer").
 *
 * Registers a 4-page buffer with the kernel's pretend device (pinned with
 * pin_user_pages_fast), sees the device's writes in it, unmaps it, and
 * shows that the device still writes the pinned frames (its pass number
 * keeps rising) while the address, mapped again, faults in a fresh zero
 * page that the device never touches.  Unregistering frees the frames.
 * Exit 0 when all of that holds; 1 and the reason otherwise.
 * `pinbuf_demo leave`: register and exit without unregistering (the
 * kernel must unpin at exit).
 */
#include <errno.h>
#include <kcalls.h>
#include <stdio.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#define PAGES 4
#define PG 4096ul

static int fail(const char *why)
{
	printf("pinbuf_demo: FAIL: %s (errno %d)\n", why, errno);
	return 1;
}

/* Wait (at most ~2 s) until the device's pass number in page 0 passes @after. */
static unsigned long wait_pass(int id, unsigned long after)
{
	unsigned long v[2] = { 0, 0 };
	for (int i = 0; i < 2000; i++) {
		if (pinbuf_peek(id, 0, v) == 0 && v[0] == PINBUF_DEV_MAGIC && v[1] > after)
			return v[1];
		usleep(1000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long *buf = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return fail("mmap");
	for (int i = 0; i < PAGES; i++)
		buf[i * PG / 8 + 100] = 0x5000 + i;         /* the user's own data */
	unsigned long cyc = 0;
	long n = gup_test(buf, PAGES, GUP_TEST_FAST | GUP_TEST_PIN, &cyc);
	printf("gup_test: pinned %ld pages with the fast part in %lu cycles\n", n, cyc);
	if (n != PAGES)
		return fail("gup_test");
	int id = pinbuf_register(buf, PAGES * PG, 1);
	if (id < 0)
		return fail("pinbuf_register");
	if (argc > 1 && !strcmp(argv[1], "leave"))
		return 0;
	unsigned long p1 = wait_pass(id, 0);
	if (!p1)
		return fail("the device never wrote");
	if (buf[0] != PINBUF_DEV_MAGIC || buf[PG / 8 * 3] != PINBUF_DEV_MAGIC || buf[100] != 0x5000)
		return fail("the user does not see the device's writes");
	printf("registered buffer %d at %p: the user sees the device's pass %lu\n", id, (void *)buf, buf[1]);

	if (munmap(buf, PAGES * PG))
		return fail("munmap");
	unsigned long p2 = wait_pass(id, p1 + 2);
	if (!p2)
		return fail("the device stopped writing after munmap");
	printf("after munmap the device still writes the pinned pages: pass %lu -> %lu\n", p1, p2);

	unsigned long *again = mmap(buf, PAGES * PG, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (again != buf)
		return fail("mmap again");
	unsigned long p3 = wait_pass(id, p2 + 2);
	if (!p3)
		return fail("the device stopped writing");
	for (int i = 0; i < PAGES; i++)
		if (again[i * PG / 8] != 0 || again[i * PG / 8 + 1] != 0 || again[i * PG / 8 + 100] != 0)
			return fail("the address mapped again is not a fresh zero page");
	printf("mapped again, the address reads a fresh zero page while the device is at pass %lu\n", p3);

	if (pinbuf_unregister(id))
		return fail("pinbuf_unregister");
	unsigned long v[2];
	if (pinbuf_peek(id, 0, v) == 0 || errno != EINVAL)
		return fail("peek after unregister");
	if (pinbuf_unregister(id) == 0)
		return fail("second unregister");
	printf("unregistered: the pinned pages are freed\n");
	return 0;
}
