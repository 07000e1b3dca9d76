/*
 * ac_flag - attack: set RFLAGS.AC and stay in user mode.  AC is a user flag
 * (POPF sets it at CPL 3), but at CPL 0 it switches SMAP off.  If the
 * kernel entered from here with AC still set, its interrupt handlers, and
 * every thread it switched to from them, would run with user memory open.
 * The kernel must clear AC on every entry and give it back on the return,
 * so this program sees its AC set throughout; the `security` suite samples
 * RFLAGS in the kernel meanwhile.
 *
 * Usage: ac_flag CPU MS - pin to CPU, spin with AC set for MS milliseconds
 * (a system call every 256 iterations).  Exit status 0, or 1 if AC was
 * lost.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "user/bin/rflags.h"

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : 0;
	long ms = argc > 2 ? atoi(argv[2]) : 200;
	cpu_set_t set;
	unsigned long lost = 0, iters = 0;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		printf("ac_flag: cannot pin to cpu %d\n", cpu);
		return 2;
	}
	printf("ac_flag: RFLAGS.AC set on cpu %d for %ld ms\n", cpu, ms);
	long end = now_ms() + ms;
	write_rflags(read_rflags() | RFLAGS_AC);
	while (++iters % 256 || now_ms() < end) {
		if (!(read_rflags() & RFLAGS_AC)) {
			lost++;
			write_rflags(read_rflags() | RFLAGS_AC);
		}
	}
	write_rflags(read_rflags() & ~RFLAGS_AC);
	printf("ac_flag: %lu iterations, AC lost %lu times\n", iters, lost);
	return lost ? 1 : 0;
}
