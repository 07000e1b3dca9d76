/*
 * sidt - attack: read the kernel's descriptor-table addresses from user
 * mode.  sgdt and sidt are not privileged on x86 unless CR4.UMIP is set, and
 * they give away where the kernel keeps its GDT and IDT.  With UMIP on, the
 * instruction raises #GP and the kernel must kill this process (139); the
 * last line is printed only on a CPU without UMIP.
 *
 * Usage: sidt [sgdt|sidt]   (default sidt)
 */
#include <stdio.h>
#include <string.h>

struct __attribute__((packed)) dtr {
	unsigned short limit;
	unsigned long base;
};

int main(int argc, char **argv)
{
	struct dtr d = { 0, 0 };
	int gdt = argc > 1 && strcmp(argv[1], "sgdt") == 0;

	printf("sidt: %s from user mode; with UMIP the kernel must kill this process\n",
	       gdt ? "sgdt" : "sidt");
	if (gdt)
		__asm__ volatile("sgdt %0" : "=m"(d));
	else
		__asm__ volatile("sidt %0" : "=m"(d));
	printf("sidt: no UMIP: %s base %#lx limit %#x\n", gdt ? "GDT" : "IDT", d.base, d.limit);
	return 0;
}
