/*
 * spin - busy-loop in user mode for MS milliseconds (default 200), then
 * exit 0: the `profile` suite's known user-mode load, whose samples the
 * profiler must count as user time under this program's name.
 *
 * Usage: spin [MS]
 *
 * The clock is read only every 2^16 iterations, so nearly all of the time
 * is spent in user mode rather than in the clock_gettime system call.
 */
#include <stdlib.h>
#include <time.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long end = now_ns() + (unsigned long long)(argc > 1 ? atoi(argv[1]) : 200) * 1000000ull;
	volatile unsigned long x = 1;
	do {
		for (int i = 0; i < 1 << 16; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
	} while (now_ns() < end);
	return 0;
}
