/*
 * bigunmap - map 64 TiB of address space (PROT_NONE, nothing ever touched),
 * then unmap it, and time the munmap.  Nothing is mapped, so a zap that
 * skips absent upper levels of the page table is instant; one that steps
 * through every 2 MiB took seconds.  Exit 0 if the munmap took less than
 * a second, 1 if slower, 2 if a call failed.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

#define SIZE (64ul << 40)

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int main(void)
{
	void *p = mmap(NULL, SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("bigunmap: mmap of 64 TiB failed\n");
		return 2;
	}
	long long t0 = now_ns();
	if (munmap(p, SIZE) != 0) {
		printf("bigunmap: munmap failed\n");
		return 2;
	}
	long long ms = (now_ns() - t0) / 1000000;
	printf("bigunmap: munmap of an empty 64 TiB mapping took %lld ms\n", ms);
	return ms < 1000 ? 0 : 1;
}
