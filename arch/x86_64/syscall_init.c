/*
 * arch/x86_64/syscall_init.c - program the SYSCALL instruction on a CPU.
 *
 * STAR[47:32] is the kernel CS loaded by SYSCALL (SS = CS + 8); STAR[63:48]
 * is the base SYSRET uses (CS = base + 16, SS = base + 8), which is why the
 * GDT has user data at 0x20 and user code at 0x28 (asm/gdt.h).  SFMASK
 * clears IF (the entry code runs with interrupts off until it is on the
 * kernel stack), DF, TF and AC (so a user cannot enter with SMAP open).
 */
#include "asm/context.h"
#include "asm/cpu.h"
#include "asm/gdt.h"

extern void syscall_entry(void);

void arch_syscall_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)0x18 << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, (1u << 9) | (1u << 10) | (1u << 8) | (1u << 18));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_KERNEL_GS_BASE, 0);   /* the user's GS base, swapped in on exit */
}
