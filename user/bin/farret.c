/*
 * farret - a user far return (`lretq`) or `iretq` to its own code segment.
 *
 * Architecturally both simply continue.  QEMU 7.2's TCG, though, reports the
 * descriptor-table read they do as a supervisor-mode access (a #PF whose
 * error code lacks the user bit), which SMAP refuses; a kernel that treats
 * every fault on a present page as a stale TLB entry would retry it
 * forever and the process would never end.  The kernel must end it with a
 * message instead (or, where the CPU just executes the instruction, let it
 * go on).  Either way this program finishes: exit 0 if the return worked,
 * killed (EXIT_SEGV) if the kernel refused it.
 *
 *   farret lret      lretq to the current CS
 *   farret iret      iretq to the current CS, SS, RSP and RFLAGS
 */
#include <stdio.h>
#include <string.h>

static void far_return(void)
{
	__asm__ volatile(
		"mov %%cs, %%rax\n\t"
		"pushq %%rax\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:"
		::: "rax", "memory");
}

static void interrupt_return(void)
{
	__asm__ volatile(
		"mov %%ss, %%rax\n\t"
		"movq %%rsp, %%rcx\n\t"
		"pushq %%rax\n\t"          /* SS */
		"pushq %%rcx\n\t"          /* RSP as it was before these pushes */
		"pushfq\n\t"               /* RFLAGS */
		"mov %%cs, %%rax\n\t"
		"pushq %%rax\n\t"          /* CS */
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"          /* RIP */
		"iretq\n"
		"1:"
		::: "rax", "rcx", "memory", "cc");
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "lret";
	printf("farret: %s to my own code segment\n", how);
	if (strcmp(how, "iret") == 0)
		interrupt_return();
	else
		far_return();
	printf("farret: %s returned normally\n", how);
	return 0;
}
