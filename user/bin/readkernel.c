/*
 * readkernel - read kernel memory from user mode.  The page is mapped (the
 * kernel image) but supervisor-only, so the read faults and the kernel must
 * kill this process; the last line is never printed.
 */
#include <stdio.h>

int main(void)
{
	volatile const unsigned long *kernel_text = (const unsigned long *)0xffffffff80100000ul;
	printf("readkernel: reading %p from user mode; the kernel must kill this process\n",
	       (const void *)kernel_text);
	unsigned long v = *kernel_text;
	printf("readkernel: unreachable: read %#lx\n", v);
	return 0;
}
