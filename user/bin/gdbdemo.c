/*
 * gdbdemo - the process the gdb helpers are tested on (suite `gdb`,
 * tests/kernel/gdb.c; scripts/tests/test_gdb.py; docs/debugging.md).
 *
 * Leaves an address space worth looking at in gdb and then waits:
 *   - GDBDEMO_RW: 4 pages read-write, touched, and pinned for the
 *     pretend device (pinbuf_register: one pin on each frame);
 *   - GDBDEMO_RO: 2 pages read-only, read (so mapped: the zero page);
 *   - two pthreads (each with its stack VMA and its PROT_NONE guard)
 *     that poll a word of the pinned buffer every 20 ms.
 * It prints `gdbdemo: ready pid P tids T0 T1 T2` and goes on waiting
 * until the kernel writes GDBDEMO_GO into that word (through the direct
 * map, as the device writes the pinned frames), then unpins and exits 0.
 * Exit 1 with a reason when a step fails; after ~20 s without the word
 * (no kernel test drove it: `run gdbdemo` from the monitor) it exits 2.
 */
#include <errno.h>
#include <kcalls.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "user/bin/gdbdemo.h"

static volatile unsigned long *go_word;
static int tids[2];

static int fail(const char *why)
{
	printf("gdbdemo: FAIL: %s (errno %d)\n", why, errno);
	return 1;
}

/* Poll the go word; 1000 polls of 20 ms bound the wait (~20 s). */
static int wait_go(void)
{
	for (int i = 0; i < 1000; i++) {
		if (*go_word == GDBDEMO_GO)
			return 0;
		usleep(20000);
	}
	return -1;
}

static void *waiter(void *arg)
{
	tids[(long)arg] = gettid();
	return (void *)(long)wait_go();
}

int main(void)
{
	unsigned long *rw = mmap((void *)GDBDEMO_RW, GDBDEMO_RW_PAGES * 4096ul, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (rw != (unsigned long *)GDBDEMO_RW)
		return fail("mmap rw");
	const volatile unsigned long *ro = mmap((void *)GDBDEMO_RO, GDBDEMO_RO_PAGES * 4096ul, PROT_READ,
						MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (ro != (const unsigned long *)GDBDEMO_RO)
		return fail("mmap ro");
	unsigned long sum = 0;
	for (int i = 0; i < GDBDEMO_RW_PAGES; i++)
		rw[i * 512 + 100] = 0x6000 + i;     /* fault each page in */
	for (int i = 0; i < GDBDEMO_RO_PAGES; i++)
		sum += ro[i * 512];                 /* read faults: mapped too */
	if (sum != 0)
		return fail("read-only pages not zero");
	go_word = &rw[GDBDEMO_GO_WORD];
	int id = pinbuf_register(rw, GDBDEMO_RW_PAGES * 4096ul, 1);
	if (id < 0)
		return fail("pinbuf_register");

	pthread_t th[2];
	for (long i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, waiter, (void *)i) != 0)
			return fail("pthread_create");
	while (!tids[0] || !tids[1])
		usleep(1000);
	printf("gdbdemo: ready pid %d tids %d %d %d\n", getpid(), gettid(), tids[0], tids[1]);

	int late = 0;
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(th[i], &r);
		late |= r != NULL;
	}
	if (pinbuf_unregister(id) != 0)
		return fail("pinbuf_unregister");
	if (late) {
		printf("gdbdemo: nobody wrote the go word: exiting\n");
		return 2;
	}
	return 0;
}
