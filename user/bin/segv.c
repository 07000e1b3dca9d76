/*
 * segv - a user fault must kill the process, not the kernel: writes to an
 * unmapped address (0x1000, below USER_BASE) and must never get further.
 */
#include <stdio.h>

int main(void)
{
	printf("segv: writing to 0x1000 (unmapped); the kernel must kill this process\n");
	*(volatile int *)0x1000 = 42;
	printf("segv: unreachable: the write to 0x1000 did not fault\n");
	return 1;
}
